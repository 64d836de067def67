"""Deliveries to real local receivers: Slack, Teams, webhook (signed) and email (SMTP);
retries, dead letters, order per ticket, timeouts."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from slakeeper.notify.signatures import verify
from slakeeper.services.configs import store_config
from slakeeper.services.deliveries import Deliverer, DeliveryPolicy
from slakeeper.services.ingest import ingest_events
from slakeeper.services.monitor import Monitor
from slakeeper.store.alerts import AttemptRow, DeliveryRow
from slakeeper.store.session import Database
from tests.service.conftest import FixedClock
from tests.service.receivers import HttpReceiver, http_receiver, smtp_receiver
from tests.service.test_monitor import created

SECOND = 1_000_000


def config(url: str) -> str:
    return f"""\
calendars:
  always: {{timezone: UTC, weekly: 24x7}}
accounts:
  acme: {{name: Acme Corp, tier: enterprise}}
policies:
  - id: enterprise
    calendar: always
    targets: {{P1: {{first_response: 1h}}}}
    warn_at: [0.5]
    escalation: path
escalation_paths:
  path:
    - {{at: 0.25, notify: [slack, teams, hook, mail]}}
    - {{at: breach, notify: [slack]}}
notifiers:
  slack: {{type: slack, url: "{url}/slack"}}
  teams: {{type: teams, url: "{url}/teams"}}
  hook: {{type: webhook, url: "{url}/hook", secret_env: TEST_HOOK_SECRET}}
  mail: {{type: email, to: [lead@example.com]}}
"""


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as found:
        yield found


@pytest.fixture
def world(
    database: Database, receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Database, FixedClock, Monitor, Deliverer]]:
    monkeypatch.setenv("TEST_HOOK_SECRET", "hook-secret")
    with smtp_receiver() as (port, mailbox):
        monkeypatch.setenv("SLAKEEPER_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SLAKEEPER_SMTP_PORT", str(port))
        with database.write() as connection:
            store_config(connection, text=config(receiver.url), author="t", now=0)
        clock = FixedClock()
        clock.set("2026-03-02T09:00:00Z")
        deliverer = Deliverer(database, clock, public_url="https://sla.example.com")
        world = (database, clock, Monitor(database, clock), deliverer)
        world[0].mailbox = mailbox  # type: ignore[attr-defined]
        yield world


def _step(world: Any, hhmm: str) -> None:
    _database, clock, monitor, deliverer = world
    clock.set(f"2026-03-02T{hhmm}:00Z")
    monitor.tick_once()
    deliverer.deliver_once()


def _states(database: Database) -> list[tuple[str, str, int]]:
    with database.read() as connection:
        rows = connection.execute(
            select(DeliveryRow.notifier, DeliveryRow.state, DeliveryRow.attempts).order_by(
                DeliveryRow.id
            )
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_every_sink_delivers_what_a_lead_reads_at_a_glance(world: Any, receiver: Any) -> None:
    database = world[0]
    ingest_events(database, created(), now=world[1].now())
    _step(world, "09:16")  # step 1 at 0.25 (09:15)
    by_path = {request.path: request for request in receiver.requests}
    assert set(by_path) == {"/slack", "/teams", "/hook"}
    slack = orjson.loads(by_path["/slack"].body)
    assert slack["text"].startswith("P1 · Acme Corp · first response escalated (step 1)")
    assert slack["blocks"][2]["elements"][0]["url"] == "https://sla.example.com/tickets/T-1"
    card = orjson.loads(by_path["/teams"].body)["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["body"][0]["text"] == slack["text"]
    hook = by_path["/hook"]
    verify("hook-secret", timestamp=hook.headers["X-Slakeeper-Timestamp"],
           signature=hook.headers["X-Slakeeper-Signature"], body=hook.body,
           now_seconds=int(hook.headers["X-Slakeeper-Timestamp"]))  # fmt: skip
    assert orjson.loads(hook.body)["ticket"] == "T-1"
    ((_sender, recipients, raw),) = database.mailbox.messages
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert recipients == ["lead@example.com"]
    assert mail["Subject"] == f"[slakeeper] {slack['text']}"
    kinds = sorted(part.get_content_type() for part in mail.walk() if not part.is_multipart())
    assert kinds == ["text/html", "text/plain"]
    assert all(state == "delivered" for _, state, _ in _states(database))


def test_a_sink_that_is_down_gets_every_alert_in_order_once_it_is_back(
    world: Any, receiver: Any
) -> None:
    database, clock, _monitor, deliverer = world
    receiver.always = (503, 0.0)
    ingest_events(database, [created("T-1")], now=clock.now())
    for hhmm in ("09:16", "09:31", "10:01"):
        _step(world, hhmm)
    assert not [r for r in receiver.requests if r.path == "/slack"]
    receiver.always = None
    for _minute in range(2, 180, 3):  # backoff: retried until they go through
        clock.fixed = clock.now() + 3 * 60 * SECOND
        deliverer.deliver_once()
    slack = [orjson.loads(r.body)["text"] for r in receiver.requests if r.path == "/slack"]
    assert [text.split(" · ")[2].split(" ")[2] for text in slack] == [
        "escalated",
        "breaches",
        "breached",
    ]
    assert all(state == "delivered" for _, state, _ in _states(database))


def test_a_410_goes_to_dead_letter_at_once(world: Any, receiver: Any) -> None:
    database, clock, _, _ = world
    receiver.always = (410, 0.0)
    ingest_events(database, created(), now=clock.now())
    _step(world, "09:16")
    states = dict((notifier, (state, attempts)) for notifier, state, attempts in _states(database))
    assert states["slack"] == ("dead", 1)
    assert states["mail"] == ("delivered", 1)


def test_after_the_last_attempt_a_failing_delivery_is_dead(world: Any, receiver: Any) -> None:
    database, clock, monitor, _ = world
    receiver.always = (500, 0.0)
    deliverer = Deliverer(database, clock, policy=DeliveryPolicy(attempts=3, first_wait_us=SECOND))
    ingest_events(database, created(), now=clock.now())
    clock.set("2026-03-02T09:16:00Z")
    monitor.tick_once()
    for _ in range(6):
        deliverer.deliver_once()
        clock.fixed = clock.now() + 10 * SECOND
    states = dict((n, (s, a)) for n, s, a in _states(database))
    assert states["slack"] == ("dead", 3)
    with database.read() as connection:
        outcomes = connection.execute(select(AttemptRow.outcome).order_by(AttemptRow.id)).scalars()
        assert "dead" in list(outcomes)


def test_a_receiver_that_hangs_is_cut_by_the_timeout_and_retried(
    world: Any, receiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    from slakeeper.notify import http

    monkeypatch.setattr(http, "TIMEOUT", httpx.Timeout(0.3))
    database, clock, _monitor, deliverer = world
    receiver.script = [(200, 2.0)] * 3  # the first answers come too late
    ingest_events(database, created(), now=clock.now())
    _step(world, "09:16")
    states = dict((n, (s, a)) for n, s, a in _states(database))
    assert states["slack"] == ("pending", 1)
    with database.read() as connection:
        errors = connection.execute(select(AttemptRow.error)).scalars()
        assert "timed out" in list(errors)
    clock.fixed = clock.now() + 60 * SECOND
    deliverer.deliver_once()
    assert dict((n, s) for n, s, _ in _states(database))["slack"] == "delivered"


def test_429_waits_at_least_as_long_as_retry_after_asks(world: Any, receiver: Any) -> None:
    database, clock, _monitor, _deliverer = world
    receiver.script = [(429, 0.0)]
    ingest_events(database, created(), now=clock.now())
    _step(world, "09:16")
    with database.read() as connection:
        waits = connection.execute(
            select(DeliveryRow.next_attempt_at).where(DeliveryRow.state == "pending")
        ).scalars()
        assert [wait - clock.now() for wait in waits] and all(
            wait - clock.now() >= 30 * SECOND for wait in waits
        )


class CountingDeliverer(Deliverer):
    """A deliverer that counts its passes."""

    passes = 0

    def deliver_once(self) -> int:
        self.passes += 1
        return super().deliver_once()


def test_the_loop_waits_while_a_due_notice_queues_behind_one_being_retried(
    world: Any, receiver: Any
) -> None:
    database, clock, monitor, _ = world
    ingest_events(database, created(), now=clock.now())
    clock.set("2026-03-02T09:16:00Z")
    monitor.tick_once()  # step 1: to slack (and the others)
    clock.set("2026-03-02T10:01:00Z")
    monitor.tick_once()  # the breach: to slack again, due now
    receiver.always = (500, 0.0)  # the step's notices fail: retried in 5 to 10 s
    deliverer = CountingDeliverer(database, clock)
    stop = threading.Event()
    loop = threading.Thread(target=deliverer.run, args=(stop,), kwargs={"poll_seconds": 0.5})
    loop.start()
    time.sleep(2.0)  # the clock stands still: the breach's notice stays queued behind
    stop.set()
    loop.join(10)
    assert not loop.is_alive()
    states = [(notifier, state) for notifier, state, _ in _states(database)]
    assert states.count(("slack", "pending")) >= 2  # the failed one and those behind it
    # A pass every half second, not one after another as fast as the database answers.
    assert deliverer.passes <= 8, deliverer.passes

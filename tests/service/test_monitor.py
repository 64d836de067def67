"""The monitor: each mark alerted once, escalations in the log, late, historic, corrected."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import select

from slakeeper.config import load_config_document
from slakeeper.config.documents import parse_document
from slakeeper.core.evaluation import evaluate
from slakeeper.core.events import parse_event
from slakeeper.core.instants import parse_instant, to_us
from slakeeper.services.configs import store_config
from slakeeper.services.ingest import ingest_events
from slakeeper.services.monitor import Monitor
from slakeeper.store.alerts import AlertRow, DeliveryRow
from slakeeper.store.events import EventRow
from slakeeper.store.session import Database
from slakeeper.store.tickets import ClockRow, TicketRow
from tests.service.conftest import FixedClock

CONFIG = """\
calendars:
  always: {timezone: UTC, weekly: 24x7}
tiers: [enterprise]
accounts:
  acme: {name: Acme Corp, tier: enterprise}
policies:
  - id: enterprise
    calendar: always
    targets:
      P1: {first_response: 1h, resolution: 4h}
    warn_at: [0.5]
    escalation: path
escalation_paths:
  path:
    - {at: 0.75, notify: [leads], assign: {team: tier2}}
    - {at: breach, notify: [manager]}
notifiers:
  leads: {type: slack, url: "http://127.0.0.1:9/slack"}
  manager: {type: email, to: [manager@example.com]}
  ana: {type: webhook, url: "http://127.0.0.1:9/ana"}
"""


def at(hhmm: str) -> int:
    return to_us(parse_instant(f"2026-03-02T{hhmm}:00Z"))


def created(ticket: str = "T-1", when: str = "09:00", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{ticket}-c",
        "ticket": ticket,
        "type": "created",
        "at": f"2026-03-02T{when}:00Z",
        "severity": "P1",
        "account": "acme",
        "team": "tier1",
        "agent": "ana",
    } | extra


def reply(ticket: str, when: str, event_id: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "ticket": ticket,
        "type": "message",
        "at": f"2026-03-02T{when}:00Z",
        "author": "agent",
    }


@pytest.fixture
def setup(database: Database) -> tuple[Database, FixedClock, Monitor]:
    with database.write() as connection:
        store_config(connection, text=CONFIG, author="test", now=0)
    clock = FixedClock()
    clock.set("2026-03-02T09:00:00Z")
    return database, clock, Monitor(database, clock)


def post(database: Database, clock: FixedClock, payload: Any) -> None:
    ingest_events(database, payload, now=clock.now())


def alerts(database: Database, **where: Any) -> list[Any]:
    query = select(AlertRow).order_by(AlertRow.id)
    for name, value in where.items():
        query = query.where(getattr(AlertRow, name) == value)
    with database.read() as connection:
        return list(connection.execute(query).all())


def deliveries(database: Database, alert_id: int) -> list[str]:
    with database.read() as connection:
        rows = connection.execute(
            select(DeliveryRow.notifier).where(DeliveryRow.alert_id == alert_id)
        ).scalars()
        return sorted(rows)


def run_at(clock: FixedClock, monitor: Monitor, hhmm: str) -> None:
    clock.set(f"2026-03-02T{hhmm}:00Z")
    monitor.tick_once()


def test_a_warning_is_written_once_at_its_instant_and_sent_to_the_first_step(setup: Any) -> None:
    database, clock, monitor = setup
    post(database, clock, created())
    run_at(clock, monitor, "09:29")
    assert alerts(database) == []
    run_at(clock, monitor, "09:31")
    run_at(clock, monitor, "09:32")
    warnings = alerts(database, kind="warning", metric="first_response")
    assert len(warnings) == 1
    assert warnings[0].due_at == at("09:30")
    assert warnings[0].late_us == at("09:31") - at("09:30")
    assert not warnings[0].historic
    assert deliveries(database, warnings[0].id) == ["leads"]
    assert warnings[0].message == (
        "P1 · Acme Corp · first response breaches in 30 min (warning at 0.5) · assigned to ana"
    )


def test_an_escalation_step_is_written_to_the_log_and_reassigns(setup: Any) -> None:
    database, clock, monitor = setup
    post(database, clock, created())
    run_at(clock, monitor, "09:46")
    with database.read() as connection:
        logged = connection.execute(
            select(EventRow.id, EventRow.at, EventRow.source).where(EventRow.source == "monitor")
        ).all()
        team = connection.execute(select(TicketRow.team)).scalar_one()
    ids = {row.id for row in logged}
    assert "esc:T-1:first_response::1:1" in ids
    assert "esc:T-1:first_response::1:1:assign" in ids
    assert all(row.at == at("09:45") for row in logged if "first_response" in row.id)
    assert team == "tier2"
    escalation = alerts(database, kind="escalation", metric="first_response")
    assert len(escalation) == 1 and escalation[0].due_at == at("09:45")
    assert "handed to tier2" in escalation[0].message


def test_the_stored_log_replayed_offline_gives_the_live_clocks(setup: Any) -> None:
    database, clock, monitor = setup
    post(database, clock, [created(), created("T-2", "09:10")])
    for hhmm in ("09:31", "09:46", "10:01", "11:00", "12:30", "13:30"):
        run_at(clock, monitor, hhmm)
    with database.read() as connection:
        bodies = connection.execute(select(EventRow.body).order_by(EventRow.seq)).scalars()
        log = [parse_event(orjson.loads(body), n) for n, body in enumerate(bodies, 1)]
        stored = connection.execute(select(ClockRow).order_by(ClockRow.ticket, ClockRow.id)).all()
    config = load_config_document(parse_document(CONFIG))
    offline = evaluate(log, config, clock.now())
    expected = [
        (r.ticket, c.metric.value, c.team or "", c.number, c.status.value, c.due_at())
        for r in offline.tickets
        for c in r.cycles
    ]
    live = [(c.ticket, c.metric, c.team, c.cycle, c.status, c.due_at) for c in stored]
    assert live == expected


def test_two_monitors_write_every_alert_exactly_once(setup: Any) -> None:
    database, clock, first = setup
    second = Monitor(database, clock)
    post(database, clock, [created(f"T-{n}", f"09:{n:02d}") for n in range(10)])
    for minute in range(0, 300, 7):
        clock.set("2026-03-02T09:00:00Z")
        clock.fixed = at("09:00") + minute * 60_000_000
        (first if minute % 2 else second).tick_once()
        (second if minute % 2 else first).tick_once()
    one = Monitor(database, clock)
    one.tick_once()
    keys = [row.key for row in alerts(database)]
    assert len(keys) == len(set(keys))
    # every ticket: warning, step 1 and breach on both metrics, breach step once each
    assert len(alerts(database, kind="breach")) == 20
    assert len(alerts(database, kind="warning")) == 20


def test_alerts_due_while_no_monitor_ran_fire_late_and_are_delivered(setup: Any) -> None:
    database, clock, monitor = setup
    post(database, clock, created())
    run_at(clock, monitor, "11:00")
    breach = alerts(database, kind="breach", metric="first_response")[0]
    assert breach.due_at == at("10:00") and breach.late_us == 3600 * 1_000_000
    assert not breach.historic
    assert deliveries(database, breach.id) == ["manager"]


def test_marks_learnt_more_than_ten_minutes_late_are_historic_and_not_delivered(
    setup: Any,
) -> None:
    database, clock, monitor = setup
    clock.set("2026-03-02T12:30:00Z")
    post(database, clock, created())  # a backfill: the ticket opened 3.5 hours ago
    monitor.tick_once()
    written = alerts(database)
    assert written and all(row.historic for row in written)
    assert all(deliveries(database, row.id) == [] for row in written)


def test_a_late_reply_that_meets_a_breached_clock_in_time_is_corrected(setup: Any) -> None:
    database, clock, monitor = setup
    post(database, clock, created())
    run_at(clock, monitor, "10:01")
    assert len(alerts(database, kind="breach", metric="first_response")) == 1
    clock.set("2026-03-02T10:03:00Z")
    post(database, clock, reply("T-1", "09:50", "late-reply"))
    monitor.tick_once()
    corrections = alerts(database, kind="correction")
    assert len(corrections) == 1
    assert corrections[0].metric == "first_response"
    assert "breach is withdrawn" in corrections[0].message
    assert deliveries(database, corrections[0].id) == ["manager"]


def test_a_step_whose_clock_was_met_first_never_fires(setup: Any) -> None:
    database, clock, monitor = setup
    post(database, clock, [created(), reply("T-1", "09:40", "r1")])
    run_at(clock, monitor, "10:30")
    assert alerts(database, kind="escalation", metric="first_response") == []
    assert alerts(database, kind="breach", metric="first_response") == []


def test_a_ticket_that_fails_is_postponed_and_the_others_go_on(setup: Any) -> None:
    database, clock, monitor = setup
    post(database, clock, [created("T-1"), created("T-2")])
    with database.write() as connection:  # T-2's configuration version becomes unreadable
        connection.exec_driver_sql(
            "INSERT INTO config_versions (number, text, canonical, digest, author, created_at,"
            " diff) VALUES (99, 'policies: [', '{}', 'broken', 't', 0, '')"
        )
        connection.exec_driver_sql("UPDATE tickets SET config_version = 99 WHERE id = 'T-2'")
    run_at(clock, monitor, "09:31")
    assert [row.ticket for row in alerts(database)] == ["T-1"]
    with database.read() as connection:
        later = connection.execute(
            select(TicketRow.next_action_at).where(TicketRow.id == "T-2")
        ).scalar_one()
    assert later == at("09:36")

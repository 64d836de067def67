"""Ingest: validation, idempotency, all-or-nothing lists, and clocks equal to offline evaluate."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from slakeeper.config import load_config
from slakeeper.core.evaluation import evaluate
from slakeeper.core.events import parse_event
from slakeeper.core.instants import parse_instant, to_us
from slakeeper.services import refresh
from slakeeper.services.evaluations import dumps, ticket_document
from slakeeper.simulation import load_scenario, simulate
from slakeeper.store.events import EventRow
from tests.service.conftest import EXAMPLE_CONFIG, SIM_CONFIG, Service

NOW = "2026-03-02T12:00:00Z"


def _created(ticket: str = "T-1", at: str = "2026-03-02T09:00:00Z", **extra: Any) -> dict[str, Any]:
    event = {
        "id": f"{ticket}-c",
        "ticket": ticket,
        "type": "created",
        "at": at,
        "severity": "P2",
        "account": "acme",
        "channel": "slack",
        "team": "support",
    }
    return event | extra


def _reply(ticket: str, at: str, event_id: str) -> dict[str, Any]:
    return {"id": event_id, "ticket": ticket, "type": "message", "at": at, "author": "agent"}


def _stored(service: Service) -> int:
    with service.database.read() as connection:
        return int(connection.execute(select(func.count()).select_from(EventRow)).scalar_one())


def _offline(events: list[dict[str, Any]], config: Path, now: str) -> dict[str, dict[str, Any]]:
    """Independent of the service: the core over the same events, as `evaluate` prints them."""
    at = to_us(parse_instant(now))
    parsed = [parse_event(event, index + 1) for index, event in enumerate(events)]
    result = evaluate(parsed, load_config(config), at)
    return {r.ticket: orjson.loads(dumps(ticket_document(r, at))) for r in result.tickets}


def _served(service: Service, ticket: str) -> dict[str, Any]:
    answer = service.get(f"/api/v1/tickets/{ticket}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_one_event_is_stored_and_its_ticket_gets_clocks(service: Service) -> None:
    service.put_config(EXAMPLE_CONFIG.read_text())
    answer = service.post_events(_created())
    assert answer.status_code == 200
    assert answer.json() == {"accepted": 1, "duplicates": 0}
    ticket = _served(service, "T-1")
    assert ticket["status"] == "new"
    assert {clock["metric"] for clock in ticket["clocks"]} >= {"first_response", "resolution"}


def test_a_repeated_event_is_a_duplicate_and_changes_nothing(service: Service) -> None:
    service.put_config(EXAMPLE_CONFIG.read_text())
    service.post_events([_created(), _reply("T-1", "2026-03-02T09:10:00Z", "r1")])
    before = _served(service, "T-1")
    answer = service.post_events([_reply("T-1", "2026-03-02T09:10:00Z", "r1")])
    assert answer.json() == {"accepted": 0, "duplicates": 1}
    assert _served(service, "T-1")["clocks"] == before["clocks"]
    assert _stored(service) == 2


def test_the_same_id_with_another_payload_is_409_and_stores_nothing(service: Service) -> None:
    service.post_events(_created())
    answer = service.post_events(
        [_reply("T-1", "2026-03-02T09:30:00Z", "new-one"), _created(at="2026-03-02T08:00:00Z")]
    )
    assert answer.status_code == 409
    assert answer.json()["index"] == 1
    assert "T-1-c" in answer.json()["detail"]
    assert _stored(service) == 1


def test_an_id_sent_twice_in_one_body_with_two_payloads_is_409(service: Service) -> None:
    answer = service.post_events(
        [_reply("T-1", "2026-03-02T09:30:00Z", "x"), _reply("T-1", "2026-03-02T09:31:00Z", "x")]
    )
    assert answer.status_code == 409
    assert _stored(service) == 0


def test_an_invalid_event_in_a_list_is_422_naming_index_and_field_and_stores_nothing(
    service: Service,
) -> None:
    bad = {"id": "b", "ticket": "T-1", "type": "message", "at": "2026-03-02T09:30:00"}
    answer = service.post_events([_created(), bad])
    assert answer.status_code == 422
    assert answer.json()["field"] == "[1].at"
    assert answer.json()["index"] == 1
    assert _stored(service) == 0


def test_events_before_their_created_wait_for_it(service: Service) -> None:
    service.put_config(EXAMPLE_CONFIG.read_text())
    service.post_events(_reply("T-9", "2026-03-02T09:20:00Z", "early"))
    pending = _served(service, "T-9")
    assert pending["clocks"] == [] and pending["status"] is None
    service.post_events(_created("T-9"))
    clocks = {c["metric"]: c for c in _served(service, "T-9")["clocks"]}
    assert clocks["first_response"]["status"] == "met"
    assert clocks["first_response"]["fulfilled_at"] == "2026-03-02T09:20:00Z"


def test_a_late_event_re_evaluates_the_ticket_from_its_log(service: Service) -> None:
    service.put_config(EXAMPLE_CONFIG.read_text())
    service.post_events(_created())
    service.post_events(
        {
            "id": "s",
            "ticket": "T-1",
            "type": "status",
            "at": "2026-03-02T11:00:00Z",
            "status": "pending",
        }
    )
    late = service.post_events(_reply("T-1", "2026-03-02T09:05:00Z", "late"))
    assert late.status_code == 200
    served = _served(service, "T-1")
    events = [
        _created(),
        {
            "id": "s",
            "ticket": "T-1",
            "type": "status",
            "at": "2026-03-02T11:00:00Z",
            "status": "pending",
        },
        _reply("T-1", "2026-03-02T09:05:00Z", "late"),
    ]
    offline = _offline(events, EXAMPLE_CONFIG, NOW)["T-1"]
    assert served["clocks"] == offline["clocks"]


def _simulated(tmp_path: Path, tickets: int) -> list[dict[str, Any]]:
    out = tmp_path / "sim.jsonl"
    with out.open("wb") as stream:
        simulate(load_scenario(None), days=1, seed=11, write=stream.write)
    events = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    keep = {f"T-{n}" for n in range(1, tickets + 1)}
    return [event for event in events if event["ticket"] in keep]


@pytest.mark.parametrize("mode", ["one by one", "shuffled batches", "a small parse cache"])
def test_clocks_and_queue_equal_offline_evaluate(
    service: Service, tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if mode == "a small parse cache":  # emptied again and again while logs are read
        monkeypatch.setattr(refresh, "PARSED_MAX", 3)
        monkeypatch.setattr(refresh, "_PARSED", {})
    events = _simulated(tmp_path, tickets=40)
    now = "2026-01-05T18:00:00Z"
    service.clock.set(now)
    assert service.put_config(SIM_CONFIG.read_text()).status_code == 201
    arrival = list(events)
    if mode in ("one by one", "a small parse cache"):
        for event in arrival:
            assert service.post_events(event).status_code == 200
    else:
        random.Random(5).shuffle(arrival)
        while arrival:
            size = random.Random(len(arrival)).randint(1, 40)
            batch, arrival = arrival[:size], arrival[size:]
            assert service.post_events(batch).status_code == 200
    offline = _offline(events, SIM_CONFIG, now)
    for ticket, expected in offline.items():
        served = _served(service, ticket)
        assert served["clocks"] == expected["clocks"], ticket
        assert served["next_action_at"] == expected["next_action_at"], ticket
    assert _queue_ids(service) == _expected_queue(offline, events)
    assert len(refresh._PARSED) <= refresh.PARSED_MAX


def test_a_stored_body_parses_to_the_event_ingest_validated(service: Service) -> None:
    event = _created("T-9") | {"fields": {"severity": "P1", "account": "acme"}}
    assert service.post_events(event).status_code == 200
    body = orjson.dumps(event).decode()
    refresh._PARSED.clear()
    first = refresh.parsed(body)
    assert first == parse_event(event)
    assert refresh.parsed(body) is first  # parsed once
    refresh.remember_parsed(body, parse_event(event))
    assert refresh.parsed(body) == first


def _queue_ids(service: Service) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        page = service.get("/api/v1/queue", **params).json()
        ids += [item["ticket"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


def _expected_queue(offline: dict[str, dict[str, Any]], events: list[dict[str, Any]]) -> list[str]:
    """DESIGN.md section 5's order, computed from the offline documents alone."""
    config = load_config(SIM_CONFIG)
    created = {}
    for event in events:
        if event["type"] == "created":
            created[event["ticket"]] = (to_us(parse_instant(event["at"])), event)
    rows = []
    for ticket, document in offline.items():
        if document["status"] in ("solved", "closed"):
            continue
        dues = [
            to_us(parse_instant(clock["due_at"]))
            for clock in document["clocks"]
            if clock["due_at"] is not None
            and (
                clock["status"] == "running"
                or (clock["status"] == "breached" and clock["fulfilled_at"] is None)
            )
        ]
        at, event = created[ticket]
        rank = config.tier_rank(event["account_tier"])
        rows.append((min(dues) if dues else 2**62, rank, at, ticket))
    return [row[3] for row in sorted(rows)]


def test_a_group_stores_the_bodies_of_live_tokens_and_refuses_the_others(
    service: Service,
) -> None:
    """The writer checks the tokens of a whole group in its transaction: a body posted with
    a viewer's token (or an unknown one) is refused and leaves nothing, the others of the
    same group are stored."""
    from slakeeper.core.errors import SlaError
    from slakeeper.services.ingest import Caller, CallerRefused, parse_body, store_bodies
    from slakeeper.services.tokens import Role, token_digest

    may_post = frozenset({Role.ADMIN.value, Role.AGENT.value, Role.INGEST.value})

    def body(ticket: str, token: str) -> Any:
        return parse_body(_created(ticket), "api", Caller(token_digest(token), may_post))

    bodies = [
        body("T-1", service.tokens[Role.INGEST]),
        body("T-2", service.tokens[Role.VIEWER]),
        body("T-3", "slk_never-issued"),
        body("T-4", service.tokens[Role.AGENT]),
    ]
    outcomes = store_bodies(service.database, bodies, now=to_us(parse_instant(NOW)))
    assert [type(outcome) for outcome in outcomes][1:3] == [CallerRefused, CallerRefused]
    assert not isinstance(outcomes[0], SlaError) and outcomes[0].accepted == 1
    assert not isinstance(outcomes[3], SlaError) and outcomes[3].accepted == 1
    assert _stored(service) == 2
    assert service.get("/api/v1/tickets/T-2").status_code == 404
    assert service.get("/api/v1/tickets/T-3").status_code == 404
    assert service.get("/api/v1/tickets/T-4").status_code == 200


def test_queue_page_clocks_are_the_stored_rows(service: Service, tmp_path: Path) -> None:
    """The queue reads a page's clocks its own way on PostgreSQL (a lateral lookup per
    ticket): every column of every stored clock of the page, in stored order, and no
    other ticket's."""
    from slakeeper.services.tickets import QueueFilters, read_queue
    from slakeeper.store.tickets import ClockRow

    events = _simulated(tmp_path, tickets=30)
    service.clock.set("2026-01-05T18:00:00Z")
    assert service.put_config(SIM_CONFIG.read_text()).status_code == 201
    assert service.post_events(events).status_code == 200
    now = to_us(parse_instant("2026-01-05T18:00:00Z"))
    seen = 0
    with service.database.read() as connection:
        page = read_queue(connection, QueueFilters(), now, cursor=None, limit=100)
        assert page.tickets and set(page.clocks) == {row.id for row in page.tickets}
        for ticket, clocks in page.clocks.items():
            stored = connection.execute(
                select(ClockRow).where(ClockRow.ticket == ticket).order_by(ClockRow.id)
            ).all()
            assert [tuple(clock) for clock in clocks] == [tuple(row) for row in stored]
            assert all(clock.metric and clock.ticket == ticket for clock in clocks)
            seen += len(clocks)
    assert seen > 0  # some open ticket has clocks: the comparison compared something


def test_keyed_lookups_read_what_a_plain_filter_reads(service: Service, tmp_path: Path) -> None:
    """queries.keyed (one index lookup per key on PostgreSQL) reads the same rows as a
    plain ``IN`` filter: stored logs in arrival order, ticket states, stored bodies; keys
    that match nothing, and repeated keys, read nothing more."""
    from sqlalchemy import text

    from slakeeper.store import queries

    events = _simulated(tmp_path, tickets=12)
    service.clock.set("2026-01-05T18:00:00Z")
    assert service.put_config(SIM_CONFIG.read_text()).status_code == 201
    assert service.post_events(events).status_code == 200
    tickets = [*sorted({event["ticket"] for event in events}), "no-such-ticket"]
    ids = [event["id"] for event in events[::3]]
    ids = [*ids, ids[0], "no-such-event"]
    with service.database.read() as connection:
        logs = list(queries.event_bodies(connection, [*tickets, tickets[0]]))
        plain = connection.execute(
            text("SELECT ticket, body, received_at FROM events ORDER BY ticket, seq")
        ).all()
        assert [tuple(row) for row in logs] == [tuple(row) for row in plain]
        states = queries.ticket_states(connection, tickets)
        assert sorted(states) == tickets[:-1]
        bodies = queries.stored_bodies(connection, ids)
        assert sorted(bodies) == sorted(set(ids[:-1]))
        assert all(orjson.loads(bodies[e["id"]])["ticket"] == e["ticket"] for e in events[::3])


def test_queue_read_of_some_columns_gives_the_page_of_all(service: Service, tmp_path: Path) -> None:
    """The API's queue reads only the columns it shows (read_queue's ``columns``): with
    every filter, page after page, the same tickets with the same values of those columns,
    the same clocks, triage and cursors as reading whole rows."""
    from slakeeper.services.tickets import QueueFilters, read_queue
    from slakeeper.web.api.tickets import _QUEUE_COLUMNS

    events = _simulated(tmp_path, tickets=40)
    service.clock.set("2026-01-05T18:00:00Z")
    assert service.put_config(SIM_CONFIG.read_text()).status_code == 201
    assert service.post_events(events).status_code == 200
    now = to_us(parse_instant("2026-01-05T18:00:00Z"))
    with service.database.read() as connection:
        whole = read_queue(connection, QueueFilters(), now, cursor=None, limit=500)
    first = whole.tickets[0]
    filters = [
        QueueFilters(),
        QueueFilters(team=first.team),
        QueueFilters(agent=first.agent),
        QueueFilters(severity=first.severity),
        QueueFilters(tier=first.account_tier),
        QueueFilters(channel=first.channel),
        QueueFilters(status=first.status),
        QueueFilters(account=first.account),
        QueueFilters(at_risk=True),
        QueueFilters(at_risk=False),
        QueueFilters(breached=True),
        QueueFilters(breached=False),
        QueueFilters(needs_triage=False),
        QueueFilters(team=first.team, breached=False),
    ]
    pages = 0
    for chosen in filters:
        cursor: str | None = None
        while True:
            with service.database.read() as connection:
                full = read_queue(connection, chosen, now, cursor=cursor, limit=7)
                some = read_queue(
                    connection, chosen, now, cursor=cursor, limit=7, columns=_QUEUE_COLUMNS
                )
            assert [[getattr(row, name) for name in _QUEUE_COLUMNS] for row in some.tickets] == [
                [getattr(row, name) for name in _QUEUE_COLUMNS] for row in full.tickets
            ]
            assert some.clocks == full.clocks and some.triage_waiting == full.triage_waiting
            assert some.next_cursor == full.next_cursor
            pages += bool(full.tickets)
            cursor = full.next_cursor
            if cursor is None:
                break
    assert pages > 8  # the comparisons compared pages of tickets, not empty ones

"""Garbage from the network: each a clear 4xx that says what is wrong, and nothing stored."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from slakeeper.store.events import EventRow
from slakeeper.store.tickets import TicketRow
from tests.service.conftest import EXAMPLE_CONFIG, Service

GOOD = {
    "id": "e1",
    "ticket": "T-1",
    "type": "created",
    "at": "2026-03-02T09:00:00Z",
    "severity": "P2",
}


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


CASES: list[tuple[str, bytes, int, str]] = [
    ("not json", b"{nope", 400, "invalid JSON"),
    ("empty body", b"", 400, "empty body"),
    ("non-UTF-8 bytes", b'{"id": "\xff\xfe"}', 400, "invalid JSON"),
    ("deeply nested", _nested(5000), 400, "nested"),
    ("nested past the limit", _nested(40), 400, "nested deeper than 32"),
    ("naive instant", orjson.dumps(GOOD | {"at": "2026-03-02T09:00:00"}), 422, "offset"),
    ("unknown type", orjson.dumps(GOOD | {"type": "deleted"}), 422, "unknown type"),
    (
        "unknown status",
        orjson.dumps(GOOD | {"type": "status", "status": "waiting"}),
        422,
        "unknown status",
    ),
    ("id over 200 characters", orjson.dumps(GOOD | {"id": "x" * 201}), 422, "200 characters"),
    (
        "ticket over 200 characters",
        orjson.dumps(GOOD | {"ticket": "t" * 201}),
        422,
        "200 characters",
    ),
    ("a number", b"42", 422, "expected a JSON object"),
    ("an empty list", b"[]", 422, "non-empty list"),
    ("missing at", orjson.dumps({k: v for k, v in GOOD.items() if k != "at"}), 422, "missing"),
]


def _count(service: Service, table: Any) -> int:
    with service.database.read() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.mark.parametrize(("case", "body", "status", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_bodies_are_refused_clearly_and_store_nothing(
    service: Service, case: str, body: bytes, status: int, words: str
) -> None:
    answer = service.client.post(
        "/api/v1/events",
        content=body,
        headers=service.headers() | {"Content-Type": "application/json"},
    )
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"], answer.json()
    assert _count(service, EventRow) == 0
    assert _count(service, TicketRow) == 0


def test_a_body_over_the_limit_is_413(service: Service) -> None:
    service.settings.max_body_bytes = 1000
    body = orjson.dumps([GOOD | {"id": f"e{n}", "subject": "x" * 50} for n in range(40)])
    answer = service.client.post("/api/v1/events", content=body, headers=service.headers())
    assert answer.status_code == 413
    assert "limit of 1000" in answer.json()["detail"]
    assert _count(service, EventRow) == 0


def test_a_bad_query_parameter_is_422_naming_it(service: Service) -> None:
    answer = service.get("/api/v1/queue", limit=100000)
    assert answer.status_code == 422
    assert "limit" in answer.json()["detail"]
    altered = service.get("/api/v1/queue", cursor="bm90LWEtY3Vyc29y")
    assert altered.status_code == 422
    assert "cursor" in altered.json()["detail"]


@pytest.mark.parametrize(
    "values",
    [
        ["x", "y", "z", 1],  # PostgreSQL refused these in the statement: a 503 before
        [1, 2, 3, 4],
        [True, 0, 0, "T-1"],
        b'[1180591620717411303424, 0, 0, "T-1"]',
        [1.5, 0, 0, "T-1"],
        [0, 0, 0],
        {"queue_due": 0},
    ],
    ids=["strings", "an int id", "a boolean", "past 64 bits", "a float", "three", "object"],
)
def test_an_altered_cursor_is_422_on_either_database(service: Service, values: Any) -> None:
    import base64

    from slakeeper.services.tickets import encode_cursor

    cursor = (
        base64.urlsafe_b64encode(values).decode()
        if isinstance(values, bytes)
        else encode_cursor(values)
    )
    answer = service.get("/api/v1/queue", cursor=cursor)
    assert answer.status_code == 422, answer.text
    assert "cursor" in answer.json()["detail"]


def test_a_cursor_the_queue_gave_reads_the_next_page(service: Service) -> None:
    assert service.put_config(EXAMPLE_CONFIG.read_text()).status_code == 201
    created = [GOOD | {"id": f"e{n}", "ticket": f"T-{n}"} for n in range(3)]
    assert service.post_events(created).status_code == 200
    first = service.get("/api/v1/queue", limit=2).json()
    second = service.get("/api/v1/queue", limit=2, cursor=first["next_cursor"]).json()
    tickets = [item["ticket"] for item in first["items"] + second["items"]]
    assert sorted(tickets) == ["T-0", "T-1", "T-2"]
    assert second["next_cursor"] is None


def test_an_unknown_ticket_is_404(service: Service) -> None:
    answer = service.get("/api/v1/tickets/nope")
    assert answer.status_code == 404
    assert "nope" in answer.json()["detail"]


def test_an_invalid_configuration_is_422_with_every_problem_and_its_key_path(
    service: Service,
) -> None:
    bad = "calendars:\n  c: {timezone: Mars/Base, weekly: 24x7}\npolicies: 7\n"
    answer = service.put_config(bad)
    assert answer.status_code == 422
    problems = answer.json()["problems"]
    assert any("calendars.c.timezone" in p for p in problems), problems
    assert any("policies" in p for p in problems), problems
    assert service.get("/api/v1/config").status_code == 404

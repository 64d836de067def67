"""The ingest path's statements, in each driver's own SQL.

Ingest runs these for every request (thousands a second); building and compiling a
SQLAlchemy statement costs more than SQLite takes to run it, so the hot path speaks the
driver's SQL directly through ``exec_driver_sql``, with the placeholders of its
paramstyle (``?`` for sqlite3, ``%s`` for psycopg). Column lists follow the models.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection

__all__ = [
    "CLOCK_COLUMNS",
    "TICKET_COLUMNS",
    "chunks",
    "delete_placeholders",
    "ensure_tickets",
    "event_bodies",
    "insert_events",
    "replace_clocks",
    "stored_bodies",
    "ticket_versions",
    "update_tickets",
]

CHUNK = 500  # values per IN (…) list

TICKET_COLUMNS = (
    "config_version", "evaluated_at", "event_count", "created_at", "status", "is_open",
    "severity", "account", "account_tier", "tier_rank", "channel", "team", "agent", "subject",
    "policy", "fields", "queue_due", "risk_at", "next_action_at",
)  # fmt: skip
CLOCK_COLUMNS = (
    "ticket", "metric", "team", "cycle", "status", "policy", "calendar", "started_at",
    "due_at", "target_us", "elapsed_us", "paused_us", "fulfilled_at", "breached_at",
    "cancelled_at", "objective_us", "objective_due_at", "objective_status", "warnings",
    "evaluated_at",
)  # fmt: skip
EVENT_COLUMNS = ("id", "ticket", "type", "at", "body", "received_at", "source")


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``values`` in slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _mark(connection: Connection) -> str:
    return "?" if connection.dialect.name == "sqlite" else "%s"


def _marks(connection: Connection, count: int) -> str:
    return ", ".join([_mark(connection)] * count)


def ticket_versions(connection: Connection, tickets: Sequence[str]) -> dict[str, int | None]:
    """The configuration version of each existing ticket row."""
    found: dict[str, int | None] = {}
    for part in chunks(tickets):
        sql = (
            f"SELECT id, config_version FROM tickets WHERE id IN ({_marks(connection, len(part))})"
        )
        found.update(connection.exec_driver_sql(sql, tuple(part)).all())  # type: ignore[arg-type]
    return found


def event_bodies(connection: Connection, tickets: Sequence[str]) -> Iterator[tuple[str, str]]:
    """(ticket, body) of every event of ``tickets``, each log in arrival order."""
    for part in chunks(tickets):
        # ix_events_ticket_seq serves both the filter and the order.
        sql = (
            f"SELECT ticket, body FROM events WHERE ticket IN ({_marks(connection, len(part))}) "
            "ORDER BY ticket, seq"
        )
        yield from connection.exec_driver_sql(sql, tuple(part)).tuples()


def stored_bodies(connection: Connection, ids: Sequence[str]) -> dict[str, str]:
    """The stored body of each of ``ids`` that is stored (uq_events_id)."""
    found: dict[str, str] = {}
    for part in chunks(ids):
        sql = f"SELECT id, body FROM events WHERE id IN ({_marks(connection, len(part))})"
        found.update(connection.exec_driver_sql(sql, tuple(part)).all())  # type: ignore[arg-type]
    return found


def insert_events(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Append events (rows in EVENT_COLUMNS order)."""
    sql = (
        f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
        f"VALUES ({_marks(connection, len(EVENT_COLUMNS))})"
    )
    connection.exec_driver_sql(sql, rows)  # type: ignore[arg-type]


def ensure_tickets(connection: Connection, tickets: Sequence[str]) -> None:
    """Create missing ticket rows, then (PostgreSQL) lock them all, in the order given."""
    mark = _mark(connection)
    sql = (
        "INSERT INTO tickets (id, is_open, tier_rank, fields, queue_due, event_count) "
        f"VALUES ({mark}, false, 0, '{{}}', {2**62}, 0) ON CONFLICT (id) DO NOTHING"
    )
    connection.exec_driver_sql(sql, [(ticket,) for ticket in tickets])  # type: ignore[arg-type]
    if connection.dialect.name == "postgresql":
        for part in chunks(tickets):
            sql = (
                f"SELECT id FROM tickets WHERE id IN ({_marks(connection, len(part))}) "
                "ORDER BY id FOR UPDATE"
            )
            connection.exec_driver_sql(sql, tuple(part)).all()


def update_tickets(connection: Connection, rows: Iterable[tuple[Any, ...]]) -> None:
    """Rewrite tickets: each row is TICKET_COLUMNS' values, then the id."""
    mark = _mark(connection)
    sets = ", ".join(f"{column} = {mark}" for column in TICKET_COLUMNS)
    rows = list(rows)
    if rows:
        sql = f"UPDATE tickets SET {sets} WHERE id = {mark}"
        connection.exec_driver_sql(sql, rows)  # type: ignore[arg-type]


def replace_clocks(
    connection: Connection, tickets: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Delete the clocks of ``tickets`` and insert ``rows`` (CLOCK_COLUMNS order)."""
    for part in chunks(tickets):
        sql = f"DELETE FROM clocks WHERE ticket IN ({_marks(connection, len(part))})"
        connection.exec_driver_sql(sql, tuple(part))
    if rows:
        sql = (
            f"INSERT INTO clocks ({', '.join(CLOCK_COLUMNS)}) "
            f"VALUES ({_marks(connection, len(CLOCK_COLUMNS))})"
        )
        connection.exec_driver_sql(sql, rows)  # type: ignore[arg-type]


def delete_placeholders(connection: Connection, tickets: Sequence[str]) -> None:
    """Delete ticket rows of ``tickets`` that never got an event (locked for a refused body)."""
    for part in chunks(tickets):
        sql = (
            f"DELETE FROM tickets WHERE id IN ({_marks(connection, len(part))}) AND event_count = 0"
        )
        connection.exec_driver_sql(sql, tuple(part))

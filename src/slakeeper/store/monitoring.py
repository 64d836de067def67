"""The monitor's statements: due tickets, claims, alerts and deliveries (driver SQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from slakeeper.store.queries import chunks, placeholder, placeholders, run, run_many

__all__ = [
    "ALERT_COLUMNS",
    "acknowledged_cycles",
    "alert_ids",
    "alert_keys",
    "claim_tickets",
    "due_tickets",
    "earliest_due",
    "insert_alerts",
    "insert_deliveries",
    "postpone",
]

ALERT_COLUMNS = (
    "key", "ticket", "account", "metric", "team", "cycle", "kind", "mark", "due_at",
    "created_at", "late_us", "historic", "message", "detail",
)  # fmt: skip


def due_tickets(connection: Connection, now: int, limit: int) -> list[tuple[str, int]]:
    """(id, next_action_at) of the tickets due by ``now``, earliest first.

    ix_tickets_next_action_at serves it: the monitor never scans the table.
    """
    mark = placeholder(connection)
    sql = (
        "SELECT id, next_action_at FROM tickets WHERE next_action_at <= "
        f"{mark} ORDER BY next_action_at LIMIT {mark}"
    )
    return [(row[0], row[1]) for row in run(connection, sql, (now, limit))]


def earliest_due(connection: Connection) -> int | None:
    """The earliest next_action_at of all tickets (ix_tickets_next_action_at)."""
    value = run(connection, "SELECT min(next_action_at) FROM tickets")[0][0]
    return None if value is None else int(value)


def claim_tickets(connection: Connection, seen: Sequence[tuple[str, int]]) -> list[str]:
    """The tickets among ``seen`` still due at the instant seen, now this transaction's.

    A claim is the conditional update of DESIGN.md section 3 in its read form: in this
    write transaction (SQLite: the database lock; PostgreSQL: row locks, skipping rows
    another monitor holds) a ticket is ours only if its next_action_at is still the one
    we saw; a monitor that processed it first has moved it.
    """
    wanted = dict(seen)
    claimed: list[str] = []
    lock = " FOR UPDATE SKIP LOCKED" if connection.dialect.name == "postgresql" else ""
    for part in chunks(sorted(wanted)):
        sql = (
            "SELECT id, next_action_at FROM tickets "
            f"WHERE id IN ({placeholders(connection, len(part))}) ORDER BY id{lock}"
        )
        claimed += [row[0] for row in run(connection, sql, part) if row[1] == wanted[row[0]]]
    return claimed


def postpone(connection: Connection, ticket: str, until: int) -> None:
    """Move a ticket's next action to ``until`` (after a failure: retried later)."""
    mark = placeholder(connection)
    run(
        connection, f"UPDATE tickets SET next_action_at = {mark} WHERE id = {mark}", (until, ticket)
    )


def alert_keys(
    connection: Connection, tickets: Sequence[str]
) -> dict[str, dict[str, tuple[str, bool]]]:
    """Per ticket, the keys of its alerts with (kind, historic) (ix_alerts_ticket)."""
    found: dict[str, dict[str, tuple[str, bool]]] = {}
    for part in chunks(tickets):
        marks = placeholders(connection, len(part))
        sql = f"SELECT ticket, key, kind, historic FROM alerts WHERE ticket IN ({marks})"
        for ticket, key, kind, historic in run(connection, sql, part):
            found.setdefault(ticket, {})[key] = (kind, bool(historic))
    return found


def insert_alerts(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert alerts (ALERT_COLUMNS order); a key already written is skipped (exactly once)."""
    sql = (
        f"INSERT INTO alerts ({', '.join(ALERT_COLUMNS)}) "
        f"VALUES ({placeholders(connection, len(ALERT_COLUMNS))}) ON CONFLICT (key) DO NOTHING"
    )
    run_many(connection, sql, rows)


def alert_ids(connection: Connection, keys: Sequence[str]) -> dict[str, int]:
    """The id of each alert key (uq_alerts_key)."""
    found: dict[str, int] = {}
    for part in chunks(keys):
        sql = f"SELECT key, id FROM alerts WHERE key IN ({placeholders(connection, len(part))})"
        found.update((row[0], int(row[1])) for row in run(connection, sql, part))
    return found


def insert_deliveries(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert deliveries: (alert_id, ticket, notifier, state, next_attempt_at)."""
    sql = (
        "INSERT INTO deliveries (alert_id, ticket, notifier, state, attempts, next_attempt_at) "
        f"VALUES ({placeholder(connection)}, {placeholder(connection)}, {placeholder(connection)}, "
        f"{placeholder(connection)}, 0, {placeholder(connection)})"
    )
    run_many(connection, sql, rows)


def acknowledged_cycles(
    connection: Connection, tickets: Sequence[str]
) -> set[tuple[str, str, str, int]]:
    """(ticket, metric, team, cycle) of every cycle with an acknowledged alert."""
    found: set[tuple[str, str, str, int]] = set()
    for part in chunks(tickets):
        marks = placeholders(connection, len(part))
        sql = (
            "SELECT DISTINCT ticket, metric, team, cycle FROM alerts "
            f"WHERE ticket IN ({marks}) AND acknowledged_at IS NOT NULL"
        )
        found.update((row[0], row[1], row[2], int(row[3])) for row in run(connection, sql, part))
    return found

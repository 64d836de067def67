"""The whole queue as CSV (``GET /queue.csv``): the queue's order and filters, no pages.

Rows are read in keyset pages of :data:`BATCH` (the queue's own index) and written as
they come, so the answer streams and memory stays flat whatever the queue's length.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from slakeeper.core.instants import format_instant
from slakeeper.services.tickets import (
    QueueFilters,
    clock_status_at,
    has_due,
    is_at_risk,
    is_breached,
    read_queue,
)
from slakeeper.store.session import Database
from slakeeper.store.tickets import ClockRow, TicketRow

__all__ = ["COLUMNS", "queue_csv"]

BATCH = 2000
COLUMNS = (
    "ticket", "subject", "severity", "account", "account_tier", "channel", "team", "agent",
    "status", "created_at", "due_at", "state", "clocks",
)  # fmt: skip
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str | None) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula: a customer's subject
    # must not, so such text gets a leading apostrophe (the spreadsheets' own escape).
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA) else value


def _state(row: TicketRow, now: int) -> str:
    if is_breached(row, now):
        return "breached"
    if is_at_risk(row, now):
        return "at_risk"
    return "ok" if has_due(row) else "no_clock"


def _clocks(clocks: list[ClockRow], now: int) -> str:
    parts = []
    for clock in clocks:
        name = clock.metric + (f"[{clock.team}]" if clock.team else "")
        status = clock_status_at(clock, now)
        due = f" due {format_instant(clock.due_at)}" if clock.due_at is not None else ""
        parts.append(f"{name} {status}{due if status in ('running', 'breached') else ''}")
    return "; ".join(parts)


def _line(row: TicketRow, clocks: list[ClockRow], now: int) -> list[str]:
    return [
        _text(row.id), _text(row.subject), _text(row.severity), _text(row.account),
        _text(row.account_tier), _text(row.channel), _text(row.team), _text(row.agent),
        row.status or "", format_instant(row.created_at) if row.created_at else "",
        format_instant(row.queue_due) if has_due(row) else "", _state(row, now),
        _clocks(clocks, now),
    ]  # fmt: skip


def queue_csv(database: Database, filters: QueueFilters, now: int) -> Iterator[bytes]:
    """The open tickets matching ``filters``, most urgent first, as CSV: a header, then one
    line per ticket (UTF-8, RFC 4180 quoting), a page of the queue at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    cursor: str | None = None
    with database.read() as connection:
        while True:
            page = read_queue(connection, filters, now, cursor=cursor, limit=BATCH)
            for row in page.tickets:
                writer.writerow(_line(row, page.clocks[row.id], now))
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            cursor = page.next_cursor
            if cursor is None:
                return

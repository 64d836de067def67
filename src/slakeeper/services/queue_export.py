"""The whole queue as CSV (``GET /queue.csv``): the queue's order and filters, no pages.

One query reads the matching open tickets joined to their clocks, in queue order (then
each ticket's clocks in order), streamed in batches of :data:`BATCH` rows; lines are
written as they come, so the answer streams and memory stays flat whatever the queue's
length. (Reading the queue page by page would send each page's ids back as an ``IN``
list, which psycopg spends most of the export splitting.)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select

from slakeeper.core.instants import format_instant
from slakeeper.services.tickets import QueueFilters, filter_queue, has_due, is_at_risk, is_breached
from slakeeper.store.session import Database
from slakeeper.store.tickets import ClockRow, TicketRow

__all__ = ["COLUMNS", "queue_csv"]

BATCH = 2000
COLUMNS = (
    "ticket", "subject", "severity", "account", "account_tier", "channel", "team", "agent",
    "status", "created_at", "due_at", "state", "clocks",
)  # fmt: skip
_TICKET = (
    TicketRow.id, TicketRow.subject, TicketRow.severity, TicketRow.account,
    TicketRow.account_tier, TicketRow.channel, TicketRow.team, TicketRow.agent,
    TicketRow.status, TicketRow.created_at, TicketRow.queue_due, TicketRow.risk_at,
)  # fmt: skip
_CLOCK = (
    ClockRow.metric.label("clock_metric"), ClockRow.team.label("clock_team"),
    ClockRow.status.label("clock_status"), ClockRow.due_at.label("clock_due"),
)  # fmt: skip
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str | None) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula: a customer's subject
    # must not, so such text gets a leading apostrophe (the spreadsheets' own escape).
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA) else value


def _state(row: Any, now: int) -> str:
    if is_breached(row, now):
        return "breached"
    if is_at_risk(row, now):
        return "at_risk"
    return "ok" if has_due(row) else "no_clock"


def _clock(row: Any, now: int) -> str:
    """One clock as ``metric[team] status due …`` (the state at ``now``: a running clock
    past its due instant is breached, as the queue shows it)."""
    name = row.clock_metric + (f"[{row.clock_team}]" if row.clock_team else "")
    status, due = row.clock_status, row.clock_due
    if status == "running" and due is not None and due <= now:
        status = "breached"
    shown = status in ("running", "breached") and due is not None
    return f"{name} {status}" + (f" due {format_instant(due)}" if shown else "")


def _line(rows: Sequence[Any], now: int) -> list[str]:
    """A ticket's CSV line from its joined rows (one per clock; one without a clock)."""
    row = rows[0]
    clocks = "; ".join(_clock(each, now) for each in rows if each.clock_metric is not None)
    return [
        _text(row.id), _text(row.subject), _text(row.severity), _text(row.account),
        _text(row.account_tier), _text(row.channel), _text(row.team), _text(row.agent),
        row.status or "", format_instant(row.created_at) if row.created_at else "",
        format_instant(row.queue_due) if has_due(row) else "", _state(row, now), clocks,
    ]  # fmt: skip


def queue_csv(database: Database, filters: QueueFilters, now: int) -> Iterator[bytes]:
    """The open tickets matching ``filters``, most urgent first, as CSV: a header, then one
    line per ticket (UTF-8, RFC 4180 quoting), a batch of rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    query = filter_queue(
        select(*_TICKET, *_CLOCK).outerjoin(ClockRow, ClockRow.ticket == TicketRow.id),
        filters, now,
    ).order_by(ClockRow.id)  # fmt: skip
    ticket: list[Any] = []
    with database.read() as connection:
        result = connection.execution_options(yield_per=BATCH).execute(query)
        for batch in result.partitions():
            for row in batch:
                if ticket and row.id != ticket[0].id:
                    writer.writerow(_line(ticket, now))
                    ticket = []
                ticket.append(row)
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if ticket:
        writer.writerow(_line(ticket, now))
    yield buffer.getvalue().encode()

"""Reading tickets: one ticket at ``now``, its explained timeline, its events, and the queue.

A single ticket is evaluated afresh from its log at the request's ``now`` (tens of events,
well under a millisecond), so elapsed times and states are current. The queue reads the
stored summary instead: due instants do not move without a new event, so the order is
exact at any ``now``, and a running clock whose due instant has passed shows as breached.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Select, and_, exists, or_, select, tuple_

from slakeeper.core.clocks import Cycle
from slakeeper.core.errors import InputError, NotFoundError
from slakeeper.core.evaluation import TicketResult
from slakeeper.services.configs import configuration_of
from slakeeper.services.intake import waiting_fields
from slakeeper.services.refresh import evaluate_log, load_logs
from slakeeper.store.events import EventRow
from slakeeper.store.tickets import NO_DUE, ClockRow, TicketRow
from slakeeper.store.triage import TriageRow

__all__ = [
    "Badge",
    "ClockProgress",
    "QueueFilters",
    "QueuePage",
    "clock_badge",
    "clock_progress",
    "decode_cursor",
    "encode_cursor",
    "filter_queue",
    "read_queue",
    "read_ticket",
    "read_ticket_events",
]


@dataclass(frozen=True)
class QueueFilters:
    """The queue's filters (DESIGN.md section 5); None means any."""

    team: str | None = None
    agent: str | None = None
    severity: str | None = None
    tier: str | None = None
    channel: str | None = None
    status: str | None = None
    at_risk: bool | None = None
    breached: bool | None = None
    needs_triage: bool | None = None
    account: str | None = None


@dataclass
class QueuePage:
    """One page of the queue: ticket rows with their clocks, and the next cursor."""

    tickets: list[TicketRow]
    clocks: dict[str, list[ClockRow]]
    next_cursor: str | None
    triage_waiting: dict[str, list[str]]


def encode_cursor(values: list[Any]) -> str:
    """An opaque cursor for keyset pagination."""
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: Sequence[tuple[type, ...]]) -> list[Any]:
    """The values of a cursor made by :func:`encode_cursor`, one of ``kinds`` each
    (InputError when altered: a value of another type would reach the database, which
    PostgreSQL refuses and SQLite compares as it may)."""
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        raise InputError("invalid cursor", path=("cursor",)) from None
    if not isinstance(values, list) or len(values) != len(kinds):
        raise InputError("invalid cursor", path=("cursor",))
    for value, allowed in zip(values, kinds, strict=True):
        if type(value) not in allowed or (type(value) is int and abs(value) >= 2**63):
            raise InputError("invalid cursor", path=("cursor",))
    return values


def read_ticket(
    connection: Connection, ticket: str, now: int, *, explain: bool = False
) -> tuple[TicketRow, TicketResult | None]:
    """A ticket's stored row and its evaluation at ``now``."""
    row = connection.execute(select(TicketRow).where(TicketRow.id == ticket)).first()
    logs = load_logs(connection, [ticket])
    if row is None or ticket not in logs:
        raise NotFoundError(f"no ticket {ticket!r}", path=("ticket",))
    log = logs[ticket]
    config = configuration_of(connection, log.config_version)
    return row, evaluate_log(log, config, now, explain=explain)


def read_ticket_events(
    connection: Connection, ticket: str, *, after: int | None, limit: int
) -> tuple[list[EventRow], int | None]:
    """A ticket's events in arrival order, ``limit`` at a time after sequence ``after``."""
    query = select(EventRow).where(EventRow.ticket == ticket).order_by(EventRow.seq)
    if after is not None:
        query = query.where(EventRow.seq > after)
    rows = list(connection.execute(query.limit(limit + 1)).all())
    if not rows and after is None:
        raise NotFoundError(f"no ticket {ticket!r}", path=("ticket",))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].seq if more else None)


_ORDER = (TicketRow.queue_due, TicketRow.tier_rank, TicketRow.created_at, TicketRow.id)
_ORDER_KINDS = ((int,), (int,), (int, type(None)), (str,))


def read_queue(
    connection: Connection,
    filters: QueueFilters,
    now: int,
    *,
    cursor: str | None,
    limit: int,
    columns: Sequence[str] | None = None,
) -> QueuePage:
    """Open tickets most urgent first (DESIGN.md section 5), ``limit`` per page.

    ``columns``: only these of the ticket rows (and the order's, for the cursor) rather
    than all; a ticket row carries its ``fields`` document (kilobytes), which the API's
    page does not show, and reading, sending and decoding it for 50 rows took a third of
    the page's SQL time on PostgreSQL (bench/README.md, Service).
    """
    if columns is None:
        selected: Any = select(TicketRow)
    else:
        names = dict.fromkeys([*columns, "queue_due", "tier_rank", "created_at", "id"])
        selected = select(*(TicketRow.__table__.c[name] for name in names))
    query = _filtered(selected.where(TicketRow.is_open), filters, now)
    if cursor is not None:
        query = query.where(tuple_(*_ORDER) > tuple_(*decode_cursor(cursor, _ORDER_KINDS)))
    query = query.order_by(*_ORDER).limit(limit + 1)
    if connection.dialect.name == "postgresql":
        # Read the page off an index in queue order (ix_tickets_queue, or the team's or
        # agent's), stopping after limit + 1 rows. Without statistics (a table not yet
        # analysed; autovacuum lags a burst of ingest, or is off) PostgreSQL takes any
        # filter for one that leaves a few rows and sorts all that match instead: 3,333
        # heap rows fetched and sorted for ?team=, 16-30 ms at 10,000 open tickets
        # (bench/README.md, Service). Sorts are disabled for this statement alone (SET
        # LOCAL, then RESET within the same transaction). When the statement fails, the
        # transaction is aborted and ends without the setting: a RESET then would fail
        # too, and hide the statement's own error.
        connection.exec_driver_sql("SET LOCAL enable_sort = off")
        rows = list(connection.execute(query).all())
        connection.exec_driver_sql("RESET enable_sort")
    else:
        rows = list(connection.execute(query).all())
    more = len(rows) > limit
    rows = rows[:limit]
    clocks: dict[str, list[ClockRow]] = {row.id: [] for row in rows}
    if rows:
        for clock in _page_clocks(connection, list(clocks)):
            clocks[clock.ticket].append(clock)
    last = rows[-1] if rows else None
    next_cursor = None
    if more and last is not None:
        next_cursor = encode_cursor([last.queue_due, last.tier_rank, last.created_at, last.id])
    return QueuePage(rows, clocks, next_cursor, waiting_fields(connection, clocks))


def _page_clocks(connection: Connection, tickets: list[str]) -> Sequence[Any]:
    """The clocks of a page's tickets, in stored (id) order per ticket.

    On PostgreSQL one index lookup per ticket (ix_clocks_ticket), whatever the table's
    statistics say: ``ticket IN (…50 ids…)`` is planned from them, and while they lag
    behind a burst of ingest (autovacuum has not analysed the table yet, or is off)
    PostgreSQL took the clocks table for a small one and scanned all of it (15 ms at 23,000
    clocks, bench/README.md, Service), even when the ids came as a lateral join. ``OFFSET
    0`` keeps the lateral subquery from being flattened into a hash join, so it runs once
    per page id as an equality lookup. The rows carry ClockRow's columns by name, as the
    ORM rows did.
    """
    if connection.dialect.name != "postgresql":
        query = (
            select(ClockRow)
            .where(ClockRow.ticket.in_(tickets))
            .order_by(ClockRow.ticket, ClockRow.id)
        )
        return connection.execute(query).all()
    columns = ", ".join(f"c.{column.name}" for column in ClockRow.__table__.columns)
    sql = (
        f"SELECT {columns} FROM unnest(%(tickets)s::text[]) AS page(id) "
        "CROSS JOIN LATERAL (SELECT * FROM clocks WHERE clocks.ticket = page.id OFFSET 0) AS c "
        "ORDER BY c.ticket, c.id"
    )
    return connection.exec_driver_sql(sql, {"tickets": tickets}).all()


def filter_queue(query: Select[Any], filters: QueueFilters, now: int) -> Select[Any]:
    """``query`` (over tickets) narrowed to the open tickets that ``filters`` select, in
    queue order (the CSV export streams it whole)."""
    query = _filtered(query.where(TicketRow.is_open), filters, now)
    return query.order_by(*_ORDER)


def _filtered(query: Select[Any], filters: QueueFilters, now: int) -> Select[Any]:
    columns = {
        "team": TicketRow.team,
        "agent": TicketRow.agent,
        "severity": TicketRow.severity,
        "tier": TicketRow.account_tier,
        "channel": TicketRow.channel,
        "status": TicketRow.status,
        "account": TicketRow.account,
    }
    for name, column in columns.items():
        value = getattr(filters, name)
        if value is not None:
            query = query.where(column == value)
    breached = TicketRow.queue_due <= now
    if filters.breached is not None:
        query = query.where(breached if filters.breached else TicketRow.queue_due > now)
    if filters.at_risk is not None:
        risky = and_(TicketRow.risk_at <= now, TicketRow.queue_due > now)
        query = query.where(
            risky
            if filters.at_risk
            else or_(TicketRow.risk_at.is_(None), TicketRow.risk_at > now, breached)
        )
    if filters.needs_triage is not None:
        # ix_triage_waiting: the suggestions left to a human and not yet decided.
        waiting = exists().where(
            TriageRow.ticket == TicketRow.id,
            TriageRow.applied.is_(False),
            TriageRow.decided_at.is_(None),
        )
        query = query.where(waiting if filters.needs_triage else ~waiting)
    return query


def is_breached(row: TicketRow, now: int) -> bool:
    """True when an unfulfilled clock of the ticket is breached at ``now``."""
    return row.queue_due <= now


def is_at_risk(row: TicketRow, now: int) -> bool:
    """Past its first warning and not breached, at ``now``."""
    return row.risk_at is not None and row.risk_at <= now and not is_breached(row, now)


def clock_status_at(clock: ClockRow, now: int) -> str:
    """A stored clock's state at ``now``: a running clock past its due instant is breached."""
    if clock.status == "running" and clock.due_at is not None and clock.due_at <= now:
        return "breached"
    return clock.status


def has_due(row: TicketRow) -> bool:
    """True when the ticket has a due instant (some clock is running or breached)."""
    return row.queue_due != NO_DUE


@dataclass(frozen=True)
class Badge:
    """A clock's countdown in the queue at ``now``: its state, and the instants the browser
    counts towards (``warn_at``: when it turns amber, while still ahead)."""

    metric: str
    team: str | None
    state: str  # ok, warning, breached, paused
    due_at: int | None
    warn_at: int | None
    left_us: int | None  # paused: the business time left, frozen


def clock_badge(row: TicketRow, clock: ClockRow, now: int) -> Badge | None:
    """The badge of an unfulfilled clock (running, paused, breached and waiting); None for
    a clock that is met or cancelled."""
    status = clock_status_at(clock, now)
    if status not in ("running", "paused", "breached") or clock.fulfilled_at is not None:
        return None
    team = clock.team or None
    if status == "breached":
        return Badge(clock.metric, team, "breached", clock.due_at, None, None)
    if status == "paused":
        return Badge(clock.metric, team, "paused", None, None, clock.target_us - clock.elapsed_us)
    # The ticket's risk instant is its earliest-due clock's first warning.
    warn_at = row.risk_at if clock.due_at == row.queue_due else None
    warned = clock.warnings != "[]" or (warn_at is not None and warn_at <= now)
    state = "warning" if warned else "ok"
    return Badge(clock.metric, team, state, clock.due_at, None if warned else warn_at, None)


@dataclass(frozen=True)
class ClockProgress:
    """One clock of a ticket on a wall-time axis from its start: where it ends (now, or
    when met or cancelled), its due and objective instants, and its paused spans, each as a
    percentage of the axis; elapsed and target in business time."""

    cycle: Cycle
    end: int
    elapsed_us: int
    paused_us: int
    paused_spans: list[tuple[int, int]]
    positions: dict[str, float]  # end, due, objective: percent of the axis
    span_positions: list[tuple[float, float]]  # (left, width) percent of each paused span


def clock_progress(result: TicketResult, now: int) -> list[ClockProgress]:
    """Each clock of an explained evaluation, laid out for a progress bar."""
    found = []
    for cycle in result.cycles:
        end = cycle.fulfilled_at or cycle.cancelled_at or now
        spans = _paused_spans(result, cycle, end)
        due, objective = cycle.due_at(), cycle.objective_due_at()
        stop = max(t for t in (end, due, objective, cycle.started_at + 1) if t is not None)

        def at(t: int, start: int = cycle.started_at, width: int = stop) -> float:
            return round(100 * (t - start) / (width - start), 2)

        positions = {"end": at(end)}
        positions |= {"due": at(due)} if due is not None else {}
        positions |= {"objective": at(objective)} if objective is not None else {}
        found.append(
            ClockProgress(
                cycle, end, cycle.elapsed_at(end), cycle.paused_at(end), spans, positions,
                [(at(a), round(at(b) - at(a), 2)) for a, b in spans],
            )
        )  # fmt: skip
    return found


def _paused_spans(result: TicketResult, cycle: Cycle, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    paused_since: int | None = None
    for entry in sorted(result.timeline, key=lambda e: e.at):
        if (entry.metric, entry.team, entry.cycle) != (cycle.metric, cycle.team, cycle.number):
            continue
        if entry.kind == "pause" and paused_since is None:
            paused_since = entry.at
        elif entry.kind in ("resume", "fulfil", "cancel") and paused_since is not None:
            spans.append((paused_since, entry.at))
            paused_since = None
    if paused_since is not None:
        spans.append((paused_since, max(paused_since, end)))
    return spans

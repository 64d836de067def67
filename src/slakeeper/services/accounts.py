"""Accounts: per customer account its contract, compliance this period against its
commitment, credits accrued, open tickets at risk, and a 12-week trend.

Figures follow DESIGN.md section 5 and docs/reports.md: a clock belongs to the period of
its ``started_at``; it is **met** when stored as met, **breached** when stored as
breached or still running with its due instant at or before ``now``; compliance is met ÷
(met + breached), every metric pooled; the credit is the contract's row that applies
(services/credits.py). The period is the current calendar month, and weeks start on
Monday at local midnight, both in the account's time zone (its ``timezone`` in the
configuration's ``accounts``, else the zone the caller names, UTC by default).

Accounts are those of the current configuration and every account named on a ticket (the
latter without a contract). Everything is counted in SQL: one grouped query over the
clocks started since the earliest period or week start (every zone's boundaries as
buckets), one over the open tickets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, or_, select

from slakeeper.core.configuration import Account, Configuration, Contract
from slakeeper.core.errors import CalendarError, InputError, NotFoundError
from slakeeper.core.zones import load_zone, local_to_utc_us
from slakeeper.services.configs import configuration_of, current_number
from slakeeper.services.credits import PeriodCredit, period_credit, zone_of
from slakeeper.store.tickets import NO_DUE, ClockRow, TicketRow

__all__ = [
    "SORTS",
    "WEEKS",
    "AccountDetail",
    "AccountSummary",
    "OpenFigures",
    "WeekPoint",
    "account_ids",
    "account_summary",
    "checked_zone",
    "list_accounts",
    "read_account",
]

WEEKS = 12
_US_PER_DAY = 86_400_000_000
_EPOCH = date(1970, 1, 1)
SORTS = ("risk", "compliance", "name")


@dataclass(frozen=True)
class OpenFigures:
    """An account's open tickets at ``now``: how many, at risk, breached; the nearest due."""

    open: int = 0
    at_risk: int = 0
    breached: int = 0
    nearest_due: int | None = None


@dataclass(frozen=True)
class WeekPoint:
    """One week of the trend: its local Monday (UTC µs), ISO label, counts, compliance."""

    start: int
    label: str
    met: int
    breached: int

    @property
    def compliance(self) -> float | None:
        """met ÷ (met + breached); None without a decided clock."""
        decided = self.met + self.breached
        return self.met / decided if decided else None


@dataclass(frozen=True)
class AccountSummary:
    """One account's line on the accounts page."""

    id: str
    name: str | None
    tier: str | None
    timezone: str
    contract: Contract | None
    in_config: bool
    period: PeriodCredit  # this month: met, breached, compliance, credit share and amount
    open: OpenFigures

    @property
    def commitment(self) -> float | None:
        """The compliance the contract commits to (None without one)."""
        return None if self.contract is None else self.contract.commitment

    @property
    def shortfall(self) -> float | None:
        """How far compliance is under the commitment (negative: above it); None when
        either is unknown."""
        if self.commitment is None or self.period.compliance is None:
            return None
        return self.commitment - self.period.compliance

    @property
    def is_below_commitment(self) -> bool:
        """True when this period's compliance is under the commitment."""
        return self.shortfall is not None and self.shortfall > 0


@dataclass(frozen=True)
class AccountDetail:
    """An account's page: its summary and the weekly trend, oldest week first."""

    summary: AccountSummary
    trend: list[WeekPoint]


@dataclass(frozen=True)
class _Window:
    """The local boundaries of one time zone at ``now``: month start, week starts."""

    period: str
    month_start: int
    weeks: list[tuple[int, str]]  # (start, ISO label), oldest first


def checked_zone(timezone: str) -> str:
    """``timezone`` when the pinned tzdata knows it; InputError naming ``tz`` otherwise."""
    try:
        load_zone(timezone)
    except CalendarError as exc:
        raise InputError(exc.message, path=("tz",)) from None
    return timezone


def _window(timezone: str, now: int) -> _Window:
    zone = load_zone(timezone)
    today = datetime.fromtimestamp(now / 1_000_000, UTC).astimezone(zone).date()

    # Local midnight through core/zones.py: a midnight inside a DST gap maps to the
    # transition, as calendars do, so no week or month loses or repeats an instant.
    def midnight(day: date) -> int:
        return local_to_utc_us(zone, (day - _EPOCH).days * _US_PER_DAY)

    monday = today - timedelta(days=today.weekday())
    weeks = []
    for back in range(WEEKS - 1, -1, -1):
        day = monday - timedelta(weeks=back)
        year, week, _ = day.isocalendar()
        weeks.append((midnight(day), f"{year}-W{week:02}"))
    return _Window(f"{today.year:04}-{today.month:02}", midnight(today.replace(day=1)), weeks)


def _decided(now: int) -> tuple[Any, Any]:
    met = case((ClockRow.status == "met", 1), else_=0)
    late = and_(ClockRow.status == "running", ClockRow.due_at <= now)
    breached = case((or_(ClockRow.status == "breached", late), 1), else_=0)
    return met, breached


def _buckets(
    connection: Connection, bounds: list[int], now: int, account: str | None
) -> dict[str, list[list[int]]]:
    """(met, breached) per account and bucket: bucket ``i`` holds the clocks started in
    ``[bounds[i], bounds[i + 1])`` (the last up to ``now``); ``bounds`` sorted, unique.

    One scan of the clocks started since ``bounds[0]`` (ix_clocks_started_at) serves every
    account and every time zone: each zone's month and week starts are among the bounds.
    """
    met, breached = _decided(now)
    bucket = case(*[(ClockRow.started_at >= b, i) for i, b in reversed(list(enumerate(bounds)))],
                  else_=-1)  # fmt: skip
    query = (
        select(TicketRow.account, bucket, func.sum(met), func.sum(breached))
        .select_from(ClockRow)
        .join(TicketRow, TicketRow.id == ClockRow.ticket)
        .where(
            ClockRow.started_at >= bounds[0],
            ClockRow.started_at <= now,
            ClockRow.status.in_(("met", "breached", "running")),
            TicketRow.account.is_not(None),
        )
        .group_by(TicketRow.account, bucket)
    )
    if account is not None:
        query = query.where(TicketRow.account == account)
    found: dict[str, list[list[int]]] = {}
    for name, index, met_n, breached_n in connection.execute(query):
        pairs = found.setdefault(name, [[0, 0] for _ in bounds])
        pairs[index][0] += int(met_n or 0)
        pairs[index][1] += int(breached_n or 0)
    return found


def _between(pairs: list[list[int]], bounds: list[int], low: int, high: int) -> list[int]:
    """(met, breached) summed over the buckets whose start is in ``[low, high)``."""
    chosen = [pair for pair, start in zip(pairs, bounds, strict=True) if low <= start < high]
    return [sum(pair[0] for pair in chosen), sum(pair[1] for pair in chosen)]


def _open_figures(connection: Connection, now: int, account: str | None) -> dict[str, OpenFigures]:
    risky = case((and_(TicketRow.risk_at <= now, TicketRow.queue_due > now), 1), else_=0)
    late = case((TicketRow.queue_due <= now, 1), else_=0)
    # Grouped by an expression, not the column: SQLite would otherwise walk
    # ix_tickets_account in order over every ticket, open or not (3x slower at 10,000 open
    # of 30,000); this way it reads the open ones by ix_tickets_queue and sorts them.
    named = func.coalesce(TicketRow.account, "")
    query = (
        select(named, func.count(), func.sum(risky), func.sum(late), func.min(TicketRow.queue_due))
        .where(TicketRow.is_open)
        .group_by(named)
    )
    if account is not None:
        query = query.where(TicketRow.account == account)
    found = {}
    for name, count, at_risk, breached, nearest in connection.execute(query):
        if not name:
            continue  # tickets without an account
        due = None if nearest is None or nearest >= NO_DUE else int(nearest)
        found[name] = OpenFigures(int(count), int(at_risk or 0), int(breached or 0), due)
    return found


def account_ids(connection: Connection, config: Configuration) -> list[str]:
    """Every account: the configuration's and those named on tickets (ix_tickets_account)."""
    on_tickets = connection.execute(
        select(TicketRow.account).where(TicketRow.account.is_not(None)).distinct()
    ).scalars()
    return sorted(set(config.accounts) | {name for name in on_tickets if name is not None})


def _zones(ids: list[str], config: Configuration, default: str) -> dict[str, list[str]]:
    zones: dict[str, list[str]] = {}
    for account in ids:
        zones.setdefault(zone_of(config.accounts.get(account), default), []).append(account)
    return zones


def _summary(
    account: str, found: Account | None, timezone: str, period: str,
    counts: list[int] | None, figures: OpenFigures | None,
) -> AccountSummary:  # fmt: skip
    contract = found.contract if found is not None else None
    met, breached = counts or (0, 0)
    return AccountSummary(
        account, found.name if found else None, found.tier if found else None, timezone,
        contract, found is not None, period_credit(contract, period, met, breached),
        figures or OpenFigures(),
    )  # fmt: skip


def _gather(
    connection: Connection, config: Configuration, ids: list[str], now: int, default: str,
    *, weekly: bool,
) -> tuple[dict[str, AccountSummary], dict[str, list[WeekPoint]]]:  # fmt: skip
    single = ids[0] if len(ids) == 1 else None
    figures = _open_figures(connection, now, single)
    windows = {zone: _window(zone, now) for zone in _zones(ids, config, default)}
    bounds = {window.month_start for window in windows.values()}
    if weekly:
        bounds |= {start for window in windows.values() for start, _ in window.weeks}
    ordered = sorted(bounds)
    counts = _buckets(connection, ordered, now, single)
    empty = [[0, 0] for _ in ordered]
    summaries: dict[str, AccountSummary] = {}
    trends: dict[str, list[WeekPoint]] = {}
    for account in ids:
        found = config.accounts.get(account)
        zone = zone_of(found, default)
        window, pairs = windows[zone], counts.get(account, empty)
        month = _between(pairs, ordered, window.month_start, now + 1)
        summaries[account] = _summary(account, found, zone, window.period, month,
                                      figures.get(account))  # fmt: skip
        if weekly:
            ends = [start for start, _ in window.weeks[1:]] + [now + 1]
            trends[account] = [
                WeekPoint(start, label, *_between(pairs, ordered, start, end))
                for (start, label), end in zip(window.weeks, ends, strict=True)
            ]
    return summaries, trends


def _risk_key(summary: AccountSummary) -> tuple[float, float, str]:
    # Nearest breach first (an open ticket already breached has its due in the past), then
    # the weakest compliance against the commitment, then the id.
    due = summary.open.nearest_due
    shortfall = summary.shortfall
    return (math.inf if due is None else due, -math.inf if shortfall is None else -shortfall,
            summary.id)  # fmt: skip


def _compliance_key(summary: AccountSummary) -> tuple[float, float, str]:
    shortfall = summary.shortfall
    compliance = summary.period.compliance
    return (-shortfall if shortfall is not None else math.inf,
            compliance if compliance is not None else math.inf, summary.id)  # fmt: skip


def list_accounts(
    connection: Connection, now: int, *, timezone: str = "UTC", sort: str = "risk"
) -> list[AccountSummary]:
    """Every account's summary at ``now``: ``sort`` "risk" (nearest breach, then weakest
    compliance against commitment), "compliance" (furthest under commitment first) or
    "name"."""
    checked_zone(timezone)  # an unknown zone is refused before any query
    if sort not in SORTS:
        raise InputError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}", path=("sort",))
    config = configuration_of(connection, current_number(connection))
    ids = account_ids(connection, config)
    if not ids:
        return []
    summaries, _ = _gather(connection, config, ids, now, timezone, weekly=False)
    keys = {"risk": _risk_key, "compliance": _compliance_key,
            "name": lambda s: (0.0, 0.0, s.id)}  # fmt: skip
    return sorted(summaries.values(), key=keys[sort])


def read_account(
    connection: Connection, account: str, now: int, *, timezone: str = "UTC"
) -> AccountDetail:
    """One account's summary and its weekly trend (NotFoundError for an account neither
    configured nor named on a ticket)."""
    checked_zone(timezone)
    config = configuration_of(connection, current_number(connection))
    known = (
        account in config.accounts
        or connection.execute(
            select(TicketRow.id).where(TicketRow.account == account).limit(1)
        ).first()
        is not None
    )
    if not known:
        raise NotFoundError(f"no account {account!r}", path=("account",))
    summaries, trends = _gather(connection, config, [account], now, timezone, weekly=True)
    return AccountDetail(summaries[account], trends[account])


def account_summary(
    connection: Connection, account: str, now: int, *, timezone: str = "UTC"
) -> AccountSummary:
    """One account's summary at ``now`` (empty figures for an account nobody knows)."""
    config = configuration_of(connection, current_number(connection))
    summaries, _ = _gather(connection, config, [account], now, timezone, weekly=False)
    return summaries[account]

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
clocks of the window per time zone, one over the open tickets.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
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


def _counts(
    connection: Connection,
    window: _Window,
    now: int,
    accounts: tuple[Iterable[str] | None, Iterable[str]],
    *,
    weekly: bool,
) -> tuple[dict[str, list[int]], dict[str, list[list[int]]]]:
    """(met, breached) this period per account, and per week when ``weekly``.

    ``accounts`` is (only these, or None for any) and (but not these).
    """
    met, breached = _decided(now)
    starts = [start for start, _ in window.weeks]
    week = case(*[(ClockRow.started_at >= s, i) for i, s in reversed(list(enumerate(starts)))],
                else_=-1)  # fmt: skip
    in_month = case((ClockRow.started_at >= window.month_start, 1), else_=0)
    low = min(window.month_start, starts[0]) if weekly else window.month_start
    query = (
        select(
            TicketRow.account,
            week if weekly else in_month,
            in_month,
            func.sum(met),
            func.sum(breached),
        )
        .select_from(ClockRow)
        .join(TicketRow, TicketRow.id == ClockRow.ticket)
        .where(
            ClockRow.started_at >= low,
            ClockRow.started_at <= now,
            ClockRow.status.in_(("met", "breached", "running")),
            TicketRow.account.is_not(None),
        )
        .group_by(TicketRow.account, week if weekly else in_month, in_month)
    )
    only, excluded = accounts
    if only is not None:
        query = query.where(TicketRow.account.in_(list(only)))
    excluded = list(excluded)
    if excluded:
        query = query.where(TicketRow.account.not_in(excluded))
    month: dict[str, list[int]] = {}
    weeks: dict[str, list[list[int]]] = {}
    for account, bucket, this_month, met_n, breached_n in connection.execute(query):
        if this_month:
            pair = month.setdefault(account, [0, 0])
            pair[0] += int(met_n or 0)
            pair[1] += int(breached_n or 0)
        if weekly and bucket >= 0:
            rows = weeks.setdefault(account, [[0, 0] for _ in range(WEEKS)])
            rows[bucket][0] += int(met_n or 0)
            rows[bucket][1] += int(breached_n or 0)
    return month, weeks


def _open_figures(connection: Connection, now: int, account: str | None) -> dict[str, OpenFigures]:
    risky = case((and_(TicketRow.risk_at <= now, TicketRow.queue_due > now), 1), else_=0)
    late = case((TicketRow.queue_due <= now, 1), else_=0)
    query = (
        select(
            TicketRow.account,
            func.count(),
            func.sum(risky),
            func.sum(late),
            func.min(TicketRow.queue_due),
        )
        .where(TicketRow.is_open.is_(True), TicketRow.account.is_not(None))
        .group_by(TicketRow.account)
    )
    if account is not None:
        query = query.where(TicketRow.account == account)
    found = {}
    for name, count, at_risk, breached, nearest in connection.execute(query):
        due = None if nearest is None or nearest >= NO_DUE else int(nearest)
        found[name] = OpenFigures(int(count), int(at_risk or 0), int(breached or 0), due)
    return found


def account_ids(connection: Connection, config: Configuration) -> list[str]:
    """Every account: the configuration's and those named on tickets (ix_tickets_account)."""
    on_tickets = connection.execute(
        select(TicketRow.account).where(TicketRow.account.is_not(None)).distinct()
    ).scalars()
    return sorted(set(config.accounts) | set(on_tickets))


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
    figures = _open_figures(connection, now, ids[0] if len(ids) == 1 else None)
    summaries: dict[str, AccountSummary] = {}
    trends: dict[str, list[WeekPoint]] = {}
    zones = _zones(ids, config, default)
    for timezone, members in zones.items():
        window = _window(timezone, now)
        if len(ids) == 1 or timezone != default:
            scope: tuple[Iterable[str] | None, Iterable[str]] = (members, ())
        else:  # every other account: those not counted in another zone
            scope = (None, [a for z, m in zones.items() if z != default for a in m])
        month, weeks = _counts(connection, window, now, scope, weekly=weekly)
        for account in members:
            summaries[account] = _summary(
                account, config.accounts.get(account), timezone, window.period,
                month.get(account), figures.get(account),
            )  # fmt: skip
            pairs = weeks.get(account) or [[0, 0] for _ in range(WEEKS)]
            trends[account] = [
                WeekPoint(start, label, met, breached)
                for (start, label), (met, breached) in zip(window.weeks, pairs, strict=True)
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

"""The contract report of one account and period, from its tickets' evaluated clocks.

No database and no clock: the caller hands over each ticket's explained evaluation at
``now`` and the events it was evaluated from (services/contract.py gets them from an
event file or from the stored log). The steps of :func:`account_section`:

1. Keep the clocks of the account's tickets that started in the period ``[start, end)``.
2. Count met, breached and running (running or paused) per metric and pooled; a clock's
   state is its state at ``now``; cancelled clocks are left out of every count.
3. Per local calendar month of the period (the account's zone), the counts that the
   credit of that month is computed from (services/contract.py, with services/credits.py).
4. Per ISO week, compliance (for the weekly chart).
5. For each breached clock, the business minutes over target at its fulfilment, else at
   ``now``; for each clock that was paused, its paused business time split by the status
   the ticket was in (the solved spell before a reopen counts as paused, as ``solved``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from slakeeper.core.clocks import ClockStatus, Cycle
from slakeeper.core.configuration import Account
from slakeeper.core.evaluation import TicketResult
from slakeeper.core.timelines import between_us
from slakeeper.core.zones import load_zone

__all__ = [
    "AccountSection",
    "BreachRow",
    "ClockRow",
    "Count",
    "EvaluatedTicket",
    "PausedRow",
    "Period",
    "account_section",
]

_US_PER_MINUTE = 60_000_000


@dataclass(frozen=True)
class EvaluatedTicket:
    """One ticket's explained evaluation at ``now`` and the status changes of its log."""

    result: TicketResult
    statuses: list[tuple[int, str]]  # (from instant, status), in order, from `created`


@dataclass(frozen=True)
class Period:
    """Clocks that started in ``[start, end)`` (UTC µs); dates and months in ``timezone``."""

    start: int
    end: int
    timezone: str
    months: tuple[str, ...]  # the local calendar months the period touches, "YYYY-MM"


@dataclass
class Count:
    """Clocks of a group by state at ``now`` (cancelled ones are not counted)."""

    met: int = 0
    breached: int = 0
    running: int = 0

    @property
    def decided(self) -> int:
        """Met plus breached."""
        return self.met + self.breached

    @property
    def compliance(self) -> float | None:
        """Met ÷ decided; None when nothing is decided."""
        return self.met / self.decided if self.decided else None

    def add(self, status: ClockStatus) -> None:
        """Count one clock's state."""
        if status is ClockStatus.MET:
            self.met += 1
        elif status is ClockStatus.BREACHED:
            self.breached += 1
        elif status in (ClockStatus.RUNNING, ClockStatus.PAUSED):
            self.running += 1


@dataclass(frozen=True)
class ClockRow:
    """One clock of the account in the period, as the CSV lists it."""

    ticket: str
    severity: str | None
    metric: str
    team: str | None
    cycle: int
    status: str
    month: str
    started_at: int
    due_at: int | None
    fulfilled_at: int | None
    breached_at: int | None
    target_minutes: float
    elapsed_minutes: float  # business time at fulfilment (or cancellation), else at now
    over_target_minutes: float | None  # breached clocks only
    paused_minutes: float
    paused_statuses: dict[str, float]  # status -> paused business minutes


@dataclass(frozen=True)
class BreachRow:
    """A breached clock: when, and by how many business minutes over its target."""

    ticket: str
    severity: str | None
    metric: str
    team: str | None
    cycle: int
    started_at: int
    due_at: int
    breached_at: int
    fulfilled_at: int | None
    target_minutes: float
    over_target_minutes: float  # at fulfilment, else at now


@dataclass(frozen=True)
class PausedRow:
    """A clock's paused business time and the statuses that paused it."""

    ticket: str
    metric: str
    team: str | None
    cycle: int
    status: str
    paused_minutes: float
    statuses: dict[str, float]


@dataclass
class AccountSection:
    """The contract report of one account over one period."""

    account: Account
    period: Period
    metrics: dict[str, Count] = field(default_factory=dict)  # metric -> counts, sorted
    overall: Count = field(default_factory=Count)
    months: dict[str, Count] = field(default_factory=dict)  # "2026-03" -> counts, sorted
    credits: list[Any] = field(default_factory=list)  # services.credits.PeriodCredit per month
    weeks: dict[str, Count] = field(default_factory=dict)  # "2026-W10" -> counts
    breaches: list[BreachRow] = field(default_factory=list)
    paused: list[PausedRow] = field(default_factory=list)
    clocks: list[ClockRow] = field(default_factory=list)

    @property
    def commitment(self) -> float | None:
        """The committed compliance (0-1), None without one."""
        contract = self.account.contract
        return None if contract is None else contract.commitment

    @property
    def credit_total(self) -> float | None:
        """The credits of every month added up; None when the contract names no fee."""
        amounts = [credit.amount for credit in self.credits]
        if not amounts or any(amount is None for amount in amounts):
            return None
        return sum(amount for amount in amounts if amount is not None)

    def passes(self, compliance: float | None) -> bool | None:
        """Whether ``compliance`` meets the commitment (None: nothing to judge)."""
        if compliance is None or self.commitment is None:
            return None
        return compliance >= self.commitment


def account_section(
    account: Account, period: Period, tickets: Sequence[EvaluatedTicket], now: int
) -> AccountSection:
    """The report of ``account`` over ``period`` (the module docstring's steps)."""
    section = AccountSection(account, period)
    zone = load_zone(period.timezone)
    by_month = {month: Count() for month in period.months}
    for ticket in tickets:
        for cycle in ticket.result.cycles:
            if not period.start <= cycle.started_at < period.end:
                continue
            row = _clock_row(ticket, cycle, _month(cycle.started_at, zone), now)
            section.clocks.append(row)
            status = cycle.status
            section.metrics.setdefault(row.metric, Count()).add(status)
            section.overall.add(status)
            by_month.setdefault(row.month, Count()).add(status)
            section.weeks.setdefault(_week(cycle.started_at, zone), Count()).add(status)
            if status is ClockStatus.BREACHED:
                section.breaches.append(_breach_row(row))
            if row.paused_minutes > 0:
                section.paused.append(_paused_row(row))
    section.metrics = dict(sorted(section.metrics.items()))
    section.weeks = dict(sorted(section.weeks.items()))
    section.months = dict(sorted(by_month.items()))
    order = lambda row: (row.started_at, row.ticket, row.metric, row.team or "", row.cycle)  # noqa: E731
    section.clocks.sort(key=order)
    section.breaches.sort(key=lambda row: (row.breached_at, row.ticket, row.metric))
    section.paused.sort(key=lambda row: (-row.paused_minutes, row.ticket, row.metric))
    return section


def _clock_row(ticket: EvaluatedTicket, cycle: Cycle, month: str, now: int) -> ClockRow:
    end = _end(cycle, now)
    elapsed = cycle.elapsed_at(end)
    paused = _paused_by_status(ticket, cycle, end)
    severity = ticket.result.fields.get("severity")
    over = None
    if cycle.status is ClockStatus.BREACHED:
        over = _minutes(elapsed - cycle.target.sla)
    return ClockRow(
        ticket=ticket.result.ticket,
        severity=None if severity is None else str(severity),
        metric=cycle.metric.value,
        team=cycle.team,
        cycle=cycle.number,
        status=cycle.status.value,
        month=month,
        started_at=cycle.started_at,
        due_at=cycle.due_at(),
        fulfilled_at=cycle.fulfilled_at,
        breached_at=cycle.breached_at,
        target_minutes=_minutes(cycle.target.sla),
        elapsed_minutes=_minutes(elapsed),
        over_target_minutes=over,
        paused_minutes=_minutes(cycle.paused_at(end)),
        paused_statuses={name: _minutes(us) for name, us in paused.items()},
    )


def _end(cycle: Cycle, now: int) -> int:
    """Where a clock's count stops: its fulfilment or cancellation, else ``now``."""
    if cycle.fulfilled_at is not None:
        return cycle.fulfilled_at
    if cycle.cancelled_at is not None:
        return cycle.cancelled_at
    return now


def _breach_row(row: ClockRow) -> BreachRow:
    assert row.breached_at is not None and row.over_target_minutes is not None
    return BreachRow(
        ticket=row.ticket,
        severity=row.severity,
        metric=row.metric,
        team=row.team,
        cycle=row.cycle,
        started_at=row.started_at,
        due_at=row.due_at if row.due_at is not None else row.breached_at,
        breached_at=row.breached_at,
        fulfilled_at=row.fulfilled_at,
        target_minutes=row.target_minutes,
        over_target_minutes=row.over_target_minutes,
    )


def _paused_row(row: ClockRow) -> PausedRow:
    return PausedRow(
        ticket=row.ticket,
        metric=row.metric,
        team=row.team,
        cycle=row.cycle,
        status=row.status,
        paused_minutes=row.paused_minutes,
        statuses=row.paused_statuses,
    )


def paused_spans(result: TicketResult, cycle: Cycle, end: int) -> list[tuple[int, int]]:
    """The ``[from, to)`` spells in which ``cycle`` did not count, from the explained
    timeline: pause → resume (or fulfil, cancel), and fulfil → the reopen that resumed it."""
    spans: list[tuple[int, int]] = []
    paused_since: int | None = None
    fulfilled_at: int | None = None
    key = (cycle.metric, cycle.team, cycle.number)
    for entry in sorted(result.timeline, key=lambda e: e.at):
        if (entry.metric, entry.team, entry.cycle) != key:
            continue
        if entry.kind == "pause" and paused_since is None:
            paused_since = entry.at
        elif entry.kind in ("resume", "fulfil", "cancel") and paused_since is not None:
            spans.append((paused_since, entry.at))
            paused_since = None
        elif entry.kind == "resume" and fulfilled_at is not None:
            spans.append((fulfilled_at, entry.at))  # the solved spell before a reopen
        if entry.kind == "fulfil":
            fulfilled_at = entry.at
        elif entry.kind == "resume":
            fulfilled_at = None
    if paused_since is not None:
        spans.append((paused_since, max(paused_since, end)))
    return spans


def _paused_by_status(ticket: EvaluatedTicket, cycle: Cycle, end: int) -> dict[str, int]:
    """Paused business µs of ``cycle`` up to ``end``, per status of the ticket then."""
    totals: dict[str, int] = {}
    for start, stop in paused_spans(ticket.result, cycle, end):
        changes = ticket.statuses
        for index, (at, status) in enumerate(changes):
            until = changes[index + 1][0] if index + 1 < len(changes) else stop
            begin, finish = max(at, start), min(until, stop)
            if begin < finish:
                spent = between_us(cycle.calendar, begin, finish)
                if spent:
                    totals[status] = totals.get(status, 0) + spent
    return dict(sorted(totals.items()))


def _local(us: int, zone: tzinfo) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, UTC).astimezone(zone)


def _week(us: int, zone: tzinfo) -> str:
    """The ISO week of instant ``us`` in ``zone``: ``2026-W10``."""
    year, week, _ = _local(us, zone).isocalendar()
    return f"{year}-W{week:02d}"


def _month(us: int, zone: tzinfo) -> str:
    """The local calendar month of instant ``us`` in ``zone``: ``2026-03``."""
    local = _local(us, zone)
    return f"{local.year:04}-{local.month:02}"


def _minutes(us: int) -> float:
    return round(us / _US_PER_MINUTE, 4)

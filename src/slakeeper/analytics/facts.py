"""What the reports need from a ticket's log beyond its clocks (docs/reports.md).

:func:`ticket_facts` walks one evaluated ticket's log once and returns its resolution
facts (when it was last solved, how many public agent replies it took, reopens,
escalation, CSAT, first-day resolution) and, for each breached clock, the business time
spent per status and per team before the breach. The live service stores these with the
ticket (services/refresh.py); offline reports compute them from the event file: both feed
the same columnar tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import orjson

from slakeeper.core.calendars import Calendar
from slakeeper.core.clocks import Cycle
from slakeeper.core.evaluation import TicketResult, ordered
from slakeeper.core.events import Author, Event, EventType
from slakeeper.core.instants import from_us
from slakeeper.core.policies import Metric, Status
from slakeeper.core.timelines import add_us, between_us
from slakeeper.core.zones import load_zone

__all__ = [
    "NO_TEAM",
    "TicketFacts",
    "breach_causes",
    "causes_text",
    "status_changes",
    "ticket_facts",
]

NO_TEAM = "(none)"  # the team name of time spent with no team assigned


@dataclass(frozen=True)
class TicketFacts:
    """One ticket's resolution facts, and the causes of each breached clock."""

    resolved_at: int | None  # the solve that left the ticket solved or closed; None if open
    replies: int  # public agent messages up to resolved_at (all of them while open)
    reopens: int  # solved or closed → an open status
    escalated: bool  # any `escalated` event
    csat: float | None  # the last CSAT score
    first_day: bool | None  # solved within the business day it arrived (None: unresolved)
    # (metric, team or "", cycle) → [(kind, name, business µs)], for breached clocks only
    causes: dict[tuple[str, str, int], list[tuple[str, str, int]]] = field(default_factory=dict)


@dataclass
class _Spells:
    """The ticket's status and team over time: (from instant, value) in order."""

    statuses: list[tuple[int, str]]
    teams: list[tuple[int, str]]


def ticket_facts(result: TicketResult, events: Sequence[Event]) -> TicketFacts:
    """The facts of ``result``'s ticket from its log (the events it was evaluated from)."""
    log = _applied(events)
    status = log[0].status or Status.NEW
    spells = _Spells([(log[0].at, status.value)], [(log[0].at, log[0].team or NO_TEAM)])
    solved_at: int | None = None
    replies_at: list[int] = []
    reopens, escalated, csat = 0, False, None
    for event in log[1:]:
        kind = event.type
        if kind is EventType.MESSAGE and event.public and event.author is Author.AGENT:
            replies_at.append(event.at)
        elif kind is EventType.STATUS and event.status is not None and event.status is not status:
            if status.is_open and not event.status.is_open:
                solved_at = event.at
            elif not status.is_open and event.status.is_open:
                reopens += 1
                solved_at = None
            status = event.status
            spells.statuses.append((event.at, status.value))
        elif kind is EventType.ASSIGN and event.assigns_team:
            spells.teams.append((event.at, event.team or NO_TEAM))
        elif kind is EventType.ESCALATED:
            escalated = True
        elif kind is EventType.CSAT:
            csat = event.score
    replies = sum(1 for at in replies_at if solved_at is None or at <= solved_at)
    return TicketFacts(
        resolved_at=solved_at,
        replies=replies,
        reopens=reopens,
        escalated=escalated,
        csat=csat,
        first_day=_first_day(result, solved_at),
        causes={
            (cycle.metric.value, cycle.team or "", cycle.number): breach_causes(cycle, spells)
            for cycle in result.cycles
            if cycle.breached_at is not None
        },
    )


def status_changes(events: Sequence[Event]) -> list[tuple[int, str]]:
    """The ticket's status over time, (from instant, status) in order, from ``created``."""
    log = _applied(events)
    status = log[0].status or Status.NEW
    changes = [(log[0].at, status.value)]
    for event in log[1:]:
        if event.type is EventType.STATUS and event.status not in (None, status):
            status = event.status
            changes.append((event.at, status.value))
    return changes


def _applied(events: Sequence[Event]) -> list[Event]:
    """The events evaluation applied: from ``created``, nothing after ``closed`` but CSAT."""
    log = ordered(events)
    start = next(i for i, event in enumerate(log) if event.type is EventType.CREATED)
    applied = [log[start]]
    closed = False
    for event in log[start + 1 :]:
        if event.type is EventType.CREATED or (closed and event.type is not EventType.CSAT):
            continue
        applied.append(event)
        if event.type is EventType.STATUS and event.status is Status.CLOSED:
            closed = True
    return applied


def _first_day(result: TicketResult, solved_at: int | None) -> bool | None:
    """Solved no later than the local date of the first open instant at or after arrival.

    The date is the calendar's local date (its time zone), so a ticket that arrives on
    Friday evening on a Monday-to-Friday calendar has until Monday's close.
    """
    if solved_at is None:
        return None
    calendar = _ticket_calendar(result.cycles)
    if calendar is None:
        return None
    opened = add_us(calendar, result.created_at, 0)
    return _local_date(calendar, solved_at) <= _local_date(calendar, opened)


def _ticket_calendar(cycles: Iterable[Cycle]) -> Calendar | None:
    """The resolution clock's calendar, else the first clock's; None without clocks."""
    chosen = None
    for cycle in cycles:
        if cycle.metric is Metric.RESOLUTION:
            return cycle.calendar
        chosen = chosen or cycle.calendar
    return chosen


def _local_date(calendar: Calendar, us: int) -> date:
    return from_us(us).astimezone(load_zone(calendar.timezone)).date()


def breach_causes(cycle: Cycle, spells: _Spells) -> list[tuple[str, str, int]]:
    """Business time per status and per team in [started_at, breached_at) of a clock.

    Time is counted on the clock's calendar (the one in force at the end), paused spells
    included: they show where the time went, though a paused status stopped the budget.
    """
    assert cycle.breached_at is not None
    parts: list[tuple[str, str, int]] = []
    for kind, changes in (("status", spells.statuses), ("team", spells.teams)):
        totals: dict[str, int] = {}
        for (begin, value), end in _spans(changes, cycle.started_at, cycle.breached_at):
            spent = between_us(cycle.calendar, begin, end)
            totals[value] = totals.get(value, 0) + spent
        parts.extend((kind, name, spent) for name, spent in sorted(totals.items()) if spent)
    return parts


def _spans(
    changes: list[tuple[int, str]], start: int, end: int
) -> Iterable[tuple[tuple[int, str], int]]:
    """((from, value), to) for each spell of ``changes`` clipped to [start, end)."""
    for index, (at, value) in enumerate(changes):
        until = changes[index + 1][0] if index + 1 < len(changes) else end
        begin, finish = max(at, start), min(until, end)
        if begin < finish:
            yield (begin, value), finish


def causes_text(parts: list[tuple[str, str, int]] | None) -> str:
    """Breach causes as stored in ``clocks.causes``: ``[{"kind","name","us"}, …]``; "" if none."""
    if not parts:
        return ""
    return orjson.dumps([{"kind": k, "name": n, "us": us} for k, n, us in parts]).decode()

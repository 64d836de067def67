"""``evaluate(events, config, now)``: every SLA clock of every ticket, from the event log alone.

A ticket's SLA state is a pure function of its events, the configuration and ``now``
(DESIGN.md section 3). The steps:

1. Group events by ticket (in order of first appearance); drop repeated ids (first wins;
   the same id with another payload is an error), events after ``now``, events before the
   ticket's ``created`` and events after ``closed`` (``csat`` excepted), each with a
   diagnostic naming its line.
2. Replay each ticket's events in ``at`` order (ties: ``created`` first, then input order).
   Before each event every running cycle reaches the marks (warnings, objective, escalation
   steps, breach) it passes on the way; then the event starts, pauses, resumes, fulfils,
   retargets or cancels cycles by the rules of DESIGN.md section 4.
3. Bring every cycle to ``now`` and report it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from slakeeper.core.clocks import Cycle
from slakeeper.core.configuration import Configuration
from slakeeper.core.errors import SlaError
from slakeeper.core.events import Event, EventType
from slakeeper.core.policies import METRICS
from slakeeper.core.tickets import TicketRun, TimelineEntry

__all__ = [
    "LATER",
    "Diagnostic",
    "Evaluation",
    "TicketResult",
    "TimelineEntry",
    "evaluate",
    "evaluate_logged",
    "evaluate_ticket",
    "group_events",
    "iter_evaluate",
    "note_repeat",
    "ordered",
]


@dataclass(frozen=True)
class Diagnostic:
    """A problem with the input that evaluation worked around."""

    message: str
    line: int | None = None
    event: str | None = None
    ticket: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else f"event {self.event}"
        if self.line is None and self.event is None:
            where = f"ticket {self.ticket}"
        return f"{where}: {self.message}"


@dataclass
class TicketResult:
    """One ticket's evaluation."""

    ticket: str
    policy: str | None
    policy_version: str | None
    cycles: list[Cycle]
    next_action_at: int | None
    fields: dict[str, object]
    status: str
    created_at: int
    escalations_due: list[tuple[Cycle, int, int]] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the diagnostics about this ticket

    # Written out: compiled (mypyc), the __init__ dataclass generates is interpreted Python.
    def __init__(
        self,
        ticket: str,
        policy: str | None,
        policy_version: str | None,
        cycles: list[Cycle],
        next_action_at: int | None,
        fields: dict[str, object],
        status: str,
        created_at: int,
        escalations_due: list[tuple[Cycle, int, int]] | None = None,
        timeline: list[TimelineEntry] | None = None,
        notes: list[str] | None = None,
    ) -> None:
        self.ticket = ticket
        self.policy = policy
        self.policy_version = policy_version
        self.cycles = cycles
        self.next_action_at = next_action_at
        self.fields = fields
        self.status = status
        self.created_at = created_at
        self.escalations_due = [] if escalations_due is None else escalations_due
        self.timeline = [] if timeline is None else timeline
        self.notes = [] if notes is None else notes


@dataclass
class Evaluation:
    """Results per ticket (in order of first appearance) and diagnostics."""

    tickets: list[TicketResult]
    diagnostics: list[Diagnostic]


def evaluate(
    events: Iterable[Event],
    config: Configuration,
    now: int,
    *,
    explain: bool = False,
) -> Evaluation:
    """Evaluate every ticket of ``events`` under ``config`` at ``now`` (UTC µs)."""
    diagnostics: list[Diagnostic] = []
    results = list(iter_evaluate(events, config, now, diagnostics, explain=explain))
    return Evaluation(results, diagnostics)


def iter_evaluate(
    events: Iterable[Event],
    config: Configuration,
    now: int,
    diagnostics: list[Diagnostic],
    *,
    explain: bool = False,
) -> Iterator[TicketResult]:
    """Evaluate ticket by ticket, yielding each result as it is ready (nothing is held).

    Diagnostics are appended to ``diagnostics`` as they are found.
    """
    by_ticket = group_events(events, now, diagnostics)
    events = ()  # the grouped logs are all that is needed from here
    for ticket in list(by_ticket):
        # Pop each ticket's log as it is evaluated, so memory falls as results are used.
        # (Not next(iter(dict)) after pops: that rescans the emptied slots, quadratically.)
        result = evaluate_logged(
            ticket, by_ticket.pop(ticket), config, now, diagnostics, explain=explain
        )
        if result is not None:
            yield result


def evaluate_logged(
    ticket: str,
    events: Sequence[Event],
    config: Configuration,
    now: int,
    diagnostics: list[Diagnostic],
    *,
    explain: bool = False,
) -> TicketResult | None:
    """:func:`evaluate_ticket`, a ticket it cannot evaluate skipped with a diagnostic."""
    try:
        return evaluate_ticket(ticket, events, config, now, diagnostics, explain=explain)
    except SlaError as exc:  # e.g. a due date past what calendars can count (year 9998)
        first = min(events, key=lambda e: e.line or 0)
        message = f"ticket {ticket!r} skipped: {exc}"
        diagnostics.append(Diagnostic(message, line=first.line, event=first.id, ticket=ticket))
        return None


def group_events(
    events: Iterable[Event],
    now: int,
    diagnostics: list[Diagnostic],
    seen: dict[str, Event] | None = None,
) -> dict[str, list[Event]]:
    """Each ticket's events, tickets in order of first appearance (step 1 of the module doc).

    ``seen`` receives the first event of every id (a caller checks ids across partitions).
    """
    if seen is None:
        seen = {}
    by_ticket: dict[str, list[Event]] = {}
    for event in events:
        first = seen.get(event.id)
        if first is not None:
            note_repeat(first, event, diagnostics)
            continue
        seen[event.id] = event
        if event.at > now:
            diagnostics.append(_diag(event, LATER))
            continue
        by_ticket.setdefault(event.ticket, []).append(event)
    return by_ticket


LATER = "event is after --now: ignored"


def note_repeat(first: Event, event: Event, diagnostics: list[Diagnostic]) -> None:
    """An event whose id ``first`` already used: dropped, with a note when it says otherwise."""
    if not first.same_payload(event):
        where = f"line {first.line}" if first.line is not None else "earlier"
        message = f"event id {event.id!r} was already used ({where}) with another payload"
        diagnostics.append(_diag(event, message))


def _diag(event: Event, message: str) -> Diagnostic:
    return Diagnostic(message, line=event.line, event=event.id, ticket=event.ticket)


def ordered(events: Sequence[Event]) -> list[Event]:
    """Events in ``at`` order; at the same instant ``created`` first, then input order."""
    previous = None
    for event in events:  # most logs arrive in order: check before paying for a sort
        if previous is not None and (
            event.at < previous.at or (event.at == previous.at and event.type is EventType.CREATED)
        ):
            return sorted(events, key=_order_key)
        previous = event
    return list(events)


def _order_key(event: Event) -> tuple[int, bool]:
    return (event.at, event.type is not EventType.CREATED)


def evaluate_ticket(
    ticket: str,
    events: Sequence[Event],
    config: Configuration,
    now: int,
    diagnostics: list[Diagnostic],
    *,
    explain: bool = False,
) -> TicketResult | None:
    """Replay one ticket's events (all of the same ticket, none after ``now``)."""
    log = ordered(events)
    created_index = next((i for i, e in enumerate(log) if e.type is EventType.CREATED), None)
    if created_index is None:
        line = min((e.line for e in log if e.line is not None), default=None)
        diagnostics.append(
            Diagnostic(f"ticket {ticket!r} has no created event: skipped", line=line, ticket=ticket)
        )
        return None
    for early in log[:created_index]:
        diagnostics.append(_diag(early, f"event is before ticket {ticket!r} was created: ignored"))
    run = TicketRun(config, log[created_index], explain=explain)
    closed = False
    for event in log[created_index + 1 :]:
        if event.type is EventType.CREATED:
            diagnostics.append(_diag(event, f"ticket {ticket!r} was already created: ignored"))
            continue
        if closed and event.type is not EventType.CSAT:
            diagnostics.append(
                _diag(event, f"event is after ticket {ticket!r} was closed: ignored")
            )
            continue
        run.apply(event)
        closed = run.is_closed
    run.finish(now)
    created = log[created_index]
    for note, cause in run.notes:
        diagnostics.append(Diagnostic(note, line=cause.line, event=cause.id, ticket=ticket))
    cycles = sorted(run.cycles, key=_clock_order)
    return TicketResult(
        ticket=ticket,
        policy=run.policy.id if run.policy is not None else None,
        policy_version=config.version,
        cycles=cycles,
        next_action_at=run.next_action_at(now),
        fields=run.fields | {"team": run.team, "agent": run.agent},
        status=run.status._value_,  # not .value: a Python-level property
        created_at=created.at,
        escalations_due=run.escalations_due(now),
        timeline=run.timeline,
        notes=[note for note, _ in run.notes],
    )


_METRIC_RANK = {metric: rank for rank, metric in enumerate(METRICS)}


def _clock_order(cycle: Cycle) -> tuple[int, str, int]:
    """Clocks in order of metric, team, cycle."""
    return (_METRIC_RANK[cycle.metric], cycle.team or "", cycle.number)

"""One cycle of one SLA clock: elapsed business time, pauses, marks (warnings, breach) and results.

A :class:`Cycle` counts business time of its calendar while it runs. Its state is kept at an
*anchor* (the last instant its counting changed): elapsed and paused time are known there,
and the next *mark* (the earliest warning, objective, escalation step or breach still ahead)
is computed once per anchor with a single ``add``. Passing a mark computes the next one from
it, since ``add(add(s, a), b - a) == add(s, b)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from slakeeper.core.calendars import Calendar
from slakeeper.core.policies import Metric, Target, Threshold
from slakeeper.core.timelines import add_us, between_us

__all__ = ["ClockStatus", "Cycle", "Mark", "MarkKind", "Transition"]


class ClockStatus(StrEnum):
    """A clock cycle's state."""

    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    CANCELLED = "cancelled"


class MarkKind(StrEnum):
    """Instants a running cycle reaches by itself, without a new event."""

    WARNING = "warning"
    OBJECTIVE = "objective"
    ESCALATION = "escalation"
    BREACH = "breach"


@dataclass(frozen=True)
class Mark:
    """A point of a cycle: reached when elapsed time equals ``offset``."""

    offset: int
    kind: MarkKind
    index: int = 0  # warning threshold or escalation step (0-based)
    threshold: Threshold | None = None
    # What "already reached" is remembered by: a warning per threshold (a new policy's
    # thresholds are not the old ones, even at the same position), a step per its index.
    # A string: a tuple of an enum and a Fraction was hashed by Python code on every use.
    key: str = ""


def warning_key(threshold: Threshold) -> str:
    """The key a warning is remembered by: its threshold's value (fraction or lead)."""
    return f"warning {threshold.fraction} {threshold.lead}"


def step_key(index: int) -> str:
    """The key an escalation step is remembered by: its index."""
    return f"escalation {index}"


_MARK_ORDER = {MarkKind.WARNING: 0, MarkKind.OBJECTIVE: 1, MarkKind.ESCALATION: 2}
_PLANS: dict[tuple[int, int, int], tuple[object, object, object, tuple[Mark, ...]]] = {}


def mark_plan(
    target: Target, thresholds: tuple[Threshold, ...], steps: tuple[Threshold, ...]
) -> tuple[Mark, ...]:
    """Every mark of a cycle with this target, by offset (the breach last among equals).

    Plans are cached by the identity of their (long-lived, configuration-owned) inputs:
    hashing thresholds made of Fractions on every cycle start was a hot spot of replay.
    """
    key = (id(target), id(thresholds), id(steps))
    found = _PLANS.get(key)
    if found is not None and found[0] is target and found[1] is thresholds and found[2] is steps:
        return found[3]
    sla = target.sla
    marks = []
    for index, threshold in enumerate(thresholds):
        offset = threshold.offset(sla)
        if offset is not None:
            marks.append(Mark(offset, MarkKind.WARNING, index, threshold, warning_key(threshold)))
    for index, threshold in enumerate(steps):
        offset = threshold.offset(sla)
        if offset is not None:
            marks.append(Mark(offset, MarkKind.ESCALATION, index, threshold, step_key(index)))
    if target.objective is not None:
        marks.append(Mark(target.objective, MarkKind.OBJECTIVE))
    marks.append(Mark(sla, MarkKind.BREACH))
    marks.sort(key=lambda m: (m.offset, _MARK_ORDER.get(m.kind, 3), m.index))
    plan = tuple(marks)
    if len(_PLANS) > 4096:
        _PLANS.clear()
    _PLANS[key] = (target, thresholds, steps, plan)
    return plan


@dataclass(frozen=True)
class Transition:
    """Something that happened to a cycle, for the explained timeline."""

    at: int
    kind: str
    detail: str = ""


Recorder = Callable[["Cycle", Transition], None]


@dataclass(eq=False, slots=True)
class Cycle:
    """Mutable state of one cycle while a ticket's log is replayed."""

    metric: Metric
    team: str | None
    number: int
    calendar: Calendar
    target: Target
    started_at: int
    thresholds: tuple[Threshold, ...]
    steps: tuple[Threshold, ...]  # escalation step thresholds
    anchor: int = 0
    elapsed: int = 0  # at the anchor
    paused_time: int = 0  # at the anchor
    is_paused: bool = False
    fulfilled_at: int | None = None
    breached_at: int | None = None
    objective_missed_at: int | None = None
    cancelled_at: int | None = None
    warnings: list[tuple[Threshold, int]] = field(default_factory=list)
    escalations: list[tuple[int, int]] = field(default_factory=list)  # (step index, instant)
    done: set[str] | None = None  # keys of marks reached (made on first use)
    marks: tuple[Mark, ...] = ()  # the plan still ahead, by offset
    position: int = 0  # index in `marks` of the next mark
    next_at: int | None = None  # instant of the next mark, while counting
    cause: tuple[str, int | None] | None = None  # event (id, line) that last set it counting
    due_when_fulfilled: int | None = None
    objective_due_when_fulfilled: int | None = None

    # Written out: compiled (mypyc), the __init__ dataclass generates is interpreted Python.
    def __init__(
        self,
        metric: Metric,
        team: str | None,
        number: int,
        calendar: Calendar,
        target: Target,
        started_at: int,
        thresholds: tuple[Threshold, ...],
        steps: tuple[Threshold, ...],
        is_paused: bool = False,
    ) -> None:
        self.metric = metric
        self.team = team
        self.number = number
        self.calendar = calendar
        self.target = target
        self.started_at = started_at
        self.thresholds = thresholds
        self.steps = steps
        self.anchor = started_at
        self.elapsed = 0
        self.paused_time = 0
        self.is_paused = is_paused
        self.fulfilled_at = None
        self.breached_at = None
        self.objective_missed_at = None
        self.cancelled_at = None
        self.warnings = []
        self.escalations = []
        self.done = None
        self.marks = ()
        self.position = 0
        self.next_at = None
        self.cause = None
        self.due_when_fulfilled = None
        self.objective_due_when_fulfilled = None
        self._plan_marks()

    # ---- reading ------------------------------------------------------------------------

    @property
    def is_active(self) -> bool:
        """True while neither fulfilled nor cancelled."""
        return self.fulfilled_at is None and self.cancelled_at is None

    @property
    def is_counting(self) -> bool:
        """True while active and not paused."""
        return self.is_active and not self.is_paused

    def elapsed_at(self, t: int) -> int:
        """Elapsed business µs at ``t`` (not before the anchor)."""
        if self.is_counting and t > self.anchor:
            return self.elapsed + between_us(self.calendar, self.anchor, t)
        return self.elapsed

    def paused_at(self, t: int) -> int:
        """Paused business µs at ``t``."""
        if self.is_active and self.is_paused and t > self.anchor:
            return self.paused_time + between_us(self.calendar, self.anchor, t)
        return self.paused_time

    @property
    def status(self) -> ClockStatus:
        """The state shown to users."""
        if self.cancelled_at is not None:
            return ClockStatus.CANCELLED
        if self.breached_at is not None:
            return ClockStatus.BREACHED
        if self.fulfilled_at is not None:
            return ClockStatus.MET
        return ClockStatus.PAUSED if self.is_paused else ClockStatus.RUNNING

    def due_at(self) -> int | None:
        """When the SLA target is (or was) due; None while paused or cancelled."""
        if self.breached_at is not None:
            return self.breached_at
        if self.fulfilled_at is not None:
            return self.due_when_fulfilled
        if not self.is_counting:
            return None
        return self._instant_of(self.target.sla)

    def objective_due_at(self) -> int | None:
        """When the objective is (or was) due; None without one, while paused or cancelled."""
        objective = self.target.objective
        if objective is None:
            return None
        if self.objective_missed_at is not None:
            return self.objective_missed_at
        if self.fulfilled_at is not None:
            return self.objective_due_when_fulfilled
        if not self.is_counting:
            return None
        return self._instant_of(objective)

    def objective_status(self) -> str | None:
        """``met``, ``missed`` or ``running``; None without an objective (or when cancelled)."""
        if self.target.objective is None:
            return None
        if self.objective_missed_at is not None:
            return "missed"
        if self.fulfilled_at is not None:
            return "met"
        return None if self.cancelled_at is not None else "running"

    def first_warning_at(self) -> int | None:
        """When the cycle passed its first warning, or (counting) will; None if never."""
        if self.warnings:
            return min(at for _, at in self.warnings)
        if not self.is_counting:
            return None
        for mark in self.marks[self.position :]:
            if mark.kind is MarkKind.WARNING:
                return self._instant_of(mark.offset)
        return None

    def _instant_of(self, offset: int) -> int:
        return add_us(self.calendar, self.anchor, max(offset - self.elapsed, 0))

    # ---- marks ----------------------------------------------------------------------------

    def _plan_marks(self) -> None:
        """Take the plan of the current target, less the marks already reached."""
        plan = mark_plan(self.target, self.thresholds, self.steps)
        if self.done or self.breached_at is not None or self.objective_missed_at is not None:
            plan = tuple(m for m in plan if not self._is_done(m))
        self.marks, self.position = plan, 0
        self._aim()

    def _is_done(self, mark: Mark) -> bool:
        if mark.kind is MarkKind.BREACH:
            return self.breached_at is not None
        if mark.kind is MarkKind.OBJECTIVE:
            return self.objective_missed_at is not None
        return self.done is not None and mark.key in self.done

    def _aim(self) -> None:
        """Compute the instant of the next mark from the anchor (one ``add``)."""
        if self.position >= len(self.marks) or self.is_paused or not self.is_active:
            self.next_at = None
            return
        remaining = self.marks[self.position].offset - self.elapsed
        self.next_at = add_us(self.calendar, self.anchor, remaining if remaining > 0 else 0)

    def advance(self, t: int, record: Recorder | None) -> None:
        """Reach every mark at or before ``t``."""
        marks = self.marks
        while self.next_at is not None and self.next_at <= t:
            mark, at = marks[self.position], self.next_at
            self._reach(mark, at, record)
            self.position += 1
            if self.position >= len(marks):
                self.next_at = None
            else:
                step = marks[self.position].offset - mark.offset
                self.next_at = add_us(self.calendar, at, step if step > 0 else 0)

    def _remember(self, mark: Mark) -> None:
        if self.done is None:
            self.done = set()
        self.done.add(mark.key)

    def _reach(self, mark: Mark, at: int, record: Recorder | None) -> None:
        if mark.kind is MarkKind.BREACH:
            self.breached_at = at
        elif mark.kind is MarkKind.OBJECTIVE:
            self.objective_missed_at = at
        elif mark.kind is MarkKind.WARNING:
            assert mark.threshold is not None
            self.warnings.append((mark.threshold, at))
            self._remember(mark)
        else:
            self.escalations.append((mark.index, at))
            self._remember(mark)
        if record is not None:
            record(self, Transition(at, mark.kind.value, _mark_detail(mark, self.target)))

    # ---- changes ----------------------------------------------------------------------------

    def _reanchor(self, t: int) -> None:
        if t > self.anchor:
            if self.is_counting:
                self.elapsed += between_us(self.calendar, self.anchor, t)
            elif self.is_active:
                self.paused_time += between_us(self.calendar, self.anchor, t)
            self.anchor = t

    def pause(self, t: int) -> None:
        """Stop counting at ``t``."""
        if self.is_counting:
            self._reanchor(t)
            self.is_paused = True
            self._aim()

    def resume(self, t: int) -> None:
        """Count again from ``t``."""
        if self.is_active and self.is_paused:
            self._reanchor(t)
            self.is_paused = False
            self._aim()

    def fulfil(self, t: int) -> None:
        """Fulfil at ``t``: a breach, miss or warning reached exactly at ``t`` is withdrawn."""
        if not self.is_active:
            return
        if self.is_counting:
            self.due_when_fulfilled = self._instant_of(self.target.sla)
            if self.target.objective is not None:
                self.objective_due_when_fulfilled = self._instant_of(self.target.objective)
        self._reanchor(t)
        self.fulfilled_at = t
        # A fulfilment at or before a mark's instant prevents it (DESIGN.md section 4).
        if self.breached_at == t:
            self.breached_at = None
            self.due_when_fulfilled = t
        if self.objective_missed_at == t:
            self.objective_missed_at = None
            self.objective_due_when_fulfilled = t
        # Withdrawn marks were never reached: after a reopen they can still be.
        if self.warnings and self.warnings[-1][1] == t:
            for threshold, at in self.warnings:
                if at == t and self.done is not None:
                    self.done.discard(warning_key(threshold))
            self.warnings = [(w, at) for w, at in self.warnings if at < t]
        if self.escalations and self.escalations[-1][1] == t:
            for index, at in self.escalations:
                if at == t and self.done is not None:
                    self.done.discard(step_key(index))
            self.escalations = [(i, at) for i, at in self.escalations if at < t]
        self.next_at = None

    def reopen(self, t: int, paused: bool) -> None:
        """Resume a fulfilled cycle at ``t``; the fulfilled spell counts as paused."""
        if self.fulfilled_at is None or self.cancelled_at is not None:
            return
        self.paused_time += between_us(self.calendar, self.fulfilled_at, t)
        self.anchor = t
        self.fulfilled_at = None
        self.due_when_fulfilled = self.objective_due_when_fulfilled = None
        self.is_paused = paused
        self._plan_marks()

    def cancel(self, t: int) -> None:
        """End the cycle at ``t`` because its metric lost its target."""
        if self.is_active:
            self._reanchor(t)
            self.cancelled_at = t
            self.next_at = None

    def retarget(
        self,
        t: int,
        target: Target,
        calendar: Calendar,
        thresholds: tuple[Threshold, ...],
        steps: tuple[Threshold, ...],
        record: Recorder | None,
    ) -> None:
        """Apply a new target (and calendar) from ``t``; marks already passed are reached at ``t``.

        The cycle keeps its start and elapsed time (counted under the old calendar until
        ``t``); a breach is never back-dated and never withdrawn.
        """
        self._reanchor(t)
        self.target, self.calendar = target, calendar
        self.thresholds, self.steps = thresholds, steps
        self._plan_marks()
        if self.is_active:
            while (
                self.position < len(self.marks) and self.marks[self.position].offset <= self.elapsed
            ):
                self._reach(self.marks[self.position], t, record)
                self.position += 1
            self._aim()


def _mark_detail(mark: Mark, target: Target) -> str:
    if mark.kind is MarkKind.BREACH:
        return f"elapsed reached the SLA target {_hours(target.sla)}"
    if mark.kind is MarkKind.OBJECTIVE:
        return f"elapsed reached the objective {_hours(mark.offset)}"
    assert mark.threshold is not None
    what = "warning" if mark.kind is MarkKind.WARNING else f"escalation step {mark.index + 1}"
    return (
        f"{what} at {mark.threshold.text} of {_hours(target.sla)} (elapsed {_hours(mark.offset)})"
    )


def _hours(us: int) -> str:
    seconds, micro = divmod(us, 1_000_000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{v}{u}" for v, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if v)
    if micro:
        text += f"{micro}µs"
    return text or "0s"

"""The marks a ticket's clocks have reached: what the monitor alerts on, and their digest.

A mark is a warning threshold, a missed objective, an escalation step or a breach of one
clock cycle, at the instant the core says it was reached. Each has a key that names it
for good (ticket, metric, team, cycle, kind, threshold or step), so that an alert is
written once however many monitors look, and a breach that a late event withdrew can be
told apart from one still standing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from slakeeper.core.clocks import Cycle
from slakeeper.core.evaluation import TicketResult

__all__ = ["AlertKind", "Reached", "digest", "reached_marks"]


class AlertKind(StrEnum):
    """What an alert says happened."""

    WARNING = "warning"
    OBJECTIVE_MISSED = "objective_missed"
    ESCALATION = "escalation"
    BREACH = "breach"
    CORRECTION = "correction"


@dataclass(frozen=True)
class Reached:
    """One mark reached by one cycle."""

    ticket: str
    metric: str
    team: str
    cycle: int
    kind: AlertKind
    mark: str  # the warning threshold as written, or the escalation step (1-based)
    at: int
    step: int | None = None  # escalation step index (0-based)

    @property
    def key(self) -> str:
        """The alert's unique key."""
        return "|".join(
            (self.ticket, self.metric, self.team, str(self.cycle), self.kind, self.mark)
        )


def reached_marks(result: TicketResult) -> list[Reached]:
    """Every mark the ticket's cycles have reached, in the order they were reached."""
    found: list[Reached] = []
    for cycle in result.cycles:
        found.extend(_cycle_marks(result.ticket, cycle))
    return sorted(found, key=lambda mark: (mark.at, mark.key))


def _cycle_marks(ticket: str, cycle: Cycle) -> Iterable[Reached]:
    base = (ticket, cycle.metric.value, cycle.team or "", cycle.number)
    for threshold, at in cycle.warnings:
        yield Reached(*base, AlertKind.WARNING, threshold.text, at)
    if cycle.objective_missed_at is not None:
        yield Reached(*base, AlertKind.OBJECTIVE_MISSED, "", cycle.objective_missed_at)
    for step, at in cycle.escalations:
        yield Reached(*base, AlertKind.ESCALATION, str(step + 1), at, step)
    if cycle.breached_at is not None:
        yield Reached(*base, AlertKind.BREACH, "", cycle.breached_at)


def digest(marks: Iterable[Reached]) -> str:
    """A short digest of marks (and their instants): it changes when any mark does."""
    text = "\n".join(f"{mark.key}@{mark.at}" for mark in marks)
    return hashlib.sha256(text.encode()).hexdigest()[:32] if text else ""

"""The engine's mutable state of tickets and agents, and what a run reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from slakeeper.core.events import Event
from slakeeper.simulation.scenario import TEAM_OUTCOMES, AgentSpec

__all__ = ["AgentState", "Pick", "SimulationStats", "TicketState"]

_NEVER = 1 << 62


@dataclass(slots=True)
class TicketState:
    """A ticket as the engine follows it."""

    id: str
    number: int
    created: int
    account: str
    tier: str
    severity: str
    product: str
    team: str
    tier_rank: int = 0
    status: str = "new"
    n: int = 0  # events written so far
    events: list[Event] = field(default_factory=list)  # kept only when picking by urgency
    due_n: int = -1  # the event count the cached due was computed at
    due: int = _NEVER
    queued: bool = False
    epoch: int = 0  # bumped by a reopen: a pending close of the old solve is void
    touched: bool = False
    came_from: list[str] = field(default_factory=list)  # teams it was assigned away from


@dataclass(slots=True)
class AgentState:
    """An agent's shifts (absent days removed) and state."""

    spec: AgentSpec
    starts: list[int]
    ends: list[int]
    epoch: int = 0  # bumped whenever the agent changes state: stale actions are ignored
    idle: bool = False


@dataclass(frozen=True)
class Pick:
    """One pick, for tests: who took what when, and every ticket it could have taken."""

    at: int
    agent: str
    ticket: str
    candidates: tuple[tuple[str, int], ...]  # (ticket, events written so far)


@dataclass
class SimulationStats:
    """Counts of what happened (events, tickets, outcomes) and the handling times drawn."""

    events: int = 0
    tickets: int = 0
    bursts: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TEAM_OUTCOMES, 0))
    handling_us: dict[str, list[int]] = field(default_factory=dict)
    evaluations: int = 0

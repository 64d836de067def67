"""Run the simulator with a staffing plan and forecast arrivals (for ``slakeeper plan``).

Additive to the engine: nothing here changes how :class:`~slakeeper.simulation.Simulator`
behaves for a scenario. Two pieces:

- :func:`with_plan` replaces one team's agents by agents whose shifts follow a head count
  per slot of the week: agent ``k`` works the slots that need at least ``k`` people, so
  each agent's work comes in contiguous runs, as real shifts do (touching windows merge
  across midnight in the compiled calendar);
- :class:`PlannedArrivals` draws arrivals from expected tickets per slot of the week
  (a forecast) instead of the scenario's weekly profile; accounts are still drawn by
  their share, so tiers, severities and channels follow the scenario.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from slakeeper.core.calendars import make_calendar
from slakeeper.core.timelines import compile_years
from slakeeper.core.zones import load_zone
from slakeeper.simulation.draws import draw, poisson
from slakeeper.simulation.engine import _ARRIVE, _DAY, DAY, MINUTE, Simulator
from slakeeper.simulation.scenario import DAYS, AgentSpec, Scenario

__all__ = ["PlannedArrivals", "plan_agents", "with_plan"]

_TIMELINES: dict[tuple[Any, ...], tuple[list[int], list[int]]] = {}  # shift key -> open spans
_CHUNK_MINUTES = 15  # arrivals are drawn per quarter hour: every zone offset is whole quarters


def plan_agents(
    team: str, counts: Sequence[int], *, slot_minutes: int, timezone: str
) -> list[AgentSpec]:
    """Agents ``{team}-plan-1…`` whose shifts cover ``counts`` (one per slot, Monday 00:00 on)."""
    per_day = 24 * 60 // slot_minutes
    if len(counts) != 7 * per_day:
        raise ValueError(f"expected {7 * per_day} slots, got {len(counts)}")
    agents = []
    for k in range(1, max(counts, default=0) + 1):
        weekly: dict[str, list[str]] = {}
        for day, name in enumerate(DAYS):
            row = counts[day * per_day : (day + 1) * per_day]
            windows = _runs([n >= k for n in row], slot_minutes)
            if windows:
                weekly[name] = windows
        agent_id = f"{team}-plan-{k}"
        calendar = make_calendar(agent_id, timezone=timezone, weekly=weekly)
        agents.append(AgentSpec(agent_id, team, timezone, calendar, None))
    return agents


def _runs(on: Sequence[bool], slot_minutes: int) -> list[str]:
    """``HH:MM-HH:MM`` windows of the runs of True slots in one day (ending 24:00 at most)."""
    windows, start = [], None
    for index, flag in enumerate([*on, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            windows.append(f"{_clock(start * slot_minutes)}-{_clock(index * slot_minutes)}")
            start = None
    return windows


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def with_plan(
    scenario: Scenario, team: str, counts: Sequence[int], *, slot_minutes: int, timezone: str
) -> Scenario:
    """The scenario with ``team``'s agents replaced by the plan's (other teams unchanged)."""
    others = [agent for agent in scenario.agents if agent.team != team]
    planned = plan_agents(team, counts, slot_minutes=slot_minutes, timezone=timezone)
    return dataclasses.replace(scenario, agents=others + planned)


class PlannedArrivals(Simulator):
    """A simulator whose tickets arrive at expected ``rates`` per slot of the week.

    ``rates[s]`` is the expected number of tickets in slot ``s`` (Monday 00:00 first) of
    ``slot_minutes`` in ``timezone``'s wall time. No incident bursts are added: a forecast
    from history already counts them.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        rates: Sequence[float],
        slot_minutes: int,
        timezone: str,
        **options: Any,
    ) -> None:
        super().__init__(scenario, **options)
        # Arrivals from a generator of their own: plans compared on the same seed see the
        # same tickets at the same instants (common random numbers), whatever the staffing.
        self._arrivals_rng = random.Random(f"arrivals-{options.get('seed', 0)}")
        self._rates = list(rates)
        self._slot_minutes = slot_minutes
        self._zone = load_zone(timezone)

    def _shifts(self, spec: AgentSpec) -> tuple[list[int], list[int]]:
        """The engine's shift timeline, reused across runs with equal shifts.

        A plan is simulated many times over; compiling every agent's calendar for four
        years each time would cost more than the simulation itself.
        """
        calendar = spec.calendar
        first = datetime.fromtimestamp(self.start / 1e6, UTC).year - 1
        last = datetime.fromtimestamp(self.end / 1e6, UTC).year + 2
        key = (
            calendar.timezone,
            calendar.weekly,
            calendar.holidays,
            calendar.holiday_sets,
            tuple(sorted(calendar.overrides.items())),
            calendar.is_24x7,
            first,
            last,
        )
        found = _TIMELINES.get(key)
        if found is None:
            if len(_TIMELINES) > 4096:
                _TIMELINES.clear()
            timeline = compile_years(calendar, first, last)
            found = _TIMELINES[key] = (timeline.starts_list[:-1], timeline.ends_list[:-1])
        return found

    def _on_day(self, at: int, _: Any) -> None:
        """Draw the next 24 hours of arrivals, a quarter hour at a time."""
        if self.progress is not None:
            self.progress(at)
        rng = self._arrivals_rng
        per_day = 24 * 60 // self._slot_minutes
        share = _CHUNK_MINUTES / self._slot_minutes
        chunk = _CHUNK_MINUTES * MINUTE
        arrivals: list[tuple[int, int]] = []
        for index in range(DAY // chunk):
            begin = at + index * chunk
            local = datetime.fromtimestamp(begin / 1e6, UTC).astimezone(self._zone)
            slot = (
                local.weekday() * per_day + (local.hour * 60 + local.minute) // self._slot_minutes
            )
            for _ in range(poisson(rng, self._rates[slot] * share)):
                account = draw(rng, self._account_weights)
                arrivals.append((begin + int(rng.random() * chunk), account))
        arrivals.sort()
        for when, account in arrivals:
            self._push(when, _ARRIVE, account)
        self._push(at + DAY, _DAY, None)

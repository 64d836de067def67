"""The staffing plan: Erlang C per slot from forecast arrivals, checked and adjusted by
simulating the organisation on its business calendars (docs/planning.md).

1. Forecast the team's tickets per slot (:mod:`slakeeper.services.planning`); work per
   slot = tickets x agent touches per ticket; handling time from history (or given).
2. Erlang C per slot for the target, over the mix of SLA targets the history's clocks had.
3. Simulate the forecast week (after a warm-up) with that head count per slot, evaluate
   the history with the core, and take each slot's attainment (clocks started in it).
4. Add an agent where a missed clock fell due; then try one fewer where every slot still
   meets the target, keeping the cut only where it holds. The plan returned is the one
   with the fewest agent-hours whose own simulation met the target in every slot.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt

from slakeeper.core.clocks import ClockStatus, Cycle
from slakeeper.core.configuration import Configuration
from slakeeper.core.errors import InputError
from slakeeper.core.evaluation import Diagnostic, evaluate
from slakeeper.core.zones import load_zone
from slakeeper.planning.forecast import SlotGrid
from slakeeper.planning.history import History, read_history
from slakeeper.planning.staffing import Target, mixed_required_agents, slot_attainment
from slakeeper.services.evaluations import read_events
from slakeeper.services.planning import forecast_instants, history_weeks
from slakeeper.simulation.planned import PlannedArrivals, with_plan
from slakeeper.simulation.scenario import Scenario

__all__ = ["Simulated", "StaffingPlan", "plan_staffing", "simulate_plan"]

US = 1_000_000
DAY_US = 86_400 * US


@dataclass(frozen=True)
class Simulated:
    """One simulated plan: attainment and decided clocks per slot, where misses fell due."""

    attainment: npt.NDArray[np.float64]
    decided: npt.NDArray[np.int64]
    miss_due: list[list[int]]  # per slot of start: the slots where its missed clocks fell due

    def failing(self, share: float) -> npt.NDArray[np.int64]:
        """Slots whose attainment is below ``share``."""
        return np.flatnonzero(self.attainment < share - 1e-12)


@dataclass
class StaffingPlan:
    """The plan and how it was reached."""

    grid: SlotGrid
    team: str
    target: Target
    week_start: date
    tickets: npt.NDArray[np.float64]  # forecast per slot
    work: npt.NDArray[np.float64]  # agent touches per slot
    aht_seconds: float
    aht_source: str
    answer_mix: list[tuple[float, float]]  # (seconds, weight)
    erlang: npt.NDArray[np.int64]
    planned: npt.NDArray[np.int64]
    simulated: Simulated
    erlang_simulated: Simulated
    rounds: list[tuple[int, float, int]] = field(default_factory=list)  # (round, hours, failing)

    def agent_hours(self, counts: npt.NDArray[np.int64]) -> float:
        """Agent-hours of a head count per slot over one week."""
        return float(counts.sum()) * self.grid.slot_minutes / 60

    @property
    def meets_target(self) -> bool:
        """True when the plan's simulation met the target in every slot."""
        return self.simulated.failing(self.target.share).size == 0


@dataclass(frozen=True)
class _Setup:
    scenario: Scenario
    config: Configuration
    grid: SlotGrid
    team: str
    target: Target
    rates: npt.NDArray[np.float64]
    start: int  # the forecast week's first instant (UTC µs)
    weeks: int
    warmup_days: float
    seed: int


def simulate_plan(setup: _Setup, counts: npt.NDArray[np.int64]) -> Simulated:
    """Simulate the warm-up and the plan's weeks; attainment of the target's clocks per slot."""
    grid = setup.grid
    scenario = with_plan(
        setup.scenario,
        setup.team,
        [int(n) for n in counts],
        slot_minutes=grid.slot_minutes,
        timezone=grid.timezone,
    )
    buffer = io.BytesIO()
    begin = setup.start - int(setup.warmup_days * DAY_US)
    end = setup.start + setup.weeks * 7 * DAY_US
    simulator = PlannedArrivals(
        scenario,
        rates=setup.rates.tolist(),
        slot_minutes=grid.slot_minutes,
        timezone=grid.timezone,
        days=(end - begin) / DAY_US,
        seed=setup.seed,
        write=buffer.write,
        start=begin,
        config=setup.config,
    )
    simulator.run()
    diagnostics: list[Diagnostic] = []
    events = list(read_events(buffer.getvalue().splitlines(), diagnostics))
    return _attainment(setup, evaluate(events, setup.config, end).tickets, end)


def _attainment(setup: _Setup, tickets: list, end: int) -> Simulated:  # type: ignore[type-arg]
    starts, met, due = [], [], []
    within = setup.target.within_seconds
    for result in tickets:
        for cycle in result.cycles:
            if not _counted(cycle, setup.target.metric, setup.team):
                continue
            if not setup.start <= cycle.started_at < end:
                continue
            status = cycle.status
            if within is not None:
                done = cycle.fulfilled_at
                ok = done is not None and done - cycle.started_at <= within * US
                late = cycle.started_at + int(within * US)
                if not ok and done is None and late >= end:
                    continue  # still open and not yet late: undecided
                starts.append(cycle.started_at)
                met.append(ok)
                due.append(late)
            elif status in (ClockStatus.MET, ClockStatus.BREACHED):
                starts.append(cycle.started_at)
                met.append(status == ClockStatus.MET)
                due.append(cycle.breached_at or cycle.started_at)
    grid = setup.grid
    start_slots = grid.locate(np.asarray(starts, np.int64))[1] if starts else np.zeros(0, np.int64)
    due_slots = grid.locate(np.asarray(due, np.int64))[1] if due else np.zeros(0, np.int64)
    flags = np.asarray(met, bool)
    share, decided = slot_attainment(start_slots, flags, grid.per_week)
    miss_due: list[list[int]] = [[] for _ in range(grid.per_week)]
    for slot, due_slot, ok in zip(start_slots, due_slots, flags, strict=True):
        if not ok:
            miss_due[int(slot)].append(int(due_slot))
    return Simulated(share, decided, miss_due)


def plan_staffing(
    *,
    config: Configuration,
    events: str | Path,
    target: Target,
    grid: SlotGrid,
    scenario: Scenario,
    team: str | None = None,
    aht_seconds: float | None = None,
    weeks: int = 1,
    warmup_days: float = 2.0,
    seed: int = 1,
    max_rounds: int = 30,
) -> StaffingPlan:
    """Forecast, size by Erlang C, then simulate and adjust (see the module docstring)."""
    history = read_history(events)
    intake = scenario.model.intake_team
    if set(history.team) == {"-"}:  # a log without teams: every ticket is the intake's
        history.team = [intake] * len(history.team)
    team = _team(history, scenario, team, target)
    first_monday, full_weeks, holidays = history_weeks(history, grid, config)

    def forecast(instants: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        return forecast_instants(
            instants, grid=grid, first_monday=first_monday, weeks=full_weeks, holidays=holidays
        ).mean

    created = history.created[np.asarray(history.team, dtype=object) == intake]
    if created.size == 0:
        raise InputError(f"no ticket of the history was created in team {intake!r}")
    # The simulation draws the intake's tickets; the team sized is loaded by its arrivals.
    rates = forecast(created)
    tickets = rates if team == intake else forecast(history.arrivals(team))
    week_start = date.fromordinal(first_monday) + timedelta(weeks=full_weeks)
    aht, source = _aht(history, scenario, team, aht_seconds)
    work = tickets * history.touches_per_arrival(team)
    load = work * aht / (grid.slot_minutes * 60)
    mix = _answer_mix(events, config, target, history, team)
    erlang_plan = mixed_required_agents(
        load, aht, [s for s, _ in mix], [w for _, w in mix], target.share
    )
    zone = load_zone(grid.timezone)
    start = int(datetime(*week_start.timetuple()[:3], tzinfo=zone).timestamp()) * US
    setup = _Setup(scenario, config, grid, team, target, rates, start, weeks, warmup_days, seed)
    first = simulate_plan(setup, erlang_plan)
    plan = StaffingPlan(
        grid, team, target, week_start, tickets, work, aht, source, mix,
        erlang_plan, erlang_plan.copy(), first, first,
    )  # fmt: skip
    _adjust(plan, setup, max_rounds)
    return plan


def _team(history: History, scenario: Scenario, team: str | None, target: Target) -> str:
    """The team to plan: given, or the one most tickets were created in."""
    intake = scenario.model.intake_team
    team = team or _intake_team(history, intake)
    if team not in scenario.model.teams:
        raise InputError(f"the scenario has no team {team!r}", path=("--team",))
    if team != intake and target.metric != "team_ownership":
        message = (
            f"{team!r} is not the intake team ({intake!r}): its service is its own "
            "team_ownership clocks (OLA); plan it with --target 'team_ownership ...'"
        )
        raise InputError(message, path=("--target",))
    return team


def _counted(cycle: Cycle, metric: str, team: str) -> bool:
    """A clock of the target's metric (of the planned team's own, for team_ownership)."""
    if cycle.metric != metric:
        return False
    return metric != "team_ownership" or cycle.team == team


def _intake_team(history: History, default: str) -> str:
    """The team most tickets of the history were created in (a log without teams: default)."""
    teams, counts = np.unique(np.asarray(history.team), return_counts=True)
    busiest = str(teams[int(np.argmax(counts))]) if teams.size else default
    return default if busiest == "-" else busiest


def _aht(history: History, scenario: Scenario, team: str, given: float | None) -> tuple[float, str]:
    if given is not None:
        return given, "given"
    estimated = history.handling_seconds(team)
    if estimated is not None:
        return estimated, "history"
    spec = scenario.model.teams[team].handling
    return spec.median_minutes * 60 * float(np.exp(spec.sigma**2 / 2)), "scenario"


def _answer_mix(
    events: str | Path, config: Configuration, target: Target, history: History, team: str
) -> list[tuple[float, float]]:
    """The SLA targets (seconds) of the metric's clocks in the history's last two weeks
    (the team's own, for team_ownership)."""
    if target.within_seconds is not None:
        return [(target.within_seconds, 1.0)]
    cutoff = history.end - 14 * DAY_US
    diagnostics: list[Diagnostic] = []
    with open(events, "rb") as file:
        recent = [e for e in read_events(file, diagnostics) if e.at >= cutoff]
    created = {e.ticket for e in recent if e.type == "created"}
    tickets = evaluate([e for e in recent if e.ticket in created], config, history.end).tickets
    targets: dict[float, int] = {}
    for result in tickets:
        for cycle in result.cycles:
            if _counted(cycle, target.metric, team):
                seconds = cycle.target.sla / US
                targets[seconds] = targets.get(seconds, 0) + 1
    if not targets:
        message = f"no {target.metric} clock of team {team!r} in the history's last two weeks"
        raise InputError(message + " under this configuration", path=("--target",))
    return sorted((s, float(n)) for s, n in targets.items())


_STUBBORN = 3  # repair rounds a slot may fail in a row before more agents there stop


@dataclass
class _Search:
    """State of the repair-and-trim search."""

    counts: npt.NDArray[np.int64]
    result: Simulated
    frozen: npt.NDArray[np.bool_]  # slots where a cut broke the target: never cut again
    streak: npt.NDArray[np.int64]  # rounds in a row each slot has failed
    cut: npt.NDArray[np.int64]  # the slots the last step took an agent from
    best: tuple[float, npt.NDArray[np.int64], Simulated] | None = None


def _adjust(plan: StaffingPlan, setup: _Setup, max_rounds: int) -> None:
    """Repair misses, then trim slack; keep the cheapest plan that met the target.

    A slot that keeps failing however many agents it gets (a clock shorter than one
    handling time, say) stops receiving more after a few rounds; the search then goes
    back to the cheapest plan that met the target and trims elsewhere. When no plan met
    the target everywhere, the one missing in the fewest slots (then the cheapest) stays.
    """
    share = plan.target.share
    size = plan.planned.size
    search = _Search(
        plan.planned.copy(), plan.simulated, np.zeros(size, bool), np.zeros(size, np.int64),
        np.zeros(0, np.int64),
    )  # fmt: skip
    closest = (size + 1, 0.0, search.counts, search.result)  # (failing, hours, counts, result)
    for round_number in range(1, max_rounds + 1):
        failing = search.result.failing(share)
        hours = plan.agent_hours(search.counts)
        plan.rounds.append((round_number, hours, int(failing.size)))
        if (failing.size, hours) < closest[:2]:
            closest = (int(failing.size), hours, search.counts.copy(), search.result)
        if not _step(plan, search, failing):
            break
        search.result = simulate_plan(setup, search.counts)
    if search.best is not None:
        plan.planned, plan.simulated = search.best[1], search.best[2]
    else:  # no plan met the target everywhere: the one that missed in the fewest slots
        plan.planned, plan.simulated = closest[2], closest[3]


def _step(plan: StaffingPlan, search: _Search, failing: npt.NDArray[np.int64]) -> bool:
    """Change the counts for the next simulation; False when there is nothing left to try."""
    share = plan.target.share
    hit = np.zeros(search.counts.size, bool)
    hit[failing] = True
    search.streak = np.where(hit, search.streak + 1, 0)
    if failing.size and search.cut.size:  # the last cut broke these: keep them as they were
        broken = {int(s) for s in failing} | {d for s in failing for d in search.result.miss_due[s]}
        search.frozen[[s for s in search.cut.tolist() if s in broken]] = True
    if not failing.size:
        hours = plan.agent_hours(search.counts)
        if search.best is None or hours < search.best[0]:
            search.best = (hours, search.counts.copy(), search.result)
        return _trim(search, search.counts, search.result, share)
    repairable = failing[search.streak[failing] <= _STUBBORN]
    if repairable.size:
        for slot in repairable:
            search.counts[_repair_slots(search.result, int(slot), search.counts.size)] += 1
        search.cut = np.zeros(0, np.int64)
        return True
    if search.best is None:
        return False
    search.frozen[search.cut] = True
    search.streak[:] = 0
    return _trim(search, search.best[1].copy(), search.best[2], share)


def _trim(search: _Search, counts: npt.NDArray[np.int64], result: Simulated, share: float) -> bool:
    cut = _slack(result, counts, search.frozen, share)
    if not cut.size:
        return False
    counts[cut] -= 1
    search.counts, search.cut = counts, cut
    return True


def _repair_slots(result: Simulated, slot: int, per_week: int) -> list[int]:
    """Where one more agent helps a failing slot: where its clocks started, where the
    missed ones fell due, and the slot after: agents whose shift ends at a slot boundary
    start no work that would run past it, so late-slot tickets need the next slot too."""
    dues = result.miss_due[slot] or [slot]
    return sorted({slot, *dues, (max(dues) + 1) % per_week})


def _slack(
    result: Simulated, counts: npt.NDArray[np.int64], frozen: npt.NDArray[np.bool_], share: float
) -> npt.NDArray[np.int64]:
    """Slots that may lose an agent: staffed, not frozen, and with room above the target."""
    room = result.attainment - share - 1.0 / np.maximum(result.decided, 1)
    room = np.where(result.decided == 0, 1.0, room)
    slack = np.flatnonzero((counts > 0) & ~frozen & (room >= 0))
    # A quarter at a time, most room first: cutting every slot at once only trades
    # one set of misses for another.
    slack = slack[np.argsort(-room[slack], kind="stable")]
    return slack[: max(1, slack.size // 4)]

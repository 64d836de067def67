"""Whole shifts fitted to a per-slot requirement with OR-Tools CP-SAT (docs/planning.md).

A shifts file (YAML or JSON) lists the shifts a team may work::

    timezone: Europe/Berlin          # optional: the plan's zone by default
    teams:
      tier1:
        timezone: America/New_York   # optional, per team (over the one above)
        lengths: [8h, 6h]            # allowed shift lengths
        starts: ["06:00", "07:00", "08:00", "14:00", "22:00"]   # or every: 30m
        days: [mon, tue, wed, thu, fri, sat, sun]                # optional, default all
        max_agents: 40               # optional cap on people starting per day and start

The model: an integer count of agents for each (day, start, length); every slot of the
week (cyclic: a Sunday-night shift covers Monday morning) must be covered by at least the
requirement; the objective is the fewest agent-hours. Shifts in another zone than the
plan's see the requirement turned by the zones' offset difference in the plan's week (a
DST change inside that week is not followed: the offset at its Monday noon is used).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from slakeeper.core.durations import parse_duration
from slakeeper.core.errors import InputError, SlaError
from slakeeper.core.zones import load_zone

__all__ = ["ShiftFit", "ShiftRules", "fit_shifts", "parse_shift_rules", "zone_offset_slots"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class ShiftRules:
    """Allowed shifts of one team, in slots."""

    lengths: tuple[int, ...]  # slots
    starts: tuple[int, ...]  # slot of the day
    days: tuple[int, ...]
    max_agents: int
    timezone: str | None = None  # None: the plan's zone


@dataclass(frozen=True)
class ShiftFit:
    """The chosen shifts and the coverage they give."""

    shifts: list[tuple[int, int, int, int]]  # (day, start slot, length slots, agents)
    coverage: npt.NDArray[np.int64]
    status: str
    agent_hours: float
    timezone: str | None = None  # of the shifts' days and starts (None: the plan's)


def parse_shift_rules(document: Any, team: str, slot_minutes: int) -> ShiftRules:
    """The team's rules from a parsed shifts document (its zone: the team's, the file's)."""
    if not isinstance(document, dict) or not isinstance(document.get("teams"), dict):
        raise InputError("expected a mapping with 'teams'", path=("teams",))
    unknown = set(document) - {"teams", "timezone"}
    if unknown:
        raise InputError("unknown key (expected teams, timezone)", path=(sorted(unknown)[0],))
    rules = document["teams"].get(team)
    if not isinstance(rules, dict):
        raise InputError(f"no shifts for team {team!r}", path=("teams", team))
    path = ("teams", team)
    lengths = tuple(
        _slots(v, slot_minutes, (*path, "lengths", i))
        for i, v in enumerate(_list(rules, "lengths", path))
    )
    if "every" in rules:
        step = _slots(rules["every"], slot_minutes, (*path, "every"))
        starts = tuple(range(0, 1440 // slot_minutes, max(step, 1)))
    else:
        starts = tuple(
            _start(v, slot_minutes, (*path, "starts", i))
            for i, v in enumerate(_list(rules, "starts", path))
        )
    days = rules.get("days", list(DAYS))
    if not isinstance(days, list) or any(d not in DAYS for d in days):
        raise InputError(f"expected a list of {', '.join(DAYS)}", path=(*path, "days"))
    extra = set(rules) - {"lengths", "starts", "every", "days", "max_agents", "timezone"}
    if extra:
        raise InputError("unknown key", path=(*path, sorted(extra)[0]))
    cap = rules.get("max_agents", 1000)
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
        raise InputError("expected a whole number >= 1", path=(*path, "max_agents"))
    zone = rules.get("timezone", document.get("timezone"))
    if zone is not None:
        where = (*path, "timezone") if "timezone" in rules else ("timezone",)
        try:
            load_zone(zone if isinstance(zone, str) else "")
        except SlaError as exc:
            raise InputError(exc.message, path=where) from None
    cap_days = tuple(DAYS.index(d) for d in days)
    return ShiftRules(lengths, starts, cap_days, cap, zone)


def zone_offset_slots(plan_zone: str, shift_zone: str, at_us: int, slot_minutes: int) -> int:
    """How many slots the shift zone's wall time runs ahead of the plan zone's at ``at_us``."""
    instant = datetime.fromtimestamp(at_us / 1e6, UTC)
    ahead = instant.astimezone(load_zone(shift_zone)).utcoffset()
    behind = instant.astimezone(load_zone(plan_zone)).utcoffset()
    assert ahead is not None and behind is not None
    minutes = (ahead - behind).total_seconds() / 60
    if minutes % slot_minutes:
        message = f"{shift_zone} is {minutes:g} minutes from {plan_zone}: not whole slots"
        raise InputError(message, path=("timezone",))
    return int(minutes // slot_minutes)


def _list(rules: dict[str, Any], key: str, path: tuple[str, ...]) -> list[Any]:
    value = rules.get(key)
    if not isinstance(value, list) or not value:
        raise InputError("expected a non-empty list", path=(*path, key))
    return value


def _slots(value: Any, slot_minutes: int, path: tuple[Any, ...]) -> int:
    try:
        seconds = parse_duration(value) / 1e6
    except SlaError as exc:
        raise InputError(exc.message, path=path) from None
    slots = seconds / (slot_minutes * 60)
    if slots < 1 or slots != int(slots) or slots > 7 * 1440 // slot_minutes:
        raise InputError(f"must be a whole number of {slot_minutes}-minute slots", path=path)
    return int(slots)


def _start(value: Any, slot_minutes: int, path: tuple[Any, ...]) -> int:
    text = str(value)
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        raise InputError(f"expected HH:MM, got {text!r}", path=path)
    total = int(hours) * 60 + int(minutes)
    if total % slot_minutes:
        raise InputError(f"must start on a {slot_minutes}-minute slot", path=path)
    return total // slot_minutes


def fit_shifts(
    requirement: npt.NDArray[np.int64],
    rules: ShiftRules,
    slot_minutes: int,
    *,
    offset_slots: int = 0,
    seconds: float = 20,
) -> ShiftFit:
    """Least agent-hours of whole shifts covering ``requirement`` (one count per slot).

    ``offset_slots``: how far the shifts' zone runs ahead of the requirement's; shifts are
    reported in their own zone, coverage in the requirement's slots.
    """
    from ortools.sat.python import cp_model

    requirement = np.roll(requirement, offset_slots)
    per_week = requirement.size
    per_day = per_week // 7
    model = cp_model.CpModel()
    choices = []
    covering: list[list[Any]] = [[] for _ in range(per_week)]
    for day in rules.days:
        for start in rules.starts:
            for length in rules.lengths:
                var = model.new_int_var(0, rules.max_agents, f"d{day}s{start}l{length}")
                choices.append((day, start, length, var))
                first = day * per_day + start
                for offset in range(length):
                    covering[(first + offset) % per_week].append(var)
    for slot, need in enumerate(requirement):
        if need > 0:
            if not covering[slot]:
                raise InputError(f"no allowed shift covers slot {slot}, which needs {need}")
            model.add(sum(covering[slot]) >= int(need))
    model.minimize(sum(length * var for _, _, length, var in choices))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise InputError(f"the shifts cannot cover the requirement ({solver.status_name(status)})")
    shifts = [(d, s, n, int(solver.value(v))) for d, s, n, v in choices if solver.value(v) > 0]
    coverage = np.zeros(per_week, np.int64)
    for day, start, length, agents in shifts:
        for offset in range(length):
            coverage[(day * per_day + start + offset) % per_week] += agents
    hours = sum(n * a for _, _, n, a in shifts) * slot_minutes / 60
    coverage = np.roll(coverage, -offset_slots)
    return ShiftFit(shifts, coverage, solver.status_name(status).lower(), hours, rules.timezone)

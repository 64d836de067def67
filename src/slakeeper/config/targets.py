"""A policy's ``targets``: severity -> metric -> a duration or ``{sla: DUR, objective: DUR}``.

``team_ownership`` holds one target per team (``{engineering: 4h}``: an OLA). Durations
may use days (``2d``) here; whether that is allowed depends on the metric's calendar, which
is only known once inheritance is resolved, so the days are recorded with where they were
written and checked then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slakeeper.config.problems import Problems, Strict
from slakeeper.core.durations import parse_duration
from slakeeper.core.errors import InputError, KeyPath
from slakeeper.core.policies import METRICS, Metric, Target

__all__ = ["TargetKey", "WrittenTargets", "load_metric", "load_targets"]

_EXPECTED_METRICS = ", ".join(METRICS[:-1]) + f" or {METRICS[-1]}"

# (severity, metric, team): a target's place in a policy (team only for team_ownership).
TargetKey = tuple[str, Metric, str | None]


class TargetModel(Strict):
    """A target written as ``{sla: DUR, objective: DUR}``."""

    sla: Any = None
    objective: Any = None


@dataclass
class WrittenTargets:
    """A policy's own targets, and the durations it wrote in days (path, refusal message)."""

    targets: dict[str, dict[Metric, Target]] = field(default_factory=dict)
    teams: dict[str, dict[str, Target]] = field(default_factory=dict)
    days: dict[TargetKey, list[tuple[KeyPath, str]]] = field(default_factory=dict)


def load_metric(name: str, path: KeyPath, problems: Problems) -> Metric | None:
    """The metric called ``name``; an unknown name is a problem at ``path``."""
    try:
        return Metric(name)
    except ValueError:
        problems.add(path, f"unknown metric {name!r} (expected {_EXPECTED_METRICS})")
        return None


def load_targets(raw: Any, path: KeyPath, problems: Problems) -> WrittenTargets:
    """The targets written at ``path`` (those with problems are left out)."""
    written = WrittenTargets()
    if not isinstance(raw, dict):
        problems.add(path, "expected a mapping of severity to targets ({P1: {resolution: 4h}})")
        return written
    for severity, metrics in raw.items():
        here = (*path, severity)
        if not isinstance(metrics, dict):
            problems.add(here, "expected a mapping of metric to target ({resolution: 4h})")
            continue
        for name, value in metrics.items():
            metric = load_metric(name, (*here, name), problems)
            if metric is Metric.TEAM_OWNERSHIP:
                _team_targets(severity, value, (*here, name), written, problems)
            elif metric is not None:
                found = _target(
                    value, (*here, name), problems, written.days, (severity, metric, None)
                )
                if found is not None:
                    written.targets.setdefault(severity, {})[metric] = found
    return written


def _team_targets(
    severity: str, raw: Any, path: KeyPath, written: WrittenTargets, problems: Problems
) -> None:
    if not isinstance(raw, dict):
        problems.add(path, "expected a mapping of team to target ({engineering: 4h})")
        return
    for team, value in raw.items():
        key = (severity, Metric.TEAM_OWNERSHIP, team)
        found = _target(value, (*path, team), problems, written.days, key)
        if found is not None:
            written.teams.setdefault(severity, {})[team] = found


def _target(
    value: Any,
    path: KeyPath,
    problems: Problems,
    days: dict[TargetKey, list[tuple[KeyPath, str]]],
    key: TargetKey,
) -> Target | None:
    before = problems.count
    used: list[tuple[KeyPath, str]] = []
    if not isinstance(value, dict):
        sla = _duration(value, path, problems, used)
        objective = None
    else:
        model = problems.shape(TargetModel, value, path)
        if model is None:
            return None
        if model.sla is None:
            problems.add((*path, "sla"), "missing required key")
            return None
        sla = _duration(model.sla, (*path, "sla"), problems, used)
        objective = None
        if model.objective is not None:
            objective = _duration(model.objective, (*path, "objective"), problems, used)
        if sla is not None and objective is not None and objective > sla:
            problems.add(
                (*path, "objective"),
                f"the objective ({model.objective}) must not exceed the sla ({model.sla}): "
                "it is the tighter, internal target",
            )
    if sla is None or problems.count > before:
        return None
    if used:
        days[key] = used
    return Target(sla=sla, objective=objective, uses_days=bool(used))


def _duration(
    value: Any, path: KeyPath, problems: Problems, used: list[tuple[KeyPath, str]]
) -> int | None:
    try:
        amount = parse_duration(value)
    except InputError as exc:
        problems.add(path, exc.message)
        return None
    if amount <= 0:
        problems.add(path, f"a target must be longer than zero, got {value!r}")
        return None
    try:
        parse_duration(value, allow_days=False)
    except InputError as exc:  # days: allowed on a 24x7 calendar only, checked later
        used.append((path, exc.message))
    return amount

"""The ``escalation_paths`` section: named, ordered steps (agent → lead → manager)."""

from __future__ import annotations

from typing import Any

from pydantic import StrictStr

from slakeeper.config.names import BUILT_IN_RECIPIENTS, Names, listing
from slakeeper.config.problems import Problems, Strict
from slakeeper.core.errors import KeyPath, PolicyError
from slakeeper.core.policies import EscalationPath, EscalationStep, parse_threshold

__all__ = ["load_escalation_paths"]


class AssignModel(Strict):
    """``assign: {team: X}``: the step hands the ticket to a team."""

    team: StrictStr


class StepModel(Strict):
    """One step: ``{at: 0.75 | '30m before' | breach, notify: [...], assign: {team: X}}``."""

    at: Any = None
    notify: list[StrictStr] | None = None
    assign: AssignModel | None = None


def load_escalation_paths(raw: Any, names: Names, problems: Problems) -> dict[str, EscalationPath]:
    """``escalation_paths``: id -> list of steps."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add(("escalation_paths",), "expected a mapping of path id to a list of steps")
        return {}
    paths: dict[str, EscalationPath] = {}
    for path_id, steps in raw.items():
        here: KeyPath = ("escalation_paths", path_id)
        if not isinstance(steps, list):
            problems.add(here, "expected a list of steps ([{at: 0.75, notify: [assignee]}])")
            continue
        if not steps:
            problems.add(here, "an escalation path needs at least one step")
            continue
        found = [_step(step, (*here, index), names, problems) for index, step in enumerate(steps)]
        paths[path_id] = EscalationPath(
            id=path_id, steps=tuple(step for step in found if step is not None)
        )
    return paths


def _step(raw: Any, path: KeyPath, names: Names, problems: Problems) -> EscalationStep | None:
    before = problems.count
    model = problems.shape(StepModel, raw, path)
    if model is None:
        return None
    at = None
    if model.at is None:
        problems.add((*path, "at"), "missing required key")
    else:
        try:
            at = parse_threshold(model.at, allow_breach=True)
        except PolicyError as exc:
            problems.add_error((*path, "at"), exc)
    known = (*names.notifiers, *BUILT_IN_RECIPIENTS)
    for index, name in enumerate(model.notify or ()):
        if name not in known:
            problems.add(
                (*path, "notify", index),
                f"unknown recipient {name!r} (notifiers here: {listing(names.notifiers)}; "
                f"built in: {', '.join(BUILT_IN_RECIPIENTS)})",
            )
    if problems.count == before and not model.notify and model.assign is None:
        problems.add(path, "a step must notify someone or assign a team")
    if at is None or problems.count > before:
        return None
    team = model.assign.team if model.assign is not None else None
    return EscalationStep(at=at, notify=tuple(model.notify or ()), assign_team=team)

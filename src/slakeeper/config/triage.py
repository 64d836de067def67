"""The ``triage`` section: which ticket fields the service suggests, from which model file,
and the confidence a suggestion needs to be applied (docs/triage.md)::

    triage:
      severity: {model: models/severity.model, threshold: 0.6}
      team: {model: models/team.model, threshold: 0.7}
"""

from __future__ import annotations

from typing import Any

from pydantic import StrictFloat, StrictInt, StrictStr

from slakeeper.config.problems import Problems, Strict
from slakeeper.core.configuration import TriageTarget
from slakeeper.core.errors import KeyPath

__all__ = ["TRIAGE_FIELDS", "load_triage"]

TRIAGE_FIELDS = ("severity", "team", "product")


class TriageModel(Strict):
    """One entry of ``triage``."""

    model: StrictStr | None = None
    threshold: StrictFloat | StrictInt = 0.6


def load_triage(raw: Any, problems: Problems) -> dict[str, TriageTarget]:
    """``triage``: ticket field -> model file and threshold."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add(("triage",), "expected a mapping of ticket field to {model, threshold}")
        return {}
    found: dict[str, TriageTarget] = {}
    for name, body in raw.items():
        path: KeyPath = ("triage", name)
        if name not in TRIAGE_FIELDS:
            problems.add(path, f"cannot triage {name!r} (expected {', '.join(TRIAGE_FIELDS)})")
            continue
        model = problems.shape(TriageModel, body, path)
        if model is None:
            continue
        if not model.model:
            problems.add((*path, "model"), "missing required key")
            continue
        if not 0 <= model.threshold <= 1:
            problems.add(
                (*path, "threshold"),
                f"expected a confidence between 0 and 1, got {model.threshold}",
            )
            continue
        found[name] = TriageTarget(field=name, model=model.model, threshold=float(model.threshold))
    return found

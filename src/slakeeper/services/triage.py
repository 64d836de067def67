"""Triage suggestions for the service and the CLI: load a model once, suggest per ticket.

The ingest service calls :meth:`Triage.suggest` for a ``created`` event without a severity
(or team), with the event's subject, description and fields; the suggestion carries the
label, its calibrated confidence, the runners-up, whether to abstain (leave it to a human)
and the words that weighed most.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slakeeper.core.errors import InputError

__all__ = ["Suggestion", "Triage"]


@dataclass(frozen=True)
class Suggestion:
    """What triage suggests for one ticket."""

    label: str
    confidence: float
    top: list[tuple[str, float]]
    abstain: bool
    why: list[str]

    def document(self) -> dict[str, Any]:
        """The JSON form: ``{"label", "confidence", "top", "abstain", "why"}``."""
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "top": [[label, round(p, 4)] for label, p in self.top],
            "abstain": self.abstain,
            "why": self.why,
        }


class Triage:
    """A loaded triage model and the threshold under which it abstains."""

    def __init__(self, path: Path | str, threshold: float | None = None, top: int = 3) -> None:
        from slakeeper.triage.files import read_model

        self.path = Path(path)
        self.header, payload = read_model(self.path)
        self._model = payload["model"]
        self.threshold = 0.5 if threshold is None else threshold
        if not 0 <= self.threshold <= 1:
            raise InputError(f"threshold: expected a number between 0 and 1, got {threshold}")
        self._top = top

    @property
    def labels(self) -> list[str]:
        """The labels the model knows (``other`` included when rare labels were grouped)."""
        return list(self._model.classes)

    def suggest(
        self, subject: str, description: str = "", fields: Mapping[str, Any] | None = None
    ) -> Suggestion:
        """The suggestion for one ticket (subject first, as in training's text columns)."""
        text = f"{subject} \n {description}" if description else subject
        return self.suggest_many([text], [dict(fields or {})])[0]

    def suggest_many(
        self, texts: Sequence[str], fields: Sequence[Mapping[str, Any]] | None = None
    ) -> list[Suggestion]:
        """Suggestions for many tickets at once (one sparse product: the fast way)."""
        rows = [dict(each) for each in fields] if fields is not None else [{} for _ in texts]
        model = self._model
        x = model.features(list(texts), rows)
        probs = model.probabilities(x)
        found = []
        for i, row in enumerate(probs):
            order = row.argsort()[::-1][: self._top]
            label = model.classes[order[0]]
            confidence = float(row[order[0]])
            found.append(
                Suggestion(
                    label=label,
                    confidence=confidence,
                    top=[(model.classes[k], float(row[k])) for k in order],
                    abstain=confidence < self.threshold,
                    why=model.why(x[i], label),
                )
            )
        return found

"""Subjects and short descriptions from the scenario's templates.

A template picks its words by severity (``"…is down"`` for P1, ``"how do I…"`` for P4)
and by product (``{product}`` is the product's label, ``{thing}`` one of the things that
break in it), so that severity and product are both learnable from the text.
"""

from __future__ import annotations

import random

from slakeeper.simulation.scenario import ScenarioModel

__all__ = ["TextMaker"]

_EXTRAS = (
    "",
    "",
    "",
    " Started this morning.",
    " Several users are affected.",
    " We have not changed anything on our side.",
    " Screenshot attached.",
    " Please advise.",
    " This is blocking our team.",
    " Since the last release.",
)


class TextMaker:
    """Fills templates with a seeded random generator (the engine's)."""

    def __init__(self, model: ScenarioModel, rng: random.Random) -> None:
        self._model = model
        self._rng = rng

    def make(self, severity: str, product: str) -> tuple[str, str]:
        """A (subject, description) pair for a ticket of this severity and product."""
        rng = self._rng
        spec = self._model.products[product]
        template = self._model.templates[severity]
        values = {"product": spec.label, "thing": rng.choice(spec.things)}
        subject = rng.choice(template.subjects).format_map(values)
        values["thing"] = rng.choice(spec.things) if rng.random() < 0.3 else values["thing"]
        description = rng.choice(template.descriptions).format_map(values) + rng.choice(_EXTRAS)
        return subject[:1].upper() + subject[1:], description[:1].upper() + description[1:]

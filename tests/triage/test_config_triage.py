"""The configuration's ``triage`` section."""

from __future__ import annotations

from pathlib import Path

import pytest

from slakeeper.config import load_config
from slakeeper.core.errors import ConfigError

HEAD = "calendars:\n  c: {timezone: UTC, weekly: {mon: ['09:00-17:00']}}\n"


def test_a_valid_triage_section_names_model_and_threshold(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        HEAD + "triage:\n  severity: {model: s.model, threshold: 0.7}\n  team: {model: t.model}\n"
    )
    triage = load_config(path).triage
    assert (triage["severity"].model, triage["severity"].threshold) == ("s.model", 0.7)
    assert triage["team"].threshold == 0.6


def test_triage_problems_are_reported_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        HEAD + "triage:\n  severity: {model: m, threshold: 1.5}\n"
        "  team: {threshold: 0.5}\n  colour: {model: x}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = "\n".join(caught.value.problems)
    assert ":4: triage.severity.threshold: expected a confidence between 0 and 1" in text
    assert ":5: triage.team.model: missing required key" in text
    assert ":6: triage.colour: cannot triage 'colour'" in text

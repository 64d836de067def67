"""Shipped scenarios and scenarios built on a base."""

from __future__ import annotations

from pathlib import Path

import pytest

from slakeeper.core.errors import ConfigError
from slakeeper.simulation.scenario import load_scenario, shipped_scenario_path

from .helpers import breaches, run


def test_thin_scenario_is_the_default_with_fewer_agents() -> None:
    default, thin = load_scenario(), load_scenario("thin")
    assert thin.model.staffing == 0.7
    assert [a.id for a in thin.model.accounts] == [a.id for a in default.model.accounts]
    assert thin.model.tickets_per_week == default.model.tickets_per_week
    assert len(thin.agents) < len(default.agents)
    # the base's relative `config` still names the configuration shipped beside it
    assert thin.config_path == default.config_path


def test_thin_scenario_breaches_more_clocks() -> None:
    default, thin = load_scenario(), load_scenario("thin")
    assert default.config_path is not None
    now = "2026-06-01T00:00:00Z"
    data, _ = run(default, days=42)
    thin_data, _ = run(thin, days=42)
    breached, total = breaches(data, default.config_path, now)
    thin_breached, thin_total = breaches(thin_data, default.config_path, now)
    # tuned default: about 16% of all clocks (OLAs included) breach by age picking, thin 28%
    assert thin_breached / thin_total > 1.5 * breached / total


def test_a_scenario_overrides_top_level_keys_of_its_base(tmp_path: Path) -> None:
    path = tmp_path / "busy.yaml"
    path.write_text("base: default\ntickets_per_week: 2500\n")
    scenario = load_scenario(path)
    assert scenario.model.tickets_per_week == 2500
    assert scenario.model.accounts == load_scenario().model.accounts
    assert scenario.config_path == shipped_scenario_path("default").parent / "default_config.yaml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("base: nowhere.yaml\n", "no scenario file"),
        ("base: 7\n", "expected a scenario name or file"),
        ("# a comment\nbase: thin\n", "must be a complete scenario"),
    ],
)
def test_a_bad_base_names_its_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    line = text.splitlines().index(next(t for t in text.splitlines() if t.startswith("base")))
    assert caught.value.problems[0].startswith(f"{path}:{line + 1}: base: ")
    assert message in caught.value.problems[0]

"""load_config / load_calendar: calendars from files, every problem with its line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from slakeeper.config import load_calendar, load_config, load_config_document, parse_document
from slakeeper.core.errors import ConfigError

TWO = """\
calendars:
  ny:
    timezone: America/New_York
    weekly: {mon: ["09:00-17:00"], fri: ["09:00-17:00"]}
    holidays: ["2026-12-24"]
    holiday_sets: [US]
    overrides: {"2026-11-27": ["09:00-13:00"]}
  always: {timezone: UTC, weekly: 24x7}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_document(parse_document(text, "cfg.yaml"))
    return caught.value.problems


@pytest.fixture
def two(tmp_path: Path) -> Path:
    path = tmp_path / "two.yaml"
    path.write_text(TWO)
    return path


def test_calendars_are_built(two: Path) -> None:
    config = load_config(two)
    assert list(config.calendars) == ["ny", "always"]
    ny = config.calendars["ny"]
    assert ny.id == "ny"
    assert ny.timezone == "America/New_York"
    assert ny.holiday_sets == ("US",)
    assert not ny.is_24x7
    assert config.calendars["always"].is_24x7


def test_load_calendar_by_id(two: Path) -> None:
    assert load_calendar(two, "always").id == "always"
    assert load_calendar(str(two), "ny").id == "ny"


def test_load_calendar_needs_an_id_when_there_are_several(two: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_calendar(two)
    assert caught.value.problems == [
        f"{two}: name a calendar as FILE:ID (calendars here: ny, always)"
    ]


def test_load_calendar_refuses_an_unknown_id(two: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_calendar(two, "eu")
    assert caught.value.problems == [f"{two}: no calendar 'eu' (calendars here: ny, always)"]


def test_load_calendar_takes_the_only_one(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text('{"calendars": {"only": {"timezone": "UTC", "weekly": "24x7"}}}')
    assert load_calendar(path).id == "only"


def test_a_file_without_calendars_has_none_to_give(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("tiers: [gold]\n")
    assert load_config(path).calendars == {}
    with pytest.raises(ConfigError, match="calendars here: none"):
        load_calendar(path)


def test_problems_name_file_line_and_key() -> None:
    text = TWO.replace("America/New_York", "America/Gotham").replace("[US]", "[US, US-ZZ]")
    assert problems_of(text) == [
        "cfg.yaml:3: calendars.ny.timezone: unknown time zone 'America/Gotham' "
        "(expected an IANA name such as Europe/Berlin)",
        "cfg.yaml:6: calendars.ny.holiday_sets[1]: unknown holiday set 'US-ZZ': "
        "US has no subdivision 'ZZ'",
    ]


def test_unknown_keys_do_not_hide_other_problems() -> None:
    text = "calendars:\n  c:\n    timezone: Nowhere\n    weekly: 24x7\n    colour: red\nextra: 1\n"
    found = problems_of(text)
    assert sorted(found) == [
        "cfg.yaml:3: calendars.c.timezone: unknown time zone 'Nowhere' "
        "(expected an IANA name such as Europe/Berlin)",
        "cfg.yaml:5: calendars.c.colour: unknown key",
        "cfg.yaml:6: extra: unknown key",
    ]


def test_missing_required_keys_point_at_their_calendar() -> None:
    found = problems_of("calendars:\n  a:\n    weekly: 24x7\n  b:\n    timezone: UTC\n")
    assert found == [
        "cfg.yaml:2: calendars.a.timezone: missing required key",
        "cfg.yaml:4: calendars.b.weekly: missing required key",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- a\n", "cfg.yaml:1: expected a mapping at the top level"),
        ("calendars: [a]\n", "cfg.yaml:1: calendars: "),
        ("calendars:\n  c: 5\n", "cfg.yaml:2: calendars.c: "),
        ("calendars:\n  c: {timezone: 5, weekly: 24x7}\n", "cfg.yaml:2: calendars.c.timezone: "),
    ],
)
def test_wrong_shapes_are_named(text: str, problem: str) -> None:
    [found] = problems_of(text)
    assert found.startswith(problem)


def test_an_empty_file_is_an_empty_configuration() -> None:
    assert load_config_document(parse_document("")).calendars == {}

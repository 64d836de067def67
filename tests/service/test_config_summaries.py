"""The configuration described for people: week grids, holidays, target matrices, problems."""

from __future__ import annotations

from datetime import date

import pytest

from slakeeper.config.documents import parse_document
from slakeeper.config.loading import load_config_document
from slakeeper.core.calendars import make_calendar
from slakeeper.core.errors import ConfigError
from slakeeper.services.config_summaries import (
    holiday_list,
    problem_list,
    target_matrices,
    text_diff,
    week_grid,
)
from slakeeper.services.configs import validate_config


def test_an_overnight_window_continues_on_the_next_days_row() -> None:
    calendar = make_calendar("night", timezone="UTC", weekly={"fri": ["22:00-06:00"]})
    grid = week_grid(calendar)
    assert grid[4].spans == ((1320, 1440),) and grid[4].text == "22:00-06:00 (overnight)"
    assert grid[5].spans == ((0, 360),) and grid[5].text == "closed"
    assert grid[0].spans == ()


def test_holiday_sets_are_named_and_observed_days_included() -> None:
    calendar = make_calendar("us", timezone="America/New_York", weekly={"mon": ["09:00-17:00"]},
                             holidays=["2026-12-25", "2026-08-03"], holiday_sets=["US"],
                             overrides={"2026-11-26": ["09:00-12:00"]})  # fmt: skip
    found = {h.day: h for h in holiday_list(calendar, [2026])}
    assert found[date(2026, 7, 3)].name.startswith("Independence Day")  # July 4th is a Saturday
    assert found[date(2026, 12, 25)].source == "US"  # listed and in the set: the set names it
    assert found[date(2026, 8, 3)].source == "the calendar's own date"
    assert date(2026, 11, 26) not in found  # Thanksgiving: the override wins
    assert all(day.year == 2026 for day in found)


CONFIG = """\
calendars: {always: {timezone: UTC, weekly: 24x7}}
policies:
  - id: child
    extends: parent
    targets: {P1: {first_response: 10m}}
  - id: parent
    extends: base
    calendar: always
    targets: {P1: {resolution: {sla: 4h, objective: 2h}}}
  - id: base
    calendar: always
    targets: {P1: {first_response: 1h, next_response: 90m, team_ownership: {eng: 2h}}}
"""


def test_a_matrix_marks_each_inherited_cell_with_the_policy_that_writes_it() -> None:
    document = parse_document(CONFIG)
    matrix = target_matrices(load_config_document(document), document.data)[0]
    assert matrix.columns == [
        "first response", "next response", "resolution", "team ownership (eng)"
    ]  # fmt: skip
    ((severity, cells),) = matrix.rows
    assert severity == "P1"
    assert [(c.text, c.inherited_from) for c in cells if c] == [
        ("10m", None), ("1h 30m", "base"), ("4h / 2h", "parent"), ("2h", "base")
    ]  # fmt: skip


def test_problems_are_split_into_line_key_and_message() -> None:
    with pytest.raises(ConfigError) as raised:
        validate_config("calendars:\n  x: {timezone: Mars/Base, weekly: 24x7}\n")
    (problem,) = problem_list(raised.value)
    assert (problem.line, problem.key) == (2, "calendars.x.timezone")
    assert "Mars/Base" in problem.message
    with pytest.raises(ConfigError) as raised:
        validate_config("calendars: [\n")
    (problem,) = problem_list(raised.value)
    assert problem.key is None and problem.message.startswith("invalid YAML")


def test_a_diff_marks_added_removed_and_unchanged_lines() -> None:
    lines = text_diff("a\nb\nc\n", "a\nB\nc\nd\n", "version 1", "version 2")
    assert [(line.kind, line.marker, line.text) for line in lines] == [
        ("hunk", "@@", "@@ -1,3 +1,4 @@"), ("context", " ", "a"), ("removed", "-", "b"),
        ("added", "+", "B"), ("context", " ", "c"), ("added", "+", "d"),
    ]  # fmt: skip

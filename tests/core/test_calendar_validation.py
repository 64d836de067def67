"""Calendar validation (DESIGN.md section 4): window syntax, overlaps, key paths."""

from __future__ import annotations

from datetime import date

import pytest

from slakeeper.core.calendars import Window, make_calendar, parse_window
from slakeeper.core.errors import CalendarError


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("09:00-17:00", 9 * 3600, 17 * 3600),
        ("9:00-17:00", 9 * 3600, 17 * 3600),
        ("09:00:30-17:00:15", 9 * 3600 + 30, 17 * 3600 + 15),
        ("00:00-24:00", 0, 86_400),
        ("20:00-24:00", 20 * 3600, 86_400),
        # overnight: the end is on the next local date
        ("22:00-06:00", 22 * 3600, 86_400 + 6 * 3600),
        ("22:00-00:00", 22 * 3600, 86_400),
        ("23:59:59-00:00:01", 86_399, 86_401),
        (" 08:00 - 12:00 ", 8 * 3600, 12 * 3600),
    ],
)
def test_window_syntax_is_read_in_seconds_of_the_start_date(
    text: str, start: int, end: int
) -> None:
    assert parse_window(text) == Window(start, end)


@pytest.mark.parametrize(
    "text",
    [
        "9-17",
        "09:00",
        "09:00-17:00-18:00",
        "25:00-26:00",
        "09:60-10:00",
        "09:00:60-10:00",
        "24:00-02:00",  # cannot start at 24:00
        "24:01-02:00",
        "09:00-24:30",
        "09:00-09:00",  # empty
        "",
        "9h-17h",
    ],
)
def test_invalid_window_text_is_a_calendar_error(text: str) -> None:
    with pytest.raises(CalendarError):
        parse_window(text)


def test_window_that_is_not_a_string_is_a_calendar_error() -> None:
    with pytest.raises(CalendarError):
        parse_window(17)


def test_invalid_window_error_carries_its_key_path() -> None:
    with pytest.raises(CalendarError) as caught:
        make_calendar("x", timezone="UTC", weekly={"mon": ["09:00-12:00", "13:00-25:00"]})
    assert caught.value.path == ("weekly", "mon", 1)


def test_overlapping_windows_within_a_day_are_refused() -> None:
    with pytest.raises(CalendarError) as caught:
        make_calendar("x", timezone="UTC", weekly={"mon": ["09:00-12:00", "11:00-13:00"]})
    assert caught.value.path == ("weekly", "mon")


def test_touching_windows_are_allowed() -> None:
    calendar = make_calendar(
        "x",
        timezone="UTC",
        weekly={"mon": ["09:00-12:00", "12:00-13:00", "22:00-06:00"], "tue": ["06:00-09:00"]},
    )
    assert calendar.weekly[1] == (Window(6 * 3600, 9 * 3600),)


def test_overnight_window_overlapping_next_day_is_refused() -> None:
    with pytest.raises(CalendarError) as caught:
        make_calendar("x", timezone="UTC", weekly={"mon": ["22:00-06:00"], "tue": ["05:00-09:00"]})
    assert caught.value.path == ("weekly", "mon")


def test_sunday_overnight_window_overlapping_monday_is_refused() -> None:
    with pytest.raises(CalendarError) as caught:
        make_calendar("x", timezone="UTC", weekly={"sun": ["22:00-06:00"], "mon": ["05:00-09:00"]})
    assert caught.value.path == ("weekly", "sun")


def test_overnight_override_overlapping_next_day_is_refused() -> None:
    # 2026-03-02 is a Monday; Tuesday opens 05:00.
    with pytest.raises(CalendarError) as caught:
        make_calendar(
            "x",
            timezone="UTC",
            weekly={"tue": ["05:00-09:00"]},
            overrides={"2026-03-02": ["22:00-06:00"]},
        )
    assert caught.value.path == ("overrides", "2026-03-02")


def test_override_overlapping_previous_overnight_window_is_refused() -> None:
    # Sunday 2026-03-01 22:00-06:00 runs into the Monday override's 05:00 opening.
    with pytest.raises(CalendarError) as caught:
        make_calendar(
            "x",
            timezone="UTC",
            weekly={"sun": ["22:00-06:00"]},
            overrides={"2026-03-02": ["05:00-09:00"]},
        )
    assert caught.value.path == ("overrides", "2026-03-02")


def test_override_closing_a_day_is_allowed_and_wins_over_holiday() -> None:
    calendar = make_calendar(
        "x",
        timezone="UTC",
        weekly={"mon": ["09:00-17:00"]},
        holidays=["2026-03-02", "2026-03-09"],
        overrides={"2026-03-09": ["10:00-11:00"], "2026-03-16": []},
    )
    assert calendar.windows_on(date(2026, 3, 2)) == ()  # holiday
    assert calendar.windows_on(date(2026, 3, 9)) == (Window(10 * 3600, 11 * 3600),)
    assert calendar.windows_on(date(2026, 3, 16)) == ()  # override []
    assert calendar.windows_on(date(2026, 3, 23)) == (Window(9 * 3600, 17 * 3600),)


def test_holiday_set_includes_observed_days() -> None:
    calendar = make_calendar("x", timezone="America/New_York", weekly="24x7", holiday_sets=["US"])
    assert calendar.windows_on(date(2026, 7, 3)) == ()  # July 4th (a Saturday) observed
    assert calendar.windows_on(date(2026, 11, 26)) == ()  # Thanksgiving
    assert calendar.windows_on(date(2026, 11, 25)) == (Window(0, 86_400),)


@pytest.mark.parametrize(
    ("parts", "path"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, ("timezone",)),
        ({"timezone": "posixrules"}, ("timezone",)),
        ({"weekly": 5}, ("weekly",)),
        ({"weekly": "24x5"}, ("weekly",)),
        ({"weekly": {"monday": ["09:00-17:00"]}}, ("weekly", "monday")),
        ({"weekly": {"mon": "09:00-17:00"}}, ("weekly", "mon")),
        ({"holidays": ["2026-12-25", "2026-13-01"]}, ("holidays", 1)),
        ({"holiday_sets": ["US", "XX"]}, ("holiday_sets", 1)),
        ({"holiday_sets": ["US-ZZ"]}, ("holiday_sets", 0)),
        ({"overrides": {"2026-02-30": ["09:00-10:00"]}}, ("overrides", "2026-02-30")),
        ({"overrides": {"2026-03-02": ["10:00"]}}, ("overrides", "2026-03-02", 0)),
    ],
)
def test_invalid_calendar_parts_are_refused_with_their_key_path(
    parts: dict[str, object], path: tuple[object, ...]
) -> None:
    spec: dict[str, object] = {"timezone": "UTC", "weekly": {"mon": ["09:00-17:00"]}, **parts}
    with pytest.raises(CalendarError) as caught:
        make_calendar("x", **spec)  # type: ignore[arg-type]
    assert caught.value.path == path


def test_every_problem_is_listed_in_details() -> None:
    with pytest.raises(CalendarError) as caught:
        make_calendar(
            "x",
            timezone="Nowhere/Town",
            weekly={"monday": []},
            holidays=["not a date"],
            holiday_sets=["XX"],
        )
    paths = [problem.path for problem in caught.value.details]
    assert paths == [("timezone",), ("weekly", "monday"), ("holidays", 0), ("holiday_sets", 0)]
    assert caught.value.path == ("timezone",)


def test_24x7_is_case_insensitive_and_known_subdivisions_are_accepted() -> None:
    calendar = make_calendar("x", timezone="Europe/Berlin", weekly=" 24X7 ", holiday_sets=["DE-BY"])
    assert calendar.is_24x7
    assert not calendar.is_always_open  # a holiday set closes some days
    assert make_calendar("y", timezone="UTC", weekly="24x7").is_always_open

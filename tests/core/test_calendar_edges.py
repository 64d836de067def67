"""Edge cases of business-time arithmetic (DESIGN.md section 4, "Time math").

Every expected value below is worked out by hand in the table (the comment says how); none
is computed by the code under test. Instants are written with the calendar's local offset
so that the wall time can be read off directly.

Reference dates: 2026-03-02 is a Monday; 2026-11-18 a Wednesday; Thanksgiving is Thursday
2026-11-26; July 4th 2026 is a Saturday, observed Friday 2026-07-03; 2026-12-24 is a
Thursday and Christmas a Friday; 2027-01-01 (a US holiday) a Friday. New York is on EST
(-05:00) from 2026-11-01 and on EDT (-04:00) in July.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from slakeeper.core.calendars import Calendar, make_calendar
from slakeeper.core.errors import CalendarError, InputError
from slakeeper.core.instants import to_us
from slakeeper.core.timelines import (
    add,
    add_many,
    add_us,
    between,
    between_many,
    between_us,
)

H = timedelta(hours=1)
M = timedelta(minutes=1)
S = timedelta(seconds=1)
US = timedelta(microseconds=1)
ZERO = timedelta(0)
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")

SPECS: dict[str, dict[str, object]] = {
    # New York office hours with US public holidays, an explicit holiday (Christmas Eve),
    # a partial Friday after Thanksgiving, a special Sunday opening, an override that
    # opens Christmas (a holiday of the US set) and one that closes a Wednesday.
    "ny": {
        "timezone": "America/New_York",
        "weekly": {day: ["09:00-17:00"] for day in WORKDAYS},
        "holiday_sets": ["US"],
        "holidays": ["2026-12-24"],
        "overrides": {
            "2026-11-27": ["09:00-13:00"],
            "2026-11-29": ["10:00-14:00"],
            "2026-12-25": ["10:00-12:00"],
            "2026-12-30": [],
        },
    },
    "utc": {"timezone": "UTC", "weekly": {day: ["09:00-17:00"] for day in WORKDAYS}},
    "split": {
        "timezone": "UTC",
        "weekly": {day: ["08:00-12:00", "13:00-18:00"] for day in WORKDAYS},
    },
    # Overnight Mon-Fri 22:00-06:00 (each window belongs to the date it starts on); the
    # Wednesday 2026-03-04 is a holiday; Tuesday 2026-03-10 has an overnight override.
    "night": {
        "timezone": "UTC",
        "weekly": {day: ["22:00-06:00"] for day in WORKDAYS},
        "holidays": ["2026-03-04"],
        "overrides": {"2026-03-10": ["20:00-02:00"]},
    },
    "always": {"timezone": "UTC", "weekly": "24x7"},
    "always_xmas": {"timezone": "UTC", "weekly": "24x7", "holidays": ["2026-12-25"]},
    # 24:00 ends: Monday's window touches Tuesday's; Wednesday's ends at midnight alone.
    "midnight": {
        "timezone": "UTC",
        "weekly": {
            "mon": ["20:00-24:00"],
            "tue": ["00:00-04:00"],
            "wed": ["18:00-24:00"],
            "thu": ["09:00-10:00"],
        },
    },
    "seconds": {"timezone": "UTC", "weekly": {day: ["09:00:30-17:00:15"] for day in WORKDAYS}},
}

_BUILT: dict[str, Calendar] = {}


def cal(name: str) -> Calendar:
    if name not in _BUILT:
        _BUILT[name] = make_calendar(name, **SPECS[name])  # type: ignore[arg-type]
    return _BUILT[name]


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)


# (case id, calendar, start, duration, expected due instant)
# fmt: off
ADD_CASES = [
    # -- opening and closing ------------------------------------------------------------
    ("before_opening_counts_from_opening", "ny", "2026-11-18T07:00-05:00", H,
     "2026-11-18T10:00-05:00"),
    ("after_closing_counts_from_next_opening", "ny", "2026-11-18T18:00-05:00", H,
     "2026-11-19T10:00-05:00"),
    ("on_weekend_counts_from_monday", "ny", "2026-11-21T12:00-05:00", 2 * H,
     "2026-11-23T11:00-05:00"),
    ("target_ending_at_closing_time_is_due_at_close", "ny", "2026-11-18T09:00-05:00", 8 * H,
     "2026-11-18T17:00-05:00"),
    ("target_ending_at_close_from_midday_is_due_at_close", "ny", "2026-11-18T16:00-05:00", H,
     "2026-11-18T17:00-05:00"),
    ("zero_from_open_moment_is_start", "ny", "2026-11-18T10:15-05:00", ZERO,
     "2026-11-18T10:15-05:00"),
    ("zero_at_opening_is_start", "ny", "2026-11-18T09:00-05:00", ZERO,
     "2026-11-18T09:00-05:00"),
    ("zero_at_closing_is_next_opening", "ny", "2026-11-18T17:00-05:00", ZERO,
     "2026-11-19T09:00-05:00"),
    ("zero_on_weekend_is_next_opening", "ny", "2026-11-21T12:00-05:00", ZERO,
     "2026-11-23T09:00-05:00"),
    # -- holidays -------------------------------------------------------------------------
    # Thanksgiving (US set) closed; Friday 11-27 is an override 09:00-13:00.
    ("on_set_holiday_thanksgiving_counts_from_next_opening", "ny", "2026-11-26T10:00-05:00",
     H, "2026-11-27T10:00-05:00"),
    # Wed 16-17 (1h) + Fri 09-13 (4h) = 5h: due at the override's close.
    ("across_thanksgiving_due_at_partial_day_close", "ny", "2026-11-25T16:00-05:00", 5 * H,
     "2026-11-27T13:00-05:00"),
    # ... + Sunday special opening 10:00 + 1h.
    ("across_thanksgiving_into_sunday_opening", "ny", "2026-11-25T16:00-05:00", 6 * H,
     "2026-11-29T11:00-05:00"),
    ("start_on_sunday_before_special_opening", "ny", "2026-11-29T09:00-05:00", 30 * M,
     "2026-11-29T10:30-05:00"),
    ("after_sunday_special_opening_next_is_monday", "ny", "2026-11-29T14:00-05:00", H,
     "2026-11-30T10:00-05:00"),
    # Thu 16-17 (1h), Fri 07-03 observed holiday, weekend, Mon 09:00 + 1h.
    ("observed_independence_day_is_closed", "ny", "2026-07-02T16:00-04:00", 2 * H,
     "2026-07-06T10:00-04:00"),
    ("zero_on_observed_holiday_is_next_opening", "ny", "2026-07-03T10:00-04:00", ZERO,
     "2026-07-06T09:00-04:00"),
    # Thu 12-24 explicit holiday; Fri 12-25 holiday but overridden to 10:00-12:00.
    ("explicit_holiday_then_override_wins_over_christmas", "ny", "2026-12-24T09:00-05:00", H,
     "2026-12-25T11:00-05:00"),
    ("override_over_holiday_due_at_its_close", "ny", "2026-12-25T11:00-05:00", H,
     "2026-12-25T12:00-05:00"),
    ("after_override_over_holiday_next_is_monday", "ny", "2026-12-25T11:00-05:00", 2 * H,
     "2026-12-28T10:00-05:00"),
    # Tue 16:30-17:00, Wed 12-30 override [] closed, Thu 09:00 + 30m.
    ("override_empty_closes_a_weekday", "ny", "2026-12-29T16:30-05:00", H,
     "2026-12-31T09:30-05:00"),
    ("zero_on_override_closed_weekday_is_next_opening", "ny", "2026-12-30T10:00-05:00", ZERO,
     "2026-12-31T09:00-05:00"),
    # Thu 12-31 16-17, Fri 2027-01-01 New Year (US set), Mon 01-04 09:00 + 1h.
    ("new_year_from_holiday_set_is_closed", "ny", "2026-12-31T16:00-05:00", 2 * H,
     "2027-01-04T10:00-05:00"),
    # -- split shifts ---------------------------------------------------------------------
    ("split_shift_skips_lunch", "split", "2026-03-02T11:00Z", 2 * H, "2026-03-02T14:00Z"),
    ("split_shift_due_at_lunch_close", "split", "2026-03-02T11:00Z", H, "2026-03-02T12:00Z"),
    ("split_shift_zero_at_lunch_is_afternoon_opening", "split", "2026-03-02T12:00Z", ZERO,
     "2026-03-02T13:00Z"),
    ("split_shift_zero_in_lunch_is_afternoon_opening", "split", "2026-03-02T12:30Z", ZERO,
     "2026-03-02T13:00Z"),
    ("split_shift_start_in_lunch", "split", "2026-03-02T12:30Z", H, "2026-03-02T14:00Z"),
    ("split_shift_over_night", "split", "2026-03-02T17:00Z", 2 * H, "2026-03-03T09:00Z"),
    ("split_shift_whole_day", "split", "2026-03-02T08:00Z", 9 * H, "2026-03-02T18:00Z"),
    # -- overnight windows ----------------------------------------------------------------
    ("overnight_inside_friday_window", "night", "2026-03-06T23:00Z", 6 * H,
     "2026-03-07T05:00Z"),
    ("overnight_due_at_saturday_close_of_friday_window", "night", "2026-03-06T23:00Z", 7 * H,
     "2026-03-07T06:00Z"),
    # Sat 05-06 (1h); no window starts Sat or Sun; Monday 03-09 22:00 + 1h.
    ("overnight_across_weekend", "night", "2026-03-07T05:00Z", 2 * H, "2026-03-09T23:00Z"),
    ("overnight_monday_morning_belongs_to_sunday_closed", "night", "2026-03-09T01:00Z", H,
     "2026-03-09T23:00Z"),
    # Wed 03-04 is a holiday: Tuesday's window (until Wed 06:00) stays, Wednesday's
    # 22:00-06:00 is removed whole; next is Thursday 22:00.
    ("overnight_holiday_on_start_date_removes_whole_window", "night", "2026-03-04T05:00Z",
     2 * H, "2026-03-05T23:00Z"),
    ("overnight_zero_in_removed_window_is_next_opening", "night", "2026-03-05T03:00Z", ZERO,
     "2026-03-05T22:00Z"),
    ("overnight_holiday_on_next_date_keeps_window", "night", "2026-03-03T22:00Z", 8 * H,
     "2026-03-04T06:00Z"),
    # Tue 03-10: Monday's window until 06:00, then the override 20:00-02:00.
    ("overnight_override_replaces_window", "night", "2026-03-10T05:00Z", 3 * H,
     "2026-03-10T22:00Z"),
    ("overnight_override_spills_to_next_date", "night", "2026-03-11T01:00Z", 2 * H,
     "2026-03-11T23:00Z"),
    # -- 24x7 -----------------------------------------------------------------------------
    ("always_open_adds_real_time", "always", "2026-12-24T23:00Z", 2 * H, "2026-12-25T01:00Z"),
    ("always_open_zero_is_start", "always", "2026-12-24T23:00Z", ZERO, "2026-12-24T23:00Z"),
    ("always_open_with_holiday_skips_the_day", "always_xmas", "2026-12-24T23:00Z", 2 * H,
     "2026-12-26T01:00Z"),
    ("always_open_with_holiday_due_at_midnight", "always_xmas", "2026-12-24T23:00Z", H,
     "2026-12-25T00:00Z"),
    ("always_open_with_holiday_zero_on_holiday", "always_xmas", "2026-12-25T12:00Z", ZERO,
     "2026-12-26T00:00Z"),
    # -- 24:00 ends -----------------------------------------------------------------------
    ("end_2400_joins_next_days_0000_window", "midnight", "2026-03-02T23:00Z", 2 * H,
     "2026-03-03T01:00Z"),
    ("end_2400_due_at_midnight", "midnight", "2026-03-02T20:00Z", 4 * H, "2026-03-03T00:00Z"),
    ("end_2400_alone_due_at_midnight", "midnight", "2026-03-04T23:00Z", H, "2026-03-05T00:00Z"),
    ("end_2400_zero_at_midnight_is_next_opening", "midnight", "2026-03-05T00:00Z", ZERO,
     "2026-03-05T09:00Z"),
    ("end_2400_spills_to_next_window", "midnight", "2026-03-04T23:30Z", H, "2026-03-05T09:30Z"),
    # -- windows with seconds -------------------------------------------------------------
    ("seconds_window_opens_at_0900_30", "seconds", "2026-03-02T09:00:00Z", S,
     "2026-03-02T09:00:31Z"),
    ("seconds_window_zero_before_opening", "seconds", "2026-03-02T09:00:00Z", ZERO,
     "2026-03-02T09:00:30Z"),
    ("seconds_window_due_at_1700_15", "seconds", "2026-03-02T17:00:00Z", 15 * S,
     "2026-03-02T17:00:15Z"),
    ("seconds_window_one_second_past_close", "seconds", "2026-03-02T17:00:00Z", 16 * S,
     "2026-03-03T09:00:31Z"),
    # -- microsecond precision ------------------------------------------------------------
    ("one_microsecond", "utc", "2026-03-02T09:00:00Z", US, "2026-03-02T09:00:00.000001Z"),
    ("microsecond_before_close_due_at_close", "utc", "2026-03-02T16:59:59.999999Z", US,
     "2026-03-02T17:00:00Z"),
    ("microsecond_past_close_no_rounding", "utc", "2026-03-02T16:59:59.999999Z", 2 * US,
     "2026-03-03T09:00:00.000001Z"),
    ("fractional_start_before_opening", "utc", "2026-03-02T08:59:59.5Z",
     timedelta(milliseconds=250), "2026-03-02T09:00:00.250Z"),
    # 16:00:00.123457 to 17:00 is 3599.876543 s; 1 s is left for Tuesday 09:00.
    ("odd_microseconds_carry", "utc", "2026-03-02T16:00:00.123457Z",
     H + timedelta(microseconds=876_543), "2026-03-03T09:00:01Z"),
    ("odd_microseconds_inside", "utc", "2026-03-02T10:00:00.999999Z",
     timedelta(microseconds=1_000_002), "2026-03-02T10:00:02.000001Z"),
]
# fmt: on

# (case id, calendar, start, end, expected business time)
# fmt: off
BETWEEN_CASES = [
    ("from_before_opening_to_after_close", "ny", "2026-11-18T08:00-05:00",
     "2026-11-18T18:00-05:00", 8 * H),
    ("from_after_close_to_next_morning", "ny", "2026-11-18T18:00-05:00",
     "2026-11-19T10:00-05:00", H),
    ("windows_are_half_open", "ny", "2026-11-18T17:00-05:00", "2026-11-19T09:00-05:00", ZERO),
    ("weekend_is_closed", "ny", "2026-11-21T00:00-05:00", "2026-11-23T09:00-05:00", ZERO),
    ("thanksgiving_is_closed", "ny", "2026-11-26T00:00-05:00", "2026-11-27T00:00-05:00", ZERO),
    # Wed 16-17 (1h) + Fri override 09-13 (4h) + Sun override 10-14 (4h) + Mon 09-10 (1h).
    ("thanksgiving_week_with_overrides", "ny", "2026-11-25T16:00-05:00",
     "2026-11-30T10:00-05:00", 10 * H),
    # Thu 8h, Fri observed holiday, Mon 8h.
    ("observed_holiday_is_closed", "ny", "2026-07-02T00:00-04:00", "2026-07-07T00:00-04:00",
     16 * H),
    # Thu explicit holiday 0, Fri override 10-12 over the Christmas holiday.
    ("override_wins_over_holiday", "ny", "2026-12-24T00:00-05:00", "2026-12-26T00:00-05:00",
     2 * H),
    ("override_empty_closes_weekday", "ny", "2026-12-30T00:00-05:00",
     "2026-12-31T00:00-05:00", ZERO),
    ("end_before_start_is_zero", "ny", "2026-11-18T12:00-05:00", "2026-11-18T10:00-05:00",
     ZERO),
    ("end_equal_to_start_is_zero", "ny", "2026-11-18T12:00-05:00", "2026-11-18T12:00-05:00",
     ZERO),
    ("end_before_start_across_days_is_zero", "utc", "2026-03-04T12:00Z", "2026-03-02T12:00Z",
     ZERO),
    ("split_shift_whole_day", "split", "2026-03-02T07:00Z", "2026-03-02T19:00Z", 9 * H),
    ("split_shift_lunch_is_closed", "split", "2026-03-02T12:15Z", "2026-03-02T12:45Z", ZERO),
    ("split_shift_across_lunch", "split", "2026-03-02T11:30Z", "2026-03-02T13:30Z", H),
    # Saturday 00-06 is Friday's window; Sunday has none, so Monday 00-06 is closed.
    ("overnight_weekend", "night", "2026-03-07T00:00Z", "2026-03-09T12:00Z", 6 * H),
    # Wed 00-06 from Tuesday's window; Wednesday's own window removed by the holiday.
    ("overnight_holiday_on_start_date", "night", "2026-03-04T00:00Z", "2026-03-05T12:00Z",
     6 * H),
    ("overnight_holiday_on_next_date", "night", "2026-03-03T22:00Z", "2026-03-04T06:00Z",
     8 * H),
    # Tue 00-06 (Monday's) + override 20:00-02:00.
    ("overnight_override", "night", "2026-03-10T00:00Z", "2026-03-11T12:00Z", 12 * H),
    # Mon, Tue, Thu, Fri windows of 8h each (Wednesday's removed).
    ("overnight_week", "night", "2026-03-02T00:00Z", "2026-03-09T00:00Z", 32 * H),
    ("always_open_is_real_time", "always", "2026-12-24T12:00Z", "2026-12-26T12:00Z", 48 * H),
    ("always_open_with_holiday", "always_xmas", "2026-12-24T12:00Z", "2026-12-26T12:00Z",
     24 * H),
    ("always_open_inside_holiday", "always_xmas", "2026-12-25T01:00Z", "2026-12-25T23:00Z",
     ZERO),
    ("end_2400_and_0000_join", "midnight", "2026-03-02T20:00Z", "2026-03-03T04:00Z", 8 * H),
    # Mon 4h + Tue 4h + Wed 6h + Thu 1h.
    ("end_2400_week", "midnight", "2026-03-02T00:00Z", "2026-03-06T00:00Z", 15 * H),
    # 09:00:30-17:00:15 is 8h - 15s.
    ("seconds_window_day", "seconds", "2026-03-02T00:00Z", "2026-03-03T00:00Z",
     8 * H - 15 * S),
    ("microseconds_exact", "utc", "2026-03-02T09:00:00.000001Z", "2026-03-02T09:00:00.000003Z",
     2 * US),
    ("microseconds_across_night", "utc", "2026-03-02T16:59:59.999999Z",
     "2026-03-03T09:00:00.000001Z", 2 * US),
    ("sub_second_outside_hours", "utc", "2026-03-02T08:59:59.999Z", "2026-03-02T09:00:00.5Z",
     timedelta(milliseconds=500)),
]
# fmt: on


@pytest.mark.parametrize(
    ("name", "start", "duration", "expected"),
    [pytest.param(c, s, d, e, id=i) for i, c, s, d, e in ADD_CASES],
)
def test_add_edge_cases(name: str, start: str, duration: timedelta, expected: str) -> None:
    assert add(cal(name), t(start), duration) == t(expected)


@pytest.mark.parametrize(
    ("name", "start", "end", "expected"),
    [pytest.param(c, s, e, x, id=i) for i, c, s, e, x in BETWEEN_CASES],
)
def test_between_edge_cases(name: str, start: str, end: str, expected: timedelta) -> None:
    assert between(cal(name), t(start), t(end)) == expected


@pytest.mark.parametrize(
    ("name", "start", "duration", "expected"),
    [pytest.param(c, s, d, e, id=i) for i, c, s, d, e in ADD_CASES if d > ZERO],
)
def test_between_of_an_add_case_is_its_duration(
    name: str, start: str, duration: timedelta, expected: str
) -> None:
    assert between(cal(name), t(start), t(expected)) == duration


def _us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@pytest.mark.parametrize("name", sorted(SPECS))
def test_add_many_equals_the_add_table(name: str) -> None:
    cases = [(s, d, e) for _, c, s, d, e in ADD_CASES if c == name]
    starts = np.array([to_us(t(s)) for s, _, _ in cases], dtype=np.int64)
    durations = np.array([_us(d) for _, d, _ in cases], dtype=np.int64)
    expected = [to_us(t(e)) for _, _, e in cases]
    assert add_many(cal(name), starts, durations).tolist() == expected
    # and the scalar microsecond form agrees
    assert [add_us(cal(name), int(s), int(d)) for s, d in zip(starts, durations, strict=True)] == (
        expected
    )


@pytest.mark.parametrize("name", sorted(SPECS))
def test_between_many_equals_the_between_table(name: str) -> None:
    cases = [(s, e, x) for _, c, s, e, x in BETWEEN_CASES if c == name]
    if not cases:
        pytest.skip(f"no between case for {name}")
    starts = np.array([to_us(t(s)) for s, _, _ in cases], dtype=np.int64)
    ends = np.array([to_us(t(e)) for _, e, _ in cases], dtype=np.int64)
    expected = [_us(x) for _, _, x in cases]
    assert between_many(cal(name), starts, ends).tolist() == expected
    assert [
        between_us(cal(name), int(s), int(e)) for s, e in zip(starts, ends, strict=True)
    ] == expected


def test_bulk_accepts_datetime64_instants() -> None:
    starts = np.array(["2026-11-18T12:00:00", "2026-11-21T17:00:00"], dtype="datetime64[us]")
    ends = np.array(["2026-11-18T23:00:00", "2026-11-23T15:00:00"], dtype="datetime64[us]")
    # UTC instants; New York is UTC-5: 07:00-18:00 local is 8h; Sat noon to Mon 10:00 is 1h.
    assert between_many(cal("ny"), starts, ends).tolist() == [8 * 3_600_000_000, 3_600_000_000]
    due = add_many(cal("ny"), starts, np.array([0, 3_600_000_000], dtype=np.int64))
    assert due.tolist() == [to_us(t("2026-11-18T09:00-05:00")), to_us(t("2026-11-23T10:00-05:00"))]


def test_bulk_on_empty_arrays_returns_empty() -> None:
    empty = np.zeros(0, dtype=np.int64)
    assert add_many(cal("ny"), empty, empty).tolist() == []
    assert between_many(cal("ny"), empty, empty).tolist() == []


# -- pauses --------------------------------------------------------------------------------

# Calendar "utc": Mon-Fri 09:00-17:00 UTC; Monday 2026-03-02.
MON, TUE = "2026-03-02", "2026-03-03"

# (case id, calendar, start, duration, pauses, expected due instant)
# fmt: off
PAUSED_ADD_CASES = [
    ("pause_inside_hours_delays_by_its_length", "utc", f"{MON}T09:00Z", 2 * H,
     [(f"{MON}T10:00Z", f"{MON}T10:30Z")], f"{MON}T11:30Z"),
    # Mon 15-16 (1h), paused to Tue 10:00, + 2h.
    ("pause_across_closing", "utc", f"{MON}T15:00Z", 3 * H,
     [(f"{MON}T16:00Z", f"{TUE}T10:00Z")], f"{TUE}T12:00Z"),
    ("pause_outside_hours_changes_nothing", "utc", f"{MON}T16:00Z", 2 * H,
     [(f"{MON}T18:00Z", f"{TUE}T08:00Z")], f"{TUE}T10:00Z"),
    # Union 10:00-11:30: 09-10 (1h) + 11:30-12:30.
    ("overlapping_pauses_count_once", "utc", f"{MON}T09:00Z", 2 * H,
     [(f"{MON}T10:00Z", f"{MON}T11:00Z"), (f"{MON}T10:30Z", f"{MON}T11:30Z")], f"{MON}T12:30Z"),
    ("touching_pauses", "utc", f"{MON}T09:00Z", 2 * H,
     [(f"{MON}T10:00Z", f"{MON}T10:30Z"), (f"{MON}T10:30Z", f"{MON}T11:00Z")], f"{MON}T12:00Z"),
    ("nested_pauses", "utc", f"{MON}T09:00Z", 2 * H,
     [(f"{MON}T10:00Z", f"{MON}T12:00Z"), (f"{MON}T10:30Z", f"{MON}T11:00Z")], f"{MON}T13:00Z"),
    # 09-10 (1h), 11-14 (3h): 4h reached at 14:00 where the second pause starts; + 1h.
    ("unsorted_pauses", "utc", f"{MON}T09:00Z", 5 * H,
     [(f"{MON}T14:00Z", f"{MON}T15:00Z"), (f"{MON}T10:00Z", f"{MON}T11:00Z")], f"{MON}T16:00Z"),
    ("pause_covering_start", "utc", f"{MON}T10:00Z", H,
     [(f"{MON}T09:00Z", f"{MON}T10:30Z")], f"{MON}T11:30Z"),
    ("zero_length_pause_changes_nothing", "utc", f"{MON}T09:00Z", 2 * H,
     [(f"{MON}T10:00Z", f"{MON}T10:00Z")], f"{MON}T11:00Z"),
    ("zero_length_pause_at_start_changes_nothing", "utc", f"{MON}T10:00Z", ZERO,
     [(f"{MON}T10:00Z", f"{MON}T10:00Z")], f"{MON}T10:00Z"),
    ("zero_duration_when_start_paused_is_pause_end", "utc", f"{MON}T10:00Z", ZERO,
     [(f"{MON}T09:30Z", f"{MON}T10:45Z")], f"{MON}T10:45Z"),
    ("zero_duration_paused_until_close_is_next_opening", "utc", f"{MON}T10:00Z", ZERO,
     [(f"{MON}T09:30Z", f"{MON}T17:00Z")], f"{TUE}T09:00Z"),
    ("zero_duration_paused_past_close_is_next_opening", "utc", f"{MON}T10:00Z", ZERO,
     [(f"{MON}T09:30Z", f"{MON}T17:30Z")], f"{TUE}T09:00Z"),
    ("zero_duration_pause_ending_at_start", "utc", f"{MON}T10:00Z", ZERO,
     [(f"{MON}T09:30Z", f"{MON}T10:00Z")], f"{MON}T10:00Z"),
    ("zero_duration_pause_starting_after_start", "utc", f"{MON}T10:00Z", ZERO,
     [(f"{MON}T10:00:01Z", f"{MON}T11:00Z")], f"{MON}T10:00Z"),
    ("zero_duration_closed_start_next_opening_paused", "utc", f"{MON}T07:00Z", ZERO,
     [(f"{MON}T08:00Z", f"{MON}T09:30Z")], f"{MON}T09:30Z"),
    ("zero_duration_pause_starting_at_next_opening", "utc", f"{MON}T07:00Z", ZERO,
     [(f"{MON}T09:00Z", f"{MON}T09:30Z")], f"{MON}T09:30Z"),
    ("due_exactly_at_pause_start_is_due_then", "utc", f"{MON}T09:00Z", H,
     [(f"{MON}T10:00Z", f"{MON}T11:00Z")], f"{MON}T10:00Z"),
    ("pause_before_start_ignored", "utc", f"{MON}T09:00Z", H,
     [(f"{MON}T08:00Z", f"{MON}T08:30Z")], f"{MON}T10:00Z"),
    ("pause_after_due_ignored", "utc", f"{MON}T09:00Z", H,
     [(f"{MON}T12:00Z", f"{MON}T13:00Z")], f"{MON}T10:00Z"),
    ("pauses_on_24x7", "always", f"{MON}T00:00Z", 2 * H,
     [(f"{MON}T00:30Z", f"{MON}T01:00Z")], f"{MON}T02:30Z"),
    ("zero_duration_paused_start_on_24x7", "always", f"{MON}T00:00Z", ZERO,
     [(f"{MON}T00:00Z", f"{MON}T01:00Z")], f"{MON}T01:00Z"),
    ("microsecond_pause", "utc", f"{MON}T09:00Z", S,
     [(f"{MON}T09:00:00.5Z", f"{MON}T09:00:00.500001Z")], f"{MON}T09:00:01.000001Z"),
]
# fmt: on

# (case id, calendar, start, end, pauses, expected business time)
# fmt: off
PAUSED_BETWEEN_CASES = [
    ("overlapping_pauses_counted_once", "utc", f"{MON}T09:00Z", f"{MON}T17:00Z",
     [(f"{MON}T10:00Z", f"{MON}T11:00Z"), (f"{MON}T10:30Z", f"{MON}T12:00Z")], 6 * H),
    ("pause_covering_everything", "utc", f"{MON}T09:00Z", f"{MON}T17:00Z",
     [(f"{MON}T08:00Z", f"{MON}T20:00Z")], ZERO),
    ("pause_in_closed_time", "utc", f"{MON}T09:00Z", f"{MON}T17:00Z",
     [(f"{MON}T17:30Z", f"{MON}T18:00Z")], 8 * H),
    ("pause_across_start", "utc", f"{MON}T09:00Z", f"{MON}T17:00Z",
     [(f"{MON}T08:00Z", f"{MON}T10:00Z")], 7 * H),
    ("pause_across_end", "utc", f"{MON}T09:00Z", f"{MON}T12:00Z",
     [(f"{MON}T11:00Z", f"{TUE}T10:00Z")], 2 * H),
    ("pause_across_closing", "utc", f"{MON}T09:00Z", f"{TUE}T17:00Z",
     [(f"{MON}T16:00Z", f"{TUE}T10:00Z")], 14 * H),
    ("zero_length_pause", "utc", f"{MON}T09:00Z", f"{MON}T17:00Z",
     [(f"{MON}T10:00Z", f"{MON}T10:00Z")], 8 * H),
    ("pauses_outside_interval", "utc", f"{MON}T10:00Z", f"{MON}T11:00Z",
     [(f"{MON}T09:00Z", f"{MON}T10:00Z"), (f"{MON}T11:00Z", f"{MON}T12:00Z")], H),
    ("pauses_on_24x7", "always", f"{MON}T00:00Z", f"{MON}T03:00Z",
     [(f"{MON}T01:00Z", f"{MON}T02:00Z")], 2 * H),
    ("end_before_start_with_pauses_is_zero", "utc", f"{MON}T12:00Z", f"{MON}T10:00Z",
     [(f"{MON}T10:30Z", f"{MON}T11:00Z")], ZERO),
]
# fmt: on


def _pairs(pauses: list[tuple[str, str]]) -> list[tuple[datetime, datetime]]:
    return [(t(a), t(b)) for a, b in pauses]


@pytest.mark.parametrize(
    ("name", "start", "duration", "pauses", "expected"),
    [pytest.param(c, s, d, p, e, id=i) for i, c, s, d, p, e in PAUSED_ADD_CASES],
)
def test_add_with_pauses(
    name: str, start: str, duration: timedelta, pauses: list[tuple[str, str]], expected: str
) -> None:
    assert add(cal(name), t(start), duration, _pairs(pauses)) == t(expected)
    # The same with microseconds.
    us_pauses = [(to_us(a), to_us(b)) for a, b in _pairs(pauses)]
    assert add_us(cal(name), to_us(t(start)), _us(duration), us_pauses) == to_us(t(expected))
    if duration > ZERO:  # the paused business time up to the due instant is the duration
        assert between(cal(name), t(start), t(expected), _pairs(pauses)) == duration


@pytest.mark.parametrize(
    ("name", "start", "end", "pauses", "expected"),
    [pytest.param(c, s, e, p, x, id=i) for i, c, s, e, p, x in PAUSED_BETWEEN_CASES],
)
def test_between_with_pauses(
    name: str, start: str, end: str, pauses: list[tuple[str, str]], expected: timedelta
) -> None:
    assert between(cal(name), t(start), t(end), _pairs(pauses)) == expected


# -- refused inputs ----------------------------------------------------------------------


def test_negative_duration_is_an_input_error() -> None:
    with pytest.raises(InputError):
        add(cal("ny"), t("2026-11-18T10:00-05:00"), -S)
    with pytest.raises(InputError):
        add_us(cal("ny"), to_us(t("2026-11-18T10:00-05:00")), -1)
    with pytest.raises(InputError):
        add(cal("always"), t("2026-11-18T10:00Z"), -US)


def test_negative_duration_in_bulk_is_an_input_error() -> None:
    starts = np.array([to_us(t("2026-11-18T10:00-05:00"))] * 2, dtype=np.int64)
    with pytest.raises(InputError):
        add_many(cal("ny"), starts, np.array([5, -1], dtype=np.int64))
    with pytest.raises(InputError):
        add_many(cal("always"), starts, np.array([5, -1], dtype=np.int64))


def test_pause_starting_after_it_ends_is_an_input_error() -> None:
    bad = [(t(f"{MON}T11:00Z"), t(f"{MON}T10:00Z"))]
    with pytest.raises(InputError):
        add(cal("utc"), t(f"{MON}T09:00Z"), H, bad)
    with pytest.raises(InputError):
        between(cal("utc"), t(f"{MON}T09:00Z"), t(f"{MON}T17:00Z"), bad)
    with pytest.raises(InputError):
        add_us(cal("always"), 0, 1, [(10, 5)])
    with pytest.raises(InputError):
        between_us(cal("always"), 0, 100, [(10, 5)])


def test_naive_instants_are_an_input_error() -> None:
    with pytest.raises(InputError):
        add(cal("utc"), datetime(2026, 3, 2, 9), H)
    with pytest.raises(InputError):
        between(cal("utc"), datetime(2026, 3, 2, 9), t(f"{MON}T17:00Z"))


# -- no open time ahead ------------------------------------------------------------------


def test_calendar_with_no_windows_makes_add_a_calendar_error() -> None:
    closed = make_calendar("closed", timezone="UTC", weekly={})
    with pytest.raises(CalendarError):
        add(closed, t(f"{MON}T09:00Z"), H)
    with pytest.raises(CalendarError):
        add(closed, t(f"{MON}T09:00Z"), ZERO)
    with pytest.raises(CalendarError):
        add_many(closed, np.array([0], dtype=np.int64), np.array([1], dtype=np.int64))


def test_calendar_with_no_windows_has_zero_between() -> None:
    closed = make_calendar("closed", timezone="UTC", weekly={})
    assert between(closed, t("2026-01-01T00:00Z"), t("2027-01-01T00:00Z")) == ZERO


def test_calendar_open_only_on_a_past_override_makes_add_a_calendar_error() -> None:
    once = make_calendar(
        "once", timezone="UTC", weekly={}, overrides={"2026-01-05": ["09:00-17:00"]}
    )
    # Inside the override it works.
    assert add(once, t("2026-01-05T08:00Z"), H) == t("2026-01-05T10:00Z")
    assert add(once, t("2026-01-05T16:00Z"), H) == t("2026-01-05T17:00Z")
    assert between(once, t("2026-01-01T00:00Z"), t("2026-12-31T00:00Z")) == 8 * H
    # Past its last open time there is nothing to reach.
    with pytest.raises(CalendarError):
        add(once, t("2026-01-05T16:00Z"), 2 * H)
    with pytest.raises(CalendarError):
        add(once, t("2026-06-01T00:00Z"), H)
    with pytest.raises(CalendarError):
        add(once, t("2026-01-05T17:00Z"), ZERO)


def test_calendar_open_only_on_a_far_future_override_is_reached() -> None:
    later = make_calendar(
        "later", timezone="UTC", weekly={}, overrides={"2090-06-01": ["09:00-10:00"]}
    )
    assert add(later, t("2026-01-05T08:00Z"), ZERO) == t("2090-06-01T09:00Z")
    assert add(later, t("2026-01-05T08:00Z"), 30 * M) == t("2090-06-01T09:30Z")


# -- far outside the precomputed horizon ---------------------------------------------------


def _fresh(name: str, **changes: object) -> Calendar:
    spec = {**SPECS[name], **changes}
    return make_calendar(name, **spec)  # type: ignore[arg-type]


def test_1905_week_counts_forty_hours() -> None:
    # 1905-03-06 is a Monday; New York was on EST all year (no DST before 1918).
    ny = _fresh("ny")
    assert between(ny, t("1905-03-06T00:00-05:00"), t("1905-03-13T00:00-05:00")) == 40 * H
    assert add(ny, t("1905-03-10T16:00-05:00"), 2 * H) == t("1905-03-13T10:00-05:00")


def test_2150_week_with_holiday_counts_thirty_two_hours() -> None:
    # 2150-07-04 is a Saturday; the explicit holiday Friday 2150-07-03; EDT (-04:00).
    ny = _fresh("ny", holiday_sets=[], holidays=["2150-07-03"], overrides={})
    assert between(ny, t("2150-06-29T00:00-04:00"), t("2150-07-06T00:00-04:00")) == 32 * H
    assert add(ny, t("2150-07-02T16:00-04:00"), 2 * H) == t("2150-07-06T10:00-04:00")


def test_2399_add_across_spring_forward() -> None:
    # 2399-03-12 is a Friday; DST starts Sunday 2399-03-14 (second Sunday of March).
    ny = _fresh("ny", holiday_sets=[], holidays=[], overrides={})
    assert add(ny, t("2399-03-12T16:00-05:00"), 2 * H) == t("2399-03-15T10:00-04:00")


def test_year_2150_has_261_working_days() -> None:
    # 2150-01-01 is a Thursday and 2150 is not a leap year: 52 weeks + one Thursday.
    utc = _fresh("utc")
    assert between(utc, t("2150-01-01T00:00Z"), t("2151-01-01T00:00Z")) == 261 * 8 * H


def test_1905_to_2400_counts_every_working_day() -> None:
    # 495 years hold 495 * 365 + 120 leap days = 180,795 days = 25,827 weeks + 6 days;
    # 1905-01-01 is a Sunday, so the 6 extra days (Sun-Fri) add 5 weekdays.
    utc = _fresh("utc")
    weekdays = 25_827 * 5 + 5
    assert between(utc, t("1905-01-01T00:00Z"), t("2400-01-01T00:00Z")) == weekdays * 8 * H
    # a far start after a near one grows the cached timeline both ways
    assert add(utc, t("2026-03-02T09:00Z"), H) == t("2026-03-02T10:00Z")


def test_far_24x7_with_holiday() -> None:
    always = _fresh("always_xmas", holidays=["2399-12-25", "1905-12-25"])
    assert add(always, t("2399-12-24T00:00Z"), 48 * H) == t("2399-12-27T00:00Z")
    assert add(always, t("1905-12-24T00:00Z"), 48 * H) == t("1905-12-27T00:00Z")


def test_bulk_far_dates_equal_hand_counts() -> None:
    ny = _fresh("ny", holiday_sets=[], holidays=["2150-07-03"], overrides={})
    starts = np.array(
        [
            to_us(t(s))
            for s in ("1905-03-10T16:00-05:00", "2150-07-02T16:00-04:00", "2399-03-12T16:00-05:00")
        ],
        dtype=np.int64,
    )
    expected = [
        to_us(t(s))
        for s in ("1905-03-13T10:00-05:00", "2150-07-06T10:00-04:00", "2399-03-15T10:00-04:00")
    ]
    two_hours = np.full(3, 2 * 3_600_000_000, dtype=np.int64)
    assert add_many(ny, starts, two_hours).tolist() == expected
    assert between_many(ny, starts, np.array(expected)).tolist() == two_hours.tolist()

"""Properties of add and between on a few fixed calendars, instants across 1990-2100."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from slakeeper.core.calendars import Calendar, make_calendar
from slakeeper.core.instants import to_us
from slakeeper.core.timelines import add_many, add_us, between_many, between_us

WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
US_PER_HOUR = 3_600_000_000

CALENDARS: dict[str, Calendar] = {
    "ny_office": make_calendar(
        "ny_office",
        timezone="America/New_York",
        weekly={day: ["09:00-17:00"] for day in WORKDAYS},
        holiday_sets=["US"],
    ),
    "london_split": make_calendar(
        "london_split",
        timezone="Europe/London",
        weekly={day: ["08:00-12:00", "13:00-18:00"] for day in WORKDAYS},
    ),
    # Overnight windows, one of them (Saturday's) across the Sunday-morning DST switches.
    "berlin_night": make_calendar(
        "berlin_night",
        timezone="Europe/Berlin",
        weekly={**{day: ["22:00-06:00"] for day in WORKDAYS}, "sat": ["22:00-04:00"]},
        holidays=["2026-12-24"],
    ),
    # Sunday early-morning window across the southern-hemisphere DST switches.
    "sydney": make_calendar(
        "sydney",
        timezone="Australia/Sydney",
        weekly={**{day: ["08:30-17:30"] for day in WORKDAYS}, "sun": ["01:00-05:00"]},
        holidays=["2030-01-01"],
    ),
    "sao_paulo_24x7": make_calendar(
        "sao_paulo_24x7",
        timezone="America/Sao_Paulo",
        weekly="24x7",
        holidays=["2018-11-04", "2018-02-17"],
    ),
}

LO = to_us(datetime(1990, 1, 1, tzinfo=UTC))
HI = to_us(datetime(2100, 12, 31, tzinfo=UTC))
MAX_DURATION = 60 * 8 * US_PER_HOUR  # 60 business days of 8 hours

calendars = st.sampled_from(sorted(CALENDARS))
# Any microsecond, or a whole minute (so that window edges are hit).
instants = st.one_of(
    st.integers(LO, HI),
    st.integers(LO // 60_000_000, HI // 60_000_000).map(lambda m: m * 60_000_000),
)
# Any microsecond count, or whole quarter hours (so that results land on closing times).
durations = st.one_of(
    st.integers(0, MAX_DURATION),
    st.integers(0, MAX_DURATION // 900_000_000).map(lambda q: q * 900_000_000),
    st.just(0),
)
positive = st.one_of(
    st.integers(1, MAX_DURATION),
    st.integers(1, MAX_DURATION // 900_000_000).map(lambda q: q * 900_000_000),
)


@given(calendars, instants, durations)
def test_between_of_add_is_the_duration(name: str, start: int, duration: int) -> None:
    calendar = CALENDARS[name]
    assert between_us(calendar, start, add_us(calendar, start, duration)) == duration


@given(calendars, instants, durations)
def test_add_is_never_before_start_plus_duration(name: str, start: int, duration: int) -> None:
    assert add_us(CALENDARS[name], start, duration) >= start + duration


@given(calendars, instants)
def test_add_zero_is_start_or_the_next_open_instant(name: str, start: int) -> None:
    calendar = CALENDARS[name]
    found = add_us(calendar, start, 0)
    assert found >= start
    assert between_us(calendar, start, found) == 0  # nothing open was skipped
    assert between_us(calendar, found, found + 1) == 1  # and it is open


@given(calendars, instants, instants, durations)
def test_add_is_monotonic_in_start(name: str, a: int, b: int, duration: int) -> None:
    calendar = CALENDARS[name]
    first, second = min(a, b), max(a, b)
    assert add_us(calendar, first, duration) <= add_us(calendar, second, duration)


@given(calendars, instants, durations, durations)
def test_add_is_monotonic_in_duration(name: str, start: int, a: int, b: int) -> None:
    calendar = CALENDARS[name]
    shorter, longer = min(a, b), max(a, b)
    assert add_us(calendar, start, shorter) <= add_us(calendar, start, longer)


@given(calendars, instants, durations, positive)
def test_add_composes_when_the_second_step_is_positive(
    name: str, start: int, a: int, b: int
) -> None:
    calendar = CALENDARS[name]
    assert add_us(calendar, add_us(calendar, start, a), b) == add_us(calendar, start, a + b)


@given(calendars, instants, instants, instants)
def test_between_is_additive(name: str, a: int, b: int, c: int) -> None:
    calendar = CALENDARS[name]
    a, b, c = sorted((a, b, c))
    assert between_us(calendar, a, b) + between_us(calendar, b, c) == between_us(calendar, a, c)


@given(calendars, instants, instants)
def test_between_is_at_most_elapsed_time_and_zero_backwards(name: str, a: int, b: int) -> None:
    calendar = CALENDARS[name]
    assert 0 <= between_us(calendar, a, b) <= max(b - a, 0)
    if b <= a:
        assert between_us(calendar, a, b) == 0


@given(calendars, st.lists(st.tuples(instants, durations), min_size=1, max_size=40))
def test_add_many_equals_scalar_add(name: str, pairs: list[tuple[int, int]]) -> None:
    calendar = CALENDARS[name]
    starts = np.array([s for s, _ in pairs], dtype=np.int64)
    spans = np.array([d for _, d in pairs], dtype=np.int64)
    expected = [add_us(calendar, s, d) for s, d in pairs]
    assert add_many(calendar, starts, spans).tolist() == expected


@given(calendars, st.lists(st.tuples(instants, instants), min_size=1, max_size=40))
def test_between_many_equals_scalar_between(name: str, pairs: list[tuple[int, int]]) -> None:
    calendar = CALENDARS[name]
    starts = np.array([s for s, _ in pairs], dtype=np.int64)
    ends = np.array([e for _, e in pairs], dtype=np.int64)
    expected = [between_us(calendar, s, e) for s, e in pairs]
    assert between_many(calendar, starts, ends).tolist() == expected


# Pauses as (offset from start, length); offsets may be negative (a pause covering start).
pause_offsets = st.lists(
    st.tuples(
        st.integers(-48 * US_PER_HOUR, 24 * 30 * US_PER_HOUR),
        st.integers(0, 72 * US_PER_HOUR),
    ),
    max_size=5,
)


@given(calendars, instants, durations, pause_offsets)
def test_pauses_never_make_the_due_instant_earlier(
    name: str, start: int, duration: int, offsets: list[tuple[int, int]]
) -> None:
    calendar = CALENDARS[name]
    pauses = [(start + offset, start + offset + length) for offset, length in offsets]
    assert add_us(calendar, start, duration, pauses) >= add_us(calendar, start, duration)


@given(calendars, instants, durations, pause_offsets)
def test_paused_between_of_paused_add_is_the_duration(
    name: str, start: int, duration: int, offsets: list[tuple[int, int]]
) -> None:
    calendar = CALENDARS[name]
    pauses = [(start + offset, start + offset + length) for offset, length in offsets]
    due = add_us(calendar, start, duration, pauses)
    assert between_us(calendar, start, due, pauses) == duration
    if duration:  # the earliest such instant: a microsecond earlier is short of it
        assert between_us(calendar, start, due - 1, pauses) == duration - 1
    else:  # open and not paused at the result, nothing open and unpaused skipped
        assert between_us(calendar, start, due, pauses) == 0
        assert between_us(calendar, due, due + 1, pauses) == 1


@given(calendars, instants, instants, pause_offsets)
def test_pauses_never_add_business_time(
    name: str, a: int, b: int, offsets: list[tuple[int, int]]
) -> None:
    calendar = CALENDARS[name]
    pauses = [(a + offset, a + offset + length) for offset, length in offsets]
    assert 0 <= between_us(calendar, a, b, pauses) <= between_us(calendar, a, b)

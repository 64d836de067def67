"""Daylight saving time (DESIGN.md section 4): elapsed time is real time; a wall time in a
spring-forward gap maps to the transition; an ambiguous one to its first occurrence;
``24:00`` is the next local date's 00:00 by the same rules; zones come from the pinned
tzdata package.

Transitions used (tzdata, checked by hand against the published rules):

- America/New_York 2026: Sun 03-08 02:00 EST -> 03:00 EDT (07:00Z); Sun 11-01 02:00 EDT ->
  01:00 EST (06:00Z).
- Europe/Berlin 2026: Sun 03-29 02:00 CET -> 03:00 CEST (01:00Z); Sun 10-25 03:00 CEST ->
  02:00 CET (01:00Z).
- Australia/Sydney 2026: Sun 04-05 03:00 AEDT -> 02:00 AEST (04-04 16:00Z); Sun 10-04 02:00
  AEST -> 03:00 AEDT (10-03 16:00Z).
- America/Sao_Paulo 2018 (switches at midnight): Sun 02-18 00:00 -02 -> Sat 02-17 23:00 -03
  (02:00Z); Sun 11-04 00:00 -03 -> 01:00 -02 (03:00Z).
- Asia/Tehran 2022 (switches at midnight): Tue 03-22 00:00 +0330 -> 01:00 +0430 (03-21
  20:30Z); Thu 09-22 00:00 +0430 -> Wed 09-21 23:00 +0330 (09-21 19:30Z).
"""

from __future__ import annotations

import sys
import zoneinfo
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from slakeeper.core import zones
from slakeeper.core.calendars import make_calendar
from slakeeper.core.errors import CalendarError
from slakeeper.core.instants import to_us
from slakeeper.core.timelines import add, add_many, between, between_many

H = timedelta(hours=1)
M = timedelta(minutes=1)
ZERO = timedelta(0)
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)


# (case id, zone, weekly, search from, expected UTC opening, expected UTC closing): the
# calendar has exactly one window between "search from" and a day after the closing.
# fmt: off
WINDOW_CASES = [
    # -- New York ----------------------------------------------------------------------
    ("ny_window_containing_spring_forward_is_an_hour_shorter", "America/New_York",
     {"sun": ["00:00-06:00"]}, "2026-03-07T12:00-05:00", "2026-03-08T05:00Z",
     "2026-03-08T10:00Z"),
    ("ny_window_containing_fall_back_is_an_hour_longer", "America/New_York",
     {"sun": ["00:00-06:00"]}, "2026-10-31T12:00-04:00", "2026-11-01T04:00Z",
     "2026-11-01T11:00Z"),
    ("ny_window_on_an_ordinary_sunday_is_six_hours", "America/New_York",
     {"sun": ["00:00-06:00"]}, "2026-02-28T12:00-05:00", "2026-03-01T05:00Z",
     "2026-03-01T11:00Z"),
    ("ny_gap_window_opens_at_the_transition", "America/New_York",
     {"sun": ["02:30-03:15"]}, "2026-03-07T12:00-05:00", "2026-03-08T07:00Z",
     "2026-03-08T07:15Z"),
    ("ny_same_window_on_an_ordinary_sunday_is_45_minutes", "America/New_York",
     {"sun": ["02:30-03:15"]}, "2026-02-28T12:00-05:00", "2026-03-01T07:30Z",
     "2026-03-01T08:15Z"),
    # 02:10 and 02:50 both map to 03:00 EDT: empty; next Sunday 02:10 EDT.
    ("ny_window_entirely_in_the_gap_is_empty", "America/New_York",
     {"sun": ["02:10-02:50"]}, "2026-03-07T12:00-05:00", "2026-03-15T06:10Z",
     "2026-03-15T06:50Z"),
    ("ny_window_ending_in_the_gap_ends_at_the_transition", "America/New_York",
     {"sun": ["00:00-02:30"]}, "2026-03-07T12:00-05:00", "2026-03-08T05:00Z",
     "2026-03-08T07:00Z"),
    ("ny_window_starting_at_gap_end", "America/New_York",
     {"sun": ["03:00-05:00"]}, "2026-03-07T12:00-05:00", "2026-03-08T07:00Z",
     "2026-03-08T09:00Z"),
    # 01:30 first occurrence is EDT (05:30Z); 03:00 EST is 08:00Z.
    ("ny_ambiguous_start_is_its_first_occurrence", "America/New_York",
     {"sun": ["01:30-03:00"]}, "2026-10-31T12:00-04:00", "2026-11-01T05:30Z",
     "2026-11-01T08:00Z"),
    ("ny_ambiguous_end_is_its_first_occurrence", "America/New_York",
     {"sun": ["00:00-01:30"]}, "2026-10-31T12:00-04:00", "2026-11-01T04:00Z",
     "2026-11-01T05:30Z"),
    ("ny_ambiguous_window_is_its_first_occurrence", "America/New_York",
     {"sun": ["01:10-01:50"]}, "2026-10-31T12:00-04:00", "2026-11-01T05:10Z",
     "2026-11-01T05:50Z"),
    ("ny_overnight_window_across_spring_forward", "America/New_York",
     {"sat": ["22:00-06:00"]}, "2026-03-07T12:00-05:00", "2026-03-08T03:00Z",
     "2026-03-08T10:00Z"),
    ("ny_overnight_window_across_fall_back", "America/New_York",
     {"sat": ["22:00-06:00"]}, "2026-10-31T12:00-04:00", "2026-11-01T02:00Z",
     "2026-11-01T11:00Z"),
    # -- Berlin ----------------------------------------------------------------------------
    ("berlin_window_containing_spring_forward_is_shorter", "Europe/Berlin",
     {"sun": ["01:00-05:00"]}, "2026-03-28T12:00+01:00", "2026-03-29T00:00Z",
     "2026-03-29T03:00Z"),
    ("berlin_window_containing_fall_back_is_longer", "Europe/Berlin",
     {"sun": ["01:00-05:00"]}, "2026-10-24T12:00+02:00", "2026-10-24T23:00Z",
     "2026-10-25T04:00Z"),
    ("berlin_gap_window_opens_at_the_transition", "Europe/Berlin",
     {"sun": ["02:30-03:15"]}, "2026-03-28T12:00+01:00", "2026-03-29T01:00Z",
     "2026-03-29T01:15Z"),
    # 02:30 first occurrence is CEST (00:30Z); 04:00 CET is 03:00Z.
    ("berlin_ambiguous_start_is_its_first_occurrence", "Europe/Berlin",
     {"sun": ["02:30-04:00"]}, "2026-10-24T12:00+02:00", "2026-10-25T00:30Z",
     "2026-10-25T03:00Z"),
    # -- Sydney (southern hemisphere) ----------------------------------------------------
    ("sydney_april_window_containing_fall_back_is_longer", "Australia/Sydney",
     {"sun": ["00:00-06:00"]}, "2026-04-04T12:00+11:00", "2026-04-04T13:00Z",
     "2026-04-04T20:00Z"),
    ("sydney_october_window_containing_spring_forward_is_shorter", "Australia/Sydney",
     {"sun": ["00:00-06:00"]}, "2026-10-03T12:00+10:00", "2026-10-03T14:00Z",
     "2026-10-03T19:00Z"),
    ("sydney_october_gap_window_opens_at_the_transition", "Australia/Sydney",
     {"sun": ["02:30-03:15"]}, "2026-10-03T12:00+10:00", "2026-10-03T16:00Z",
     "2026-10-03T16:15Z"),
    # 02:30 first occurrence is AEDT (15:30Z); 03:00 AEST is 17:00Z.
    ("sydney_april_ambiguous_start_is_its_first_occurrence", "Australia/Sydney",
     {"sun": ["02:30-03:00"]}, "2026-04-04T12:00+11:00", "2026-04-04T15:30Z",
     "2026-04-04T17:00Z"),
    # -- Sao Paulo 2018 (midnight switches) --------------------------------------------
    # 00:00 does not exist on 11-04: the window opens at the transition (01:00 -02).
    ("sao_paulo_window_at_0000_on_midnight_spring_forward", "America/Sao_Paulo",
     {"sun": ["00:00-06:00"]}, "2018-11-03T12:00-03:00", "2018-11-04T03:00Z",
     "2018-11-04T08:00Z"),
    # 24:00 on 11-03 is 00:00 on 11-04, which maps to the transition.
    ("sao_paulo_2400_on_eve_of_midnight_spring_forward", "America/Sao_Paulo",
     {"sat": ["22:00-24:00"]}, "2018-11-03T12:00-03:00", "2018-11-04T01:00Z",
     "2018-11-04T03:00Z"),
    ("sao_paulo_overnight_across_midnight_spring_forward", "America/Sao_Paulo",
     {"sat": ["22:00-02:00"]}, "2018-11-03T12:00-03:00", "2018-11-04T01:00Z",
     "2018-11-04T04:00Z"),
    # 23:00-24:00 on 02-17 happens twice; 24:00 (02-18 00:00) only once, at -03.
    ("sao_paulo_2400_on_eve_of_midnight_fall_back", "America/Sao_Paulo",
     {"sat": ["22:00-24:00"]}, "2018-02-17T12:00-02:00", "2018-02-18T00:00Z",
     "2018-02-18T03:00Z"),
    ("sao_paulo_ambiguous_before_midnight_fall_back", "America/Sao_Paulo",
     {"sat": ["23:30-23:45"]}, "2018-02-17T12:00-02:00", "2018-02-18T01:30Z",
     "2018-02-18T01:45Z"),
    ("sao_paulo_window_at_0000_on_midnight_fall_back", "America/Sao_Paulo",
     {"sun": ["00:00-06:00"]}, "2018-02-17T12:00-02:00", "2018-02-18T03:00Z",
     "2018-02-18T09:00Z"),
    # -- Tehran 2022 (midnight switches) ----------------------------------------------
    ("tehran_window_at_0000_on_midnight_spring_forward", "Asia/Tehran",
     {"tue": ["00:00-08:00"]}, "2022-03-21T12:00+03:30", "2022-03-21T20:30Z",
     "2022-03-22T03:30Z"),
    # 00:30 on 03-22 is in the gap: the overnight window ends at the transition.
    ("tehran_overnight_ending_in_midnight_gap", "Asia/Tehran",
     {"mon": ["20:00-00:30"]}, "2022-03-21T12:00+03:30", "2022-03-21T16:30Z",
     "2022-03-21T20:30Z"),
    ("tehran_2400_on_eve_of_midnight_fall_back", "Asia/Tehran",
     {"wed": ["20:00-24:00"]}, "2022-09-21T12:00+04:30", "2022-09-21T15:30Z",
     "2022-09-21T20:30Z"),
    ("tehran_ambiguous_before_midnight_fall_back", "Asia/Tehran",
     {"wed": ["23:00-23:30"]}, "2022-09-21T12:00+04:30", "2022-09-21T18:30Z",
     "2022-09-21T19:00Z"),
    ("tehran_window_at_0000_on_midnight_fall_back", "Asia/Tehran",
     {"thu": ["00:00-08:00"]}, "2022-09-21T12:00+04:30", "2022-09-21T20:30Z",
     "2022-09-22T04:30Z"),
    # -- Lord Howe (a 30-minute DST shift): 2026-10-04 02:00 +10:30 -> 02:30 +11 (10-03
    # 15:30Z); 2026-04-05 02:00 +11 -> 01:30 +10:30 (04-04 15:00Z).
    ("lord_howe_window_containing_half_hour_gap_is_half_an_hour_shorter",
     "Australia/Lord_Howe", {"sun": ["01:00-04:00"]}, "2026-10-03T12:00+10:30",
     "2026-10-03T14:30Z", "2026-10-03T17:00Z"),
    ("lord_howe_gap_window_opens_at_the_transition", "Australia/Lord_Howe",
     {"sun": ["02:15-02:45"]}, "2026-10-03T12:00+10:30", "2026-10-03T15:30Z",
     "2026-10-03T15:45Z"),
    ("lord_howe_ambiguous_start_is_its_first_occurrence", "Australia/Lord_Howe",
     {"sun": ["01:45-03:00"]}, "2026-04-04T12:00+11:00", "2026-04-04T14:45Z",
     "2026-04-04T16:30Z"),
]
# fmt: on


@pytest.mark.parametrize(
    ("zone", "weekly", "search_from", "opening", "closing"),
    [pytest.param(z, w, s, o, c, id=i) for i, z, w, s, o, c in WINDOW_CASES],
)
def test_window_maps_to_utc_by_dst_rules(
    zone: str, weekly: dict[str, list[str]], search_from: str, opening: str, closing: str
) -> None:
    calendar = make_calendar("dst", timezone=zone, weekly=weekly)
    start, open_at, close_at = t(search_from), t(opening), t(closing)
    length = close_at - open_at
    assert add(calendar, start, ZERO) == open_at
    assert add(calendar, start, length) == close_at  # due at the closing instant
    assert between(calendar, start, close_at + timedelta(days=1)) == length
    assert between(calendar, open_at, close_at) == length
    assert between(calendar, start, open_at) == ZERO
    assert add(calendar, close_at, ZERO) > close_at + timedelta(days=1)
    # bulk agrees
    starts = [to_us(start), to_us(start)]
    assert add_many(calendar, starts, [0, to_us(close_at) - to_us(open_at)]).tolist() == [
        to_us(open_at),
        to_us(close_at),
    ]
    assert between_many(calendar, [to_us(open_at)], [to_us(close_at)]).tolist() == [
        to_us(close_at) - to_us(open_at)
    ]


def test_window_entirely_in_the_gap_counts_nothing_that_day() -> None:
    calendar = make_calendar("gap", timezone="America/New_York", weekly={"sun": ["02:10-02:50"]})
    assert between(calendar, t("2026-03-08T00:00-05:00"), t("2026-03-09T00:00-04:00")) == ZERO


def test_business_day_add_across_spring_forward() -> None:
    calendar = make_calendar(
        "ny", timezone="America/New_York", weekly={d: ["09:00-17:00"] for d in WORKDAYS}
    )
    # Friday 16:00 EST + 2h: 1h on Friday, then Monday 09:00 EDT + 1h.
    assert add(calendar, t("2026-03-06T16:00-05:00"), 2 * H) == t("2026-03-09T10:00-04:00")
    assert between(calendar, t("2026-03-06T00:00-05:00"), t("2026-03-10T00:00-04:00")) == 16 * H
    # and across fall back
    assert add(calendar, t("2026-10-30T16:00-04:00"), 2 * H) == t("2026-11-02T10:00-05:00")


def test_24x7_holiday_on_a_23_hour_day() -> None:
    # Berlin 2026-03-29 is 23 hours long; closing it removes 23 hours, not 24.
    calendar = make_calendar("b", timezone="Europe/Berlin", weekly="24x7", holidays=["2026-03-29"])
    assert between(calendar, t("2026-03-28T00:00+01:00"), t("2026-03-31T00:00+02:00")) == 48 * H
    # 1h to the end of 03-28, closed until 03-30 00:00 CEST, then 1h.
    assert add(calendar, t("2026-03-28T23:00+01:00"), 2 * H) == t("2026-03-30T01:00+02:00")


def test_24x7_holiday_on_a_25_hour_day() -> None:
    calendar = make_calendar("b", timezone="Europe/Berlin", weekly="24x7", holidays=["2026-10-25"])
    # 24h + 25h (closed) + 24h.
    assert between(calendar, t("2026-10-24T00:00+02:00"), t("2026-10-27T00:00+01:00")) == 48 * H
    assert add(calendar, t("2026-10-24T23:00+02:00"), 2 * H) == t("2026-10-26T01:00+01:00")


def test_24x7_across_dst_counts_real_time() -> None:
    calendar = make_calendar("b", timezone="Europe/Berlin", weekly="24x7")
    assert between(calendar, t("2026-03-29T00:00+01:00"), t("2026-03-30T00:00+02:00")) == 23 * H
    assert between(calendar, t("2026-10-25T00:00+02:00"), t("2026-10-26T00:00+01:00")) == 25 * H


def test_whole_day_window_on_switch_days_is_23_and_25_hours() -> None:
    calendar = make_calendar(
        "sp", timezone="America/Sao_Paulo", weekly={"sun": ["00:00-24:00"], "sat": []}
    )
    # 2018-11-04 starts at the transition (03:00Z) and ends at 11-05 00:00 -02 (02:00Z).
    assert between(calendar, t("2018-11-03T00:00Z"), t("2018-11-06T00:00Z")) == 23 * H
    # 2018-02-18 runs from 03:00Z to 02-19 03:00Z: 24 h (the 25-hour day is Saturday).
    assert between(calendar, t("2018-02-17T00:00Z"), t("2018-02-20T00:00Z")) == 24 * H
    saturday = make_calendar("sp", timezone="America/Sao_Paulo", weekly={"sat": ["00:00-24:00"]})
    # 2018-02-17 00:00 -02 (02:00Z) to 02-18 00:00 -03 (03:00Z): 25 hours.
    assert between(saturday, t("2018-02-16T00:00Z"), t("2018-02-19T00:00Z")) == 25 * H


def test_skipped_local_date_has_no_open_time() -> None:
    # Samoa skipped Friday 2011-12-30: 2011-12-29 23:59:59 -10:00 was followed by
    # 2011-12-31 00:00 +14:00 (2011-12-30 10:00Z).
    calendar = make_calendar(
        "apia", timezone="Pacific/Apia", weekly={"thu": ["22:00-02:00"], "fri": ["09:00-17:00"]}
    )
    # Thursday 22:00 -10:00 (12-30 08:00Z) until 02:00 on the skipped date: the transition.
    assert add(calendar, t("2011-12-29T12:00-10:00"), ZERO) == t("2011-12-30T08:00Z")
    assert add(calendar, t("2011-12-29T12:00-10:00"), 2 * H) == t("2011-12-30T10:00Z")
    # Friday's 09:00-17:00 falls wholly in the skipped day.
    assert between(calendar, t("2011-12-29T00:00-10:00"), t("2012-01-01T00:00+14:00")) == 2 * H


def test_24x7_around_a_skipped_date_counts_real_time() -> None:
    calendar = make_calendar(
        "apia", timezone="Pacific/Apia", weekly="24x7", holidays=["2011-12-31"]
    )
    # 12-29 (24 h) + 12-30 (0 h) + 12-31 (closed) = 24 h.
    assert between(calendar, t("2011-12-29T00:00-10:00"), t("2012-01-01T00:00+14:00")) == 24 * H


# -- the pinned tzdata --------------------------------------------------------------------


def test_available_zones_come_from_tzdata_and_include_historical_ones() -> None:
    names = zones.available_zones()
    for name in (
        "America/Sao_Paulo",
        "Asia/Tehran",
        "Australia/Sydney",
        "Pacific/Chatham",
        "America/St_Johns",
        "Asia/Kolkata",
        "Europe/Berlin",
        "UTC",
    ):
        assert name in names
    assert "posixrules" not in names
    assert not any(name.endswith(".py") or "__" in name for name in names)


def test_unknown_zone_is_a_calendar_error() -> None:
    with pytest.raises(CalendarError):
        zones.load_zone("Mars/Olympus_Mons")
    with pytest.raises(CalendarError):
        zones.load_zone("../../etc/passwd")


def test_load_zone_works_without_a_system_tzpath() -> None:
    zones.load_zone.cache_clear()
    zoneinfo.reset_tzpath(to=[])
    try:
        zone = zones.load_zone("America/Sao_Paulo")
        # 2018-11-04 12:00Z is in DST (-02:00), 2018-11-03 12:00Z is not (-03:00).
        assert datetime(2018, 11, 4, 12, tzinfo=UTC).astimezone(zone).utcoffset() == -2 * H
        assert datetime(2018, 11, 3, 12, tzinfo=UTC).astimezone(zone).utcoffset() == -3 * H
        calendar = make_calendar(
            "sp", timezone="America/Sao_Paulo", weekly={"sun": ["00:00-06:00"]}
        )
        assert add(calendar, t("2018-11-03T12:00-03:00"), ZERO) == t("2018-11-04T03:00Z")
    finally:
        zoneinfo.reset_tzpath()
        zones.load_zone.cache_clear()


_opened: list[str] | None = None


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _opened is not None and event == "open" and args and isinstance(args[0], str | Path):
        _opened.append(str(args[0]))


_hook_installed = False


def test_load_zone_reads_the_tzdata_package_not_the_system_database() -> None:
    global _opened, _hook_installed
    import tzdata

    if not _hook_installed:  # audit hooks cannot be removed; this one only records
        sys.addaudithook(_audit)
        _hook_installed = True
    zones.load_zone.cache_clear()
    _opened = []
    try:
        zones.load_zone("Asia/Tehran")
        opened = list(_opened)
    finally:
        _opened = None
        zones.load_zone.cache_clear()
    package = str(Path(tzdata.__file__).parent)
    assert any(path.startswith(package) and path.endswith("Tehran") for path in opened), opened
    assert not any(path.startswith("/usr/share/zoneinfo") for path in opened), opened

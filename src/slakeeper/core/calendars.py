"""Business calendars: weekly hours in local wall time, a time zone, holidays and overrides.

A :class:`Calendar` is a frozen description. Its arithmetic (``add``, ``between`` and the
bulk forms) lives in :mod:`slakeeper.core.timelines`, which compiles the description into
sorted UTC open intervals and caches them on the calendar: ``add(calendar, start, d)``.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, NoReturn, TypeVar

from slakeeper.core.errors import CalendarError, KeyPath, SlaError
from slakeeper.core.zones import load_zone

__all__ = [
    "WEEKDAYS",
    "Calendar",
    "Window",
    "holiday_set_dates",
    "make_calendar",
    "parse_window",
    "validate_holiday_set",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SECONDS = 86_400
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*-\s*(\d{1,2}):(\d{2})(?::(\d{2}))?$")


@dataclass(frozen=True, order=True)
class Window:
    """An open window of one local date, in seconds after that date's local midnight.

    ``end`` exceeds 86,400 for an overnight window (``22:00-06:00`` is 79,200 to 108,000):
    the window belongs to the date it starts on.
    """

    start: int
    end: int

    def __str__(self) -> str:
        end = self.end - DAY_SECONDS if self.end > DAY_SECONDS else self.end
        return f"{_clock(self.start)}-{_clock(end)}"


@dataclass(frozen=True, eq=False)
class Calendar:
    """A business calendar; build it with :func:`make_calendar`, which validates it."""

    id: str
    timezone: str
    weekly: tuple[tuple[Window, ...], ...]
    holidays: frozenset[date] = frozenset()
    holiday_sets: tuple[str, ...] = ()
    overrides: Mapping[date, tuple[Window, ...]] = field(default_factory=dict)
    is_24x7: bool = False
    # True when every instant is open: 24x7 with no holiday or override.
    is_always_open: bool = field(init=False, repr=False, compare=False)
    # The compiled timeline (slakeeper.core.timelines), replaced whole when it grows.
    _timeline: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        always = self.is_24x7 and not self.holidays and not self.holiday_sets and not self.overrides
        object.__setattr__(self, "is_always_open", always)

    def windows_on(self, day: date) -> tuple[Window, ...]:
        """The windows that start on local date ``day``: override, else holiday, else weekly."""
        override = self.overrides.get(day)
        if override is not None:
            return override
        if day in self.holidays or self.is_holiday_from_sets(day):
            return ()
        return self.weekly[day.weekday()]

    def is_holiday_from_sets(self, day: date) -> bool:
        """True when ``day`` is a public holiday (observed days included) of a holiday set."""
        return any(day in holiday_set_dates(code, day.year) for code in self.holiday_sets)

    def has_open_time_after(self, day: date) -> bool:
        """True when some date after ``day`` has an open window."""
        if any(self.weekly):
            return True
        return any(windows and when > day for when, windows in self.overrides.items())


def parse_window(text: object) -> Window:
    """Read ``HH:MM-HH:MM`` (seconds optional); an end before the start is overnight."""
    if not isinstance(text, str):
        raise CalendarError(f"invalid window {text!r}: expected a string like '09:00-17:00'")
    match = _WINDOW.match(text.strip())
    if match is None:
        raise CalendarError(
            f"invalid window {text!r}: expected 'HH:MM-HH:MM' such as '09:00-17:00'"
        )
    start = _seconds_of_day(text, *match.groups()[:3])
    end = _seconds_of_day(text, *match.groups()[3:])
    if start == DAY_SECONDS:
        raise CalendarError(f"invalid window {text!r}: a window cannot start at 24:00")
    if end == start:
        raise CalendarError(f"invalid window {text!r}: its end equals its start")
    if end < start:  # overnight: ends on the next local date
        end += DAY_SECONDS
    return Window(start, end)


def _seconds_of_day(text: str, hours: str, minutes: str, seconds: str | None) -> int:
    h, m, s = int(hours), int(minutes), int(seconds or 0)
    if h > 24 or m > 59 or s > 59 or (h == 24 and (m or s)):
        shown = f"{hours}:{minutes}" + (f":{seconds}" if seconds else "")
        raise CalendarError(
            f"invalid time {shown!r} in window {text!r} (hours 00-24, minutes 00-59)"
        )
    return h * 3600 + m * 60 + s


def _clock(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def _parse_windows(values: object, path: KeyPath) -> tuple[Window, ...]:
    if not isinstance(values, list | tuple):
        raise CalendarError(
            f"expected a list of windows like ['09:00-17:00'], got {values!r}", path=path
        )
    windows = []
    for index, value in enumerate(values):
        try:
            windows.append(parse_window(value))
        except SlaError as exc:
            raise exc.under(*path, index) from None
    ordered = tuple(sorted(windows))
    for first, second in itertools.pairwise(ordered):
        if second.start < first.end:
            raise CalendarError(f"windows {first} and {second} overlap", path=path)
    return ordered


def _parse_weekly(weekly: object) -> tuple[tuple[tuple[Window, ...], ...], bool]:
    if isinstance(weekly, str) and weekly.strip().lower() == "24x7":
        return tuple((Window(0, DAY_SECONDS),) for _ in WEEKDAYS), True
    if not isinstance(weekly, Mapping):
        raise CalendarError(
            f"expected '24x7' or a mapping of weekdays, got {weekly!r}", path=("weekly",)
        )
    days: list[tuple[Window, ...]] = [() for _ in WEEKDAYS]
    problems: list[CalendarError] = []
    for key, values in weekly.items():
        if key not in WEEKDAYS:
            known = ", ".join(WEEKDAYS)
            message = f"unknown weekday {key!r} (expected one of {known})"
            problems.append(CalendarError(message, path=("weekly", str(key))))
            continue
        windows = _collect(problems, (), _parse_windows, values, ("weekly", key))
        days[WEEKDAYS.index(key)] = windows or ()
    for index, today in enumerate(days):
        tomorrow, name = days[(index + 1) % 7], WEEKDAYS[(index + 1) % 7]
        _collect(problems, (), _check_midnight, today, tomorrow, ("weekly", WEEKDAYS[index]), name)
    if problems:
        _raise_all(problems)
    return tuple(days), False


def _check_midnight(
    today: Sequence[Window], tomorrow: Sequence[Window], path: KeyPath, next_name: str
) -> None:
    """Refuse an overnight window that runs into the next date's first window."""
    spill = max((w.end - DAY_SECONDS for w in today if w.end > DAY_SECONDS), default=0)
    if tomorrow and spill > tomorrow[0].start:
        raise CalendarError(
            f"overnight window runs past midnight into {next_name}'s window {tomorrow[0]}",
            path=path,
        )


def _parse_date(value: object, path: KeyPath) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise CalendarError(f"invalid date {value!r}: expected YYYY-MM-DD", path=path) from None


def validate_holiday_set(code: object) -> str:
    """Check a holiday set code (``US``, ``US-CA``, ``DE-BY``) against the holidays package."""
    import holidays

    if not isinstance(code, str):
        raise CalendarError(
            f"invalid holiday set {code!r}: expected a code such as 'US' or 'DE-BY'"
        )
    country, _, subdivision = code.strip().partition("-")
    # The registry's codes, then the one country's class: holidays.list_supported_countries()
    # imports every country module (about 90 ms at each start of the CLI).
    if country not in _country_codes():
        raise CalendarError(
            f"unknown holiday set {code!r}: no country {country!r} in the holidays package"
        )
    if subdivision and subdivision not in getattr(holidays, country).subdivisions:
        raise CalendarError(
            f"unknown holiday set {code!r}: {country} has no subdivision {subdivision!r}"
        )
    return code.strip()


@functools.cache
def _country_codes() -> frozenset[str]:
    from holidays.registry import EntityLoader

    codes: Iterable[str] = EntityLoader.get_country_codes(include_aliases=True)
    return frozenset(codes)


@functools.lru_cache(maxsize=4096)
def holiday_set_dates(code: str, year: int) -> frozenset[date]:
    """Public holidays, observed days included, of holiday set ``code`` in ``year``."""
    import holidays

    country, _, subdivision = code.partition("-")
    found = holidays.country_holidays(
        country, subdiv=subdivision or None, years=year, observed=True
    )
    return frozenset(day for day in found if day.year == year)


def make_calendar(
    calendar_id: str,
    *,
    timezone: object,
    weekly: object,
    holidays: Iterable[object] = (),
    holiday_sets: Iterable[object] = (),
    overrides: Mapping[object, object] | None = None,
) -> Calendar:
    """Validate a calendar's parts and build it.

    Every problem is a :class:`CalendarError` with its key path (``weekly.mon[1]``); when
    there are several, the first is raised and ``details`` lists them all.
    """
    problems: list[CalendarError] = []
    _collect(problems, ("timezone",), load_zone, timezone)
    parsed_weekly = _collect(problems, (), _parse_weekly, weekly)
    closed = [
        _collect(problems, (), _parse_date, v, ("holidays", i)) for i, v in enumerate(holidays)
    ]
    sets = [
        _collect(problems, ("holiday_sets", i), validate_holiday_set, code)
        for i, code in enumerate(holiday_sets)
    ]
    special: dict[date, tuple[Window, ...]] = {}
    for key, values in (overrides or {}).items():
        path: KeyPath = ("overrides", str(key))
        day = _collect(problems, (), _parse_date, key, path)
        windows = _collect(problems, (), _parse_windows, values, path)
        if day is not None and windows is not None:
            special[day] = windows
    if problems or parsed_weekly is None:
        _raise_all(problems)
    days, is_24x7 = parsed_weekly
    calendar = Calendar(
        id=calendar_id,
        timezone=str(timezone),
        weekly=days,
        holidays=frozenset(d for d in closed if d is not None),
        holiday_sets=tuple(c for c in sets if c is not None),
        overrides=special,
        is_24x7=is_24x7,
    )
    for day in special:
        for first in (day - timedelta(days=1), day):
            second = first + timedelta(days=1)
            today, tomorrow = calendar.windows_on(first), calendar.windows_on(second)
            path = ("overrides", str(day))
            _collect(problems, (), _check_midnight, today, tomorrow, path, str(second))
    if problems:
        _raise_all(problems)
    return calendar


_T = TypeVar("_T")


def _collect(
    problems: list[CalendarError], path: KeyPath, check: Callable[..., _T], *args: Any
) -> _T | None:
    """Run one check; record its error (under ``path``) instead of stopping."""
    try:
        return check(*args)
    except CalendarError as exc:
        problems.extend(CalendarError(d.message, path=(*path, *d.path)) for d in exc.details)
        return None


def _raise_all(problems: list[CalendarError]) -> NoReturn:
    first = problems[0]
    error = CalendarError(first.message, path=first.path)
    error.details = list(problems)
    raise error

"""Business-time arithmetic: ``add`` and ``between``, scalar and bulk, exact to the microsecond.

A calendar is compiled into a *timeline*: the sorted, merged UTC open intervals of whole
local years, with the open time accumulated before each interval. With ``F(t)``, the open
microseconds between the timeline's origin and ``t``:

- ``between(s, e) = F(e) - F(s)`` (0 when ``e <= s``);
- ``add(s, d)`` is the earliest ``t`` with ``F(t) = F(s) + d``: the first interval whose
  accumulated end reaches the target holds it (for ``d = 0``, the first that passes it, so
  that a closed start moves to the next opening).

The timeline covers whole years and grows on demand (a query far outside it recompiles a
larger one and swaps it in whole), so any date from year 2 to 9998 computes exactly.
Scalar calls search Python lists with ``bisect``; bulk calls search numpy arrays through a
bucket index (one bucket per hour of UTC time, one per hour of open time), which turns
each lookup into a few vectorised array reads instead of a binary search.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt

from slakeeper.core.calendars import Calendar, Window
from slakeeper.core.errors import CalendarError, InputError
from slakeeper.core.instants import MAX_US, US_PER_DAY, format_instant, from_us, to_us
from slakeeper.core.zones import load_zone, local_to_utc_us

__all__ = [
    "add",
    "add_many",
    "add_us",
    "between",
    "between_many",
    "between_us",
    "compile_years",
]

Int64Array = npt.NDArray[np.int64]
Pauses = Sequence[tuple[int, int]]

US_PER_SECOND = 1_000_000
_BUCKET_US = 3_600 * US_PER_SECOND
_FAR = np.iinfo(np.int64).max // 4  # sentinel instant past every real one
_MARGIN_DAYS = 4  # local dates compiled beyond the covered years: offsets reach ±26 h
_MIN_YEAR, _MAX_YEAR = 2, 9998
_EPOCH_DATE = date(1970, 1, 1)
_LAST_HI = (date(_MAX_YEAR, 1, 1) - _EPOCH_DATE).days * US_PER_DAY  # the furthest `hi`


@dataclass(frozen=True, eq=False)
class Timeline:
    """Open intervals of a calendar for the local years ``[first_year, end_year)``.

    Exact for every instant in ``[lo, hi]``. A sentinel interval at ``_FAR`` closes the
    arrays so that every search lands on an index.
    """

    first_year: int
    end_year: int
    lo: int
    hi: int
    starts: Int64Array
    ends: Int64Array
    before: Int64Array  # open µs accumulated before each interval
    through: Int64Array  # open µs accumulated through each interval
    starts_list: list[int]
    ends_list: list[int]
    before_list: list[int]
    through_list: list[int]
    time_buckets: npt.NDArray[np.int32]  # first interval ending after each UTC hour
    time_steps: int
    open_buckets: npt.NDArray[np.int32]  # first interval reaching each hour of open time
    open_steps: int

    @property
    def last(self) -> int:
        """Index of the sentinel interval."""
        return len(self.starts_list) - 1

    def open_before(self, t: int) -> int:
        """Open microseconds between the origin and ``t`` (``t`` within ``[lo, hi]``)."""
        j = bisect_right(self.ends_list, t)  # first interval ending after t
        start = self.starts_list[j]
        return self.before_list[j] + (t - start if t > start else 0)

    def locate(self, target: int, zero: bool) -> int | None:
        """The instant where accumulated open time reaches ``target``, or None past ``hi``."""
        j = bisect_left(self.through_list, target + 1 if zero else target)
        if j >= self.last:  # past the sentinel too: a target beyond every instant
            return None
        instant = self.starts_list[j] + target - self.before_list[j]
        return instant if instant <= self.hi else None


def compile_years(calendar: Calendar, first_year: int, end_year: int) -> Timeline:
    """Compile ``calendar`` for local years ``[first_year, end_year)``."""
    first_day = date(first_year, 1, 1) - timedelta(days=_MARGIN_DAYS)
    last_day = date(end_year, 1, 1) + timedelta(days=_MARGIN_DAYS)
    intervals = _merged(_open_intervals(calendar, first_day, last_day))
    lo = (date(first_year, 1, 1) - _EPOCH_DATE).days * US_PER_DAY
    hi = (date(end_year, 1, 1) - _EPOCH_DATE).days * US_PER_DAY
    starts = np.array([s for s, _ in intervals] + [_FAR], dtype=np.int64)
    ends = np.array([e for _, e in intervals] + [_FAR], dtype=np.int64)
    lengths = ends - starts
    through = np.cumsum(lengths, dtype=np.int64)
    through[-1] = _FAR
    before = through - lengths
    before[-1] = through[-2] if len(intervals) else 0
    time_buckets, time_steps = _time_index(ends, lo, hi)
    open_buckets, open_steps = _open_index(through)
    return Timeline(
        first_year=first_year,
        end_year=end_year,
        lo=lo,
        hi=hi,
        starts=starts,
        ends=ends,
        before=before,
        through=through,
        starts_list=starts.tolist(),
        ends_list=ends.tolist(),
        before_list=before.tolist(),
        through_list=through.tolist(),
        time_buckets=time_buckets,
        time_steps=time_steps,
        open_buckets=open_buckets,
        open_steps=open_steps,
    )


def _open_intervals(calendar: Calendar, first_day: date, last_day: date) -> list[tuple[int, int]]:
    """UTC ``[start, end)`` of the windows of the local dates ``[first_day, last_day)``."""
    to_utc = _LocalDays(calendar)
    intervals = []
    day = first_day
    one_day = timedelta(days=1)
    while day < last_day:
        for window in calendar.windows_on(day):
            start, end = to_utc.window(day, window)
            if end > start:  # a window inside a spring-forward gap is empty
                intervals.append((start, end))
        day += one_day
    intervals.sort()
    return intervals


class _LocalDays:
    """Local wall time → UTC for one zone, a day at a time.

    On a day without an offset change (24 h long, the common case) every wall time is
    local midnight's UTC instant plus its offset into the day; only the few days with a
    DST change pay for the exact conversion in :func:`local_to_utc_us`.
    """

    def __init__(self, calendar: Calendar) -> None:
        self.zone = load_zone(calendar.timezone)
        self.midnights: dict[int, int] = {}

    def window(self, day: date, window: Window) -> tuple[int, int]:
        ordinal = (day - _EPOCH_DATE).days
        return self.instant(ordinal, window.start), self.instant(ordinal, window.end)

    def instant(self, ordinal: int, seconds: int) -> int:
        extra_days, seconds = divmod(seconds, 86_400)
        ordinal += extra_days  # an overnight end or 24:00 belongs to the next local date
        midnight = self.midnight(ordinal)
        if self.midnight(ordinal + 1) - midnight == US_PER_DAY:
            return midnight + seconds * US_PER_SECOND
        return local_to_utc_us(self.zone, ordinal * US_PER_DAY + seconds * US_PER_SECOND)

    def midnight(self, ordinal: int) -> int:
        found = self.midnights.get(ordinal)
        if found is None:
            found = self.midnights[ordinal] = local_to_utc_us(self.zone, ordinal * US_PER_DAY)
        return found


def _merged(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join overlapping and touching intervals (a 24:00 close meeting a 00:00 opening)."""
    merged: list[tuple[int, int]] = []
    for start, end in intervals:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _time_index(ends: Int64Array, lo: int, hi: int) -> tuple[npt.NDArray[np.int32], int]:
    """For each UTC hour from ``lo``, the first interval ending after the hour begins."""
    edges = np.arange(lo, hi + _BUCKET_US, _BUCKET_US, dtype=np.int64)
    first = np.searchsorted(ends, edges, side="right").astype(np.int32)
    steps = int(np.max(np.diff(first), initial=0)) + 1
    return first, steps


def _open_index(through: Int64Array) -> tuple[npt.NDArray[np.int32], int]:
    """For each hour of accumulated open time, the first interval reaching it."""
    total = int(through[-2]) if len(through) > 1 else 0
    edges = np.arange(0, total + _BUCKET_US, _BUCKET_US, dtype=np.int64)
    first = np.searchsorted(through, edges, side="left").astype(np.int32)
    steps = int(np.max(np.diff(first), initial=0)) + 1
    return first, steps


# ---- growing the timeline ---------------------------------------------------------------


def _timeline(calendar: Calendar, lo: int, hi: int) -> Timeline:
    """The calendar's timeline, grown if needed to cover ``[lo, hi]``."""
    current: Timeline | None = calendar._timeline
    if current is not None and current.lo <= lo and hi <= current.hi:
        return current
    first = _year_of(lo)
    end = _year_of(hi) + 1
    if current is None:
        first, end = first - 1, end + 2
    else:
        first, end = min(first, current.first_year), max(end, current.end_year)
    return _install(calendar, first, end)


def _grown_forward(calendar: Calendar, timeline: Timeline) -> Timeline:
    """A timeline reaching further into the future, or an error when nothing opens again."""
    last_day = date(min(timeline.end_year, _MAX_YEAR), 1, 1)
    if not calendar.has_open_time_after(last_day - timedelta(days=_MARGIN_DAYS + 1)):
        # Name the end of the last opening there is (or the start of the range searched).
        last_open = timeline.ends_list[-2] if timeline.last else timeline.lo
        raise CalendarError(
            f"calendar {calendar.id!r} has no open time after {format_instant(last_open)}"
        )
    if timeline.end_year >= _MAX_YEAR:
        raise CalendarError(f"calendar {calendar.id!r}: result falls after year {_MAX_YEAR}")
    span = max(4, timeline.end_year - timeline.first_year)
    return _install(calendar, timeline.first_year, timeline.end_year + span)


def _install(calendar: Calendar, first: int, end: int) -> Timeline:
    first, end = max(first, _MIN_YEAR), min(end, _MAX_YEAR)
    timeline = compile_years(calendar, first, end)
    # The calendar is frozen; its compiled timeline is a cache, swapped in whole.
    object.__setattr__(calendar, "_timeline", timeline)
    return timeline


def _year_of(us: int) -> int:
    day = _EPOCH_DATE + timedelta(days=max(min(us // US_PER_DAY, 2_900_000), -719_000))
    if not _MIN_YEAR <= day.year < _MAX_YEAR:
        raise CalendarError(
            f"instant {from_us(us).isoformat()} is outside years {_MIN_YEAR}-{_MAX_YEAR - 1}"
        )
    return day.year


# ---- scalar arithmetic on microseconds ----------------------------------------------------


def between_us(calendar: Calendar, start: int, end: int, pauses: Pauses = ()) -> int:
    """Open, unpaused microseconds in ``[start, end)``; 0 when ``end <= start``."""
    if pauses:
        return _between_paused(calendar, start, end, _merged_pauses(pauses))
    if end <= start:
        return 0
    if calendar.is_always_open:
        return end - start
    timeline: Timeline | None = calendar._timeline
    if timeline is None or start < timeline.lo or end > timeline.hi:
        timeline = _timeline(calendar, start, end)
    return timeline.open_before(end) - timeline.open_before(start)


def _between_paused(calendar: Calendar, start: int, end: int, merged: Pauses) -> int:
    if end <= start:
        return 0
    total = _open(calendar, start, end)
    for a, b in merged:
        lo, hi = max(a, start), min(b, end)
        if lo < hi:
            total -= _open(calendar, lo, hi)
    return total


def _open(calendar: Calendar, start: int, end: int) -> int:
    if calendar.is_always_open:
        return end - start
    timeline = _timeline(calendar, start, end)
    return timeline.open_before(end) - timeline.open_before(start)


def add_us(calendar: Calendar, start: int, duration: int, pauses: Pauses = ()) -> int:
    """The earliest instant with ``duration`` open, unpaused microseconds after ``start``.

    1. Without pauses, ``duration`` is counted from ``start`` on the timeline.
    2. With pauses (merged, in order), each pause that begins before the provisional
       result costs the open time already counted up to it; counting resumes at its end.
    3. A zero duration from a closed or paused instant moves to the next open instant.
    """
    if duration < 0:
        raise InputError(f"negative duration ({duration} µs)")
    if not pauses:
        return _add_open(calendar, start, duration)
    cursor, remaining = start, duration
    for a, b in _merged_pauses(pauses):
        if b <= cursor:
            continue
        if a > cursor:
            candidate = _add_open(calendar, cursor, remaining)
            if candidate < a or (remaining and candidate == a):
                return candidate
            remaining -= _open(calendar, cursor, a)
        cursor = b
    return _add_open(calendar, cursor, remaining)


def _add_open(calendar: Calendar, start: int, duration: int) -> int:
    if calendar.is_always_open:
        if start + duration > MAX_US:
            raise CalendarError(f"calendar {calendar.id!r}: result falls after year 9999")
        return start + duration
    timeline: Timeline | None = calendar._timeline
    if timeline is None or not timeline.lo <= start <= timeline.hi:
        timeline = _timeline(calendar, start, start)
    if duration > _LAST_HI - start and any(calendar.weekly):
        # Open time never outruns elapsed time, so the result is past the last year the
        # timeline can reach: say so now rather than compile thousands of years first.
        raise CalendarError(f"calendar {calendar.id!r}: result falls after year {_MAX_YEAR}")
    target = timeline.open_before(start) + duration
    while True:
        found = timeline.locate(target, zero=duration == 0)
        if found is not None:
            return found
        timeline = _grown_forward(calendar, timeline)


def _merged_pauses(pauses: Pauses) -> list[tuple[int, int]]:
    for a, b in pauses:
        if a > b:
            raise InputError(
                f"pause starts after it ends: [{from_us(a).isoformat()}, {from_us(b).isoformat()})"
            )
    return _merged(sorted((a, b) for a, b in pauses if a < b))


# ---- scalar arithmetic on datetimes --------------------------------------------------------


def add(
    calendar: Calendar,
    start: datetime,
    duration: timedelta,
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> datetime:
    """The earliest instant at which ``duration`` of open, unpaused time has passed."""
    us = (duration.days * 86_400 + duration.seconds) * US_PER_SECOND + duration.microseconds
    pairs = [(_aware_us(a), _aware_us(b)) for a, b in pauses] if pauses else ()
    return from_us(add_us(calendar, _aware_us(start), us, pairs))


def between(
    calendar: Calendar,
    start: datetime,
    end: datetime,
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> timedelta:
    """Open, unpaused time in ``[start, end)``."""
    pairs = [(_aware_us(a), _aware_us(b)) for a, b in pauses]
    return timedelta(microseconds=between_us(calendar, _aware_us(start), _aware_us(end), pairs))


def _aware_us(instant: datetime) -> int:
    if instant.tzinfo is None:
        raise InputError(f"naive instant {instant.isoformat()}: an offset is required")
    return to_us(instant)


# ---- bulk arithmetic -------------------------------------------------------------------------


def between_many(calendar: Calendar, starts: npt.ArrayLike, ends: npt.ArrayLike) -> Int64Array:
    """Open microseconds in each ``[starts[i], ends[i])``; instants as µs or datetime64."""
    s, e = _as_us(starts), _as_us(ends)
    if calendar.is_always_open:
        spans: Int64Array = np.maximum(e - s, 0)
        return spans
    if not len(s):
        return np.zeros(0, dtype=np.int64)
    timeline = _timeline(calendar, int(min(s.min(), e.min())), int(max(s.max(), e.max())))
    opened: Int64Array = _open_before_many(timeline, e) - _open_before_many(timeline, s)
    return np.maximum(opened, 0)


def add_many(calendar: Calendar, starts: npt.ArrayLike, durations: npt.ArrayLike) -> Int64Array:
    """``add`` for each pair: µs (or datetime64) starts, µs durations; returns µs."""
    s, d = _as_us(starts), np.asarray(durations, dtype=np.int64)
    if len(d) and d.min() < 0:
        raise InputError("negative duration in bulk add")
    if calendar.is_always_open:
        return s + d
    if not len(s):
        return np.zeros(0, dtype=np.int64)
    timeline = _timeline(calendar, int(s.min()), int(s.max()))
    while True:
        targets = _open_before_many(timeline, s) + d
        j = _first_reaching(timeline, targets + (d == 0))
        result = timeline.starts[j] + (targets - timeline.before[j])
        if not len(result) or (j.max() < timeline.last and result.max() <= timeline.hi):
            return result
        timeline = _grown_forward(calendar, timeline)


def _as_us(values: npt.ArrayLike) -> Int64Array:
    array = np.asarray(values)
    if np.issubdtype(array.dtype, np.datetime64):
        return array.astype("datetime64[us]").astype(np.int64)
    return array.astype(np.int64, copy=False)


def _open_before_many(timeline: Timeline, t: Int64Array) -> Int64Array:
    """Vectorised :meth:`Timeline.open_before`: bucket lookup, then a few forward steps."""
    bucket = np.clip((t - timeline.lo) // _BUCKET_US, 0, len(timeline.time_buckets) - 1)
    j = timeline.time_buckets[bucket].astype(np.intp)  # a native index: no per-lookup cast
    for _ in range(timeline.time_steps):  # advance to the first interval ending after t
        j = j + (timeline.ends[j] <= t)
    opened: Int64Array = timeline.before[j] + np.maximum(t - timeline.starts[j], 0)
    return opened


def _first_reaching(timeline: Timeline, targets: Int64Array) -> npt.NDArray[np.intp]:
    """Index of the first interval whose accumulated end is at least each target."""
    bucket = np.clip(targets // _BUCKET_US, 0, len(timeline.open_buckets) - 1)
    j = timeline.open_buckets[bucket].astype(np.intp)
    for _ in range(timeline.open_steps):
        j = j + (timeline.through[j] < targets)
    return j

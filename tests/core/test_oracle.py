"""Differential test of add/between against an independent brute-force oracle.

The oracle knows nothing of slakeeper's timelines or DST code. For random calendars
(seeded) it lists, minute by minute over ~6 weeks of local dates around a DST change, the
UTC minutes that are open:

- a local date's effective windows are its override, else none if it is a holiday
  (explicit, or of a holiday set as the ``holidays`` package lists it, observed days
  included), else the weekday's windows;
- a window ``[a, b)`` of local date ``D`` starts at the FIRST UTC minute whose local wall
  time (UTC -> local with zoneinfo, compared as a naive date and time) is ``>= D + a``,
  and ends at the first UTC minute whose wall time is ``>= D + b`` (``b`` may lie on the
  next date). This is "a gap time maps to the transition, an ambiguous time to its first
  occurrence" without computing either.

Open seconds are then counted with numpy prefix sums: ``between(s, e)`` is the open
(unpaused) seconds in ``[s, e)``; ``add(s, d)`` is the earliest ``t`` with
``between(s, t) == d`` (for ``d == 0``, the first open unpaused second at or after ``s``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import numpy.typing as npt
import pytest

from slakeeper.core.calendars import WEEKDAYS, Calendar, make_calendar
from slakeeper.core.timelines import add_many, add_us, between_many, between_us

SEED = 20_260_302
CALENDAR_COUNT = 40
ZONES = (
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Asia/Tehran",
    "Asia/Kolkata",
    "America/St_Johns",
    "Pacific/Chatham",
    "Europe/London",
)
HOLIDAY_SETS = {
    "America/New_York": "US",
    "Europe/Berlin": "DE-BY",
    "Australia/Sydney": "AU-NSW",
    "America/Sao_Paulo": "BR",
    "Asia/Tehran": "IR",
    "Asia/Kolkata": "IN",
    "America/St_Johns": "CA-NL",
    "Pacific/Chatham": "NZ-CIT",
    "Europe/London": "GB",
}
SPAN_DAYS = 21  # local dates centre - 21 .. centre + 21
QUERIES = 120  # per kind and calendar
EPOCH_DATE = date(1970, 1, 1)
US = 1_000_000


def pinned_zone(name: str) -> ZoneInfo:
    """The zone read straight from the tzdata package (the one slakeeper pins)."""
    with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as file:
        return ZoneInfo.from_file(file, key=name)


# -- random calendars ------------------------------------------------------------------


@dataclass
class Spec:
    zone: str
    centre: date
    weekly: dict[str, list[tuple[int, int]]] | str
    holidays: list[date] = field(default_factory=list)
    holiday_set: str | None = None
    overrides: dict[date, list[tuple[int, int]]] = field(default_factory=dict)

    def describe(self) -> str:
        return (
            f"zone={self.zone} centre={self.centre} weekly={self.weekly} "
            f"holidays={self.holidays} set={self.holiday_set} overrides={self.overrides}"
        )


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _text(window: tuple[int, int], rng: random.Random) -> str:
    start, end = window
    if end == 1440:
        shown = "24:00" if start == 0 else rng.choice(["24:00", "00:00"])
    else:
        shown = _clock(end - 1440 if end > 1440 else end)
    return f"{_clock(start)}-{shown}"


def random_windows(
    rng: random.Random, low: int, spill: int, hot: Sequence[int] = ()
) -> list[tuple[int, int]]:
    """Windows (minutes from local midnight) inside ``[low, 1440 + spill]``.

    ``low`` is kept free for the previous date's overnight window and ``spill`` is the
    next date's ``low``, so no two dates' windows can overlap. ``hot`` minutes (around a
    DST change) are picked as edges more often than the others.
    """
    hot = [m for m in hot if low <= m <= 1440 + spill]
    count = rng.choice([1, 1, 2, 2, 3] if hot else [0, 1, 1, 2, 2, 3])
    step = rng.choice([60, 30, 30, 15, 1])
    grid = list(range(low + (-low) % step, 1440 + spill + 1, step))
    if len(grid) < 2 * count:
        return []
    chosen: set[int] = set()
    while len(chosen) < 2 * count:
        if hot and rng.random() < 0.7:
            point = rng.choice(hot) + rng.choice([0, 0, 0, -1, 1, -15, 15, -30, 30])
            if low <= point <= 1440 + spill:
                chosen.add(point)
        else:
            chosen.add(rng.choice(grid))
    points = sorted(chosen)
    windows = []
    for start, end in zip(points[::2], points[1::2], strict=True):
        if start >= 1440:
            break
        if end > 1440 and end - 1440 >= start:
            end = 1440
        windows.append((start, end))
        if end == 1440:
            break
    return windows


def offset_minutes(zone: ZoneInfo, minute: int) -> int:
    """UTC offset (minutes) of ``zone`` at UTC minute ``minute`` since the epoch."""
    delta = datetime.fromtimestamp(minute * 60, tz=zone).utcoffset()
    assert delta is not None and delta.total_seconds() % 60 == 0
    return int(delta.total_seconds()) // 60


def transitions(zone: ZoneInfo, year: int) -> list[tuple[int, int, int]]:
    """(UTC minute, offset before, offset after) of each offset change in ``year``."""
    found = []
    minute = (date(year, 1, 1) - EPOCH_DATE).days * 1440
    end = (date(year + 1, 1, 1) - EPOCH_DATE).days * 1440
    offset = offset_minutes(zone, minute)
    while minute < end:
        later = minute + 1440
        if offset_minutes(zone, later) != offset:
            low, high = minute, later  # offset(low) == offset, offset(high) differs
            while high - low > 1:
                middle = (low + high) // 2
                if offset_minutes(zone, middle) == offset:
                    low = middle
                else:
                    high = middle
            found.append((high, offset, offset_minutes(zone, high)))
        minute, offset = later, offset_minutes(zone, later)
    return found


def random_spec(rng: random.Random) -> Spec:
    zone = rng.choice(ZONES)
    for _ in range(8):  # prefer a year with a DST change (Sao Paulo and Tehran stopped)
        year = rng.randint(2000, 2030)
        changes = transitions(pinned_zone(zone), year)
        if changes:
            break
    # Wall times (minutes of a local date) around the change: the gap or the repeated hour.
    hot: dict[date, list[int]] = {}
    if changes:
        instant, before, after = rng.choice(changes)
        edges = sorted((instant + before, instant + after))
        centre = EPOCH_DATE + timedelta(days=edges[0] // 1440)
        for wall in (edges[0], (edges[0] + edges[1]) // 2, edges[1]):
            day = EPOCH_DATE + timedelta(days=wall // 1440)
            hot.setdefault(day, []).append(wall % 1440)
            if wall % 1440 == 0:  # 24:00 of the day before
                hot.setdefault(day - timedelta(days=1), []).append(1440)
            hot.setdefault(day - timedelta(days=1), []).append(wall % 1440 + 1440)
    else:
        centre = date(year, 1, 1) + timedelta(rng.randrange(365))
    hot_by_weekday: dict[int, list[int]] = {}
    for day, minutes in hot.items():
        hot_by_weekday.setdefault(day.weekday(), []).extend(minutes)
    first = centre - timedelta(days=SPAN_DAYS)
    span = [first + timedelta(days=i) for i in range(2 * SPAN_DAYS)]
    if rng.random() < 0.15:
        weekly: dict[str, list[tuple[int, int]]] | str = "24x7"
        lows = [0] * 7
    else:
        lows = [rng.choice([0, 0, 0, rng.randrange(0, 361, 15)]) for _ in WEEKDAYS]
        weekly = {
            name: random_windows(rng, lows[i], lows[(i + 1) % 7], hot_by_weekday.get(i, ()))
            for i, name in enumerate(WEEKDAYS)
        }
    spec = Spec(zone=zone, centre=centre, weekly=weekly)
    if rng.random() < 0.7:
        spec.holidays = rng.sample(span, rng.randint(1, 3))
        if rng.random() < 0.3:
            spec.holidays.append(centre)
    if rng.random() < 0.3:
        spec.holiday_set = HOLIDAY_SETS[zone]
    special = rng.sample(span, rng.choice([0, 1, 2, 4]))
    if hot and rng.random() < 0.7:
        special.append(rng.choice(sorted(hot)))
    for day in special:
        low, spill = lows[day.weekday()], lows[(day.weekday() + 1) % 7]
        if rng.random() < 0.2:
            spec.overrides[day] = []
        else:
            spec.overrides[day] = random_windows(rng, low, spill, hot.get(day, ()))
    return spec


def build(spec: Spec, rng: random.Random) -> Calendar:
    weekly: object = spec.weekly
    if isinstance(spec.weekly, dict):
        weekly = {name: [_text(w, rng) for w in windows] for name, windows in spec.weekly.items()}
    return make_calendar(
        "oracle",
        timezone=spec.zone,
        weekly=weekly,
        holidays=[d.isoformat() for d in spec.holidays],
        holiday_sets=[spec.holiday_set] if spec.holiday_set else [],
        overrides={
            d.isoformat(): [_text(w, rng) for w in windows] for d, windows in spec.overrides.items()
        },
    )


# -- the oracle ---------------------------------------------------------------------------


@dataclass
class Oracle:
    first: int  # UTC second of open[0]
    open: npt.NDArray[np.bool_]  # one flag per UTC second

    def counts(self, pauses: Sequence[tuple[int, int]] = ()) -> npt.NDArray[np.int64]:
        flags = self.open
        if pauses:
            flags = flags.copy()
            for a, b in pauses:
                flags[max(a - self.first, 0) : max(b - self.first, 0)] = False
        counts = np.zeros(len(flags) + 1, dtype=np.int64)
        np.cumsum(flags, out=counts[1:])
        return counts

    def between(self, counts: npt.NDArray[np.int64], s: int, e: int) -> int:
        if e <= s:
            return 0
        return int(counts[e - self.first] - counts[s - self.first])

    def add(self, counts: npt.NDArray[np.int64], s: int, d: int) -> int | None:
        """Earliest t with between(s, t) == d (d == 0: first open second >= s), if known."""
        base = int(counts[s - self.first])
        if d == 0:
            k = int(np.searchsorted(counts, base + 1, side="left"))
            return None if k >= len(counts) else self.first + k - 1
        k = int(np.searchsorted(counts, base + d, side="left"))
        return None if k >= len(counts) else self.first + k


def effective_windows(spec: Spec, day: date, set_days: set[date]) -> list[tuple[int, int]]:
    if day in spec.overrides:
        return spec.overrides[day]
    if day in spec.holidays or day in set_days:
        return []
    if spec.weekly == "24x7":
        return [(0, 1440)]
    assert isinstance(spec.weekly, dict)
    return spec.weekly[WEEKDAYS[day.weekday()]]


def utc_offsets(zone: ZoneInfo, first_minute: int, minutes: int) -> npt.NDArray[np.int64]:
    """UTC offset in minutes of each UTC minute (hourly samples, refined where they differ)."""
    out = np.empty(minutes, dtype=np.int64)
    for hour_start in range(0, minutes, 60):
        stop = min(hour_start + 60, minutes)
        a = offset_minutes(zone, first_minute + hour_start)
        b = offset_minutes(zone, first_minute + stop)
        if a == b:
            out[hour_start:stop] = a
        else:
            out[hour_start:stop] = [
                offset_minutes(zone, first_minute + m) for m in range(hour_start, stop)
            ]
    return out


def oracle_for(spec: Spec) -> tuple[Oracle, int, int]:
    """The open seconds, and the UTC second range [lo, hi] where they are complete."""
    zone = pinned_zone(spec.zone)
    first_date = spec.centre - timedelta(days=SPAN_DAYS)
    end_date = spec.centre + timedelta(days=SPAN_DAYS)
    first_minute = ((first_date - EPOCH_DATE).days - 4) * 1440
    minutes = ((end_date - first_date).days + 8) * 1440
    wall = np.arange(first_minute, first_minute + minutes, dtype=np.int64)
    wall += utc_offsets(zone, first_minute, minutes)
    reached = np.maximum.accumulate(wall)  # first minute whose wall time is >= x
    set_days: set[date] = set()
    if spec.holiday_set:
        country, _, subdivision = spec.holiday_set.partition("-")
        years = range(first_date.year - 1, end_date.year + 2)
        set_days = set(holidays.country_holidays(country, subdiv=subdivision or None, years=years))
    open_minutes = np.zeros(minutes, dtype=bool)
    day = first_date - timedelta(days=2)
    while day < end_date + timedelta(days=1):
        midnight = (day - EPOCH_DATE).days * 1440
        for a, b in effective_windows(spec, day, set_days):
            start = int(np.searchsorted(reached, midnight + a, side="left"))
            end = int(np.searchsorted(reached, midnight + b, side="left"))
            assert 0 < start <= end < minutes  # the window lies inside the scanned range
            open_minutes[start:end] = True
        day += timedelta(days=1)
    oracle = Oracle(first=first_minute * 60, open=np.repeat(open_minutes, 60))
    lo = ((first_date - EPOCH_DATE).days + 1) * 86_400
    hi = ((end_date - EPOCH_DATE).days - 1) * 86_400
    return oracle, lo, hi


# -- the comparison -------------------------------------------------------------------------


def _instants(
    rng: random.Random, lo: int, hi: int, edges: npt.NDArray[np.int64], count: int, centre: int
) -> list[int]:
    """Random seconds in [lo, hi): uniform, near the DST change, or at/next to an edge."""
    inside = edges[(edges >= lo + 60) & (edges < hi - 60)]
    near = inside[np.abs(inside - centre) < 3 * 86_400]
    out = []
    for _ in range(count):
        pick = rng.random()
        if len(near) and pick < 0.3:
            out.append(int(rng.choice(near)) + rng.choice([0, 0, -1, 1, -60, 60]))
        elif len(inside) and pick < 0.6:
            out.append(int(rng.choice(inside)) + rng.choice([0, 0, -1, 1, -60, 60]))
        elif pick < 0.8:
            out.append(rng.randrange(max(lo, centre - 2 * 86_400), min(hi, centre + 2 * 86_400)))
        else:
            out.append(rng.randrange(lo, hi))
    return out


def _pauses(rng: random.Random, lo: int, hi: int) -> list[tuple[int, int]]:
    out = []
    for _ in range(rng.randint(1, 4)):
        a = rng.randrange(lo - 86_400, hi)
        length = rng.choice([0, rng.randrange(1, 3_600), rng.randrange(3_600, 3 * 86_400)])
        out.append((a, a + length))
    if rng.random() < 0.3:  # an overlapping pair
        a, b = out[0]
        out.append(((a + b) // 2, b + 1_800))
    return out


SPECS = []
_rng = random.Random(SEED)
for _ in range(CALENDAR_COUNT):
    SPECS.append((random_spec(_rng), _rng.randrange(2**32)))

TOTALS: dict[int, int] = {}


@pytest.mark.parametrize(
    ("index", "spec", "seed"),
    [pytest.param(i, s, seed, id=f"{i}-{s.zone}-{s.centre}") for i, (s, seed) in enumerate(SPECS)],
)
def test_engine_agrees_with_brute_force_oracle(index: int, spec: Spec, seed: int) -> None:
    rng = random.Random(seed)
    calendar = build(spec, rng)
    oracle, lo, hi = oracle_for(spec)
    plain = oracle.counts()
    edges = oracle.first + np.flatnonzero(np.diff(oracle.open.astype(np.int8))) + 1
    centre = (spec.centre - EPOCH_DATE).days * 86_400
    mismatches: list[str] = []
    compared = 0

    def check(kind: str, got: int, want: int, *args: object) -> None:
        nonlocal compared
        compared += 1
        if got != want and len(mismatches) < 10:
            mismatches.append(f"{kind}{args}: engine {got}, oracle {want}")

    # between, scalar and bulk
    starts = _instants(rng, lo, hi, edges, QUERIES, centre)
    ends = [
        s + rng.choice([rng.randrange(-3_600, 3 * 86_400), rng.randrange(0, 20 * 86_400)])
        if rng.random() < 0.6
        else e
        for s, e in zip(starts, _instants(rng, lo, hi, edges, QUERIES, centre), strict=True)
    ]
    ends = [min(max(e, lo), hi) for e in ends]
    wanted = [oracle.between(plain, s, e) * US for s, e in zip(starts, ends, strict=True)]
    for s, e, want in zip(starts, ends, wanted, strict=True):
        check("between", between_us(calendar, s * US, e * US), want, s, e)
    bulk = between_many(
        calendar, np.array(starts, dtype=np.int64) * US, np.array(ends, dtype=np.int64) * US
    )
    for s, e, got, want in zip(starts, ends, bulk.tolist(), wanted, strict=True):
        check("between_many", got, want, s, e)

    # add, scalar and bulk
    cases = []
    for s in _instants(rng, lo, hi, edges, QUERIES, centre):
        choice = rng.random()
        if choice < 0.2:
            d = 0
        elif choice < 0.5:  # exactly up to a closing edge
            later = edges[edges > s]
            d = oracle.between(plain, s, int(rng.choice(later[:8]))) if len(later) else 0
        else:
            d = rng.choice([rng.randrange(1, 3_600), rng.randrange(1, 5 * 86_400)])
        want = oracle.add(plain, s, d)
        if want is not None and want <= hi:
            cases.append((s, d, want))
    for s, d, want in cases:
        check("add", add_us(calendar, s * US, d * US), want * US, s, d)
    if cases:
        got_many = add_many(
            calendar,
            np.array([s for s, _, _ in cases], dtype=np.int64) * US,
            np.array([d for _, d, _ in cases], dtype=np.int64) * US,
        )
        for (s, d, want), got in zip(cases, got_many.tolist(), strict=True):
            check("add_many", got, want * US, s, d)

    # with pauses
    for _ in range(3):
        pauses = _pauses(rng, lo, hi)
        paused = oracle.counts(pauses)
        us_pauses = [(a * US, b * US) for a, b in pauses]
        for s, e in zip(
            _instants(rng, lo, hi, edges, QUERIES // 4, centre),
            _instants(rng, lo, hi, edges, QUERIES // 4, centre),
            strict=True,
        ):
            want = oracle.between(paused, s, e) * US
            check(
                "between+pauses",
                between_us(calendar, s * US, e * US, us_pauses),
                want,
                s,
                e,
                pauses,
            )
        for s in _instants(rng, lo, hi, edges, QUERIES // 4, centre):
            d = rng.choice([0, rng.randrange(1, 3_600), rng.randrange(1, 3 * 86_400)])
            want_at = oracle.add(paused, s, d)
            if want_at is None or want_at > hi:
                continue
            check(
                "add+pauses",
                add_us(calendar, s * US, d * US, us_pauses),
                want_at * US,
                s,
                d,
                pauses,
            )

    TOTALS[index] = compared
    print(f"oracle calendar {index} ({spec.zone}, {spec.centre}): {compared} cases agree")
    assert not mismatches, spec.describe() + "\n" + "\n".join(mismatches)
    assert compared >= 4 * QUERIES


def test_oracle_compared_every_calendar() -> None:
    if len(TOTALS) != CALENDAR_COUNT:
        pytest.skip("runs after the whole oracle table")
    print(f"oracle: {sum(TOTALS.values())} cases over {len(TOTALS)} calendars, all agree")
    assert sum(TOTALS.values()) >= CALENDAR_COUNT * 4 * QUERIES

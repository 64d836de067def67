"""Benchmark slakeeper's business-time arithmetic against businesstimedelta and pandas.

Run with ``make bench`` (``.venv/bin/python bench/business_time.py``); ``--quick`` shrinks
the samples given to the slow libraries and the scalar run (the 1,000,000-row bulk run is
kept: it takes well under a second). See bench/README.md for the results and their reading.

What is measured, per calendar (Mon-Fri 09:00-17:00 and the split shift 08:00-12:00 +
13:00-18:00, both America/New_York with US federal holidays, observed days included):

- ours, bulk: ``add_many`` and ``between_many`` on 1,000,000 int64 µs rows (cold: a fresh
  calendar and an empty holiday cache, so compilation is included; warm: best of a few runs);
- ours, scalar: ``add`` / ``between`` with aware datetimes in and out;
- businesstimedelta 1.0.1 (``add`` and ``between``) and pandas ``CustomBusinessHour``
  (``add`` only, whole hours) on a sample of the same rows, with their agreement with ours.

Every library gets the same holiday dates: the ``holidays`` package's US set (observed).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from importlib.metadata import version
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from slakeeper.core.calendars import Calendar, holiday_set_dates, make_calendar
from slakeeper.core.timelines import (
    add,
    add_many,
    add_us,
    between,
    between_many,
    compile_years,
)

ZONE_NAME = "America/New_York"
ZONE = ZoneInfo(ZONE_NAME)
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
US = 1_000_000
MINUTE_US = 60 * US
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOLIDAY_YEARS = range(2024, 2029)  # inputs are 2025-2026; results run a few weeks past them

# Targets from the issue.
BULK_TOTAL_S = 0.25
COMPILE_S = 0.020
MEMORY_MB = 100.0
SCALAR_ADD_PER_S = 300_000
RATIO_BTD = 3_000
RATIO_PANDAS = 1_000


@dataclass(frozen=True)
class Spec:
    """One benchmarked calendar: open windows as local whole hours, Mon-Fri."""

    key: str
    title: str
    windows: tuple[tuple[int, int], ...]

    def calendar(self) -> Calendar:
        hours = [f"{a:02d}:00-{b:02d}:00" for a, b in self.windows]
        weekly = {day: hours for day in WORKDAYS}
        return make_calendar(self.key, timezone=ZONE_NAME, weekly=weekly, holiday_sets=["US"])


SPECS = (
    Spec("ny-9-17", "Mon-Fri 09:00-17:00", ((9, 17),)),
    Spec("ny-split", "Mon-Fri 08:00-12:00 + 13:00-18:00", ((8, 12), (13, 18))),
)


@dataclass
class Inputs:
    starts: np.ndarray  # int64 µs since the epoch (UTC)
    durations: np.ndarray  # int64 µs, 15 min to 40 h
    ends: np.ndarray  # int64 µs, starts + 15 min to 10 calendar days


def make_inputs(n: int, seed: int, microseconds: bool) -> Inputs:
    """Starts uniform over local 2025-2026, at µs or whole-second resolution."""
    step = 1 if microseconds else US
    lo = to_us(datetime(2025, 1, 1, tzinfo=ZONE)) // step
    hi = to_us(datetime(2027, 1, 1, tzinfo=ZONE)) // step
    rng = np.random.default_rng(seed)
    starts = rng.integers(lo, hi, n, dtype=np.int64) * step
    durations = rng.integers(15 * MINUTE_US // step, 40 * HOUR_US // step, n, endpoint=True)
    spans = rng.integers(15 * MINUTE_US // step, 10 * DAY_US // step, n, endpoint=True)
    return Inputs(starts, durations.astype(np.int64) * step, starts + spans.astype(np.int64) * step)


# ---- small helpers ----------------------------------------------------------------------


def to_us(instant: datetime) -> int:
    delta = instant - EPOCH
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def local(us: int) -> str:
    """An instant as New York wall time, for the disagreement examples."""
    shown = from_us(us).astimezone(ZONE)
    text = shown.strftime("%a %Y-%m-%d %H:%M:%S")
    if shown.microsecond:
        text += f".{shown.microsecond:06d}"
    return text + shown.strftime(" %Z")


def span(us: int) -> str:
    hours, rest = divmod(us, HOUR_US)
    minutes, rest = divmod(rest, MINUTE_US)
    seconds, micro = divmod(rest, US)
    return f"{hours}h{minutes:02d}m{seconds:02d}" + (f".{micro:06d}s" if micro else "s")


class Stopwatch:
    """Wall and CPU seconds of a block; ``share`` < 1 means the process waited for a CPU."""

    def __enter__(self) -> Stopwatch:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    @property
    def share(self) -> float:
        return self.cpu / self.wall if self.wall > 0 else 1.0


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def human_rate(per_second: float) -> str:
    for scale, unit in ((1e6, "M"), (1e3, "k")):
        if per_second >= scale:
            return f"{per_second / scale:,.2f} {unit}/s"
    return f"{per_second:,.1f} /s"


def clear_caches(calendar: Calendar | None = None) -> None:
    """Forget the compiled timeline (if a calendar is given) and the holiday-set cache."""
    holiday_set_dates.cache_clear()
    if calendar is not None:
        object.__setattr__(calendar, "_timeline", None)


def us_holidays() -> frozenset[date]:
    """US federal holidays, observed days included, from the holidays package."""
    import holidays

    found = holidays.country_holidays("US", years=HOLIDAY_YEARS, observed=True)
    return frozenset(found.keys())


def ours_holidays() -> frozenset[date]:
    return frozenset(d for y in HOLIDAY_YEARS for d in holiday_set_dates("US", y))


def dst_note(*instants: int) -> str:
    """A marker for examples whose local dates lie within a week of a DST change."""
    days = {from_us(x).astimezone(ZONE).date() for x in instants}
    near = any(d + timedelta(days=j) in DST_DATES for d in days for j in range(-7, 8))
    return " [within a week of a DST change]" if near else ""


def dst_dates() -> set[date]:
    """Local dates in HOLIDAY_YEARS on which New York changes its UTC offset."""
    found = set()
    day = date(HOLIDAY_YEARS.start, 1, 1)
    while day.year < HOLIDAY_YEARS.stop:
        a = datetime.combine(day, clock(0), ZONE).utcoffset()
        b = datetime.combine(day + timedelta(days=1), clock(0), ZONE).utcoffset()
        if a != b:
            found.add(day)
        day += timedelta(days=1)
    return found


DST_DATES = dst_dates()


# ---- agreement --------------------------------------------------------------------------


@dataclass
class Agreement:
    """How another library's answers compare with ours, case by case."""

    total: int
    exact: int
    explained: dict[str, list[int]] = field(default_factory=dict)  # rule -> row indices
    other: list[int] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{100 * self.exact / self.total:.3f}% exact ({self.exact:,}/{self.total:,})"
        for rule, rows in self.explained.items():
            text += f"; {len(rows):,} differ only by {rule}"
        text += f"; {len(self.other):,} other"
        if self.errors:
            text += f"; {len(self.errors):,} raised"
        if any(self.explained.values()):
            agreed = self.exact + sum(len(rows) for rows in self.explained.values())
            text += f" => {100 * agreed / self.total:.3f}% once the rule is applied"
        return text


def compare(
    ours: np.ndarray,
    theirs: Sequence[int | None],
    rules: dict[str, Callable[[int], bool]],
    errors: dict[int, str] | None = None,
) -> Agreement:
    agreement = Agreement(total=len(ours), exact=0)
    for rule in rules:
        agreement.explained[rule] = []
    for i, (mine, other) in enumerate(zip(ours.tolist(), theirs, strict=True)):
        if other is None:
            agreement.errors.append((i, (errors or {}).get(i, "error")))
        elif mine == other:
            agreement.exact += 1
        else:
            for rule, applies in rules.items():
                if applies(i):
                    agreement.explained[rule].append(i)
                    break
            else:
                agreement.other.append(i)
    return agreement


# ---- ours -------------------------------------------------------------------------------


@dataclass
class BulkTimes:
    cold: list[tuple[float, float, float]]  # (add incl. compile, between, CPU) seconds
    warm_add: list[Stopwatch]
    warm_between: list[Stopwatch]
    adds: np.ndarray
    spans: np.ndarray

    @property
    def best_add(self) -> Stopwatch:
        return min(self.warm_add, key=lambda w: w.wall)

    @property
    def best_between(self) -> Stopwatch:
        return min(self.warm_between, key=lambda w: w.wall)

    @property
    def cold_total_median(self) -> float:
        return statistics.median(a + b for a, b, _ in self.cold)

    @property
    def cold_median(self) -> tuple[float, float, float]:
        return min(self.cold, key=lambda run: abs(run[0] + run[1] - self.cold_total_median))


def time_bulk(
    spec: Spec, inputs: Inputs, repeats: int, cold_repeats: int
) -> tuple[Calendar, BulkTimes]:
    """Cold runs (each on a fresh calendar with the holiday cache cleared), then warm runs."""
    cold = []
    for _ in range(cold_repeats):
        calendar = spec.calendar()
        clear_caches(calendar)
        gc.collect()
        with Stopwatch() as add_watch:
            adds = add_many(calendar, inputs.starts, inputs.durations)
        with Stopwatch() as between_watch:
            spans = between_many(calendar, inputs.starts, inputs.ends)
        cold.append((add_watch.wall, between_watch.wall, add_watch.cpu + between_watch.cpu))
    times = BulkTimes(cold, [], [], adds, spans)
    for _ in range(repeats):
        gc.collect()
        with Stopwatch() as add_watch:
            again = add_many(calendar, inputs.starts, inputs.durations)
        with Stopwatch() as between_watch:
            spans_again = between_many(calendar, inputs.starts, inputs.ends)
        times.warm_add.append(add_watch)
        times.warm_between.append(between_watch)
        assert np.array_equal(again, adds) and np.array_equal(spans_again, spans)
    return calendar, times


def bulk_memory(spec: Spec, inputs: Inputs, calendar: Calendar | None) -> float:
    """tracemalloc peak (MB) of add_many + between_many, both results kept alive.

    numpy reports its data buffers to tracemalloc, so the peak covers every temporary
    array and both outputs; the inputs exist before tracing starts and are not counted.
    ``calendar=None`` measures a cold run (fresh calendar, holiday cache cleared).
    """
    if calendar is None:
        calendar = spec.calendar()
        clear_caches(calendar)
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    adds = add_many(calendar, inputs.starts, inputs.durations)
    spans = between_many(calendar, inputs.starts, inputs.ends)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del adds, spans
    return (peak - base) / 2**20


def _status_kib(field_name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise KeyError(field_name)


def rss_probe(key: str, n: int, seed: int, microseconds: bool) -> None:
    """Child process: print the RSS high-water growth (KiB) over one cold bulk run.

    After the inputs exist, the peak is reset (``echo 5 > /proc/self/clear_refs``), so
    input generation does not mask the bulk run; VmHWM - VmRSS is then the growth. Where
    that is impossible, ``ru_maxrss`` growth is printed instead (an underestimate: it
    keeps the high-water mark of input generation).
    """
    spec = next(s for s in SPECS if s.key == key)
    inputs = make_inputs(n, seed, microseconds)
    calendar = spec.calendar()
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")
        before, method = _status_kib("VmRSS"), "VmHWM"
    except (OSError, KeyError):
        before, method = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "ru_maxrss"
    adds = add_many(calendar, inputs.starts, inputs.durations)
    spans = between_many(calendar, inputs.starts, inputs.ends)
    if method == "VmHWM":
        after = _status_kib("VmHWM")
    else:
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(after - before, method, len(adds) + len(spans))


def rss_growth_mb(spec: Spec, args: argparse.Namespace) -> tuple[float, str] | None:
    """RSS growth of a cold bulk run in a fresh process (a child's ``ru_maxrss`` starts
    at its parent's, so it is not usable here; /proc/self/status VmHWM is)."""
    command = [sys.executable, __file__, "--rss-probe", spec.key, "--n", str(args.n)]
    command += ["--seed", str(args.seed)] + (["--us"] if args.us else [])
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
        kib, method, _ = out.stdout.split()
        return int(kib) / 1024, method
    except (subprocess.SubprocessError, ValueError):
        return None


def time_scalar(
    calendar: Calendar, inputs: Inputs, count: int, repeats: int
) -> tuple[Stopwatch, Stopwatch, list[datetime], list[timedelta]]:
    """Best-of-``repeats`` seconds for ``count`` scalar adds and betweens (datetimes)."""
    starts = [from_us(x) for x in inputs.starts[:count].tolist()]
    ends = [from_us(x) for x in inputs.ends[:count].tolist()]
    durations = [timedelta(microseconds=x) for x in inputs.durations[:count].tolist()]
    add_times, between_times = [], []
    for _ in range(repeats):
        gc.collect()
        with Stopwatch() as add_watch:
            added = [add(calendar, s, d) for s, d in zip(starts, durations, strict=True)]
        with Stopwatch() as between_watch:
            spans = [between(calendar, s, e) for s, e in zip(starts, ends, strict=True)]
        add_times.append(add_watch)
        between_times.append(between_watch)
    best_add = min(add_times, key=lambda w: w.wall)
    return best_add, min(between_times, key=lambda w: w.wall), added, spans


# ---- businesstimedelta ------------------------------------------------------------------


def btd_rules(spec: Spec, holiday_dates: frozenset[date]) -> Any:
    """One WorkDayRule per window (pytz New York) and a HolidayRule on the same dates."""
    import businesstimedelta
    import pytz

    tz = pytz.timezone(ZONE_NAME)
    rules: list[Any] = [
        businesstimedelta.WorkDayRule(
            start_time=clock(a), end_time=clock(b), working_days=[0, 1, 2, 3, 4], tz=tz
        )
        for a, b in spec.windows
    ]
    rules.append(businesstimedelta.HolidayRule(holiday_dates, tz=tz))
    return businesstimedelta.Rules(rules)


@dataclass
class Library:
    watch: Stopwatch
    results: list[int | None]
    errors: dict[int, str]


def run_guarded(calls: list[Callable[[], Any]]) -> tuple[Stopwatch, list[Any], dict[int, str]]:
    """Time a list of calls; a call that raises is recorded, not fatal."""
    results: list[Any] = []
    errors: dict[int, str] = {}
    gc.collect()
    with Stopwatch() as watch:
        for i, call in enumerate(calls):
            try:
                results.append(call())
            except Exception as exc:
                results.append(None)
                errors[i] = f"{type(exc).__name__}: {exc}"
    return watch, results, errors


def time_btd(spec: Spec, inputs: Inputs, count: int, holiday_dates: frozenset[date]):
    """businesstimedelta add and between on aware UTC datetimes (it converts with pytz)."""
    import businesstimedelta

    rules = btd_rules(spec, holiday_dates)
    delta = businesstimedelta.BusinessTimeDelta
    starts = [from_us(x) for x in inputs.starts[:count].tolist()]
    ends = [from_us(x) for x in inputs.ends[:count].tolist()]
    durations = [timedelta(microseconds=x) for x in inputs.durations[:count].tolist()]

    def add_call(s: datetime, d: timedelta) -> Callable[[], datetime]:
        return lambda: s + delta(rules, timedelta=d)

    def between_call(s: datetime, e: datetime) -> Callable[[], timedelta]:
        return lambda: rules.difference(s, e).timedelta

    adds = [add_call(s, d) for s, d in zip(starts, durations, strict=True)]
    watch, raw, errors = run_guarded(adds)
    added = Library(watch, [None if r is None else to_us(r) for r in raw], errors)
    betweens = [between_call(s, e) for s, e in zip(starts, ends, strict=True)]
    watch, raw, errors = run_guarded(betweens)
    spans = [None if r is None else r // timedelta(microseconds=1) for r in raw]
    return added, Library(watch, spans, errors)


# ---- pandas -----------------------------------------------------------------------------


def time_pandas(
    spec: Spec, inputs: Inputs, count: int, holiday_dates: frozenset[date]
) -> tuple[Library, np.ndarray]:
    """CustomBusinessHour add on tz-aware New York Timestamps, whole-hour durations.

    The offsets (one per hour count, 1-40) are built before timing: building one with a
    holiday list costs far more than applying it.
    """
    import pandas as pd

    hours = np.clip(np.rint(inputs.durations[:count] / HOUR_US), 1, 40).astype(np.int64)
    offsets = {
        n: pd.offsets.CustomBusinessHour(
            n=n,
            start=[f"{a:02d}:00" for a, _ in spec.windows],
            end=[f"{b:02d}:00" for _, b in spec.windows],
            weekmask="Mon Tue Wed Thu Fri",
            holidays=sorted(holiday_dates),
        )
        for n in range(1, 41)
    }
    stamps = list(pd.to_datetime(inputs.starts[:count], unit="us", utc=True).tz_convert(ZONE_NAME))
    calls = [(lambda t=t, o=offsets[n]: t + o) for t, n in zip(stamps, hours.tolist(), strict=True)]
    watch, raw, errors = run_guarded(calls)
    one_us = pd.Timedelta(1, "us")
    epoch = pd.Timestamp(0, tz="UTC")
    results = [None if r is None else (r - epoch) // one_us for r in raw]
    return Library(watch, results, errors), hours * HOUR_US


# ---- comparison -------------------------------------------------------------------------


@dataclass
class Comparison:
    """Another library's answers on a sample, next to ours, classified."""

    sample: Inputs
    ours_add: np.ndarray  # ours on the sample's durations (for businesstimedelta)
    ours_spans: np.ndarray
    ours_pd: np.ndarray  # ours on the whole-hour durations given to pandas
    pd_durations: np.ndarray
    btd_add: Library
    btd_between: Library
    pd_add: Library
    agreements: tuple[Agreement, Agreement, Agreement]  # btd add, btd between, pandas add

    @property
    def ours_inputs(self) -> tuple[list[int], list[int]]:
        return self.sample.starts.tolist(), self.sample.durations.tolist()

    def show_add(self, ours: np.ndarray, durations: np.ndarray, theirs: list[int | None]):
        def show(i: int) -> str:
            start, result = int(self.sample.starts[i]), int(ours[i])
            other = theirs[i]
            other_text = "raised" if other is None else local(other)
            return (
                f"start {local(start)} + {span(int(durations[i]))}: ours {local(result)}, "
                f"theirs {other_text}{dst_note(start, result)}"
            )

        return show

    def show_between(self, i: int) -> str:
        start, end = int(self.sample.starts[i]), int(self.sample.ends[i])
        other = self.btd_between.results[i]
        other_text = "raised" if other is None else span(other)
        return (
            f"[{local(start)}, {local(end)}): ours {span(int(self.ours_spans[i]))}, "
            f"theirs {other_text}{dst_note(start, end)}"
        )

    def details(self, title: str) -> list[str]:
        btd_add, btd_between, pd_add = self.agreements
        show_pd = self.show_add(self.ours_pd, self.pd_durations, self.pd_add.results)
        show_btd = self.show_add(self.ours_add, self.sample.durations, self.btd_add.results)
        lines: list[str] = []
        for rule, rows in pd_add.explained.items():
            lines += examples(f"pandas add, {rule}", rows, show_pd, limit=2)
        lines += examples("pandas add, OTHER disagreement", pd_add.other, show_pd)
        lines += examples("pandas add, raised", [i for i, _ in pd_add.errors], show_pd)
        lines += examples("businesstimedelta add, OTHER disagreement", btd_add.other, show_btd)
        lines += examples("businesstimedelta add, raised", [i for i, _ in btd_add.errors], show_btd)
        for rule, rows in btd_between.explained.items():
            lines += examples(f"businesstimedelta between, {rule}", rows, self.show_between, 2)
        lines += examples(
            "businesstimedelta between, OTHER disagreement", btd_between.other, self.show_between
        )
        lines += examples(
            "businesstimedelta between, raised",
            [i for i, _ in btd_between.errors],
            self.show_between,
        )
        for what, agreement in zip(
            ("btd add", "btd between", "pandas add"), self.agreements, strict=True
        ):
            for i, message in agreement.errors[:2]:
                lines.append(f"    {what} row {i} raised {message}")
        return [f"  {title}:", *lines] if lines else [f"  {title}: none"]


def compare_libraries(
    spec: Spec, calendar: Calendar, sample: Inputs, holiday_dates: frozenset[date]
) -> Comparison:
    m = len(sample.starts)
    ours_add = add_many(calendar, sample.starts, sample.durations)
    ours_spans = between_many(calendar, sample.starts, sample.ends)
    btd_add, btd_between = time_btd(spec, sample, m, holiday_dates)
    pd_add, pd_durations = time_pandas(spec, sample, m, holiday_dates)
    ours_pd = add_many(calendar, sample.starts, pd_durations)
    next_open = add_many(calendar, ours_pd, np.zeros(m, dtype=np.int64))
    closes = {clock(b) for _, b in spec.windows}

    def closing_rule(i: int) -> bool:
        wall = from_us(int(ours_pd[i])).astimezone(ZONE)
        return wall.time() in closes and pd_add.results[i] == int(next_open[i])

    def truncated(i: int) -> bool:
        return btd_between.results[i] == int(ours_spans[i]) // US * US

    agreements = (
        compare(ours_add, btd_add.results, {}, btd_add.errors),
        compare(
            ours_spans,
            btd_between.results,
            {"btd dropping the sub-second part of between": truncated},
            btd_between.errors,
        ),
        compare(
            ours_pd,
            pd_add.results,
            {
                "pandas' closing-time rule (ours = a closing time, pandas = the next opening)": (
                    closing_rule
                )
            },
            pd_add.errors,
        ),
    )
    return Comparison(
        sample,
        ours_add,
        ours_spans,
        ours_pd,
        pd_durations,
        btd_add,
        btd_between,
        pd_add,
        agreements,
    )


def edge_inputs(
    spec: Spec, holiday_dates: frozenset[date], seed: int, microseconds: bool
) -> Inputs:
    """Rows at the places where implementations differ: window edges, DST nights, holidays.

    Starts: every window opening and closing, and 00:00, 01:00, 01:30, 02:00, 02:30,
    03:00 local (both folds), each also 1 s (1 µs with --us) either side, on the local
    dates within 3 days of a DST change or a holiday in 2025-2026. Durations: whole hours
    (1-40 h, so that pandas takes them too). Ends: a later start from the same set.
    """
    eps = 1 if microseconds else US
    anchors = {d for d in dst_dates() | holiday_dates if 2025 <= d.year <= 2026}
    days = {a + timedelta(days=j) for a in anchors for j in range(-3, 4)}
    walls = [clock(0), clock(1), clock(1, 30), clock(2), clock(2, 30), clock(3)]
    walls += [clock(h) for window in spec.windows for h in window]
    instants: set[int] = set()
    for day in days:
        for wall in walls:
            for fold in (0, 1):
                base = to_us(datetime.combine(day, wall, ZONE).replace(fold=fold))
                instants.update((base - eps, base, base + eps))
    starts = np.array(sorted(instants), dtype=np.int64)
    rng = np.random.default_rng(seed + 1)
    durations = rng.integers(1, 40, len(starts), endpoint=True).astype(np.int64) * HOUR_US
    later = np.minimum(np.arange(len(starts)) + rng.integers(1, 80, len(starts)), len(starts) - 1)
    ends = np.where(later > np.arange(len(starts)), starts[later], starts + HOUR_US)
    return Inputs(starts, durations, ends)


# ---- reporting --------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    measured: str
    ok: bool

    def line(self) -> str:
        return f"  [{'PASS' if self.ok else 'FAIL'}] {self.name}: {self.measured}"


def machine() -> list[str]:
    model, physical = "unknown", "?"
    try:
        with open("/proc/cpuinfo") as file:
            for line in file:
                if line.startswith("model name") and model == "unknown":
                    model = line.split(":", 1)[1].strip()
                if line.startswith("cpu cores") and physical == "?":
                    physical = line.split(":", 1)[1].strip()
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    packages = ", ".join(
        f"{name} {version(name)}" for name in ("numpy", "pandas", "businesstimedelta", "holidays")
    )
    return [
        f"CPU: {model}; logical CPUs {os.cpu_count()} (usable {usable}), cores/socket {physical}",
        f"Python {platform.python_version()} ({platform.python_implementation()}) on "
        f"{platform.platform()}",
        f"Packages: {packages}",
    ]


def table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            c.ljust(w) if i in (0, 1, 7) else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  " + "  ".join(cells).rstrip())
        if index == 0:
            rules = ["-" * w for w in widths[:-1]] + ["-" * len(row[-1])]
            lines.append("  " + "  ".join(rules))
    return lines


def examples(
    title: str,
    rows: list[int],
    describe: Callable[[int], str],
    limit: int = 4,
) -> list[str]:
    if not rows:
        return []
    lines = [f"    {title}: {len(rows):,} case(s), e.g."]
    lines += [f"      {describe(i)}" for i in rows[:limit]]
    return lines


def run_calendar(
    spec: Spec, inputs: Inputs, args: argparse.Namespace, holiday_dates: frozenset[date]
) -> tuple[list[str], list[Target]]:
    n = len(inputs.starts)
    out = [f"== {spec.key}: {spec.title} {ZONE_NAME}, US federal holidays (observed) =="]
    targets: list[Target] = []
    calendar, bulk = time_bulk(spec, inputs, args.repeats, args.cold_repeats)
    add_rate, between_rate = rate(n, bulk.best_add.wall), rate(n, bulk.best_between.wall)

    # bulk timing targets
    warm_total = bulk.best_add.wall + bulk.best_between.wall
    label = f"bulk {n:,} add + {n:,} between"
    targets.append(
        Target(
            f"{spec.key} {label}, warm (best of {args.repeats}) <= {BULK_TOTAL_S} s",
            f"{warm_total:.4f} s (add {bulk.best_add.wall:.4f} s, between "
            f"{bulk.best_between.wall:.4f} s; medians "
            f"{statistics.median(w.wall for w in bulk.warm_add):.4f} / "
            f"{statistics.median(w.wall for w in bulk.warm_between):.4f} s)",
            warm_total <= BULK_TOTAL_S,
        )
    )
    cold_add, cold_between, _ = bulk.cold_median
    first_add, first_between, first_cpu = bulk.cold[0]
    targets.append(
        Target(
            f"{spec.key} {label}, cold (fresh calendar, holiday cache cleared, compile "
            f"included; median of {len(bulk.cold)}) <= {BULK_TOTAL_S} s",
            f"{bulk.cold_total_median:.4f} s (add incl. compile {cold_add:.4f} s, between "
            f"{cold_between:.4f} s); first of the {len(bulk.cold)}: "
            f"{first_add + first_between:.4f} s wall, {first_cpu:.4f} s CPU; all: "
            + ", ".join(f"{a + b:.3f}" for a, b, _ in bulk.cold),
            bulk.cold_total_median <= BULK_TOTAL_S,
        )
    )

    # memory
    warm_mb = bulk_memory(spec, inputs, calendar)
    cold_mb = bulk_memory(spec, inputs, None)
    rss = rss_growth_mb(spec, args)
    rss_text = "n/a" if rss is None else f"{rss[0]:.1f} MB ({rss[1]})"
    targets.append(
        Target(
            f"{spec.key} bulk memory above inputs <= {MEMORY_MB:.0f} MB (tracemalloc peak)",
            f"cold {cold_mb:.1f} MB, warm {warm_mb:.1f} MB (outputs included: "
            f"{2 * n * 8 / 2**20:.1f} MB); cross-check, RSS growth of a cold run in a fresh "
            f"process: {rss_text}",
            max(cold_mb, warm_mb) <= MEMORY_MB,
        )
    )

    # compile
    compile_years(calendar, 2025, 2028)  # warm-up: holiday sets cached
    compile_times = []
    for _ in range(args.compile_repeats):
        with Stopwatch() as watch:
            compile_years(calendar, 2025, 2028)
        compile_times.append(watch.wall)
    compile_median = statistics.median(compile_times)
    targets.append(
        Target(
            f"{spec.key} compile_years(cal, 2025, 2028), holiday sets cached <= "
            f"{COMPILE_S * 1000:.0f} ms",
            f"median {compile_median * 1000:.2f} ms (min {min(compile_times) * 1000:.2f}, "
            f"max {max(compile_times) * 1000:.2f}, {args.compile_repeats} runs)",
            compile_median <= COMPILE_S,
        )
    )

    # scalar
    k = min(args.scalar, n)
    s_add, s_between, added, spans = time_scalar(calendar, inputs, k, args.scalar_repeats)
    scalar_add_rate, scalar_between_rate = rate(k, s_add.wall), rate(k, s_between.wall)
    scalar_add_ok = sum(to_us(r) == x for r, x in zip(added, bulk.adds[:k].tolist(), strict=True))
    scalar_between_ok = sum(
        r // timedelta(microseconds=1) == x
        for r, x in zip(spans, bulk.spans[:k].tolist(), strict=True)
    )
    targets.append(
        Target(
            f"{spec.key} scalar add (datetime in/out) >= {SCALAR_ADD_PER_S:,} /s",
            f"{scalar_add_rate:,.0f} add/s (between {scalar_between_rate:,.0f} /s), "
            f"best of {args.scalar_repeats} x {k:,}",
            scalar_add_rate >= SCALAR_ADD_PER_S,
        )
    )

    # other libraries on a sample of the same rows
    m = min(args.sample, n)
    sample = Inputs(inputs.starts[:m], inputs.durations[:m], inputs.ends[:m])
    found = compare_libraries(spec, calendar, sample, holiday_dates)
    btd_add_agreement, btd_between_agreement, pd_agreement = found.agreements
    rates = {
        ("btd", "add"): rate(m, found.btd_add.watch.wall),
        ("btd", "between"): rate(m, found.btd_between.watch.wall),
        ("pandas", "add"): rate(m, found.pd_add.watch.wall),
    }

    def ratio(mine: float, theirs: float) -> str:
        return f"{mine / theirs:,.0f}x" if mine / theirs >= 10 else f"{mine / theirs:,.2f}x"

    def share(watch: Stopwatch) -> str:
        return f"{min(watch.share, 1.0):.2f}"

    header = ["engine", "op", "rows", "ops/s", "cpu", "bulk / this", "scalar / this"]
    rows = [[*header, "agreement"]]
    bulk_label = "ours bulk (int64 us)"
    rows.append(
        [bulk_label, "add", f"{n:,}", human_rate(add_rate), share(bulk.best_add), "1x", "", ""]
    )
    rows.append(
        [
            bulk_label,
            "between",
            f"{n:,}",
            human_rate(between_rate),
            share(bulk.best_between),
            "1x",
            "",
            "",
        ]
    )
    for op, watch, ok, mine, scalar in (
        ("add", s_add, scalar_add_ok, add_rate, scalar_add_rate),
        ("between", s_between, scalar_between_ok, between_rate, scalar_between_rate),
    ):
        rows.append(
            [
                "ours scalar (datetime)",
                op,
                f"{k:,}",
                human_rate(scalar),
                share(watch),
                ratio(mine, scalar),
                "1x",
                f"{100 * ok / k:.3f}% identical to bulk ({ok:,}/{k:,})",
            ]
        )
    for name, op, library, agreement, mine, scalar in (
        ("businesstimedelta", "add", found.btd_add, btd_add_agreement, add_rate, scalar_add_rate),
        (
            "businesstimedelta",
            "between",
            found.btd_between,
            btd_between_agreement,
            between_rate,
            scalar_between_rate,
        ),
        ("pandas CBH (whole h)", "add", found.pd_add, pd_agreement, add_rate, scalar_add_rate),
    ):
        theirs = rate(m, library.watch.wall)
        rows.append(
            [
                name,
                op,
                f"{m:,}",
                human_rate(theirs),
                share(library.watch),
                ratio(mine, theirs),
                ratio(scalar, theirs),
                agreement.summary(),
            ]
        )
    out += table(rows)
    out.append(
        "  (cpu: CPU time / wall time of the timed run; below 1.00 the process waited for a CPU"
        " and its ops/s is understated)"
    )

    out += found.details(f"disagreements ({m:,}-row sample)")

    # edge cases: agreement only
    edges = edge_inputs(spec, holiday_dates, args.seed, args.us)
    edge = compare_libraries(spec, calendar, edges, holiday_dates)
    scalar_adds = [add_us(calendar, s, d) for s, d in zip(*edge.ours_inputs, strict=True)]
    scalar_ok = sum(x == y for x, y in zip(scalar_adds, edge.ours_add.tolist(), strict=True))
    out.append(
        f"  edge sample ({len(edges.starts):,} rows: window boundaries, 00:00-03:00 and"
        f" +/-1 {'us' if args.us else 's'}, within 3 days of DST changes and holidays;"
        " whole-hour durations)"
    )
    out.append(f"    ours scalar add_us vs bulk: {scalar_ok:,}/{len(scalar_adds):,} identical")
    for name, agreement in zip(
        ("businesstimedelta add", "businesstimedelta between", "pandas CBH add"),
        edge.agreements,
        strict=True,
    ):
        out.append(f"    {name}: {agreement.summary()}")
    out += edge.details("edge disagreements")

    # speed ratio targets
    for op, mine, key, floor, who in (
        ("add", add_rate, ("btd", "add"), RATIO_BTD, "businesstimedelta"),
        ("between", between_rate, ("btd", "between"), RATIO_BTD, "businesstimedelta"),
        ("add", add_rate, ("pandas", "add"), RATIO_PANDAS, "pandas CustomBusinessHour"),
    ):
        measured = mine / rates[key]
        targets.append(
            Target(
                f"{spec.key} bulk {op} > {floor:,}x {who}",
                f"{measured:,.0f}x ({human_rate(mine)} vs {human_rate(rates[key])}, "
                f"{m:,}-row sample)",
                measured > floor,
            )
        )
    return out, targets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples, fewer repeats")
    parser.add_argument("--n", type=int, default=1_000_000, help="bulk rows (default 1,000,000)")
    parser.add_argument("--sample", type=int, help="rows for businesstimedelta and pandas")
    parser.add_argument("--scalar", type=int, help="rows for the scalar path")
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--us", action="store_true", help="µs-resolution inputs (default: s)")
    parser.add_argument("--rss-probe", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_probe:
        rss_probe(args.rss_probe, args.n, args.seed, args.us)
        return 0
    args.sample = args.sample or (2_000 if args.quick else 10_000)
    args.scalar = args.scalar or (50_000 if args.quick else 200_000)
    args.repeats = 3 if args.quick else 7
    args.cold_repeats = 3 if args.quick else 5
    args.scalar_repeats = 2 if args.quick else 3
    args.compile_repeats = 10 if args.quick else 30

    print("slakeeper business-time benchmark")
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    for line in machine():
        print("  " + line)
    resolution = "microsecond" if args.us else "whole-second"
    print(
        f"  Inputs: {args.n:,} rows, seed {args.seed}, {resolution} resolution; starts uniform "
        f"over local 2025-2026, add durations 15 min-40 h, between ends start + 15 min-10 days;"
        f" businesstimedelta/pandas sample {args.sample:,} rows, scalar {args.scalar:,} rows"
        + (" (--quick)" if args.quick else "")
    )
    holiday_dates = us_holidays()
    mine = ours_holidays()
    same = "identical" if mine == holiday_dates else f"DIFFERENT: {sorted(mine ^ holiday_dates)}"
    print(
        f"  Holidays: {len(holiday_dates)} US dates {HOLIDAY_YEARS.start}-"
        f"{HOLIDAY_YEARS.stop - 1} from the holidays package; ours (holiday_sets ['US']): {same}"
    )
    t0 = time.perf_counter()
    inputs = make_inputs(args.n, args.seed, args.us)
    print(f"  (input generation {time.perf_counter() - t0:.3f} s, not timed below)")
    print()
    targets: list[Target] = []
    for spec in SPECS:
        lines, found = run_calendar(spec, inputs, args, holiday_dates)
        print("\n".join(lines))
        print()
        targets += found
    print(
        f"Load average (1/5/15 min) at start {load}, at end "
        + "/".join(f"{x:.2f}" for x in os.getloadavg())
    )
    print("Targets")
    print("\n".join(t.line() for t in targets))
    failed = sum(not t.ok for t in targets)
    print(f"  {len(targets) - failed} PASS, {failed} FAIL")
    return 0


if __name__ == "__main__":
    sys.exit(main())

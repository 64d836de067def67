"""Arrivals per slot of the week from history: weekly profile, trend, holidays, interval.

The model, per group (team, channel…), on slots of local wall time in one zone:

- **weekly seasonality**: each slot's share of a week, averaged over the fitting weeks
  (holidays left out);
- **trend**: a least-squares line through the weekly totals (holidays filled in at their
  expected value), extended to the forecast week; never below zero;
- **holidays**: local dates that are holidays of the configured calendars get the
  history's holiday factor (their arrivals over what the profile expected; 1 when the
  history has no holiday);
- **interval**: whole counts from a Poisson law around the mean, or a negative binomial
  with variance ``φ x mean`` when the fitting residuals show over-dispersion ``φ > 1``.

:func:`backtest` forecasts each of the last weeks from the weeks before it and reports the
error beside the naive "same slot last week" forecast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt

from slakeeper.core.zones import load_zone

__all__ = ["Backtest", "Forecast", "SlotGrid", "backtest", "fit_forecast", "weekly_counts"]

US = 1_000_000
Counts = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SlotGrid:
    """Slots of ``slot_minutes`` in local wall time of ``timezone``, weeks from Monday 00:00."""

    timezone: str
    slot_minutes: int

    @property
    def per_day(self) -> int:
        """Slots per day."""
        return 24 * 60 // self.slot_minutes

    @property
    def per_week(self) -> int:
        """Slots per week."""
        return 7 * self.per_day

    def locate(self, instants: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], ...]:
        """(local date ordinal, slot of the week) of each UTC µs instant."""
        zone = load_zone(self.timezone)
        ordinals = np.empty(instants.size, np.int64)
        slots = np.empty(instants.size, np.int64)
        # Convert hour by hour: all instants of one UTC hour share an offset (zones move
        # by whole quarter hours at most, at hour boundaries).
        hours = instants // (3600 * US)
        for hour in np.unique(hours):
            where = hours == hour
            local = datetime.fromtimestamp(int(hour) * 3600, zone)
            offset_us = int(local.utcoffset().total_seconds()) * US  # type: ignore[union-attr]
            wall = instants[where] + offset_us
            ordinals[where] = wall // (86_400 * US) + 719_163  # days since 0001-01-01
            of_day = (wall % (86_400 * US)) // (self.slot_minutes * 60 * US)
            weekday = (ordinals[where] - 1) % 7  # ordinal 1 was a Monday
            slots[where] = weekday * self.per_day + of_day
        return ordinals, slots

    def label(self, slot: int) -> str:
        """``Mon 09:30``."""
        day, index = divmod(slot, self.per_day)
        minutes = index * self.slot_minutes
        return f"{_DAYS[day]} {minutes // 60:02d}:{minutes % 60:02d}"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekly_counts(
    grid: SlotGrid, instants: npt.NDArray[np.int64], first_monday: int, weeks: int
) -> Counts:
    """Arrivals per (week, slot): week 0 starts on local date ordinal ``first_monday``."""
    ordinals, slots = grid.locate(instants)
    week = (ordinals - first_monday) // 7
    keep = (week >= 0) & (week < weeks)
    counts = np.zeros((weeks, grid.per_week))
    np.add.at(counts, (week[keep], slots[keep]), 1.0)
    return counts


@dataclass(frozen=True)
class Forecast:
    """Expected arrivals per slot of one week, with a central interval."""

    mean: Counts
    low: Counts
    high: Counts
    level: float
    weekly_total: float
    trend_per_week: float
    holiday_factor: float
    dispersion: float


def fit_forecast(
    counts: Counts,
    holiday_days: npt.NDArray[np.bool_],
    next_holidays: npt.NDArray[np.bool_],
    *,
    level: float = 0.8,
    trend_weeks: int = 26,
) -> Forecast:
    """Forecast the week after ``counts`` (weeks x slots; ``holiday_days`` weeks x 7)."""
    weeks, slots = counts.shape
    per_day = slots // 7
    holiday_slots = np.repeat(holiday_days, per_day, axis=1)
    normal = ~holiday_slots
    profile = _profile(counts, normal)
    expected_share = np.where(holiday_slots, profile, 0.0).sum(axis=1)  # per week
    totals_normal = np.where(normal, counts, 0.0).sum(axis=1)
    totals = totals_normal / np.maximum(1.0 - expected_share, 1e-9)  # holidays filled in
    factor = _holiday_factor(counts, holiday_slots, profile, totals)
    recent = np.arange(max(0, weeks - trend_weeks), weeks)
    slope, intercept = _line(recent.astype(float), totals[recent])
    total = max(0.0, intercept + slope * weeks)
    fitted = np.outer(totals, profile)
    fitted = np.where(holiday_slots, fitted * factor, fitted)
    dispersion = _dispersion(counts, fitted)
    mean = total * profile * np.where(np.repeat(next_holidays, per_day), factor, 1.0)
    low, high = count_interval(mean, dispersion, level)
    return Forecast(mean, low, high, level, total, slope, factor, dispersion)


def count_interval(mean: Counts, dispersion: float, level: float) -> tuple[Counts, Counts]:
    """Central ``level`` interval of whole counts: Poisson, or negative binomial with
    variance ``dispersion x mean`` when over-dispersed; ``low`` is the smallest count whose
    CDF reaches ``(1 - level)/2``, ``high`` the smallest reaching ``(1 + level)/2``."""
    tail = (1.0 - level) / 2
    mu = np.maximum(mean, 1e-12)
    top = int(np.ceil(mu.max() + 12 * np.sqrt(dispersion * mu.max()) + 12))
    # Both laws follow P(k) = P(k-1) x (a + b(k-1)) / k (the Panjer recursion).
    if dispersion > 1.0 + 1e-9:
        r, q = mu / (dispersion - 1.0), 1.0 - 1.0 / dispersion
        pmf, a, b = np.exp(r * np.log(1.0 - q)), r * q, q  # P(0) = (1 - q)^r
    else:
        pmf, a, b = np.exp(-mu), mu, 0.0
    cdf = pmf.copy()
    low = np.where(cdf >= tail, 0.0, np.nan)
    high = np.where(cdf >= 1.0 - tail, 0.0, np.nan)
    for k in range(1, top + 1):
        pmf = pmf * (a + b * (k - 1)) / k
        cdf = cdf + pmf
        low = np.where(np.isnan(low) & (cdf >= tail), float(k), low)
        high = np.where(np.isnan(high) & (cdf >= 1.0 - tail), float(k), high)
    return np.nan_to_num(low, nan=float(top)), np.nan_to_num(high, nan=float(top))


def _profile(counts: Counts, normal: npt.NDArray[np.bool_]) -> Counts:
    """Each slot's share of a week: per-slot mean over non-holiday weeks, normalised."""
    seen = normal.sum(axis=0)
    means = np.where(normal, counts, 0.0).sum(axis=0) / np.maximum(seen, 1)
    total = means.sum()
    return means / total if total > 0 else np.full(counts.shape[1], 1.0 / counts.shape[1])


def _holiday_factor(
    counts: Counts, holiday_slots: npt.NDArray[np.bool_], profile: Counts, totals: Counts
) -> float:
    expected = (np.outer(totals, profile) * holiday_slots).sum()
    if expected <= 0:
        return 1.0
    return float((counts * holiday_slots).sum() / expected)


def _line(x: Counts, y: Counts) -> tuple[float, float]:
    if x.size < 3:
        return 0.0, float(y.mean()) if y.size else 0.0
    slope, intercept = np.polyfit(x, y, 1)
    return float(slope), float(intercept)


def _dispersion(counts: Counts, fitted: Counts) -> float:
    """Variance over mean of the residuals (1 for Poisson counts); at least 1."""
    keep = fitted > 0.5
    if not keep.any():
        return 1.0
    ratio = ((counts - fitted)[keep] ** 2 / fitted[keep]).mean()
    return float(max(1.0, ratio))


@dataclass(frozen=True)
class Backtest:
    """Errors over the held-out weeks, per slot: ours beside the naive forecast."""

    weeks: int
    mae: float
    naive_mae: float
    wape: float
    naive_wape: float
    coverage: float  # share of actual counts inside the interval
    level: float


def backtest(
    counts: Counts,
    holiday_days: npt.NDArray[np.bool_],
    *,
    weeks: int = 4,
    level: float = 0.8,
) -> Backtest:
    """Forecast each of the last ``weeks`` weeks from those before it; compare with naive."""
    held = min(weeks, counts.shape[0] - 2)
    if held < 1:
        raise ValueError("a backtest needs at least three weeks of history")
    errors, naive, actual, inside = [], [], [], []
    for week in range(counts.shape[0] - held, counts.shape[0]):
        fit = fit_forecast(counts[:week], holiday_days[:week], holiday_days[week], level=level)
        truth = counts[week]
        errors.append(np.abs(fit.mean - truth))
        naive.append(np.abs(counts[week - 1] - truth))
        actual.append(truth)
        inside.append((truth >= fit.low) & (truth <= fit.high))
    total = float(np.sum(actual)) or 1.0
    return Backtest(
        weeks=held,
        mae=float(np.mean(errors)),
        naive_mae=float(np.mean(naive)),
        wape=float(np.sum(errors)) / total,
        naive_wape=float(np.sum(naive)) / total,
        coverage=float(np.mean(inside)),
        level=level,
    )


def holiday_matrix(
    is_holiday: Callable[[date], bool], first_monday: int, weeks: int
) -> npt.NDArray[np.bool_]:
    """(weeks x 7) flags of the local dates that are holidays."""
    start = date.fromordinal(first_monday)
    return np.array(
        [[is_holiday(start + timedelta(days=7 * w + d)) for d in range(7)] for w in range(weeks)],
        dtype=bool,
    )

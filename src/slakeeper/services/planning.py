"""Planning use cases: forecast arrivals from an event log (the staffing plan is in
:mod:`slakeeper.services.staffing`). Both read files and configurations, call the pure
:mod:`slakeeper.planning` package and return plain documents for the CLI to print."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt

from slakeeper.core.configuration import Configuration
from slakeeper.core.errors import InputError
from slakeeper.planning.forecast import (
    Backtest,
    Forecast,
    SlotGrid,
    backtest,
    fit_forecast,
    holiday_matrix,
    weekly_counts,
)
from slakeeper.planning.history import History, read_history

__all__ = [
    "GroupForecast",
    "WeekForecast",
    "forecast_history",
    "forecast_instants",
    "history_weeks",
    "parse_slot",
]

GROUP_KEYS = ("team", "channel")


@dataclass(frozen=True)
class GroupForecast:
    """One group's forecast and its backtest (None with under three weeks of history)."""

    key: tuple[str, ...]
    forecast: Forecast
    backtest: Backtest | None


@dataclass(frozen=True)
class WeekForecast:
    """Forecasts of the week starting ``week_start`` (local Monday), per group."""

    grid: SlotGrid
    by: tuple[str, ...]
    week_start: date
    history_weeks: int
    groups: list[GroupForecast]


def parse_slot(text: str) -> int:
    """``30m`` or ``1h`` (also ``15m``, ``60m``) → minutes dividing a day."""
    value = text.strip().lower()
    minutes = None
    if value.endswith("m") and value[:-1].isdigit():
        minutes = int(value[:-1])
    elif value.endswith("h") and value[:-1].isdigit():
        minutes = 60 * int(value[:-1])
    if not minutes or 1440 % minutes:
        raise InputError(f"expected 15m, 30m or 1h, got {text!r}", path=("--slot",))
    return minutes


def parse_by(text: str | None) -> tuple[str, ...]:
    """``team,channel`` → the grouping keys."""
    if not text:
        return ()
    keys = tuple(part.strip() for part in text.split(",") if part.strip())
    for key in keys:
        if key not in GROUP_KEYS:
            raise InputError(f"unknown key {key!r} (expected team, channel)", path=("--by",))
    return keys


def holiday_test(config: Configuration | None):  # type: ignore[no-untyped-def]
    """A date predicate: a holiday of any calendar of the configuration."""
    calendars = list(config.calendars.values()) if config is not None else []

    def is_holiday(day: date) -> bool:
        return any(day in c.holidays or c.is_holiday_from_sets(day) for c in calendars)

    return is_holiday


def forecast_history(
    history: History | str | Path,
    *,
    grid: SlotGrid,
    by: tuple[str, ...] = (),
    config: Configuration | None = None,
    backtest_weeks: int = 4,
    level: float = 0.8,
) -> WeekForecast:
    """Forecast the week after the history's last full week, per group, with backtests."""
    if not isinstance(history, History):
        history = read_history(history)
    if history.created.size == 0:
        raise InputError("the history has no created events", path=("--events",))
    first_monday, weeks, holidays = history_weeks(history, grid, config)
    keys = _group_keys(history, by)
    groups = []
    for key in sorted(set(keys)):
        mask = np.array([k == key for k in keys])
        counts = weekly_counts(grid, history.created[mask], first_monday, weeks)
        fit = fit_forecast(counts, holidays[:weeks], holidays[weeks], level=level)
        test = None
        if weeks >= 3 and backtest_weeks > 0:
            test = backtest(counts, holidays[:weeks], weeks=backtest_weeks, level=level)
        groups.append(GroupForecast(key, fit, test))
    week_start = date.fromordinal(first_monday) + timedelta(weeks=weeks)
    return WeekForecast(grid, by, week_start, weeks, groups)


def history_weeks(
    history: History, grid: SlotGrid, config: Configuration | None
) -> tuple[int, int, npt.NDArray[np.bool_]]:
    """(local ordinal of the first full week's Monday, full weeks, holiday flags of those
    weeks and the next: weeks + 1 rows of 7)."""
    ordinals, _ = grid.locate(history.created)
    first = int(ordinals.min())
    first_monday = first + (7 - (first - 1) % 7) % 7  # the first full local week
    weeks = (int(ordinals.max()) - first_monday) // 7  # full weeks before the last day
    if weeks < 1:
        raise InputError("the history needs at least one full week", path=("--events",))
    holidays = holiday_matrix(holiday_test(config), first_monday, weeks + 1)
    return first_monday, weeks, holidays


def forecast_instants(
    instants: npt.NDArray[np.int64],
    *,
    grid: SlotGrid,
    first_monday: int,
    weeks: int,
    holidays: npt.NDArray[np.bool_],
) -> Forecast:
    """The next week's forecast of one series of arrival instants."""
    counts = weekly_counts(grid, instants, first_monday, weeks)
    return fit_forecast(counts, holidays[:weeks], holidays[weeks])


def _group_keys(history: History, by: tuple[str, ...]) -> list[tuple[str, ...]]:
    columns = {"team": history.team, "channel": history.channel}
    return [tuple(columns[k][i] for k in by) for i in range(history.created.size)]

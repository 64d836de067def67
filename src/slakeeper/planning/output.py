"""Forecasts and plans as text: a Rich table, CSV and JSON (the CLI's outputs)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import numpy as np

__all__ = ["forecast_csv", "forecast_json", "print_forecast"]


def _group_name(by: tuple[str, ...], key: tuple[str, ...]) -> str:
    return ", ".join(f"{k}={v}" for k, v in zip(by, key, strict=True)) or "all"


def forecast_csv(result: Any) -> str:
    """One row per group and slot: the expected arrivals and the interval."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*result.by, "slot", "start", "mean", "low", "high"])
    for group in result.groups:
        fc = group.forecast
        for slot in range(result.grid.per_week):
            writer.writerow(
                [
                    *group.key,
                    slot,
                    result.grid.label(slot),
                    f"{fc.mean[slot]:.3f}",
                    f"{fc.low[slot]:.3f}",
                    f"{fc.high[slot]:.3f}",
                ]
            )
    return out.getvalue()


def _backtest_document(test: Any) -> dict[str, Any] | None:
    if test is None:
        return None
    return {
        "weeks": test.weeks,
        "mae": round(test.mae, 4),
        "naive_mae": round(test.naive_mae, 4),
        "wape": round(test.wape, 4),
        "naive_wape": round(test.naive_wape, 4),
        "interval_coverage": round(test.coverage, 4),
    }


def forecast_json(result: Any) -> str:
    """The whole forecast as one JSON document."""
    document = {
        "timezone": result.grid.timezone,
        "slot_minutes": result.grid.slot_minutes,
        "week_start": result.week_start.isoformat(),
        "history_weeks": result.history_weeks,
        "level": result.groups[0].forecast.level if result.groups else None,
        "groups": [
            {
                "key": dict(zip(result.by, group.key, strict=True)),
                "weekly_total": round(group.forecast.weekly_total, 3),
                "trend_per_week": round(group.forecast.trend_per_week, 3),
                "holiday_factor": round(group.forecast.holiday_factor, 4),
                "dispersion": round(group.forecast.dispersion, 4),
                "backtest": _backtest_document(group.backtest),
                "mean": np.round(group.forecast.mean, 4).tolist(),
                "low": np.round(group.forecast.low, 4).tolist(),
                "high": np.round(group.forecast.high, 4).tolist(),
            }
            for group in result.groups
        ],
    }
    return json.dumps(document) + "\n"


def print_forecast(result: Any) -> None:
    """Per group: the week's total, trend and backtest; arrivals per day of the week."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=140)
    per_day = result.grid.per_day
    console.print(
        f"Forecast for the week of {result.week_start} ({result.grid.timezone}, "
        f"{result.grid.slot_minutes}-minute slots) from {result.history_weeks} full weeks"
    )
    table = Table(
        "group",
        "week",
        "trend/wk",
        "holiday x",
        "MAE",
        "naive MAE",
        "WAPE",
        "naive WAPE",
        "in interval",
    )
    days = Table("group", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "peak slot")
    for group in result.groups:
        fc, test = group.forecast, group.backtest
        name = _group_name(result.by, group.key)
        figures = ["-"] * 5
        if test is not None:
            figures = [
                f"{test.mae:.2f}",
                f"{test.naive_mae:.2f}",
                f"{test.wape:.1%}",
                f"{test.naive_wape:.1%}",
                f"{test.coverage:.0%} ({test.level:.0%})",
            ]
        table.add_row(
            name,
            f"{fc.weekly_total:.0f}",
            f"{fc.trend_per_week:+.1f}",
            f"{fc.holiday_factor:.2f}",
            *figures,
        )
        daily = fc.mean.reshape(7, per_day).sum(axis=1)
        peak = int(np.argmax(fc.mean))
        days.add_row(
            name, *(f"{d:.0f}" for d in daily), f"{result.grid.label(peak)} ({fc.mean[peak]:.1f})"
        )
    console.print(table)
    console.print(days)

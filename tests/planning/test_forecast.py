"""Forecasts: recovering a known weekly profile, trend and holiday dip; backtest beats naive."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import date, timedelta

import numpy as np
import pytest

from slakeeper.planning.forecast import (
    SlotGrid,
    backtest,
    fit_forecast,
    holiday_matrix,
    weekly_counts,
)
from slakeeper.services.ingest import ingest_events
from slakeeper.store.migrate import upgrade
from slakeeper.store.session import create_database

GRID = SlotGrid("UTC", 60)
MONDAY = date(2026, 1, 5).toordinal()


def synthetic(
    weeks: int, *, holidays: set[date] = frozenset(), seed: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson arrivals: office-hours profile, +2% a week, half volume on holidays."""
    rng = np.random.default_rng(seed)
    hour = np.arange(168) % 24
    day = np.arange(168) // 24
    profile = np.where((hour >= 8) & (hour < 18), 6.0, 1.0) * np.where(day < 5, 1.0, 0.3)
    rates = np.array([profile * (1 + 0.02 * w) for w in range(weeks + 1)])
    for w in range(weeks + 1):
        for d in range(7):
            if date.fromordinal(MONDAY + 7 * w + d) in holidays:
                rates[w, d * 24 : (d + 1) * 24] *= 0.5
    counts = rng.poisson(rates[:weeks]).astype(float)
    return counts, rates


def test_forecast_recovers_profile_and_trend_and_beats_naive() -> None:
    counts, rates = synthetic(20)
    flags = np.zeros((21, 7), bool)
    fit = fit_forecast(counts, flags[:20], flags[20])
    assert fit.weekly_total == pytest.approx(rates[20].sum(), rel=0.06)
    assert fit.trend_per_week > 0
    assert np.abs(fit.mean - rates[20]).mean() < 0.25 * rates[20].mean()
    inside = ((rates[20] >= fit.low) & (rates[20] <= fit.high)).mean()
    assert inside > 0.9  # the true mean lies inside nearly every interval
    test = backtest(counts, flags[:20], weeks=4)
    assert test.weeks == 4
    assert test.mae < test.naive_mae
    assert 0.6 < test.coverage <= 1.0


def test_intervals_cover_at_least_their_level_and_not_far_above() -> None:
    # Whole-count intervals are conservative (a Poisson(1) 80% interval, 0 to 2, holds
    # 92%), but not wildly so.
    counts, _ = synthetic(20, seed=2)
    flags = np.zeros((20, 7), bool)
    for level in (0.8, 0.9, 0.95):
        coverage = backtest(counts, flags, weeks=6, level=level).coverage
        assert level - 0.03 <= coverage <= level + 0.15


def test_holidays_of_the_calendar_lower_the_forecast_on_that_day() -> None:
    holidays = {date.fromordinal(MONDAY + 7 * w + 2) for w in (3, 7, 11, 15, 20)}  # Wednesdays
    counts, _ = synthetic(20, holidays=holidays)
    flags = holiday_matrix(lambda day: day in holidays, MONDAY, 21)
    fit = fit_forecast(counts, flags[:20], flags[20])
    assert fit.holiday_factor == pytest.approx(0.5, abs=0.12)
    wednesday = slice(2 * 24, 3 * 24)
    tuesday = slice(1 * 24, 2 * 24)
    assert fit.mean[wednesday].sum() < 0.65 * fit.mean[tuesday].sum()


def test_slots_follow_local_wall_time_across_a_dst_change() -> None:
    grid = SlotGrid("Europe/Berlin", 30)
    # 09:00 Berlin is 08:00 UTC in winter and 07:00 UTC in summer: the same slot.
    winter = int(np.datetime64("2026-03-23T08:00:00").astype("datetime64[us]").astype(np.int64))
    summer = int(np.datetime64("2026-03-30T07:00:00").astype("datetime64[us]").astype(np.int64))
    _, slots = grid.locate(np.array([winter, summer], np.int64))
    assert slots.tolist() == [18, 18]
    counts = weekly_counts(
        grid, np.array([winter, summer], np.int64), date(2026, 3, 23).toordinal(), 2
    )
    assert counts[0, 18] == 1 and counts[1, 18] == 1 and counts.sum() == 2


def test_cli_forecast_json_and_from_db_reads_the_same_history(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    start = np.datetime64("2026-01-05T00:00:00")
    lines = []
    for number in range(1500):
        at = start + np.timedelta64(int(rng.uniform(0, 35 * 86400)), "s")
        team = "tier1" if number % 3 else "billing"
        lines.append(
            json.dumps(
                {
                    "id": f"e{number}",
                    "ticket": f"T{number}",
                    "type": "created",
                    "at": f"{at}Z",
                    "team": team,
                    "channel": "email",
                    "severity": "P3",
                }
            )
        )
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(lines) + "\n")
    command = [sys.executable, "-m", "slakeeper.cli", "plan", "forecast", "--events", str(events)]
    result = subprocess.run(
        [*command, "--by", "team", "--slot", "1h", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [g["key"] for g in document["groups"]] == [{"team": "billing"}, {"team": "tier1"}]
    assert len(document["groups"][0]["mean"]) == 168
    assert document["groups"][1]["backtest"]["naive_mae"] > 0
    assert document["week_start"] == (date(2026, 1, 5) + timedelta(weeks=4)).isoformat()
    bad = subprocess.run(
        [*command, "--by", "severity"], capture_output=True, text=True, check=False
    )
    assert (
        bad.returncode == 2
        and bad.stderr == "error: --by: unknown key 'severity' (expected team, channel)\n"
    )
    url = f"sqlite:///{tmp_path / 'store.db'}"
    database = create_database(url)
    upgrade(database)
    env = os.environ | {"SLAKEEPER_DATABASE_URL": url}
    from_db = [*command[:-2], "--from-db", "--by", "team", "--slot", "1h", "--format", "json"]
    empty = subprocess.run(from_db, capture_output=True, text=True, check=False, env=env)
    assert empty.returncode == 2 and "holds no events" in empty.stderr
    shuffled = [json.loads(line) for line in lines]
    random.Random(4).shuffle(shuffled)  # the store keeps arrival order; export sorts by time
    ingest_events(database, shuffled, now=10**18)
    database.dispose()
    stored = subprocess.run(from_db, capture_output=True, text=True, check=False, env=env)
    assert stored.returncode == 0, stored.stderr
    assert json.loads(stored.stdout) == document

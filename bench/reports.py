"""Reports over many tickets' clocks: ours (Polars) against DuckDB and a plain pandas pipeline.

1. Simulate ``--days`` of the default scenario and evaluate it offline into the report
   tables (services/reports.py), then tile the tables ``--copies`` times (ticket ids
   suffixed) to reach the measured scale without simulating for an hour.
2. Time each report of ours on those tables (best of ``--repeat``).
3. Time the same figures computed by a plain pandas pipeline on the same columns, and by
   DuckDB SQL for compliance and times, and check they agree with ours; print each with
   the ratio.

Run: ``PYTHONPATH=src .venv/bin/python bench/reports.py --days 30 --copies 20``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from slakeeper.analytics.figures import REPORTS
from slakeeper.analytics.tables import Tables
from slakeeper.config import load_config
from slakeeper.services.reports import parse_query, run_report, tables_from_file

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "src" / "slakeeper" / "simulation" / "default_config.yaml"
BY = {"compliance": "severity,tier,metric"}


def build(days: float, copies: int) -> Tables:
    """Step 1: simulated history evaluated offline, tiled ``copies`` times."""
    with tempfile.TemporaryDirectory() as folder:
        events = Path(folder) / "events.jsonl"
        command = [sys.executable, "-m", "slakeeper.cli", "simulate", "--days", str(days)]
        subprocess.run([*command, "--out", str(events), "--no-attainment"], check=True)
        last = max(int(line.split(b'"at":"')[1][:4]) for line in events.read_bytes().splitlines())
        tables, _ = tables_from_file(events, load_config(CONFIG), _year_end(last))
    suffix = lambda frame, n: frame.with_columns(pl.col("ticket") + f"#{n}")  # noqa: E731
    tickets = pl.concat([suffix(tables.tickets, n) for n in range(copies)])
    clocks = pl.concat([suffix(tables.clocks, n) for n in range(copies)])
    return Tables(tickets, clocks, tables.now)


def _year_end(year: int) -> int:
    from datetime import UTC, datetime

    return int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()) * 1_000_000


def best(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def pandas_frames(tables: Tables) -> tuple[Any, Any]:
    """The same tables as pandas frames (numpy columns; no pyarrow needed)."""
    import pandas as pd

    def convert(frame: pl.DataFrame) -> Any:
        return pd.DataFrame({name: frame[name].to_list() for name in frame.columns})

    return convert(tables.tickets), convert(tables.clocks)


def pandas_compliance(clocks: Any) -> Any:
    """Compliance by severity x tier x metric, the plain pandas way."""
    keys = ["severity", "account_tier", "metric"]
    frame = clocks.assign(
        met=clocks.status.eq("met"),
        breached=clocks.status.eq("breached"),
        running=clocks.status.eq("running"),
        cancelled=clocks.status.eq("cancelled"),
    )
    counts = frame.groupby(keys, dropna=False)[["met", "breached", "running", "cancelled"]].sum()
    decided = counts.met + counts.breached
    return counts.assign(compliance=(counts.met / decided).where(decided > 0)).reset_index()


def pandas_times(clocks: Any, now: int) -> Any:
    """Median and p90 business time of fulfilled first response and resolution clocks."""
    done = clocks[
        clocks.fulfilled_at.notna()
        & (clocks.fulfilled_at <= now)
        & clocks.status.ne("cancelled")
        & clocks.metric.isin(["first_response", "resolution"])
    ]
    grouped = done.groupby("metric").elapsed_us
    return grouped.agg(["median", lambda s: s.quantile(0.9)]).reset_index()


def pandas_backlog(tickets: Any, now: int) -> Any:
    """Open tickets at ``now`` per severity."""
    solved = tickets.resolved_at.notna() & (tickets.resolved_at <= now)
    open_ = tickets[(tickets.created_at <= now) & ~solved]
    return open_.groupby("severity").size()


def pandas_resolution_quality(tickets: Any, now: int) -> Any:
    """Resolved, FCR and reopen counts overall."""
    resolved = tickets.resolved_at.notna() & (tickets.resolved_at <= now)
    return {
        "resolved": int(resolved.sum()),
        "fcr": float((resolved & tickets.replies.eq(1)).sum() / resolved.sum()),
        "reopened": int(tickets.reopens.gt(0).sum()),
    }


def duckdb_compliance(clocks: Any) -> Any:
    """Compliance by severity x tier x metric in DuckDB SQL (over the pandas frame)."""
    import duckdb

    connection = duckdb.connect()
    connection.register("clocks", clocks)
    return connection.execute(
        "SELECT severity, account_tier, metric, "
        "count(*) FILTER (WHERE status = 'met') AS met, "
        "count(*) FILTER (WHERE status = 'breached') AS breached "
        "FROM clocks GROUP BY ALL ORDER BY ALL"
    ).fetchall()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    tables = build(args.days, args.copies)
    now = tables.now
    print(f"{tables.tickets.height:,} tickets, {tables.clocks.height:,} clocks")
    tickets, clocks = pandas_frames(tables)
    theirs: dict[str, Callable[[], Any]] = {
        "compliance": lambda: pandas_compliance(clocks),
        "times": lambda: pandas_times(clocks, now),
        "backlog": lambda: pandas_backlog(tickets, now),
        "resolution-quality": lambda: pandas_resolution_quality(tickets, now),
    }
    for name in REPORTS:
        query = parse_query(name, by=BY.get(name))
        ours, rows = best(lambda n=name, q=query: run_report(n, tables, q), args.repeat)
        line = f"{name:<20} ours {ours * 1000:8.1f} ms ({len(rows[1])} rows)"
        if name in theirs:
            pandas_time, _ = best(theirs[name], args.repeat)
            line += f"   pandas {pandas_time * 1000:8.1f} ms   ratio {pandas_time / ours:5.1f}x"
        print(line)
    duck_time, duck_rows = best(lambda: duckdb_compliance(clocks), args.repeat)
    ours, _ = best(
        lambda: run_report("compliance", tables, parse_query("compliance", by=BY["compliance"])),
        args.repeat,
    )
    print(
        f"engine choice: compliance Polars {ours * 1000:.1f} ms, DuckDB {duck_time * 1000:.1f} ms "
        f"(DuckDB over a registered frame, {len(duck_rows)} groups)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

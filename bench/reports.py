"""Reports read from the database, as ``slakeeper report NAME`` does without ``--events``.

For each database given (``--sqlite FILE``, ``--postgresql URL``) and each report:

1. ours in-process: from opening the database to the report's rows (store/frames.py
   reads the columns the report needs, analytics/figures.py computes it), best of
   ``--repeat``, split into loading (database → report tables) and figures;
   The in-process figure reads as ``slakeeper report`` does (SQLite over ADBC in this
   process: nothing else in it holds the file); the *service path* column reads as
   ``GET /api/v1/reports`` does, beside the service's own connections (SQLite in a child
   process, store/frames.py), best of ``--repeat`` too;
2. ours as a whole process: ``slakeeper report NAME --by … --now … --format json`` run
   by the shell, wall time (start-up, imports, loading, figures, JSON on stdout);
3. a plain pandas pipeline (bench/reports_pandas.py): ``pandas.read_sql_query`` of the
   same columns, judged and grouped in pandas; its rows are checked against ours (same
   groups, same counts, floats to 1e-9) and the ratio pandas ÷ ours printed.

The target (issue 11): each report under 2 s over 1,000,000 imported tickets' stored
clocks. ``--before`` also times the first loading path (row by row through the driver,
every column) for compliance, as it was before store/frames.py.

The databases: ``--build FOLDER`` imports bench/history.py's ``--tickets`` tickets with
``slakeeper import events`` into FOLDER/reports.db (and ``--postgresql``'s database, which
must exist and be empty), then tiles the stored tickets and clocks ``--copies`` times in
SQL (ticket ids suffixed ``#n``): a million tickets from an import of 100,000.

Run: ``PYTHONPATH=src .venv/bin/python bench/reports.py --sqlite /tmp/reports-db/r1m.db``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import reports_pandas
from slakeeper.core.instants import parse_instant_us
from slakeeper.services.reports import (
    parse_query,
    report_tables,
    run_report,
    tables_from_database,
    tables_from_database_by_rows,
)
from slakeeper.store.session import create_database

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-07-01T00:00:00Z"  # bench/history.py's NOW: the import's clock
BY = {  # the grouping for compliance; each other report's default
    "compliance": "severity,tier,metric",
    "service-level": "metric",
    "times": "metric",
    "resolution-quality": "",
    "escalations": "",
    "csat": "tier",
    "backlog": "severity",
    "breach-causes": "metric",
}
TARGET = 2.0


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def best(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def ours(
    url: str, name: str, by: str, now: int, alone: bool = True
) -> tuple[float, float, float, list[Any]]:
    """(load seconds, total seconds, CPU seconds, rows): open the database, read, compute.

    ``alone``: as ``slakeeper report`` reads (SQLite over ADBC in this process); else as
    the service does (GET /api/v1/reports: SQLite's child process, store/frames.py).
    CPU: this process's, every thread (Polars' and the ADBC drivers'), not the server's
    nor a child process's."""
    start, cpu = time.perf_counter(), time.process_time()
    database = create_database(url)
    query = parse_query(name, by=by)
    if alone:
        tables = report_tables(database, now, name, query, alone=True)
    else:
        with database.read() as connection:
            tables = tables_from_database(connection, now, name, query)
    loaded = time.perf_counter()
    rows = run_report(name, tables, query)[1]
    database.dispose()
    return loaded - start, time.perf_counter() - start, time.process_time() - cpu, rows


def whole_process(url: str, name: str, by: str) -> float:
    """Wall seconds of ``slakeeper report`` as a process (JSON to a pipe)."""
    command = [sys.executable, "-m", "slakeeper.cli", "report", name, "--now", NOW]
    command += ["--format", "json", *(["--by", by] if by else [])]
    env = os.environ | {"SLAKEEPER_DATABASE_URL": url}
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.PIPE)
    return time.perf_counter() - start


def start_up() -> float:
    """Wall seconds of ``slakeeper report --help``: the process's fixed cost."""
    start = time.perf_counter()
    command = [sys.executable, "-m", "slakeeper.cli", "report", "--help"]
    subprocess.run(command, check=True, stdout=subprocess.PIPE)
    return time.perf_counter() - start


def pandas_run(url: str, name: str, by: str, now: int) -> tuple[float, list[dict[str, Any]]]:
    """(seconds, rows) of the pandas pipeline, opening the database included."""
    start = time.perf_counter()
    database = create_database(url)
    with database.read() as connection:
        rows = reports_pandas.run(name, connection, now, parse_query(name, by=by).by)
    database.dispose()
    return time.perf_counter() - start, rows


def keys(name: str, by: str) -> list[str]:
    found = list(parse_query(name, by=by).by)
    if name == "times" and "metric" not in found:
        found.insert(0, "metric")
    return found + (["kind", "name"] if name == "breach-causes" else [])


def measure(label: str, url: str, args: argparse.Namespace) -> bool:
    """Every report on one database; True when all agree with pandas."""
    now = parse_instant_us(NOW)
    database = create_database(url)
    with database.read() as connection:
        tickets = connection.exec_driver_sql("SELECT count(*) FROM tickets").scalar()
        clocks = connection.exec_driver_sql("SELECT count(*) FROM clocks").scalar()
    database.dispose()
    print(f"\n{label}: {tickets:,} tickets, {clocks:,} clocks; load average {load_average()}")
    print(f"process start-up (slakeeper report --help): {start_up():.2f} s")
    if args.before:
        database = create_database(url)
        with database.read() as connection:
            seconds, _ = best(lambda: tables_from_database_by_rows(connection, now), 1)
        database.dispose()
        print(f"before: every column row by row (tables_from_database_by_rows): {seconds:.2f} s")
    print(
        "| report (`--by`) | load | figures | ours in-process (CPU) | service path "
        "| ours, whole process | pandas | ratio | < 2 s (in-process / service / process) | rows |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    agree = True
    for name in args.only or BY:
        by = BY[name]
        runs = [ours(url, name, by, now) for _ in range(args.repeat)]
        load, total, cpu, rows = min(runs, key=lambda run: run[1])
        service = min(ours(url, name, by, now, alone=False)[1] for _ in range(args.repeat))
        process = min(whole_process(url, name, by) for _ in range(args.repeat))
        if args.no_pandas:
            theirs_text, ratio, check = "-", "", ""
        else:
            theirs, their_rows = pandas_run(url, name, by, now)
            difference = reports_pandas.same_rows(rows, their_rows, keys(name, by))
            agree = agree and not difference
            theirs_text, ratio = f"{theirs:.2f} s", f"{theirs / total:.1f}x"
            check = "" if not difference else f" **pandas differs: {difference}**"
        verdict = " / ".join("PASS" if t < TARGET else "FAIL" for t in (total, service, process))
        print(
            f"| {name} ({by or 'none'}) | {load:.2f} s | {total - load:.2f} s "
            f"| {total:.2f} s ({cpu:.2f}) | {service:.2f} s "
            f"| {process:.2f} s | {theirs_text} | {ratio} | {verdict} | {len(rows)}{check} |",
            flush=True,
        )
    print(f"load average after: {load_average()}")
    return agree


def build(folder: Path, tickets: int, copies: int, postgresql: str | None) -> None:
    """Import a synthetic history and tile the stored tickets and clocks (see above)."""
    from history import write_history

    folder.mkdir(parents=True, exist_ok=True)
    events = folder / f"history-{tickets}.jsonl"
    if not events.exists():
        write_history(events, tickets, 1)
    targets = [f"sqlite:///{folder / 'reports.db'}", *([postgresql] if postgresql else [])]
    for url in targets:
        env = os.environ | {"SLAKEEPER_DATABASE_URL": url, "SLAKEEPER_FIXED_NOW": NOW}
        command = [sys.executable, "-m", "slakeeper.cli", "import", "events", str(events)]
        command += ["--config", str(ROOT / "bench" / "replay-config.yaml")]
        subprocess.run(command, env=env, check=True)
        database = create_database(url)
        with database.write() as connection:
            for n in range(1, copies):
                for statement in tile_statements(connection, n):
                    connection.exec_driver_sql(statement)
            connection.exec_driver_sql("ANALYZE")  # as the import leaves its own rows
        database.dispose()
        print(f"{url}: imported {tickets:,} tickets, tiled {copies} times")


def tile_statements(connection: Any, n: int) -> list[str]:
    """INSERTs copying the first import's tickets and clocks with ids suffixed ``#n``."""
    statements = []
    pg = connection.dialect.name == "postgresql"  # psycopg reads % as a placeholder
    for table, key in (("tickets", "id"), ("clocks", "ticket")):
        if connection.dialect.name == "sqlite":
            names = [row[1] for row in connection.exec_driver_sql(f"PRAGMA table_info({table})")]
        else:
            sql = f"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}'"
            sql += " AND table_schema = current_schema() ORDER BY ordinal_position"
            names = [row[0] for row in connection.exec_driver_sql(sql)]
        if table == "clocks":
            names = [name for name in names if name != "id"]
        values = [f"{name} || '#{n}'" if name == key else name for name in names]
        statements.append(
            f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(values)} "
            f"FROM {table} WHERE {key} NOT LIKE '%#%'".replace("%", "%%" if pg else "%")
        )
    return statements


def main(argv: list[str] | None = None) -> int:
    """Build the databases if asked, then measure every report on each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", help="SQLite file of imported tickets")
    parser.add_argument("--postgresql", help="PostgreSQL URL of imported tickets")
    parser.add_argument("--build", type=Path, help="import and tile into this folder first")
    parser.add_argument("--tickets", type=int, default=100_000, help="--build: default 100000")
    parser.add_argument("--copies", type=int, default=10, help="--build: default 10")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", nargs="*", choices=list(BY))
    parser.add_argument("--no-pandas", action="store_true")
    parser.add_argument("--before", action="store_true", help="time the row-by-row load too")
    args = parser.parse_args(argv)
    if args.build:
        build(args.build, args.tickets, args.copies, args.postgresql)
        args.sqlite = args.sqlite or str(args.build / "reports.db")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, now {NOW}")
    agree = True
    if args.sqlite:
        if not Path(args.sqlite).is_file():
            parser.error(f"no SQLite file {args.sqlite}")
        agree &= measure("SQLite", f"sqlite:///{args.sqlite}", args)
    if args.postgresql:
        agree &= measure("PostgreSQL", args.postgresql, args)
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())

"""Import benchmark: ``slakeeper import events`` of a synthetic history, as a whole process.

1. Write a history with bench/history.py (about ten events per ticket, in time order,
   the same generator replay and the service benchmark use); not timed.
2. For each database (SQLite file, and PostgreSQL when ``--pg-url`` or
   ``SLAKEEPER_TEST_DATABASE_URL`` is given: a fresh schema, dropped afterwards), run
   ``slakeeper import events FILE --config bench/replay-config.yaml`` in a child process
   with the clock fixed at the history's ``NOW``: migrations, parsing, storing, evaluating
   and storing every clock, start-up included. The figure is events stored per second of
   wall time; peak RSS is the child's (``wait4``'s ``ru_maxrss``; its evaluation workers
   are separate processes, about 200 MB at 1,000,000 tickets); CPU seconds are the child's and its
   workers'.
3. Check the database: events and clocks stored (the clock count equals the import's own
   summary), then import the same file again: nothing new is stored (idempotence).

Targets (issue 11): 50,000 events/s into SQLite, 30,000 into PostgreSQL, memory under 2 GB,
for 1,000,000 tickets (about 8 million events). The machine is shared: run a scale that
takes minutes (``--tickets 50000``) and read the rate, not the total.

    .venv/bin/python bench/import_history.py --tickets 50000 [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from history import NOW_TEXT, write_history

ROOT = Path(__file__).resolve().parents[1]
CONFIG = Path(__file__).resolve().parent / "replay-config.yaml"
TARGETS = {"sqlite": 50_000, "postgresql": 30_000}
MEMORY_TARGET_MB = 2048


def run_import(events: Path, url: str, workers: int | None = None) -> tuple[float, float, int, str]:
    """(wall seconds, CPU seconds, peak RSS in MB, stdout) of one ``slakeeper import events``."""
    env = os.environ | {"SLAKEEPER_DATABASE_URL": url, "SLAKEEPER_FIXED_NOW": NOW_TEXT}
    command = [sys.executable, "-m", "slakeeper.cli", "import", "events", str(events),
               "--config", str(CONFIG), "--no-progress"]  # fmt: skip
    if workers is not None:
        command += ["--workers", str(workers)]
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # wait4 gives this child's own peak RSS (getrusage(RUSAGE_CHILDREN) would mix children).
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    assert child.stdout is not None and child.stderr is not None
    out, err = child.stdout.read().decode(), child.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed:\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, out


def stored(out: str) -> tuple[int, int, int]:
    """(events stored, tickets, clocks) from the import's summary line."""
    found = re.search(r"stored ([\d,]+) for ([\d,]+) tickets; ([\d,]+) clocks", out)
    if found is None:
        raise SystemExit(f"unexpected summary: {out}")
    return tuple(int(group.replace(",", "")) for group in found.groups())  # type: ignore[return-value]


def count(url: str, table: str) -> int:
    """Rows of ``table`` in the database at ``url``."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        found = int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    engine.dispose()
    return found


def measure(
    name: str, url: str, events: Path, lines: int, workers: int | None, *, again: bool = True
) -> bool:
    """Import, check, import again; print the figures; True when the target is met."""
    wall, cpu, peak, out = run_import(events, url, workers)
    events_stored, tickets, clocks = stored(out)
    assert events_stored == lines == count(url, "events"), (events_stored, lines)
    assert clocks == count(url, "clocks"), (clocks, count(url, "clocks"))
    rate = events_stored / wall
    target = TARGETS[name]
    verdict = "PASS" if rate >= target and peak < MEMORY_TARGET_MB else "FAIL"
    print(f"  {name:<10} {events_stored:>10,} events {tickets:>9,} tickets {clocks:>10,} clocks "
          f"{wall:8.1f} s {rate:>9,.0f} events/s (target {target:,}) peak RSS {peak:,} MB "
          f"(target < {MEMORY_TARGET_MB:,})  {verdict}")  # fmt: skip
    print(
        f"  {'':<10} CPU {cpu:.1f} s in all (the import and its evaluation workers; not the "
        f"database server's): {events_stored / cpu:,.0f} events per CPU second"
    )
    if not again:
        return verdict == "PASS"
    again_wall, _, again_peak, again = run_import(events, url)
    assert stored(again)[0] == 0 and count(url, "events") == lines
    print(
        f"  {'':<10} again: 0 stored, {lines:,} duplicates skipped in {again_wall:.1f} s "
        f"({lines / again_wall:,.0f} lines/s, peak RSS {again_peak:,} MB)"
    )
    return verdict == "PASS"


def postgres_schema(base: str) -> tuple[str, str]:
    """A fresh schema on ``base``: (URL with its search_path, schema name)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"bench_{secrets.token_hex(4)}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = make_url(base)
    url = url.set(query=dict(url.query) | {"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def drop_schema(base: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=50_000, help="default 50000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--workers", type=int, help="passed to the import (default: its own)")
    parser.add_argument("--pg-url", default=os.environ.get("SLAKEEPER_TEST_DATABASE_URL"))
    parser.add_argument(
        "--no-again", action="store_true", help="skip the second import (idempotence check)"
    )
    parser.add_argument(
        "--events", type=Path, help="a history bench/history.py wrote before (not written again)"
    )
    args = parser.parse_args(argv)
    ok = True
    with tempfile.TemporaryDirectory(prefix="slakeeper-import-") as folder:
        events = args.events or Path(folder) / "history.jsonl"
        started = time.perf_counter()
        if args.events is None:
            lines = write_history(events, args.tickets, args.seed)
        else:
            with open(events, "rb") as file:
                lines = sum(1 for _ in file)
        origin = f"{args.events}" if args.events else f"{args.tickets:,} tickets"
        print(f"history: {origin}, {lines:,} events, "
              f"{events.stat().st_size / 1e6:,.0f} MB (written in "
              f"{time.perf_counter() - started:.1f} s, not timed); config {CONFIG.name}; "
              f"now {NOW_TEXT}; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")  # fmt: skip
        if args.only in (None, "sqlite"):
            sqlite = f"sqlite:///{folder}/import.db"
            ok &= measure("sqlite", sqlite, events, lines, args.workers, again=not args.no_again)
        if args.only in (None, "postgresql"):
            if not args.pg_url:
                print("  postgresql: skipped (no --pg-url or SLAKEEPER_TEST_DATABASE_URL)")
            else:
                url, schema = postgres_schema(args.pg_url)
                try:
                    ok &= measure(
                        "postgresql", url, events, lines, args.workers, again=not args.no_again
                    )
                finally:
                    drop_schema(args.pg_url, schema)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

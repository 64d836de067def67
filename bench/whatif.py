"""Benchmark ``slakeeper whatif`` over a synthetic history, as users run it.

Run with ``.venv/bin/python bench/whatif.py`` (100,000 tickets, about a million events);
``--tickets N`` for another size, ``--seed`` for another history, ``--no-compare`` to skip
the reference runs, ``--events FILE`` to reuse a history bench/history.py wrote with the
same ``--tickets`` and ``--seed``. Results and their reading: bench/README.md.

The history is bench/history.py's (written beforehand into a temporary directory; its
generation time is reported, not counted), replayed at 2026-07-01T00:00:00Z. The current
configuration is bench/replay-config.yaml with an ``accounts`` section giving each of the
history's 2,000 accounts a contract (a monthly fee and two credit rows; every fifth account
counts its months in Europe/Berlin); the proposal tightens two targets (enterprise P2
first response 1h -> 30m, enterprise P1 resolution 4h -> 2h).

What is measured, each as a whole process (start-up to exit, output to a file):

1. ``slakeeper whatif --events FILE --config CURRENT --proposed NEW --format json`` as it
   chooses its workers (one per core for a large file): wall time, tickets and events per
   second, and the largest peak RSS of the processes (``RUSAGE_CHILDREN``). Target (issue
   11): 1,000,000 tickets in under 60 s; a run below that size is extrapolated linearly
   (replay is ticket by ticket; a worker holds only the tickets still open).
2. For reference (``--no-compare`` skips them): the same ``whatif`` in one process
   (``SLAKEEPER_WORKERS=1``), and ``slakeeper evaluate`` of the same file under the current
   configuration alone (one evaluation, JSON of every clock out): the naive what-if runs
   that twice and then aggregates the output.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from history import NOW_TEXT, write_history

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "replay-config.yaml"
TARGET_TICKETS = 1_000_000
TARGET_SECONDS = 60.0
ACCOUNTS = 2000  # bench/history.py draws accounts acct-0000 .. acct-1999


def configurations(folder: Path) -> tuple[Path, Path]:
    """The current configuration (with contracts) and the proposal, written to ``folder``."""
    lines = ["accounts:"]
    for number in range(ACCOUNTS):
        zone = ", timezone: Europe/Berlin" if number % 5 == 0 else ""
        lines.append(
            f"  acct-{number:04}: {{name: Account {number}{zone}, contract: {{commitment: 0.95, "
            f"monthly_fee: {1000 + 10 * number}.0, credits: [{{below: 0.95, credit: 0.05}}, "
            "{below: 0.85, credit: 0.1}]}}"
        )
    current_text = CONFIG.read_text() + "\n".join(lines) + "\n"
    proposed_text = current_text.replace(
        "P2: {first_response: {sla: 1h, objective: 30m},", "P2: {first_response: 30m,", 1
    ).replace("periodic_update: 1h, resolution: 4h,", "periodic_update: 1h, resolution: 2h,", 1)
    assert proposed_text.count("first_response: 30m,") == 1, "the proposal no longer applies"
    assert "resolution: 2h," in proposed_text, "the proposal no longer applies"
    current, proposed = folder / "current.yaml", folder / "proposed.yaml"
    current.write_text(current_text)
    proposed.write_text(proposed_text)
    return current, proposed


# A small parent around each command: a child forked from this process (which holds the
# generated history) would count this process's pages as its own until it execs.
WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[2:]).returncode\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(code)\n"
)
PEAKS: list[float] = []


def run(args: list[str], out: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run ``slakeeper ARGS`` to ``out``; wall seconds and CPU seconds of its processes (its
    peak RSS in MB, the largest of its processes, is appended to PEAKS)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_file = out.with_suffix(".peak")
    start = time.perf_counter()
    with open(out, "wb") as sink:
        done = subprocess.run(
            [sys.executable, "-c", WRAPPER, str(peak_file), sys.executable, "-m",
             "slakeeper.cli", *args],
            stdout=sink,
            stderr=subprocess.PIPE,
            env=env,
            check=False,
        )  # fmt: skip
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"slakeeper {args[0]} failed:\n{done.stderr.decode()[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    PEAKS.append(int(peak_file.read_text()) / 1024)
    return wall, cpu


def peak_mb() -> float:
    """The largest peak RSS among the processes of the last command run (MB)."""
    return PEAKS[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-compare", action="store_true", help="Skip the reference runs.")
    parser.add_argument(
        "--events",
        metavar="FILE",
        help="reuse a history bench/history.py wrote with these --tickets and --seed",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="slakeeper-whatif-bench-") as directory:
        folder = Path(directory)
        start = time.perf_counter()
        if args.events:
            log = Path(args.events)
            with open(log, "rb") as file:
                events = sum(block.count(b"\n") for block in iter(lambda: file.read(1 << 24), b""))
        else:
            log = folder / "events.jsonl"
            events = write_history(log, args.tickets, args.seed)
        made = time.perf_counter() - start
        current, proposed = configurations(folder)
        print(
            f"python {platform.python_version()}, {os.cpu_count()} cores, "
            f"load {os.getloadavg()[0]:.1f}"
        )
        print(
            f"history: {args.tickets:,} tickets, {events:,} events, "
            f"{log.stat().st_size / 1e6:.0f} MB, written in {made:.1f} s (not counted)"
        )
        env = {k: v for k, v in os.environ.items() if k != "SLAKEEPER_WORKERS"}
        whatif = [
            "whatif",
            "--events",
            str(log),
            "--config",
            str(current),
            "--proposed",
            str(proposed),
            "--now",
            NOW_TEXT,
            "--format",
            "json",
        ]
        empty = folder / "empty.jsonl"
        empty.write_bytes(b"")
        fixed, fixed_cpu = run(
            ["whatif", "--events", str(empty), *whatif[3:]], folder / "e.json", env
        )
        wall, cpu = run(whatif, folder / "whatif.json", env)
        peak = peak_mb()
        rate = args.tickets / (wall - fixed)
        estimate = fixed + TARGET_TICKETS / rate
        verdict = "PASS" if estimate < TARGET_SECONDS else "FAIL"
        print(f"fixed cost (start-up, both configurations loaded, no events): {fixed:.2f} s")
        print(
            f"whatif (workers as chosen): {wall:.2f} s wall, {cpu:.2f} s CPU; beyond the fixed "
            f"cost {rate:,.0f} tickets/s, {events / (wall - fixed):,.0f} events/s; largest "
            f"peak RSS {peak:.0f} MB"
        )
        print(
            f"  1,000,000 tickets, extrapolated: {estimate:.0f} s (target < "
            f"{TARGET_SECONDS:.0f} s) {verdict}; memory does not grow with the history: a "
            f"worker holds only the tickets still open at the line it reads"
        )
        cores = len(os.sched_getaffinity(0))
        idle = fixed + (cpu - fixed_cpu) * TARGET_TICKETS / args.tickets / cores
        print(
            f"  from CPU time instead (what {cores} idle cores would take, the load aside): "
            f"{idle:.0f} s"
        )
        if args.no_compare:
            return 0
        wall1, cpu1 = run(whatif, folder / "whatif1.json", env | {"SLAKEEPER_WORKERS": "1"})
        print(
            f"whatif, one process:        {wall1:.2f} s wall, {cpu1:.2f} s CPU, "
            f"peak RSS {peak_mb():.0f} MB"
        )
        evaluate = ["evaluate", "--events", str(log), "--config", str(current), "--now", NOW_TEXT]
        walle, cpue = run(evaluate, folder / "evaluate.json", env)
        print(
            f"evaluate once (reference):  {walle:.2f} s wall, {cpue:.2f} s CPU; "
            f"the naive what-if runs it twice: {2 * walle:.2f} s, "
            f"{2 * walle / wall:.2f}x whatif's time, before aggregating"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

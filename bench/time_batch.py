"""``slakeeper time batch`` as a whole process, against businesstimedelta doing the same job.

Run with ``.venv/bin/python bench/time_batch.py`` (about a minute). Both sides are whole
processes started from a shell-less ``subprocess`` call, start-up included, reading the same
JSONL requests on stdin and writing one JSON answer per line on stdout:

- ours: ``slakeeper time batch --calendar cal.yaml:ny < requests.jsonl``;
- theirs: this file with ``--businesstimedelta``: the standard ``json`` module, and for each
  line ``start + BusinessTimeDelta(rules, timedelta(seconds=...))`` with one ``WorkDayRule``
  (Mon-Fri 09:00-17:00, pytz America/New_York) and a ``HolidayRule`` on the ``holidays``
  package's US dates (observed), the same dates our ``holiday_sets: [US]`` uses.

Requests: ``add`` with a start uniform over 2025-2026 (whole seconds, UTC) and a duration of
15 minutes to 40 hours, as in the issue. businesstimedelta takes about 0.3 ms per request,
so it gets the first ``--sample`` requests and the comparison is of requests per second.
Runs alternate (ours, theirs, ours, ...) so drift on a shared machine hits both; medians are
quoted. The answers on the sample are compared line by line.

Also printed: the start-up of the CLI (``slakeeper --help`` and ``time batch`` on empty
input) beside ``python -c pass``, and whether the core is the compiled one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

TARGET_RATE = 200_000
TARGET_RATIO = 70
CALENDAR = """\
calendars:
  ny:
    timezone: America/New_York
    weekly:
      mon: ["09:00-17:00"]
      tue: ["09:00-17:00"]
      wed: ["09:00-17:00"]
      thu: ["09:00-17:00"]
      fri: ["09:00-17:00"]
    holiday_sets: ["US"]
"""


def write_requests(path: Path, sample: Path, count: int, first: int, seed: int) -> None:
    """``count`` requests to ``path``, the first ``first`` of them to ``sample`` too."""
    chance = random.Random(seed)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    span = 2 * 365 * 86_400
    with path.open("w") as out, sample.open("w") as some:
        for n in range(count):
            start = base + timedelta(seconds=chance.randrange(span))
            seconds = chance.randrange(15 * 60, 40 * 3600 + 1)
            text = start.strftime("%Y-%m-%dT%H:%M:%SZ")
            line = f'{{"op": "add", "start": "{text}", "seconds": {seconds}}}\n'
            out.write(line)
            if n < first:
                some.write(line)


def count_lines(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))


def run(command: list[str], stdin: Path, stdout: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one whole process."""
    with stdin.open("rb") as source, stdout.open("wb") as sink:
        began = time.perf_counter()
        process = subprocess.Popen(command, stdin=source, stdout=sink)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{command[0]} exited {process.returncode}")
    return wall, usage.ru_maxrss


def businesstimedelta_batch() -> None:
    """The other side: answer add requests from stdin with businesstimedelta."""
    from datetime import time as clock

    import businesstimedelta
    import holidays
    import pytz

    zone = pytz.timezone("America/New_York")
    dates = frozenset(holidays.country_holidays("US", years=range(2024, 2030), observed=True))
    rules = businesstimedelta.Rules(
        [
            businesstimedelta.WorkDayRule(
                start_time=clock(9), end_time=clock(17), working_days=[0, 1, 2, 3, 4], tz=zone
            ),
            businesstimedelta.HolidayRule(dates, tz=zone),
        ]
    )
    write = sys.stdout.write
    for line in sys.stdin:
        request = json.loads(line)
        start = datetime.fromisoformat(request["start"])
        due = start + businesstimedelta.BusinessTimeDelta(
            rules, timedelta=timedelta(seconds=request["seconds"])
        )
        text = due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        write(json.dumps({"result": text}) + "\n")


def median_wall(command: list[str], runs: int) -> float:
    walls = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - began)
    return statistics.median(walls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200_000, help="requests given to ours")
    parser.add_argument("--sample", type=int, default=10_000, help="given to businesstimedelta")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--businesstimedelta", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.businesstimedelta:
        businesstimedelta_batch()
        return

    # Nothing of slakeeper is imported and no input is held here: a child's peak RSS (ru_maxrss)
    # starts at its parent's, so this process stays small for the column to be the child's.
    bindir = Path(sys.executable).parent
    ours = [str(bindir / "slakeeper"), "time", "batch", "--calendar"]
    theirs = [sys.executable, __file__, "--businesstimedelta"]
    where = subprocess.run(
        [sys.executable, "-c", "import slakeeper.core.timelines as t; print(t.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    compiled = not where.stdout.strip().endswith(".py")
    print(f"core: {'compiled (mypyc)' if compiled else 'pure Python'}; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "cal.yaml").write_text(CALENDAR)
        ours.append(str(folder / "cal.yaml") + ":ny")
        requests, sample = folder / "requests.jsonl", folder / "sample.jsonl"
        write_requests(requests, sample, args.n, args.sample, args.seed)

        # The answers first: ours on the sample against theirs, line by line.
        run(ours, sample, folder / "ours-sample.jsonl")
        run(theirs, sample, folder / "theirs-sample.jsonl")
        mine = (folder / "ours-sample.jsonl").read_text().splitlines()
        other = (folder / "theirs-sample.jsonl").read_text().splitlines()
        differ = [n for n, (a, b) in enumerate(zip(mine, other, strict=True)) if a != b]

        rows: dict[str, list[tuple[float, int]]] = {"ours": [], "theirs": []}
        for _ in range(args.runs):
            rows["ours"].append(run(ours, requests, folder / "ours.jsonl"))
            rows["theirs"].append(run(theirs, sample, folder / "theirs.jsonl"))
        answered = count_lines(folder / "ours.jsonl")
        assert answered == args.n, f"ours answered {answered} of {args.n} lines"

        empty = folder / "empty.jsonl"
        empty.write_text("")
        startup = {
            "python -c pass": median_wall([sys.executable, "-c", "pass"], args.runs),
            "slakeeper --help": median_wall([ours[0], "--help"], args.runs),
            "slakeeper time batch, empty input": median_wall([*ours[:-1], ours[-1]], args.runs),
        }

    ours_wall = statistics.median(w for w, _ in rows["ours"])
    theirs_wall = statistics.median(w for w, _ in rows["theirs"])
    ours_rate = args.n / ours_wall
    theirs_rate = args.sample / theirs_wall
    ratios = [
        (args.n / a) / (args.sample / b)
        for (a, _), (b, _) in zip(rows["ours"], rows["theirs"], strict=True)
    ]
    print(f"\n{'':34} {'requests':>9} {'wall s (median, min-max)':>26} {'req/s':>9} {'peak MB':>8}")
    for name, count in (("slakeeper time batch", args.n), ("businesstimedelta 1.0.1", args.sample)):
        walls = [w for w, _ in rows["ours" if count == args.n else "theirs"]]
        peak = max(m for _, m in rows["ours" if count == args.n else "theirs"]) / 1024
        spread = f"{statistics.median(walls):.3f} ({min(walls):.3f}-{max(walls):.3f})"
        rate = count / statistics.median(walls)
        print(f"{name:34} {count:>9,} {spread:>26} {rate:>9,.0f} {peak:>8.0f}")
    print(
        f"\nratio, run by run: median {statistics.median(ratios):.0f}x "
        f"(min {min(ratios):.0f}x, max {max(ratios):.0f}x)"
    )
    print(f"answers on the {args.sample:,}-request sample: {len(mine) - len(differ):,} identical")
    for n in differ[:5]:
        print(f"  line {n + 1}: ours {mine[n]}  theirs {other[n]}")
    print("\nstart-up, median wall:")
    for name, wall in startup.items():
        print(f"  {name:36} {wall * 1000:6.0f} ms")
    verdict = "PASS" if ours_rate >= TARGET_RATE else "FAIL"
    print(f"\n{verdict}: {ours_rate:,.0f} requests/s as a whole process (target {TARGET_RATE:,})")
    verdict = "PASS" if ours_rate / theirs_rate >= TARGET_RATIO else "FAIL"
    print(f"{verdict}: {ours_rate / theirs_rate:.0f}x businesstimedelta (target {TARGET_RATIO}x)")


if __name__ == "__main__":
    main()

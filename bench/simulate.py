"""Simulator throughput: events per second with and without urgency-ordered picking.

Targets (issue 4): one year of the default scenario (about 100,000 tickets) in under
2 minutes with urgency picking; one million tickets in under 10 minutes age-ordered.

    .venv/bin/python bench/simulate.py                 # a year with urgency, a year by age
    .venv/bin/python bench/simulate.py --million       # also ~10 years by age (1M tickets)
    .venv/bin/python bench/simulate.py --days 30       # a shorter run of each
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from slakeeper.config import load_config
from slakeeper.simulation import load_scenario, simulate


def run(days: float, urgency: bool) -> tuple[float, int, int]:
    """(seconds, tickets, events) of one run written to a temporary file."""
    scenario = load_scenario()
    assert scenario.config_path is not None
    config = load_config(scenario.config_path) if urgency else None
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as out:
        began = time.perf_counter()
        stats = simulate(scenario, days=days, seed=1, write=out.write, config=config)
        elapsed = time.perf_counter() - began
    os.unlink(out.name)
    return elapsed, stats.tickets, stats.events


def report(
    label: str, days: float, urgency: bool, limit_s: float | None, min_tickets: int = 0
) -> None:
    """Run once and print the figures, with the verdict against ``limit_s`` if given."""
    elapsed, tickets, events = run(days, urgency)
    verdict = ""
    if limit_s is not None:
        ok = elapsed < limit_s and tickets >= min_tickets
        wanted = f"{min_tickets:,} tickets in " if min_tickets else ""
        verdict = f"   target: {wanted}< {limit_s:g} s  {'PASS' if ok else 'FAIL'}"
    print(
        f"{label:<34} {days:>6g} days {tickets:>9,} tickets {events:>10,} events "
        f"{elapsed:>7.1f} s {events / elapsed:>9,.0f} events/s{verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument("--million", action="store_true", help="also run 1M tickets by age")
    args = parser.parse_args()
    one_year = 120.0 if args.days >= 365 else None  # the target is for a whole year
    report("default scenario, urgency picking", args.days, True, one_year)
    report("default scenario, age picking", args.days, False, None)
    if args.million:
        # About 95,500 tickets a year: 3,840 days make a little over a million.
        report("1M tickets, age picking", 3840, False, 600.0, min_tickets=1_000_000)


if __name__ == "__main__":
    main()

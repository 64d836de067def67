"""Benchmark replaying a synthetic event history through ``evaluate``, JSONL in, JSON out.

Run with ``.venv/bin/python bench/replay.py`` (100,000 tickets, about a million events);
``--tickets N`` for a smaller run, ``--seed`` for another history, ``--profile`` to replay
in-process under cProfile and print the hotspots, ``--whole-only`` for the first figures
alone. Results and their reading: bench/README.md.

What is measured:

0. ``slakeeper evaluate`` as users run it, a whole process from start-up to exit, output to a
   file: once forced into one process (``SLAKEEPER_WORKERS=1``), once as it chooses (one
   worker per core for a large file). Target (issue 8): at least 200,000 events per second,
   peak memory under 400 MB (the sum of every process's peak RSS; the peak of the summed
   PSS is printed beside it), and the two outputs byte-for-byte identical.

1. Offline replay, end to end, in a child process pinned to one core: read the JSONL file
   and parse every line (``read_events``, as ``evaluate_file`` does), ``evaluate`` every
   ticket under bench/replay-config.yaml at ``--now`` 2026-07-01T00:00:00Z, render every
   ticket (``ticket_document``) and write the list as JSON to a file (``write_documents``, as
   ``slakeeper evaluate`` does). Target: at least 100,000 events per second. The history is
   written beforehand by bench/history.py into a temporary directory; its generation time
   is reported separately and not counted. The replay must give zero diagnostics.
2. Peak memory of that replay: the child's peak resident set size, read by the parent with
   ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` after it exits (the only child it starts), so
   the interpreter, the imports, the configuration, the events, the results, the
   documents and the output text are all counted. Target: under 1 GB (10^9 bytes).
3. Live-service cost: re-evaluating one ticket whose log has 10, 50 or 200 events, as the
   service does when an event arrives: ``parse_event`` on every stored event, then
   ``evaluate_ticket`` at one minute after the last event, then ``ticket_document`` and
   ``write_documents``; p50 and p99 over many samples (and the same for ``evaluate_ticket``
   alone). Target: p99 under 1 ms for the 50-event ticket.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from history import NOW, NOW_TEXT, ticket_events, write_history
from slakeeper.config import load_config
from slakeeper.core.configuration import Configuration
from slakeeper.core.evaluation import Diagnostic, evaluate_ticket, iter_evaluate
from slakeeper.core.events import parse_event
from slakeeper.core.instants import parse_instant, to_us
from slakeeper.services.evaluations import (
    collection_paused,
    dumps,
    read_events,
    ticket_document,
    write_documents,
)

CONFIG = Path(__file__).resolve().parent / "replay-config.yaml"
EVENTS_PER_SECOND_TARGET = 100_000
WHOLE_RATE_TARGET = 200_000  # issue 8: `slakeeper evaluate` as a whole process, all cores
WHOLE_PEAK_TARGET = 400_000_000
PEAK_BYTES_TARGET = 1_000_000_000
LIVE_P99_TARGET_MS = 1.0  # for the 50-event ticket
LIVE_SIZES = (10, 50, 200)
LIVE_TICKETS = 50  # distinct tickets per size, evaluated in turn


def replay(events_path: str, out_path: str, config: Configuration, now: int) -> dict[str, Any]:
    """Read, parse, evaluate, render and write; the timings of each stage."""
    start = time.perf_counter()
    cpu = time.process_time()
    diagnostics: list[Diagnostic] = []
    # The pipeline of `slakeeper evaluate` (services.evaluations.stream_file): read and parse
    # the whole log, then evaluate ticket by ticket, each written as soon as it is ready.
    # Evaluation and rendering interleave, so each is timed around its own calls.
    tickets = clocks = 0
    evaluate_s = 0.0
    with collection_paused():
        with open(events_path, "rb") as file:
            events = list(read_events(file, diagnostics))
        parsed = time.perf_counter()
        count = len(events)
        results = iter_evaluate(events, config, now, diagnostics)
        del events  # each ticket's log is freed once it is evaluated

        def documents() -> Iterator[dict[str, Any]]:
            nonlocal tickets, clocks, evaluate_s
            while True:
                t0 = time.perf_counter()
                result = next(results, None)
                evaluate_s += time.perf_counter() - t0
                if result is None:
                    return
                tickets += 1
                clocks += len(result.cycles)
                yield ticket_document(result, now)

        with open(out_path, "wb") as out:
            write_documents(documents(), out)
    written = time.perf_counter()
    evaluated = parsed + evaluate_s
    return {
        "events": count,
        "tickets": tickets,
        "clocks": clocks,
        "diagnostics": len(diagnostics),
        "first_diagnostics": [str(d) for d in diagnostics[:5]],
        "parse_s": parsed - start,
        "evaluate_s": evaluated - parsed,
        "render_s": written - evaluated,
        "total_s": written - start,
        "cpu_s": time.process_time() - cpu,
        "output_bytes": os.path.getsize(out_path),
    }


def child(events_path: str, out_path: str, now: int) -> None:
    """The replay, in its own process: prints its measurements as one JSON line."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    started = time.perf_counter()
    config = load_config(CONFIG)
    config_s = time.perf_counter() - started
    baseline_kib = _current_rss_kib()
    result = replay(events_path, out_path, config, now)
    result["config_s"] = config_s
    result["baseline_rss_bytes"] = baseline_kib * 1024
    print(json.dumps(result))


def _current_rss_kib() -> int:
    """Resident set size now (VmRSS; ru_maxrss would include the pre-exec fork image)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_child(events_path: str, out_path: str, now: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", events_path, out_path, "--now-us", str(now)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"replay child failed ({done.returncode}):\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return result


# ---- the command as a whole process ------------------------------------------------------


def _tree(root: int) -> list[int]:
    """The pid and every descendant of ``root`` (the CLI and its replay workers)."""
    pids, index = [root], 0
    while index < len(pids):
        try:
            text = Path(f"/proc/{pids[index]}/task/{pids[index]}/children").read_text()
        except OSError:
            text = ""
        pids += [int(pid) for pid in text.split()]
        index += 1
    return pids


def _memory_kib(pid: int) -> tuple[int, int]:
    """(peak RSS so far, PSS now) of one process, KiB; zeros once it is gone."""
    hwm = pss = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return hwm, pss


def run_command(events_path: str, out_path: str, workers: str) -> dict[str, Any]:
    """``slakeeper evaluate`` as users run it (start-up, configuration, everything), timed.

    Memory is sampled every 20 ms over the process tree: the sum of each process's own peak
    RSS (an upper bound: pages the workers share with the parent after fork count in each,
    and peaks at different moments are added) and the peak of the summed PSS (shared pages
    split between the processes that share them: the physical memory in use)."""
    env = {k: v for k, v in os.environ.items() if k != "SLAKEEPER_WORKERS"}
    if workers:
        env["SLAKEEPER_WORKERS"] = workers
    command = [sys.executable, "-m", "slakeeper.cli", "evaluate", "--config", str(CONFIG)]
    command += ["--events", events_path, "--now", NOW_TEXT]
    peaks: dict[int, int] = {}
    pss_peak = 0
    with open(out_path, "wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, env=env)
        while process.poll() is None:
            pss = 0
            for pid in _tree(process.pid):
                hwm, now_pss = _memory_kib(pid)
                peaks[pid] = max(peaks.get(pid, 0), hwm)
                pss += now_pss
            pss_peak = max(pss_peak, pss)
            time.sleep(0.02)
        wall = time.perf_counter() - started
    stderr = process.stderr.read() if process.stderr else b""
    if process.returncode != 0 or stderr:
        sys.exit(f"evaluate failed ({process.returncode}):\n{stderr.decode()[:2000]}")
    return {
        "wall_s": wall,
        "processes": len(peaks),
        "rss_sum_bytes": sum(peaks.values()) * 1024,
        "pss_peak_bytes": pss_peak * 1024,
    }


def same_bytes(a: str, b: str) -> bool:
    with open(a, "rb") as left, open(b, "rb") as right:
        while True:
            x, y = left.read(1 << 20), right.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


# ---- live service: one ticket re-evaluated ----------------------------------------------


def _quantile(sorted_ns: list[int], q: float) -> float:
    index = min(len(sorted_ns) - 1, max(0, round(q * (len(sorted_ns) - 1))))
    return sorted_ns[index] / 1e6  # ms


def live(config: Configuration, seed: int, samples: int) -> dict[int, dict[str, float]]:
    """p50/p99 ms per log size, full (parse + evaluate + render) and evaluate alone."""
    rng = random.Random(seed + 7)
    results: dict[int, dict[str, float]] = {}
    for size in LIVE_SIZES:
        count = samples if size <= 50 else max(100, samples // 4)
        tickets = []
        for k in range(LIVE_TICKETS):
            ticket = f"L{size}-{k}"
            raw = [json.loads(json.dumps(e)) for e in ticket_events(rng, ticket, size)]
            now = to_us(parse_instant(raw[-1]["at"])) + 60_000_000
            tickets.append((ticket, raw, [parse_event(e) for e in raw], now))
        full: list[int] = []
        alone: list[int] = []
        clocks = 0
        for i in range(count + LIVE_TICKETS):  # the first round warms the caches up
            ticket, raw, events, now = tickets[i % LIVE_TICKETS]
            diagnostics: list[Diagnostic] = []
            t0 = time.perf_counter_ns()
            parsed = [parse_event(e) for e in raw]
            result = evaluate_ticket(ticket, parsed, config, now, diagnostics)
            assert result is not None
            dumps(ticket_document(result, now))
            t1 = time.perf_counter_ns()
            evaluate_ticket(ticket, events, config, now, diagnostics)
            t2 = time.perf_counter_ns()
            assert not diagnostics, [str(d) for d in diagnostics]
            if i >= LIVE_TICKETS:
                full.append(t1 - t0)
                alone.append(t2 - t1)
                clocks += len(result.cycles)
        full.sort()
        alone.sort()
        results[size] = {
            "p50": _quantile(full, 0.50),
            "p99": _quantile(full, 0.99),
            "eval_p50": _quantile(alone, 0.50),
            "eval_p99": _quantile(alone, 0.99),
            "clocks": clocks / count,
            "samples": count,
        }
    return results


# ---- reporting ---------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{cpu}, {cores} cores available ({os.cpu_count()} online), "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}"
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def profile(events_path: str, out_path: str, config: Configuration, now: int, top: int) -> None:
    """Replay in-process under cProfile; the hotspots by cumulative and own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    result = replay(events_path, out_path, config, now)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = result["total_s"]
    rows = [
        (key, nc, tt, ct)
        for key, (_cc, nc, tt, ct, _callers) in stats.stats.items()  # type: ignore[attr-defined]
    ]
    print(f"\nprofile of the replay ({result['events']:,} events, {total:.2f} s under cProfile)")
    for title, index in (("cumulative", 3), ("own (tottime)", 2)):
        print(f"\ntop {top} by {title} time (share of the profiled replay):")
        for key, nc, tt, ct in sorted(rows, key=lambda r: r[index], reverse=True)[:top]:
            file, line, name = key
            where = f"{Path(file).name}:{line}({name})" if line else name
            share = (ct if index == 3 else tt) / total
            print(f"  {share:6.1%}  cum {ct:7.2f} s  own {tt:7.2f} s  {nc:>10,} calls  {where}")


def whole_report(
    count: int, single: dict[str, Any], multi: dict[str, Any], identical: bool
) -> None:
    """The issue's figures: the command as a whole process, one process and all cores."""
    rate = count / multi["wall_s"]
    peak = multi["rss_sum_bytes"]
    print(
        f"slakeeper evaluate as a whole process (start-up included), load average "
        f"{os.getloadavg()[0]:.1f} at the end:\n"
        f"  one process (SLAKEEPER_WORKERS=1): {single['wall_s']:.2f} s, "
        f"{count / single['wall_s']:,.0f} events/s, "
        f"peak RSS {single['rss_sum_bytes'] / 1e6:,.0f} MB"
        f"\n  default ({multi['processes']} processes):      {multi['wall_s']:.2f} s, "
        f"{rate:,.0f} events/s, sum of peak RSS {peak / 1e6:,.0f} MB, "
        f"peak summed PSS {multi['pss_peak_bytes'] / 1e6:,.0f} MB\n"
        f"  outputs byte-for-byte identical: {identical}\n"
        f"\n{'figure':<44} {'value':>16}  {'target':<18} verdict\n"
        f"{'evaluate end to end, events/s (wall)':<44} {rate:>16,.0f}  "
        f"{'>= 200,000':<18} {verdict(rate >= WHOLE_RATE_TARGET)}\n"
        f"{'  speed-up over one process':<44} {single['wall_s'] / multi['wall_s']:>15.2f}x\n"
        f"{'evaluate peak memory (sum of peak RSS)':<44} {peak / 1e6:>13,.0f} MB  "
        f"{'< 400 MB':<18} {verdict(peak < WHOLE_PEAK_TARGET)}\n"
        f"{'  physical (peak of summed PSS)':<44} {multi['pss_peak_bytes'] / 1e6:>13,.0f} MB  "
        f"{'< 400 MB':<18} {verdict(multi['pss_peak_bytes'] < WHOLE_PEAK_TARGET)}\n"
        f"{'same bytes as one process':<44} {identical!s:>16}  {'True':<18} "
        f"{verdict(identical)}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="default 100000")
    parser.add_argument("--seed", type=int, default=1, help="history seed (default 1)")
    parser.add_argument(
        "--samples",
        type=int,
        default=2000,
        help="live-service samples per size (default 2000; a quarter for 200 events)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="replay in-process under cProfile instead"
    )
    parser.add_argument(
        "--whole-only",
        action="store_true",
        help="only the command as a whole process (skip the one-core stages and live figures)",
    )
    parser.add_argument("--keep", metavar="DIR", help="write the history and output here")
    parser.add_argument("--child", nargs=2, metavar=("EVENTS", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--now-us", type=int, default=NOW * 1_000_000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.now_us)
        return 0

    print(f"machine: {machine()}")
    now = args.now_us
    with tempfile.TemporaryDirectory(prefix="slakeeper-replay-") as scratch:
        folder = Path(args.keep or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        events_path, out_path = str(folder / "events.jsonl"), str(folder / "evaluate.json")
        started = time.perf_counter()
        count = write_history(events_path, args.tickets, args.seed)
        generation = time.perf_counter() - started
        size = os.path.getsize(events_path)
        print(
            f"history: {args.tickets:,} tickets, {count:,} events, {size / 1e6:,.1f} MB JSONL, "
            f"seed {args.seed}; generated in {generation:.1f} s (not counted)"
        )
        if args.profile:
            profile(events_path, out_path, load_config(CONFIG), now, 25)
            return 0
        single_out = str(folder / "evaluate-one-process.json")
        single = run_command(events_path, single_out, "1")
        multi = run_command(events_path, out_path, "")
        identical = same_bytes(single_out, out_path)
        whole_report(count, single, multi, identical)
        if args.whole_only:
            return 0 if identical else 1
        result = run_child(events_path, out_path, now)
    assert result["diagnostics"] == 0, result["first_diagnostics"]
    assert result["events"] == count, (result["events"], count)

    rate = result["events"] / result["total_s"]
    cpu_rate = result["events"] / result["cpu_s"]
    peak = result["peak_rss_bytes"]
    print(
        f"replay (one core, --now {NOW_TEXT}): {result['tickets']:,} tickets, "
        f"{result['clocks']:,} clocks, 0 diagnostics, "
        f"{result['output_bytes'] / 1e6:,.1f} MB of JSON out"
    )
    print(
        f"  read+parse {result['parse_s']:.2f} s | evaluate {result['evaluate_s']:.2f} s | "
        f"render+write {result['render_s']:.2f} s | total {result['total_s']:.2f} s wall, "
        f"{result['cpu_s']:.2f} s CPU (config load {result['config_s'] * 1000:.0f} ms, "
        "not counted)"
    )
    for stage in ("parse", "evaluate", "render"):
        print(f"  {stage:<8} alone: {result['events'] / result[stage + '_s']:>12,.0f} events/s")
    print(
        f"\n{'figure':<44} {'value':>16}  {'target':<18} verdict\n"
        f"{'replay end to end, events/s (wall)':<44} {rate:>16,.0f}  "
        f"{'>= 100,000':<18} {verdict(rate >= EVENTS_PER_SECOND_TARGET)}\n"
        f"{'  the same per CPU second of the child':<44} {cpu_rate:>16,.0f}  "
        f"{'>= 100,000':<18} {verdict(cpu_rate >= EVENTS_PER_SECOND_TARGET)}\n"
        f"{'replay peak RSS (child ru_maxrss)':<44} {peak / 1e6:>13,.0f} MB  "
        f"{'< 1,000 MB':<18} {verdict(peak < PEAK_BYTES_TARGET)}\n"
        f"{'  RSS after imports + config only':<44} "
        f"{result['baseline_rss_bytes'] / 1e6:>13,.0f} MB"
    )

    config = load_config(CONFIG)
    for size, figures in live(config, args.seed, args.samples).items():
        for name in ("p50", "p99"):
            value = figures[name]
            if size == 50 and name == "p99":
                target, mark = "< 1 ms", verdict(value < LIVE_P99_TARGET_MS)
            else:
                target, mark = "(no target)", ""
            label = f"live re-evaluate, {size}-event ticket, {name}"
            print(f"{label:<44} {value:>13.3f} ms  {target:<18} {mark}".rstrip())
        print(
            f"{'    evaluate_ticket alone, p50 / p99':<44} "
            f"{figures['eval_p50']:>6.3f} / {figures['eval_p99']:.3f} ms  "
            f"({figures['clocks']:.1f} clocks per ticket, {figures['samples']:,.0f} samples)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What ``slakeeper simulate`` does, behind its thin CLI wrapper."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from slakeeper.config import load_config
from slakeeper.core.configuration import Configuration
from slakeeper.core.errors import InputError
from slakeeper.simulation.engine import DAY, simulate
from slakeeper.simulation.scenario import Scenario, emit_accounts, load_scenario

__all__ = ["run_simulate"]


def run_simulate(
    *,
    scenario: Path | None,
    days: float,
    seed: int,
    out: Path | None,
    start: int | None,
    config: Path | None,
    pick: str | None,
    staffing: float | None,
    emit_accounts: bool,
    progress: bool | None = None,
    attainment: bool | None = None,
) -> None:
    """Load the scenario, then print its accounts or write a simulated history.

    ``progress``: None shows the bar for runs over a week when stderr is a terminal.
    ``attainment``: None prints the table on stderr only when writing to ``out``, so
    stdout stays clean JSONL; True with stdout keeps the lines in memory to evaluate them.
    """
    loaded = load_scenario(scenario, staffing=staffing)
    if emit_accounts:
        sys.stdout.write(emit_accounts_text(loaded))
        return
    configuration = _configuration(loaded, config, pick)
    judge = _judging_config(loaded, config, configuration) if attainment is not False else None
    if attainment is None and out is None:
        judge = None
    if attainment and judge is None:
        raise InputError("the attainment table needs --config or the scenario's config")
    first = loaded.start if start is None else start
    kept: list[bytes] | None = [] if judge is not None and out is None else None
    with _output(out) as stream, _progress(first, days, progress) as bar:
        write = stream.write if kept is None else _tee(stream.write, kept)
        simulate(
            loaded,
            days=days,
            seed=seed,
            write=write,
            start=start,
            config=configuration,
            progress=bar,
        )
    if judge is not None:
        end = first + int(days * DAY)
        _print_attainment(out, kept, judge, end)


def _judging_config(
    scenario: Scenario, config: Path | None, picking: Configuration | None
) -> Configuration | None:
    """The configuration the table judges by: the picking one, else the given or scenario's."""
    if picking is not None:
        return picking
    path = config if config is not None else scenario.config_path
    return None if path is None else load_config(path)


def _tee(write: Callable[[bytes], object], kept: list[bytes]) -> Callable[[bytes], None]:
    def both(chunk: bytes) -> None:
        write(chunk)
        kept.append(chunk)

    return both


def _print_attainment(
    out: Path | None, kept: list[bytes] | None, config: Configuration, end: int
) -> None:
    """Evaluate what was written through the core and print the table on stderr."""
    from slakeeper.simulation.attainment import attainment_of_lines, format_attainment

    if kept is not None:
        table = attainment_of_lines(b"".join(kept).splitlines(), config, end)
    else:
        assert out is not None
        with open(out, "rb") as lines:
            table = attainment_of_lines(lines, config, end)
    sys.stderr.write("attainment at the end of the run, judged by the core:\n")
    sys.stderr.write(format_attainment(table))


def emit_accounts_text(scenario: Scenario) -> str:
    """The accounts section with a heading comment."""
    return f"# tiers and accounts of {scenario.source}\n" + emit_accounts(scenario)


def _configuration(
    scenario: Scenario, config: Path | None, pick: str | None
) -> Configuration | None:
    if pick not in (None, "age", "urgency"):
        raise InputError(f"unknown pick order {pick!r} (expected age or urgency)", path=("--pick",))
    if pick == "age":
        return None
    path = config if config is not None else scenario.config_path
    if path is None:
        if pick == "urgency":
            raise InputError(
                "urgency picking needs --config or the scenario's config", path=("--pick",)
            )
        return None
    return load_config(path)


@contextmanager
def _output(path: Path | None) -> Iterator[BinaryIO]:
    if path is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    try:
        stream = open(path, "wb")  # noqa: SIM115 - closed below, after the run
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}", path=("--out",)) from None
    with stream:
        yield stream


@contextmanager
def _progress(
    start: int, days: float, wanted: bool | None
) -> Iterator[Callable[[int], None] | None]:
    """A Rich progress bar on stderr: when asked, or by default for runs of more than a week
    when stderr is a terminal (never into a redirected stderr unless asked)."""
    if wanted is False or (wanted is None and (days <= 7 or not sys.stderr.isatty())):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True, force_terminal=True if wanted else None)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("simulating", total=days)

        def advance(at: int) -> None:
            bar.update(task, completed=min(days, (at - start) / DAY))

        yield advance


def simulate_live(
    *,
    scenario: Path | None,
    seed: int,
    url: str | None,
    token: str | None,
    speed: float,
    origin: int | None,
) -> None:
    """``simulate --live``: post the simulation to a service until Ctrl-C or SIGTERM."""
    import signal
    import threading

    import httpx

    from slakeeper.settings import Clock, ScaledClock
    from slakeeper.simulation.live import run_live

    if not url:
        raise InputError("--live needs the service's --url", path=("--url",))
    if not token:
        raise InputError("--live needs an API --token (agent or admin)", path=("--token",))
    if speed != 1.0 and origin is None:
        raise InputError("--speed needs --clock-origin, the service's", path=("--clock-origin",))
    loaded = load_scenario(scenario)
    clock = ScaledClock(origin, speed) if origin is not None and speed != 1.0 else Clock()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    headers = {"authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=30) as client:
        counts = run_live(client, loaded, clock, stop, seed=seed)
    sys.stdout.write(
        f"posted {counts.posted} events ({counts.duplicates} duplicates, {counts.refused} "
        f"refused); adopted {counts.adopted} tickets, moved {counts.moved}\n"
    )

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
) -> None:
    """Load the scenario, then print its accounts or write a simulated history."""
    loaded = load_scenario(scenario, staffing=staffing)
    if emit_accounts:
        sys.stdout.write(emit_accounts_text(loaded))
        return
    configuration = _configuration(loaded, config, pick)
    first = loaded.start if start is None else start
    with _output(out) as stream, _progress(first, days) as progress:
        simulate(
            loaded,
            days=days,
            seed=seed,
            write=stream.write,
            start=start,
            config=configuration,
            progress=progress,
        )


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
def _progress(start: int, days: float) -> Iterator[Callable[[int], None] | None]:
    """A Rich progress bar on stderr for runs of more than a week, when stderr is a terminal."""
    if days <= 7 or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("simulating", total=days)

        def advance(at: int) -> None:
            bar.update(task, completed=min(days, (at - start) / DAY))

        yield advance

"""History for ``recommend`` and ``whatif``: where it comes from, and one pass over its tickets.

1. :func:`parse_window` reads ``--from``, ``--to`` and ``--timezone``: clocks count in a
   window by the instant they started.
2. :func:`stored_history` exports the stored event log to a temporary JSONL file, and
   :func:`stored_configuration` is the newest stored configuration version: the database
   path replays the same events through the same code as an event file (DESIGN.md section
   3), so both answer the same, at any ``--now``.
3. :func:`fold_tickets` evaluates an event file ticket by ticket and hands each ticket's
   log to a :class:`Fold` (which evaluates it under one or more configurations and keeps
   only tallies). A large file is split across forked workers by ticket id, as ``evaluate``
   does (services/replay.py); each worker returns its fold, and the caller merges them.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

from slakeeper.core.configuration import Configuration
from slakeeper.core.errors import InputError, SlaError
from slakeeper.core.evaluation import LATER, Diagnostic
from slakeeper.core.events import Event
from slakeeper.core.instants import parse_instant_us
from slakeeper.core.zones import load_zone, local_to_utc_us
from slakeeper.services.evaluations import collection_paused
from slakeeper.services.replay import LinePlan, plan_lines, plan_partitions, stream_owned

__all__ = [
    "Fold",
    "Pass",
    "Window",
    "fold_tickets",
    "parse_window",
    "stored_configuration",
    "stored_history",
]

_US_PER_DAY = 86_400_000_000


@dataclass(frozen=True)
class Window:
    """Which clocks count: those started in ``[start, end)`` (µs; None: unbounded)."""

    start: int | None = None
    end: int | None = None
    timezone: str = "UTC"

    def holds(self, started_at: int) -> bool:
        """True when a clock started at ``started_at`` counts."""
        return (self.start is None or started_at >= self.start) and (
            self.end is None or started_at < self.end
        )


def parse_window(start: str | None, end: str | None, timezone: str = "UTC") -> Window:
    """``--from`` and ``--to`` (a date, local midnight in ``timezone``, or an instant);
    a ``--to`` date includes that day. An error names the option."""
    try:
        load_zone(timezone)
    except SlaError as exc:
        raise InputError(exc.message, path=("--timezone",)) from None
    window = Window(
        _bound(start, timezone, "--from", next_day=False),
        _bound(end, timezone, "--to", next_day=True),
        timezone,
    )
    if window.start is not None and window.end is not None and window.end <= window.start:
        raise InputError("must be after --from", path=("--to",))
    return window


def _bound(text: str | None, timezone: str, option: str, *, next_day: bool) -> int | None:
    if text is None:
        return None
    if len(text) != 10:
        try:
            return parse_instant_us(text)
        except SlaError as exc:
            raise InputError(exc.message, path=(option,)) from None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InputError(f"invalid date {text!r} (expected YYYY-MM-DD)", path=(option,)) from None
    if next_day:
        day += timedelta(days=1)
    # Local midnight: a midnight inside a DST gap maps to the transition (core/zones.py).
    return local_to_utc_us(load_zone(timezone), (day - date(1970, 1, 1)).days * _US_PER_DAY)


@contextlib.contextmanager
def stored_history(database: Any) -> Iterator[Path]:
    """The stored event log exported to a temporary JSONL file (deleted on exit).

    Only reads: nothing stored changes.
    """
    from slakeeper.services.exports import export_events

    with tempfile.TemporaryDirectory(prefix="slakeeper-history-") as directory:
        path = Path(directory) / "events.jsonl"
        with open(path, "wb") as out:
            export_events(database, out)
        yield path


def stored_configuration(database: Any) -> Configuration:
    """The newest stored configuration version; an error when none is stored."""
    from slakeeper.services.configs import configuration_of, current_number

    with database.read() as connection:
        number = current_number(connection)
        if number is None:
            raise InputError("no configuration is stored: give one", path=("--config",))
        return configuration_of(connection, number)


class Fold(Protocol):
    """What one pass keeps of each ticket: it evaluates the log and tallies the clocks."""

    def add(self, ticket: str, log: list[Event], diagnostics: list[Diagnostic]) -> None:
        """Take one ticket's log (its events up to ``now``, in input order)."""

    def tally(self) -> Any:
        """What was kept, as plain picklable values (a worker sends it to the parent)."""


@dataclass
class Pass:
    """The tallies of one pass (one per worker), and what it had to say about the input."""

    tallies: list[Any]
    diagnostics: list[str] = field(default_factory=list)  # in line order
    later: int = 0  # events after --now, ignored (normal over history: counted, not listed)


# The job a forked worker runs: set just before the workers start, inherited by fork (a
# configuration is never pickled, nor are the partitions' line plans).
_JOB: tuple[str, int, Callable[[], Fold], list[LinePlan]] | None = None


def fold_tickets(
    events_path: str | Path, now: int, make: Callable[[], Fold], *, workers: int | None = None
) -> Pass:
    """Evaluate every ticket of a JSONL file through folds made by ``make``.

    ``workers`` defaults to services.replay.worker_count (``SLAKEEPER_WORKERS``, else one
    per core for a large file). The file is planned once, here, before the workers start
    (services/replay.plan_partitions); an event id reused by tickets that land in different
    workers would escape the check one process makes, so then the pass runs in one.
    """
    from slakeeper.services.replay import worker_count

    path = str(events_path)
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    count = worker_count(path) if workers is None else workers
    if count > 1 and hasattr(os, "fork"):
        parts = _parallel(path, now, make, count)
        if parts is not None:
            return _joined(parts)
    with collection_paused():
        plan = plan_lines(path, 0, 1)
    return _joined([_fold_part(path, now, make, plan)])


def _parallel(
    path: str, now: int, make: Callable[[], Fold], count: int
) -> list[tuple[Any, list[tuple[int, str]], int]] | None:
    """The partitions' parts, planned once here; None when an id is shared across them."""
    global _JOB
    with collection_paused():
        plans = plan_partitions(path, count)
    if plans is None:
        return None
    _JOB = (path, now, make, plans)
    del plans
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            return list(pool.map(_run_part, range(count)))
    finally:
        _JOB = None


def _run_part(index: int) -> tuple[Any, list[tuple[int, str]], int]:
    assert _JOB is not None
    path, now, make, plans = _JOB
    return _fold_part(path, now, make, plans[index])


def _fold_part(
    path: str, now: int, make: Callable[[], Fold], plan: LinePlan
) -> tuple[Any, list[tuple[int, str]], int]:
    """One partition's tally, its diagnostics (line, text) and later-event count.

    Each ticket is folded as soon as its last line is read (services/replay.stream_owned):
    a partition holds the logs of the tickets still open, not the whole file."""
    fold = make()
    found: list[Diagnostic] = []
    with collection_paused():
        for ticket, log, _ in stream_owned(path, plan, now, found, found):
            fold.add(ticket, log, found)
    later = sum(1 for diagnostic in found if diagnostic.message == LATER)
    notes = [(d.line or 0, str(d)) for d in found if d.message != LATER]
    return fold.tally(), notes, later


def _joined(parts: list[tuple[Any, list[tuple[int, str]], int]]) -> Pass:
    notes = sorted((note for _, found, _ in parts for note in found), key=lambda n: n[0])
    return Pass(
        tallies=[tally for tally, _, _ in parts],
        diagnostics=[text for _, text in notes],
        later=sum(later for _, _, later in parts),
    )

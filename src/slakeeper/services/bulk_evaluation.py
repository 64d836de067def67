"""Evaluating imported tickets beside the import: in worker processes, results in order.

A bulk import spends about a third of its time evaluating tickets. With workers,
the importer hands each batch of tickets (their logs as stored JSON bodies) to a worker
process and goes on reading and storing the next chunk; the worker parses the bodies,
evaluates them with the same refresh code as ingest
(:func:`~slakeeper.services.refresh.ticket_rows`) and sends back the rows to write, which
the importer writes in the order it submitted the batches (a ticket evaluated twice gets
its later rows last). Without workers (the default) the same function runs in the
importer's process. Workers parse every event a second time and pickle the rows back: they
cost CPU, and pay only where a core would otherwise be idle (bench/README.md).

Workers are started with ``spawn``: a forked child would share the importer's database
connections.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson

from slakeeper.core.configuration import Configuration
from slakeeper.core.events import parse_event
from slakeeper.services.configs import EMPTY, parse_version
from slakeeper.services.refresh import StoredLog, assign_versions, ticket_rows

__all__ = ["Batch", "Evaluator", "Rows", "evaluate_batch"]

Rows = tuple[list[dict[str, Any]], list[tuple[Any, ...]], dict[str, int]]  # tickets, clocks, counts


@dataclass(frozen=True)
class Batch:
    """Tickets to evaluate: their logs as stored bodies, and what evaluation needs."""

    tickets: list[str]
    logs: list[tuple[str, int | None, str, list[str], list[int]]]  # ticket, version, alerted,
    # bodies, received
    newest: int | None  # the version a ticket without one takes once its `created` is in
    configs: dict[int, str]  # the text of each version involved
    now: int


def evaluate_batch(
    logs: dict[str, StoredLog],
    tickets: list[str],
    newest: int | None,
    configs: dict[int | None, Configuration],
    now: int,
) -> Rows:
    """Evaluate parsed logs as refresh does: the ticket rows, clock rows and clock counts."""
    assign_versions(logs, newest, moved=False)
    results, updates, clocks = ticket_rows(logs, tickets, configs, now)
    counts = {ticket: 0 if r is None else len(r.cycles) for ticket, r in results.items()}
    return updates, clocks, counts


_CONFIGS: dict[tuple[int, str], Configuration] = {}  # parsed versions, per worker process


def _run_batch(batch: Batch) -> Rows:
    """In a worker: parse the bodies, then :func:`evaluate_batch`."""
    logs = {
        ticket: StoredLog(ticket, [parse_event(orjson.loads(b)) for b in bodies], version,
                          alerted, received)
        for ticket, version, alerted, bodies, received in batch.logs
    }  # fmt: skip
    configs: dict[int | None, Configuration] = {None: EMPTY}
    for number, text in batch.configs.items():
        parsed = _CONFIGS.get((number, text))
        if parsed is None:
            parsed = _CONFIGS[(number, text)] = parse_version(number, text)
        configs[number] = parsed
    return evaluate_batch(logs, batch.tickets, batch.newest, configs, batch.now)


class Evaluator:
    """Evaluates batches in this process (``workers`` 0) or in worker processes; results
    come back in submission order."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._waiting: deque[tuple[list[str], Future[Rows]]] = deque()

    def submit_local(self, tickets: list[str], rows: Rows) -> None:
        """Queue rows computed in this process (they are written after earlier batches)."""
        done: Future[Rows] = Future()
        done.set_result(rows)
        self._waiting.append((tickets, done))

    def submit(self, batch: Batch) -> None:
        """Send a batch to a worker."""
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        self._waiting.append((batch.tickets, self._pool.submit(_run_batch, batch)))

    def ready(self, *, keep: int) -> list[tuple[list[str], Rows]]:
        """The oldest results, waiting for them, until at most ``keep`` batches are out."""
        found = []
        while len(self._waiting) > keep:
            tickets, future = self._waiting.popleft()
            found.append((tickets, future.result()))
        return found

    def close(self) -> None:
        """Stop the workers (batches not collected are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._waiting.clear()

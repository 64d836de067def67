"""Group commit: one writer thread stores the bodies of many concurrent requests at once.

Each ingest request validates its body on its own thread, then hands it to the writer
and waits. The writer takes every body waiting at that moment (up to a bound), stores
them in one transaction (one disk flush, one re-evaluation per ticket), and answers each
request after the commit. Under light load a group is one body and nothing waits; under
heavy load the cost of a commit is shared, which is what lets one SQLite file take
thousands of single-event requests a second. While requests keep coming, the writer
lingers a few milliseconds before each group to let it fill.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass

from slakeeper.core.errors import SlaError
from slakeeper.services.ingest import Body, IngestResult, store_bodies
from slakeeper.settings import Clock
from slakeeper.store.session import Database

__all__ = ["GroupCommitter"]

log = logging.getLogger("slakeeper.ingest")

# How long the writer, under load, waits for more bodies before storing a group: a few
# ms of latency for transactions several times fuller (bench/README.md, Service).
LINGER_SECONDS = 0.004


@dataclass(frozen=True)
class _Job:
    body: Body
    answer: Future[IngestResult]


class GroupCommitter:
    """A writer thread for one process; ``submit`` a body, wait on its future."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        max_events: int = 5000,
        linger_seconds: float = LINGER_SECONDS,
    ) -> None:
        self.database = database
        self.clock = clock
        self.max_events = max_events
        self.linger_seconds = linger_seconds
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="slakeeper-writer", daemon=True)
        self._thread.start()

    def submit(self, body: Body) -> Future[IngestResult]:
        """Queue a validated body; the future is resolved after its commit (or its error)."""
        answer: Future[IngestResult] = Future()
        self._jobs.put(_Job(body, answer))
        return answer

    def close(self) -> None:
        """Finish every body already submitted, then stop the thread."""
        self._jobs.put(None)
        self._thread.join()

    def _run(self) -> None:
        busy = False
        while True:
            first = self._jobs.get()
            if first is None:
                return
            group = [first]
            events = len(first.body.incoming)
            stop = False
            # Under load (the last group had company) wait a moment for more bodies: each
            # transaction costs the same whatever it holds, so fewer, fuller ones leave more
            # CPU for the requests. A lone request is never held back.
            deadline = time.monotonic() + self.linger_seconds if busy else 0.0
            while events < self.max_events:
                try:
                    left = deadline - time.monotonic()
                    job = self._jobs.get(timeout=left) if left > 0 else self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                group.append(job)
                events += len(job.body.incoming)
            busy = len(group) > 1
            self._store(group)
            if stop:
                return

    def _store(self, group: list[_Job]) -> None:
        try:
            outcomes = store_bodies(
                self.database, [job.body for job in group], now=self.clock.now()
            )
        except Exception as exc:  # the database is down, a bug: every waiting request hears it
            log.exception("group commit failed", extra={"bodies": len(group)})
            for job in group:
                job.answer.set_exception(exc)
            return
        for job, outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, SlaError):
                job.answer.set_exception(outcome)
            else:
                job.answer.set_result(outcome)

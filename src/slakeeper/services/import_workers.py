"""Bulk import of a JSONL file on several cores: workers evaluate while the importer stores.

1. Before the first new event is stored, the importer forks ``count`` workers (a file
   whose events are all stored already forks none: the importer reads it alone, as
   without workers). Worker ``i`` owns the tickets whose id hashes to ``i`` (replay's
   partition: :func:`~slakeeper.services.replay.owner`). A first, cheap pass over the
   file finds each owned ticket's last line (no line is parsed beyond its ``"ticket"``
   key).
2. The second pass reads the owned lines exactly as the importer does (the same reader,
   the same validation) and, once a ticket's last line is read, evaluates its log with
   refresh's code as the importer would for a new ticket (every event new, received
   ``now``, the newest configuration version) and sends back its rows (ticket row, clock
   rows, clock count, event count), a few hundred tickets a frame, each frame tagged with
   the last line its tickets need.
3. The importer validates and stores the events as without workers. It writes a frame's
   rows once it has stored past the frame's line, for each ticket whose log the worker saw
   exactly as it was stored: a ticket not in the database before, with every event the
   worker read for it stored (the same count, none refused as a duplicate or a conflict).
   The others are evaluated at the end from their stored log, as without workers.
4. A new ticket's row is written once, with its evaluation (no placeholder first). On
   PostgreSQL another transaction may create the same ticket meanwhile (ingest): the row
   is inserted only if absent, and such a ticket is evaluated at the end from its stored
   log too (its row locked).

5. The importer's writes run on a thread of their own, in order, while it validates the
   next chunk (SQLite works without the GIL, PostgreSQL in its server); a read of the
   database waits for the writes before it.

So the stored rows are those of the one-process import (tests compare the two). Workers
are forked: they inherit the parsed configuration and the reader; they never touch the
importer's database connection and leave with ``os._exit``.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import sys
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from slakeeper.core.configuration import Configuration
from slakeeper.core.events import Event
from slakeeper.services.bulk_evaluation import evaluate_batch
from slakeeper.services.configs import configurations_of
from slakeeper.services.evaluations import collection_paused
from slakeeper.services.imports import ImportSummary, SourceItem, Writer, check_item
from slakeeper.services.refresh import StoredLog, load_logs, write_rows
from slakeeper.services.replay import LAST, OWNED, plan_lines
from slakeeper.store import queries
from slakeeper.store.queries import TICKET_COLUMNS

__all__ = ["LineSource", "PipelinedWriter", "Workers", "default_workers"]

PARALLEL_MIN_BYTES = 4_000_000  # below this, one process imports faster than forking
FRAME_TICKETS = 500  # tickets per frame a worker sends
FALLBACK_TICKETS = 2000  # tickets evaluated together at the end
_FRAME = struct.Struct("<qQ")  # the last line the frame's tickets need (or a kind), length
_END = -1
_FAILED = -2
_PIPE_BYTES = 1 << 20
_NEXT_ACTION = 1 + TICKET_COLUMNS.index("next_action_at")  # in a row (id, *TICKET_COLUMNS)


@dataclass(frozen=True)
class LineSource:
    """A regular file of lines and the reader that makes each line an item (the
    importer's own reader, so that workers read every line exactly as it does)."""

    path: str
    read: Callable[[bytes, int], SourceItem | None]


def default_workers(path: str) -> int:
    """Workers for a file: one on a machine of two cores or more for a file of at least
    PARALLEL_MIN_BYTES (the importer itself is the other process), else none."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    try:
        big = os.path.isfile(path) and os.path.getsize(path) >= PARALLEL_MIN_BYTES
    except OSError:
        return 0
    return 1 if big and cores >= 2 and hasattr(os, "fork") else 0


# ---- worker ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    source: LineSource
    configs: dict[int | None, Configuration]
    newest: int | None
    now: int


def _work(job: _Job, index: int, count: int, out: Any) -> None:
    """One worker: plan (replay's first pass: the lines it owns, each ticket's last line),
    then evaluate each owned ticket once its last line is read."""
    plan = plan_lines(job.source.path, index, count)
    marks, last = plan.marks, plan.last
    logs: dict[str, list[Event]] = {}
    done: list[tuple[str, list[Event]]] = []
    scratch = ImportSummary()
    number = 0
    with open(job.source.path, "rb") as file:
        for line in file:
            number += 1
            mark = marks[number - 1] if number <= len(marks) else 0
            if count > 1 and not mark & OWNED:
                continue
            item = job.source.read(line, number)
            event = check_item(item, scratch) if item is not None else None
            if event is not None:
                log = logs.get(event.ticket)
                if log is None:
                    logs[event.ticket] = [event]
                else:
                    log.append(event)
            if mark & LAST:
                finished = logs.pop(last[number], None)
                if finished is not None:
                    done.append((last[number], finished))
                if len(done) >= FRAME_TICKETS:
                    _send(out, number, _rows(job, done))
                    done = []
    done.extend(logs.items())  # a ticket whose key the plan did not read: complete now
    if done:
        _send(out, number, _rows(job, done))
    _send(out, _END, b"")


def _rows(job: _Job, done: list[tuple[str, list[Event]]]) -> bytes:
    """The pickled rows of finished tickets: (ticket row, event count, cycles) each, and
    the clock rows."""
    now = job.now
    logs = {ticket: StoredLog(ticket, events, None, "", [now] * len(events))
            for ticket, events in done}  # fmt: skip
    tickets = [ticket for ticket, _ in done]
    updates, clocks, counts = evaluate_batch(logs, tickets, job.newest, job.configs, now)
    rows = [
        ((values["b_id"], *[values[column] for column in TICKET_COLUMNS]),
         len(logs[values["b_id"]].events), counts[values["b_id"]])
        for values in updates
    ]  # fmt: skip
    return pickle.dumps((rows, clocks), protocol=pickle.HIGHEST_PROTOCOL)


def _send(out: Any, upto: int, payload: bytes) -> None:
    out.write(_FRAME.pack(upto, len(payload)))
    out.write(payload)


def _start(job: _Job, index: int, count: int, inherited: list[int]) -> tuple[int, int]:
    """Fork worker ``index``: its pid and the read end of its pipe."""
    read, write = os.pipe()
    with contextlib.suppress(ImportError, OSError):
        import fcntl

        fcntl.fcntl(write, 1031, _PIPE_BYTES)  # F_SETPIPE_SZ (Linux)
    pid = os.fork()
    if pid == 0:  # the worker: never returns
        code = 1
        try:
            for fd in (*inherited, read):
                os.close(fd)
            with os.fdopen(write, "wb", buffering=_PIPE_BYTES) as out:
                try:
                    _work(job, index, count, out)
                    code = 0
                except BrokenPipeError:
                    code = 0  # the importer stopped reading: it is going away
                except BaseException as exc:  # the importer raises it with this text
                    text = "".join(traceback.format_exception(exc))
                    _send(out, _FAILED, text.encode())
        except BaseException:  # nothing more can be said: the importer reads EOF
            pass
        finally:
            os._exit(code)
    os.close(write)
    inherited.append(read)
    return pid, read


class _Worker:
    """The importer's end of one worker: frames read from its pipe, in order."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self.fd = fd
        self.buffer = bytearray()
        self.head: tuple[int, bytes] | None = None  # a frame read but not yet used
        self.ended = False

    def frame(self, *, block: bool) -> tuple[int, bytes] | None:
        """The next frame; None when none is complete yet and ``block`` is False."""
        buffer = self.buffer
        while True:
            if len(buffer) >= _FRAME.size:
                upto, length = _FRAME.unpack_from(buffer)
                end = _FRAME.size + length
                if len(buffer) >= end:
                    payload = bytes(buffer[_FRAME.size : end])
                    del buffer[:end]
                    if upto == _FAILED:
                        raise RuntimeError(f"an import worker failed:\n{payload.decode()}")
                    return upto, payload
            if not block and not select.select([self.fd], [], [], 0)[0]:
                return None
            data = os.read(self.fd, _PIPE_BYTES)
            if not data:
                raise RuntimeError("an import worker stopped before the end of the file")
            buffer += data


class Workers:
    """Forked workers for one import (a context manager: they are reaped on exit)."""

    def __init__(self, source: LineSource, count: int) -> None:
        self.source = source
        self.count = count
        self.started: list[_Worker] = []
        self.closing: list[Callable[[], object]] = []  # run on exit, before the workers stop

    def start(self, configs: dict[int | None, Configuration], newest: int | None,
              now: int) -> None:  # fmt: skip
        """Fork the workers (the parsed configurations are inherited)."""
        job = _Job(self.source, configs, newest, now)
        sys.stdout.flush()
        sys.stderr.flush()
        inherited: list[int] = []
        with collection_paused():
            for index in range(self.count):
                pid, fd = _start(job, index, self.count, inherited)
                self.started.append(_Worker(pid, fd))

    def ready(self, position: int, *, block: bool) -> list[bytes]:
        """The frames whose tickets need no line after ``position``, in each worker's
        order; with ``block``, every frame up to each worker's end."""
        found = []
        for worker in self.started:
            while not worker.ended:
                frame = worker.head or worker.frame(block=block)
                if frame is None:
                    break
                upto, payload = frame
                if upto == _END:
                    worker.ended = True
                    break
                if upto > position:
                    worker.head = frame
                    break
                worker.head = None
                found.append(payload)
        return found

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        for close in self.closing:
            close()
        self.closing.clear()
        for worker in self.started:  # ended ones have exited; the others are stopped
            if not worker.ended:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signal.SIGKILL)
            os.close(worker.fd)
            os.waitpid(worker.pid, 0)
        self.started.clear()


# ---- the importer's side -----------------------------------------------------------------


class PipelinedWriter(Writer):
    """Stores a chunk's events as :class:`Writer` does; ticket and clock rows come from
    the workers (step 3 of the module docstring).

    The writes run on a thread of their own, in order, while this thread reads the next
    chunk: the database works (SQLite without the GIL, PostgreSQL in its server) while
    Python parses. Every read (ids and tickets already stored) waits for the writes
    before it, and only this thread keeps the import's state.
    """

    def __init__(self, *args: Any, workers: Workers) -> None:
        super().__init__(*args)
        self.workers = workers
        self.position = 0  # the last line stored
        self.counts: dict[str, int] = {}  # events stored per ticket not yet written
        self.dirty: dict[str, int | None] = {}  # tickets evaluated here: next action before
        self.fallback: set[str] = set()  # dirty tickets with events stored by this import
        self.writes = ThreadPoolExecutor(1, thread_name_prefix="import-writes")
        workers.closing.append(lambda: self.writes.shutdown(wait=True, cancel_futures=True))
        self.written: list[tuple[Future[set[str]], list[tuple[Any, ...]]]] = []
        # The workers are forked at the first new event (see _append): a file already
        # stored is then read once, here, and nothing is evaluated for nothing.
        self.configs = configurations_of(self.connection, {self.newest})
        self.started = False

    def classify(self, chunk: list[SourceItem]) -> list[Any]:
        """As :class:`Writer` does, reading the database once the writes before are done."""
        parsed = self.validate(chunk)
        self._wait()
        return self.sort_out(parsed)

    def refused(self, ticket: str) -> None:
        """A valid event of ``ticket`` was not stored: its worker saw another log."""
        self._dirty(ticket, None)

    def _dirty(self, ticket: str, before: int | None) -> None:
        if ticket not in self.dirty:
            self.dirty[ticket] = before
        if self.counts.pop(ticket, None) is not None:
            self.fallback.add(ticket)

    def store(self, fresh: list[Any], upto: int) -> None:
        """Append the chunk's new events; write the workers' rows that are ready."""
        self.position = upto
        if fresh:
            self._append(fresh)
        self._take(self.workers.ready(upto, block=False))

    def _append(self, fresh: list[Any]) -> None:
        if not self.started:
            # Before the first write is handed to the writes' thread (it starts with
            # it): the fork copies a process of one thread.
            self.started = True
            self.workers.start(self.configs, self.newest, self.now)
        connection = self.connection
        counts, dirty = self.counts, self.dirty
        touched = sorted({item.event.ticket for item in fresh})
        new = [ticket for ticket in touched if ticket not in counts and ticket not in dirty]
        existing = queries.ticket_states(connection, new)  # classify waited for the writes
        for ticket, (_, _, next_action) in existing.items():
            self._dirty(ticket, next_action)
        rows = [(item.event.id, item.event.ticket, item.event.type.value, item.event.at,
                 item.body, self.now, self.source) for item in fresh]  # fmt: skip
        self._later(_append_events, sorted(existing), rows)
        for item in fresh:
            ticket = item.event.ticket
            if ticket in dirty:
                self.fallback.add(ticket)
            else:
                counts[ticket] = counts.get(ticket, 0) + 1
        self.summary.stored += len(fresh)

    def _take(self, frames: list[bytes]) -> None:
        """Keep the rows of the tickets whose log the worker saw as stored; write them."""
        counts, dirty = self.counts, self.dirty
        tickets: list[tuple[Any, ...]] = []
        clocks: list[tuple[Any, ...]] = []
        for payload in frames:
            rows, sent = pickle.loads(payload)
            clean = set()
            for row, events, cycles in rows:
                ticket = row[0]
                if ticket in dirty or ticket not in counts:
                    continue  # evaluated at the end, or nothing of it stored by this import
                if counts[ticket] != events:
                    self._dirty(ticket, None)
                    continue
                del counts[ticket]
                clean.add(ticket)
                tickets.append(row)
                self.summary._clocks[ticket] = cycles
            clocks.extend(clock for clock in sent if clock[0] in clean)
        if tickets:
            self._later(_insert_new, tickets, clocks, rows=tickets)

    def _later(self, job: Callable[..., set[str]], *args: Any,
               rows: list[tuple[Any, ...]] | None = None) -> None:  # fmt: skip
        """Run ``job(connection, *args)`` on the writes' thread, after the writes before."""
        self.written.append((self.writes.submit(job, self.connection, *args), rows or []))

    def _wait(self) -> None:
        """Wait for every write; a ticket another transaction created meanwhile is
        evaluated at the end (PostgreSQL)."""
        for future, rows in self.written:
            missing = future.result()
            for row in rows:
                ticket = row[0]
                if ticket in missing:
                    self.summary._clocks.pop(ticket, None)
                    self.dirty[ticket] = None
                    self.fallback.add(ticket)
                elif (due := row[_NEXT_ACTION]) is not None:  # new: nothing stored before
                    self.nearest = due if self.nearest is None else min(self.nearest, due)
        self.written.clear()

    def finish(self) -> None:
        """Write every worker's remaining rows; evaluate the other tickets here."""
        self.position = sys.maxsize
        self._take(self.workers.ready(self.position, block=True))
        self._wait()
        self.fallback.update(self.counts)  # stored, but no worker sent their rows
        self.counts.clear()
        for part in queries.chunks(sorted(self.fallback), FALLBACK_TICKETS):
            self._evaluate_here(part)
        self.announce()

    def _evaluate_here(self, tickets: Sequence[str]) -> None:
        """Evaluate tickets from their stored logs, as the one-process import does."""
        connection = self.connection
        queries.ensure_tickets(connection, tickets)
        logs = load_logs(connection, tickets)
        versions = {log.config_version for log in logs.values()} | {self.newest}
        configs = configurations_of(connection, versions)
        updates, clocks, counts = evaluate_batch(
            logs, list(tickets), self.newest, configs, self.now
        )
        write_rows(connection, tickets, updates, clocks)
        self.summary._clocks.update(counts)
        for values in updates:
            due, before = values["next_action_at"], self.dirty.get(values["b_id"])
            if due is not None and (before is None or due < before):
                self.nearest = due if self.nearest is None else min(self.nearest, due)


def _append_events(
    connection: Connection, existing: list[str], rows: list[tuple[Any, ...]]
) -> set[str]:
    """Lock the tickets stored before (PostgreSQL, as ingest would), append the events."""
    if existing:
        queries.ensure_tickets(connection, existing)
    queries.append_events(connection, rows)
    return set()


def _insert_new(
    connection: Connection, tickets: list[tuple[Any, ...]], clocks: list[tuple[Any, ...]]
) -> set[str]:
    """Insert new tickets' rows and clocks; the tickets that were not new after all."""
    taken = queries.insert_tickets(connection, tickets)
    if len(taken) == len(tickets):
        queries.replace_clocks(connection, (), clocks)
        return set()
    kept = set(taken)
    queries.replace_clocks(connection, (), [clock for clock in clocks if clock[0] in kept])
    return {row[0] for row in tickets} - kept

"""Bulk import: events stored and evaluated as ingest would, many tickets per statement.

1. An importer (``slakeeper.importers``) turns its file into numbered items: a decoded
   event object, or a problem found in the source (bad JSON, a naive timestamp…).
2. Items are validated in chunks exactly as ingest validates a body
   (:func:`~slakeeper.services.ingest.validate_event`). An id seen before, in the file or
   in the database, with the same payload is a duplicate (skipped, so that importing a
   file twice stores nothing the second time); with another payload, a conflict.
3. Everything happens in one write transaction, so that a refused file leaves nothing
   behind (nor a configuration version). Each chunk's new events are appended with one
   statement; a ticket is re-evaluated by the same code as ingest's refresh
   (:func:`~slakeeper.services.refresh.ticket_rows`, ``write_rows``) once the chunks have
   stopped touching it, from its log kept in memory, here or in worker processes
   (:mod:`slakeeper.services.bulk_evaluation`), or by workers that read a JSONL file
   themselves (:mod:`slakeeper.services.import_workers`): the stored rows are those
   ingest would store at the same ``now``, and a ticket spread over chunks is evaluated
   once. Sleeping monitors are woken once, at the end, for the earliest next action.
4. A problem stops the writing, not the reading, so that every problem is reported; the
   transaction is then rolled back, unless ``skip_invalid``: then the problem lines are
   skipped and the rest is stored.

Events get ``received_at = now``: a threshold crossed long before the import is learnt
late, so the monitor records its alert as historic and never delivers it
(:mod:`slakeeper.services.alerting`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection

from slakeeper.core.errors import EventError
from slakeeper.core.events import Event, parse_event
from slakeeper.services.bulk_evaluation import Batch, Evaluator, Rows, evaluate_batch
from slakeeper.services.configs import StoredConfig, configurations_of, current_number, store_config
from slakeeper.services.evaluations import collection_paused
from slakeeper.services.ingest import validate_event
from slakeeper.services.refresh import StoredLog, write_rows
from slakeeper.store import queries, wakeups
from slakeeper.store.events import EventRow
from slakeeper.store.session import Database
from slakeeper.store.tickets import ClockRow, TicketRow

if TYPE_CHECKING:
    from slakeeper.services.import_workers import LineSource, Workers

__all__ = [
    "SHOWN",
    "ImportSummary",
    "SkipReason",
    "Skipped",
    "SourceItem",
    "convert_items",
    "import_items",
]

SHOWN = 20  # skipped lines reported in full; the rest are counted
CHUNK_EVENTS = 20_000  # events per insert statement and per re-evaluation round
LAG_CHUNKS = 2  # a ticket is evaluated when this many chunks have not touched it
CACHE_KIB = 262_144  # SQLite page cache during an import (256 MB)


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One event from a source file: its decoded object, or why it could not be read."""

    line: int
    data: Any = None
    problem: str | None = None  # set when the source line itself is unreadable


class SkipReason(StrEnum):
    """Why a line was not stored."""

    INVALID = "invalid"  # the line is not a valid event (or cannot be read)
    CONFLICT = "conflict"  # its id is known with another payload
    DUPLICATE = "duplicate"  # its id is known with the same payload: already stored


@dataclass(frozen=True, slots=True)
class Skipped:
    """One line not stored, and why."""

    line: int
    reason: SkipReason
    detail: str
    kind: str  # a short category to count by ("invalid JSON", "at", "id conflict")

    def __str__(self) -> str:
        return f"line {self.line}: {self.detail}"


@dataclass
class ImportSummary:
    """What an import read, stored and skipped (the first SHOWN problems in full)."""

    read: int = 0  # items: events, and source lines that could not be read as one
    unreadable: int = 0  # of which source problems (a bad CSV row, JSON that does not parse)
    stored: int = 0
    duplicates: int = 0
    duplicate_lines: list[int] = field(default_factory=list)  # the first SHOWN
    problems: list[Skipped] = field(default_factory=list)  # the first SHOWN
    problem_kinds: Counter[str] = field(default_factory=Counter)
    committed: bool = False
    config: StoredConfig | None = None
    _clocks: dict[str, int] = field(default_factory=dict, repr=False)  # per ticket

    @property
    def tickets(self) -> int:
        """How many tickets got new events."""
        return len(self._clocks)

    @property
    def clocks(self) -> int:
        """Clock cycles stored for those tickets (as last evaluated)."""
        return sum(self._clocks.values())

    @property
    def problem_count(self) -> int:
        """Lines refused (invalid or conflicting)."""
        return sum(self.problem_kinds.values())

    @property
    def skipped(self) -> int:
        """Lines not stored, whatever the reason."""
        return self.problem_count + self.duplicates

    def skip(self, skipped: Skipped) -> None:
        """Record a line not stored."""
        if skipped.reason is SkipReason.DUPLICATE:
            self.duplicates += 1
            if len(self.duplicate_lines) < SHOWN:
                self.duplicate_lines.append(skipped.line)
            return
        self.problem_kinds[skipped.kind] += 1
        if len(self.problems) < SHOWN:
            self.problems.append(skipped)

    def unshown_kinds(self) -> Counter[str]:
        """The problems beyond the first SHOWN, counted by kind."""
        rest = self.problem_kinds.copy()
        rest.subtract(problem.kind for problem in self.problems)
        return +rest


class _Refused(Exception):
    """Raised inside the transaction to roll it back: the file had problems."""


@dataclass(slots=True)
class _Fresh:
    event: Event
    body: str


def import_items(
    database: Database,
    items: Iterable[SourceItem],
    *,
    now: int,
    skip_invalid: bool = False,
    config_text: str | None = None,
    author: str = "import",
    source: str = "import",
    chunk_events: int = CHUNK_EVENTS,
    workers: int | None = 0,
    lines: LineSource | None = None,
) -> ImportSummary:
    """Validate, store and evaluate events from a file (see the module docstring).

    ``config_text``: a configuration stored first as a new version when it differs (as
    ``serve --config`` does), in the same transaction. ``workers``: processes that
    evaluate tickets while this one stores (0: all in this process; None: as many as pay,
    see :func:`~slakeeper.services.import_workers.default_workers`). ``lines``: the regular
    file the items come from, line by line, which workers then read themselves
    (:mod:`slakeeper.services.import_workers`); without it, workers are sent the logs to
    evaluate (:mod:`slakeeper.services.bulk_evaluation`). Returns the summary; its
    ``committed`` is False when problems refused the whole file.
    """
    from slakeeper.services.import_workers import Workers, default_workers

    if workers is None:
        workers = default_workers(lines.path) if lines is not None else 0
    summary = ImportSummary()
    pipelined = Workers(lines, workers) if lines is not None and workers else None
    evaluator = Evaluator(0 if pipelined is not None else workers)
    try:
        with (
            database.write() as connection,
            collection_paused(),
            _large_cache(connection),
            _deferred_indexes(connection),
            pipelined or nullcontext(),
        ):
            if config_text is not None:
                summary.config = store_config(connection, text=config_text, author=author, now=now)
            writer = _writer(connection, now, source, summary, evaluator, pipelined)
            for chunk in _chunks(items, chunk_events):
                fresh = writer.classify(chunk)
                if summary.problem_count and not skip_invalid:
                    continue  # keep reading to report every problem; write nothing more
                writer.store(fresh, chunk[-1].line)
            if summary.problem_count and not skip_invalid:
                raise _Refused
            writer.finish()
        summary.committed = True
        if summary.stored:
            refresh_statistics(database)
    except _Refused:
        summary.stored = 0
        summary._clocks.clear()
    finally:
        evaluator.close()
    return summary


def _writer(
    connection: Connection,
    now: int,
    source: str,
    summary: ImportSummary,
    evaluator: Evaluator,
    pipelined: Workers | None,
) -> Writer:
    if pipelined is None:
        return Writer(connection, now, source, summary, evaluator)
    from slakeeper.services.import_workers import PipelinedWriter

    return PipelinedWriter(connection, now, source, summary, evaluator, workers=pipelined)


def refresh_statistics(database: Database) -> None:
    """PostgreSQL: refresh the planner's statistics of the tables an import fills
    (``ANALYZE``). Right after a bulk load, until autovacuum's next pass, the planner
    estimates from the empty tables and plans the queue as a scan of every ticket instead
    of walking its index. (SQLite plans from its indexes alone: nothing to refresh.)"""
    if database.is_sqlite:
        return
    with database.write() as connection:
        for table in ("tickets", "clocks", "events"):
            connection.exec_driver_sql(f"ANALYZE {table}")


@contextmanager
def _large_cache(connection: Connection) -> Iterator[None]:
    """SQLite: a page cache of up to 256 MB for the import's connection (then as before).

    Events are appended to three indexes, the id index in no particular order; with the
    default 2 MB cache a large import spends its time reading index pages back.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


# Indexes no statement of an import reads: the id lookups use the events' unique id,
# leftover logs ix_events_ticket_seq, clock replacement ix_clocks_ticket, ticket updates
# the primary key. Kept in this order so the test can compare against the tables.
DEFERRED_INDEXES = (
    "ix_events_at_seq",
    "ix_clocks_status_due",
    "ix_clocks_started_at",
    "ix_tickets_queue",
    "ix_tickets_team_queue",
    "ix_tickets_agent_queue",
    "ix_tickets_next_action_at",
    "ix_tickets_account",
)


@contextmanager
def _deferred_indexes(connection: Connection) -> Iterator[None]:
    """SQLite, into empty tables: drop the indexes no statement of the import reads, and
    create them again, sorted, when the import ends (millions of random inserts into
    B-trees larger than the page cache become one sort each).

    Both happen inside the import's transaction (SQLite's DDL is transactional): a refused
    file, an exception or a kill -9 rolls the drops back with the rows, so no committed
    schema ever lacks an index. Nothing is deferred when any of the tables holds a row
    (the rebuild would cost more than the inserts saved) or on PostgreSQL.
    """
    if connection.dialect.name != "sqlite" or _any_rows(connection):
        yield
        return
    indexes = [index for table in (EventRow, TicketRow, ClockRow)
               for index in table.__table__.indexes if index.name in DEFERRED_INDEXES]  # fmt: skip
    for index in indexes:
        index.drop(connection)
    yield  # an exception: the transaction rolls back, the indexes with it
    for index in indexes:
        index.create(connection)


def _any_rows(connection: Connection) -> bool:
    return any(
        connection.exec_driver_sql(f"SELECT 1 FROM {table} LIMIT 1").first() is not None
        for table in ("events", "tickets", "clocks")
    )


def check_item(item: SourceItem, summary: ImportSummary) -> Event | None:
    """The item's event, validated as ingest does; None (and a problem recorded) if invalid."""
    if item.problem is not None:
        summary.unreadable += 1
        kind = item.problem.split(":", 1)[0]
        summary.skip(Skipped(item.line, SkipReason.INVALID, item.problem, kind))
        return None
    try:
        return validate_event(item.data)
    except EventError as exc:
        kind = str(exc.path[0]) if exc.path else "event"
        summary.skip(Skipped(item.line, SkipReason.INVALID, str(exc), kind))
        return None


def _classify_repeat(
    summary: ImportSummary, item: SourceItem, event: Event, prior: Event, where: str
) -> None:
    """An id seen before: a duplicate when the payload is the same, else a conflict."""
    if prior.same_payload(event):
        detail = f"event id {event.id!r} already stored with the same payload"
        summary.skip(Skipped(item.line, SkipReason.DUPLICATE, detail, "duplicate"))
    else:
        detail = f"id: event id {event.id!r} is known with a different payload ({where})"
        summary.skip(Skipped(item.line, SkipReason.CONFLICT, detail, "id conflict"))


def _chunks(items: Iterable[SourceItem], size: int) -> Iterator[list[SourceItem]]:
    chunk: list[SourceItem] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Writer:
    """Stores chunks of one import in one transaction (steps 2 and 3).

    A ticket is evaluated once its events have stopped coming: when no chunk has touched
    it for ``LAG_CHUNKS`` chunks, or at the end. Its parsed log waits in memory until then,
    so that a ticket spread over chunks is neither read back nor evaluated more than once.
    """

    def __init__(
        self,
        connection: Connection,
        now: int,
        source: str,
        summary: ImportSummary,
        evaluator: Evaluator,
    ) -> None:
        self.connection = connection
        self.now = now
        self.source = source
        self.summary = summary
        self.evaluator = evaluator
        # The version a ticket takes when its `created` is stored (refresh's rule).
        self.newest = current_number(connection)
        self.texts: dict[int, str] = {}  # configuration versions' texts, for workers
        self.pending: dict[str, StoredLog] = {}  # logs with events not yet evaluated
        self.bodies: dict[str, list[str]] = {}  # the same logs as stored bodies
        self.stored_next: dict[str, int | None] = {}  # next actions before evaluation
        self.nearest: int | None = None  # the earliest next action brought earlier
        self.last_chunk: dict[str, int] = {}  # the chunk that last touched each pending log
        self.by_chunk: dict[int, list[str]] = {}  # the pending tickets each chunk touched
        self.chunk = 0

    def classify(self, chunk: list[SourceItem]) -> list[_Fresh]:
        """The chunk's new events; problems and duplicates go to the summary (step 2)."""
        return self.sort_out(self.validate(chunk))

    def validate(self, chunk: list[SourceItem]) -> dict[str, tuple[SourceItem, Event]]:
        """The chunk's valid events by id (no database read); problems and repeats of an
        id within the chunk go to the summary."""
        summary = self.summary
        summary.read += len(chunk)
        parsed: dict[str, tuple[SourceItem, Event]] = {}
        for item in chunk:
            event = check_item(item, summary)
            if event is None:
                continue
            first = parsed.get(event.id)
            if first is None:
                parsed[event.id] = (item, event)
            else:
                _classify_repeat(summary, item, event, first[1], f"line {first[0].line}")
                self.refused(event.ticket)
        return parsed

    def sort_out(self, parsed: dict[str, tuple[SourceItem, Event]]) -> list[_Fresh]:
        """The events whose id is not stored; the others go to the summary."""
        summary = self.summary
        stored = queries.stored_bodies(self.connection, list(parsed))
        fresh = []
        for event_id, (item, event) in parsed.items():
            body = orjson.dumps(item.data).decode()
            known = stored.get(event_id)
            if known is None:
                fresh.append(_Fresh(event, body))
            else:
                self.refused(event.ticket)
                # Stored as it is written here: a duplicate, nothing to parse.
                prior = event if known == body else validate_event(orjson.loads(known))
                _classify_repeat(summary, item, event, prior, "the database")
        return fresh

    def refused(self, ticket: str) -> None:
        """A valid event of ``ticket`` was not stored (a duplicate or a conflict)."""

    def store(self, fresh: list[_Fresh], upto: int) -> None:
        """Append the chunk's new events (up to line ``upto``); evaluate the tickets no
        longer touched (step 3)."""
        if not fresh:
            return
        self.chunk += 1
        connection = self.connection
        touched = sorted({item.event.ticket for item in fresh})
        new = [ticket for ticket in touched if ticket not in self.pending]
        existing = queries.ticket_states(connection, new)
        queries.ensure_tickets(connection, new)
        queries.append_events(
            connection,
            [(item.event.id, item.event.ticket, item.event.type.value, item.event.at,
              item.body, self.now, self.source) for item in fresh],
        )  # fmt: skip
        self._extend(new, existing, fresh)
        for ticket in touched:
            self.last_chunk[ticket] = self.chunk
        self.by_chunk[self.chunk] = touched
        self.summary.stored += len(fresh)
        aged = self.by_chunk.pop(self.chunk - LAG_CHUNKS, [])
        self._evaluate([ticket for ticket in aged if self.last_chunk.get(ticket) == self.chunk
                        - LAG_CHUNKS])  # fmt: skip

    def finish(self) -> None:
        """Evaluate every ticket still waiting, and write every result."""
        self._evaluate(sorted(self.pending))
        self._write(self.evaluator.ready(keep=0))
        self.announce()

    def announce(self) -> None:
        """Wake monitors sleeping toward a later action than the earliest one written."""
        if self.nearest is not None:
            wakeups.announce(self.connection, self.nearest)

    def _extend(self, new: list[str], existing: dict[str, Any], fresh: list[_Fresh]) -> None:
        """Add the chunk's events to the pending logs, as load_logs would read them."""
        unknown: set[str] = set()
        for ticket in new:
            if ticket in existing:  # stored before this import, or evaluated already
                unknown.add(ticket)
            else:
                self.pending[ticket] = StoredLog(ticket, [], None, "")
                self.bodies[ticket] = []
        for item in fresh:
            ticket = item.event.ticket
            log = self.pending.get(ticket)
            if log is not None and ticket not in unknown:
                log.events.append(item.event)
                log.received.append(self.now)
                self.bodies[ticket].append(item.body)
        if unknown:  # read back after the insert: the whole log, the new events included
            self._load(sorted(unknown))

    def _load(self, tickets: list[str]) -> None:
        """Read stored logs (load_logs' reading, keeping the bodies too)."""
        states = queries.ticket_states(self.connection, tickets)
        for ticket, body, received in queries.event_bodies(self.connection, tickets):
            log = self.pending.get(ticket)
            if log is None:
                version, alerted, next_action = states.get(ticket, (None, "", None))
                log = self.pending[ticket] = StoredLog(
                    ticket, [], version, alerted, next_action_at=next_action
                )
                self.bodies[ticket] = []
            log.events.append(parse_event(orjson.loads(body)))
            log.received.append(received)
            self.bodies[ticket].append(body)

    def _evaluate(self, tickets: list[str]) -> None:
        """Evaluate ``tickets`` (here or in a worker); write the results that are ready."""
        if not tickets:
            return
        logs = {ticket: self.pending.pop(ticket) for ticket in tickets}
        bodies = {ticket: self.bodies.pop(ticket) for ticket in tickets}
        for ticket in tickets:
            del self.last_chunk[ticket]
            self.stored_next[ticket] = logs[ticket].next_action_at
        versions = {log.config_version for log in logs.values()} | {self.newest}
        if self.evaluator.workers:
            logged = [(t, log.config_version, log.alerted, bodies[t], log.received)
                      for t, log in logs.items()]  # fmt: skip
            texts = {n: self._text(n) for n in versions if n is not None}
            self.evaluator.submit(Batch(tickets, logged, self.newest, texts, self.now))
        else:
            configs = configurations_of(self.connection, versions)
            rows = evaluate_batch(logs, tickets, self.newest, configs, self.now)
            self.evaluator.submit_local(tickets, rows)
        self._write(self.evaluator.ready(keep=self.evaluator.workers))

    def _text(self, number: int) -> str:
        if number not in self.texts:
            self.texts[number] = queries.config_text(self.connection, number)
        return self.texts[number]

    def _write(self, ready: list[tuple[list[str], Rows]]) -> None:
        for tickets, (updates, clocks, counts) in ready:
            write_rows(self.connection, tickets, updates, clocks)
            self.summary._clocks.update(counts)
            for values in updates:  # as ingest's refresh does, with one notice at the end
                due, before = values["next_action_at"], self.stored_next.pop(values["b_id"])
                if due is not None and (before is None or due < before):
                    self.nearest = due if self.nearest is None else min(self.nearest, due)


def convert_items(
    items: Iterable[SourceItem], write: Any, *, skip_invalid: bool = False
) -> ImportSummary:
    """Validate items as :func:`import_items` does and ``write`` each new event as a JSONL
    line instead of storing it (a repeated id: written once). Nothing is written when a
    problem refuses the file (the events wait in memory until the end)."""
    summary = ImportSummary()
    seen: dict[str, Event] = {}
    lines: list[bytes] = []
    for item in items:
        summary.read += 1
        event = check_item(item, summary)
        if event is None:
            continue
        prior = seen.get(event.id)
        if prior is not None:
            _classify_repeat(summary, item, event, prior, "an earlier line")
            continue
        seen[event.id] = event
        summary._clocks.setdefault(event.ticket, 0)
        lines.append(orjson.dumps(item.data) + b"\n")
    if summary.problem_count and not skip_invalid:
        summary._clocks.clear()
        return summary
    for line in lines:
        write(line)
    summary.stored = len(lines)
    summary.committed = True
    return summary

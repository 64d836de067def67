"""Ingest: validate events, store the new ones, re-evaluate their tickets, in one transaction.

1. Validate every event (an error names its index and field); nothing is stored if any
   is invalid. Ids repeated within the body count once (another payload is a conflict).
2. In one write transaction: check the callers' tokens (one query for the group, see
   web/deps.py ``deferred_caller``), lock the touched tickets (a row lock on PostgreSQL, the
   database lock on SQLite), find ids already stored (same payload: a duplicate; another
   payload: :class:`ConflictError`, and the whole body is refused), append the new events.
3. Re-evaluate each touched ticket from its whole stored log and rewrite its clocks, in the
   same transaction; the caller acknowledges only after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from slakeeper.core.errors import ConflictError, EventError, SlaError
from slakeeper.core.events import Event, EventType, parse_event
from slakeeper.services.configs import configuration_of, current_number
from slakeeper.services.intake import suggest_and_record
from slakeeper.services.refresh import parsed, refresh_tickets, remember_parsed
from slakeeper.store import queries
from slakeeper.store.session import Database

__all__ = [
    "Body",
    "Caller",
    "CallerRefused",
    "IngestResult",
    "ingest_events",
    "parse_body",
    "parse_events",
    "store_bodies",
    "validate_event",
]

MAX_ID = 200  # characters in an event or ticket id


@dataclass(frozen=True)
class IngestResult:
    """What one ingest did: events newly stored, repeats ignored, tickets re-evaluated."""

    accepted: int
    duplicates: int
    tickets: int


@dataclass(frozen=True)
class _Incoming:
    event: Event
    body: str
    index: int


def parse_events(payload: Any) -> tuple[list[_Incoming], int]:
    """Validate one event or a list; the events to store and the repeats within the body."""
    items = payload if isinstance(payload, list) else [payload]
    single = not isinstance(payload, list)
    if not items:
        raise EventError("expected an event or a non-empty list of events")
    incoming: dict[str, _Incoming] = {}
    repeats = 0
    for index, item in enumerate(items):
        prefix: tuple[int, ...] = () if single else (index,)
        try:
            event = validate_event(item)
        except EventError as exc:
            raise exc.under(*prefix) from None
        first = incoming.get(event.id)
        if first is not None:
            if not first.event.same_payload(event):
                raise ConflictError(
                    f"event id {event.id!r} is sent twice with different payloads "
                    f"(indexes {first.index} and {index})",
                    path=(*prefix, "id"),
                )
            repeats += 1
            continue
        body = orjson.dumps(item).decode()
        incoming[event.id] = _Incoming(event, body, index)
    return list(incoming.values()), repeats


def validate_event(item: Any, line: int | None = None) -> Event:
    """One event checked as ingest checks it (the event format, id lengths)."""
    event = parse_event(item, line)
    for key, value in (("id", event.id), ("ticket", event.ticket)):
        if len(value) > MAX_ID:
            raise EventError(f"longer than {MAX_ID} characters", path=(key,))
    return event


def ingest_events(
    database: Database, payload: Any, *, now: int, source: str = "api"
) -> IngestResult:
    """Store and evaluate one event or a list, all or nothing (see the module docstring)."""
    outcome = store_bodies(database, [parse_body(payload, source)], now=now)[0]
    if isinstance(outcome, SlaError):
        raise outcome
    return outcome


@dataclass(frozen=True)
class Caller:
    """A token to check in the write transaction: its digest, the roles the route accepts."""

    digest: str
    roles: frozenset[str]


class CallerRefused(SlaError):
    """The body's token is unknown, revoked, or of a role the route does not accept."""


@dataclass(frozen=True)
class Body:
    """One request's validated events (ids unique within it)."""

    incoming: list[_Incoming]
    repeats: int
    source: str
    caller: Caller | None = None

    @property
    def tickets(self) -> set[str]:
        """The tickets its events belong to."""
        return {item.event.ticket for item in self.incoming}


def parse_body(payload: Any, source: str, caller: Caller | None = None) -> Body:
    """Validate a request body (step 1); :class:`EventError` names the index and field."""
    incoming, repeats = parse_events(payload)
    return Body(incoming, repeats, source, caller)


def store_bodies(
    database: Database, bodies: list[Body], *, now: int
) -> list[IngestResult | SlaError]:
    """Store several bodies in one transaction (steps 2-3), each all or nothing.

    A body with a conflicting id is answered with its :class:`ConflictError` and none of
    its events is stored; the others commit together (group commit: one transaction, one
    disk flush and one re-evaluation per ticket for many requests).
    """
    for attempt in range(3):
        try:
            with database.write() as connection:
                return _store_group(connection, bodies, now)
        except IntegrityError:
            # Another process stored one of these ids (or opened one of these tickets)
            # between our read and our write: start over, now seeing its rows.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _store_group(
    connection: Connection, bodies: list[Body], now: int
) -> list[IngestResult | SlaError]:
    refused = _refused_callers(connection, bodies)
    if refused:
        allowed = [body for index, body in enumerate(bodies) if index not in refused]
        stored = iter(_store_checked(connection, allowed, now) if allowed else [])
        return [
            CallerRefused("token refused") if index in refused else next(stored)
            for index in range(len(bodies))
        ]
    return _store_checked(connection, bodies, now)


def _store_checked(
    connection: Connection, bodies: list[Body], now: int
) -> list[IngestResult | SlaError]:
    # Every ticket of the group locked up front, in id order: no deadlock between writers.
    locked = sorted(set().union(*(body.tickets for body in bodies)))
    _lock_tickets(connection, locked)
    known = _Known(
        queries.stored_bodies(connection, [i.event.id for b in bodies for i in b.incoming])
    )
    outcomes: list[IngestResult | SlaError] = []
    rows: list[tuple[Any, ...]] = []
    fresh_events: list[tuple[Event, str]] = []
    touched: set[str] = set()
    for body in bodies:
        try:
            fresh = known.fresh(body)
        except ConflictError as exc:
            outcomes.append(exc)
            continue
        known.accept(fresh)
        for item in fresh:  # refresh reads these bodies back as the ticket's log
            remember_parsed(item.body, item.event)
        fresh_events += [(item.event, item.body) for item in fresh]
        rows += [
            (i.event.id, i.event.ticket, i.event.type.value, i.event.at, i.body, now, body.source)
            for i in fresh
        ]
        tickets = {item.event.ticket for item in fresh}
        touched |= tickets
        duplicates = body.repeats + len(body.incoming) - len(fresh)
        outcomes.append(IngestResult(len(fresh), duplicates, len(tickets)))
    if rows:
        rows += _intake(connection, fresh_events, now)
        queries.append_events(connection, rows)
        refresh_tickets(connection, sorted(touched), now)
    if len(touched) < len(locked):  # rows locked for a body that was refused: none stays
        queries.delete_placeholders(connection, [t for t in locked if t not in touched])
    return outcomes


def _refused_callers(connection: Connection, bodies: list[Body]) -> set[int]:
    """The indexes of the bodies whose token is not live with a role their route accepts:
    read in this transaction, so a token revoked before it began is refused."""
    digests = sorted({body.caller.digest for body in bodies if body.caller is not None})
    if not digests:
        return set()
    roles = queries.live_token_roles(connection, digests)
    return {
        index
        for index, body in enumerate(bodies)
        if body.caller is not None and roles.get(body.caller.digest) not in body.caller.roles
    }


_TRIAGED_TYPES = (EventType.CREATED, EventType.UPDATE, EventType.ASSIGN)


def _intake(
    connection: Connection, events: list[tuple[Event, str]], now: int
) -> list[tuple[Any, ...]]:
    """Triage's own events for the new tickets (services/intake.py), as event rows."""
    if not any(event.type in _TRIAGED_TYPES for event, _ in events):
        return []
    config = configuration_of(connection, current_number(connection))
    applied = suggest_and_record(connection, config, events, now)
    if not applied:
        return []
    taken = queries.stored_bodies(connection, [item.event.id for item in applied])
    return [
        (
            item.event.id,
            item.event.ticket,
            item.event.type.value,
            item.event.at,
            item.body,
            now,
            "triage",
        )
        for item in applied
        if item.event.id not in taken
    ]


class _Known:
    """Events already stored, or accepted earlier in this group, by id."""

    def __init__(self, stored: dict[str, str]) -> None:
        self.stored = stored
        self.events: dict[str, Event] = {}

    def get(self, event_id: str) -> Event | None:
        found = self.events.get(event_id)
        if found is None and event_id in self.stored:
            found = self.events[event_id] = parsed(self.stored[event_id])
        return found

    def fresh(self, body: Body) -> list[_Incoming]:
        """The body's new events; ConflictError when an id is known with another payload."""
        fresh = []
        for item in body.incoming:
            prior = self.get(item.event.id)
            if prior is None:
                fresh.append(item)
            elif not prior.same_payload(item.event):
                raise ConflictError(
                    f"event id {item.event.id!r} is already stored with a different payload",
                    path=(item.index, "id"),
                )
        return fresh

    def accept(self, fresh: list[_Incoming]) -> None:
        for item in fresh:
            self.events[item.event.id] = item.event


def _lock_tickets(connection: Connection, tickets: Sequence[str]) -> None:
    """Create missing ticket rows and lock them, in id order (no deadlock between writers).

    On PostgreSQL a row lock per ticket; on SQLite, BEGIN IMMEDIATE already holds the
    database lock.
    """
    queries.ensure_tickets(connection, tickets)

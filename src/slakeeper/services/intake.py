"""Triage at intake, inside ingest's transaction (docs/triage.md, "In the service").

When the configuration in force has a ``triage`` section, a newly stored ``created`` event
that lacks a triaged field (``severity`` or ``product`` in its fields, or a ``team``) gets
a suggestion from that field's model:

- at or above the field's threshold, the suggestion is applied as its own event, written
  by the ``system`` author at the instant of the ``created`` event (so every clock starts
  under it): an ``update`` of the field, or an ``assign`` of the team, with the confidence
  and the model under ``triage``; its id is ``triage:<ticket>:<field>``;
- below it, nothing is applied and the ticket waits for a human in the queue
  (``GET /api/v1/queue?needs_triage=true``).

Either way the suggestion is kept (``triage_suggestions``). The first later change of the
field by someone else (an ``update`` or ``assign`` that is not triage's own) is recorded as
the human decision beside it, which gives triage's accuracy over time ("how often did
humans change what triage suggested": :func:`accuracy`).

A model that cannot be loaded (a missing or foreign file) never fails an ingest: the
problem is logged and the ticket simply gets no suggestion.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select, update

from slakeeper.core.configuration import Configuration, TriageTarget
from slakeeper.core.errors import SlaError
from slakeeper.core.events import Event, EventType
from slakeeper.core.instants import format_instant
from slakeeper.store import queries
from slakeeper.store.triage import TriageRow

__all__ = ["SYSTEM_PREFIX", "Applied", "accuracy", "suggest_and_record", "waiting_fields"]

log = logging.getLogger("slakeeper.intake")

SYSTEM_PREFIX = "triage:"  # ids of the events triage writes
_MODELS: dict[tuple[str, float], tuple[float, Any]] = {}  # (path, threshold) -> (mtime, Triage)


@dataclass(frozen=True)
class Applied:
    """A system event triage writes: its id, ticket, instant and JSON body."""

    event: Event
    body: str


def suggest_and_record(
    connection: Connection,
    config: Configuration,
    fresh: Sequence[tuple[Event, str]],
    now: int,
) -> list[Applied]:
    """Suggest for the new ``created`` events, record human decisions; the events to add.

    ``fresh`` holds the new events with their bodies as received (the text triage reads
    includes a ``description``, which is not a ticket field)."""
    if not config.triage:
        return []
    _record_decisions(connection, [event for event, _ in fresh], config)
    created = [(event, body) for event, body in fresh if event.type is EventType.CREATED]
    if not created:
        return []
    applied: list[Applied] = []
    rows: list[dict[str, Any]] = []
    for name, target in sorted(config.triage.items()):
        missing = [(event, body) for event, body in created if _value(event, name) is None]
        triage = _model(target) if missing else None
        if triage is None:
            continue
        texts = [_text(event, body) for event, body in missing]
        categorical = [_categorical(event) for event, _ in missing]
        suggestions = triage.suggest_many(texts, categorical)
        for (event, _), suggestion in zip(missing, suggestions, strict=True):
            apply = not suggestion.abstain
            event_id = f"{SYSTEM_PREFIX}{event.ticket}:{name}" if apply else None
            if apply:
                applied.append(_system_event(event, name, suggestion, triage, event_id))
            rows.append(
                {
                    "ticket": event.ticket,
                    "field": name,
                    "label": suggestion.label,
                    "confidence": suggestion.confidence,
                    "threshold": triage.threshold,
                    "applied": apply,
                    "model": triage.path.name,
                    "top": orjson.dumps(suggestion.document()["top"]).decode(),
                    "suggested_at": now,
                    "event_id": event_id,
                }
            )
    if rows:
        already = _suggested(connection, {(row["ticket"], row["field"]) for row in rows})
        rows = [row for row in rows if (row["ticket"], row["field"]) not in already]
        applied = [a for a in applied if (a.event.ticket, _field_of(a)) not in already]
        if rows:
            connection.execute(insert(TriageRow), rows)
    return applied


def _value(event: Event, name: str) -> Any:
    if name == "team":
        return event.team
    value = event.fields.get(name)
    return None if value in (None, "") else value


def _text(event: Event, body: str) -> str:
    from slakeeper.services.triage import ticket_text

    return ticket_text(event.fields.get("subject"), orjson.loads(body))


def _categorical(event: Event) -> dict[str, Any]:
    return {key: value for key, value in event.fields.items() if isinstance(value, str)}


def preload_models(database: Any) -> int:
    """Load the triage models of the newest stored configuration (``serve`` calls it at
    start), so that no ingest transaction pays for loading one; how many are loaded."""
    from slakeeper.services.configs import configuration_of, current_number

    with database.read() as connection:
        number = current_number(connection)
        if number is None:
            return 0
        configuration = configuration_of(connection, number)
    return sum(1 for target in configuration.triage.values() if _model(target) is not None)


def _model(target: TriageTarget) -> Any:
    """The loaded model of a target (reloaded when its file changes), or None."""
    from slakeeper.services.triage import Triage

    key = (os.path.abspath(target.model), target.threshold)
    try:
        mtime = os.path.getmtime(key[0])
        cached = _MODELS.get(key)
        if cached is None or cached[0] != mtime:
            _MODELS[key] = (mtime, Triage(key[0], threshold=target.threshold))
        return _MODELS[key][1]
    except (OSError, SlaError) as exc:
        log.warning("triage of %s is off: cannot load model %s: %s", target.field, key[0], exc)
        return None


def _system_event(event: Event, name: str, suggestion: Any, triage: Any, event_id: str) -> Applied:
    body: dict[str, Any] = {
        "id": event_id,
        "ticket": event.ticket,
        "at": format_instant(event.at),
        "author": "system",
    }
    if name == "team":
        body |= {"type": "assign", "team": suggestion.label}
    else:
        body |= {"type": "update", "fields": {name: suggestion.label}}
    body["triage"] = {
        "confidence": round(suggestion.confidence, 4),
        "threshold": triage.threshold,
        "model": triage.path.name,
    }
    from slakeeper.core.events import parse_event

    return Applied(parse_event(body), orjson.dumps(body).decode())


def _field_of(applied: Applied) -> str:
    return applied.event.id.rsplit(":", 1)[1]


def _suggested(connection: Connection, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    tickets = sorted({ticket for ticket, _ in keys})
    found = connection.execute(
        select(TriageRow.ticket, TriageRow.field).where(TriageRow.ticket.in_(tickets))
    ).all()
    return {(ticket, field) for ticket, field in found}


def _record_decisions(
    connection: Connection, fresh: Sequence[Event], config: Configuration
) -> None:
    """The first change of a suggested field by someone other than triage is the decision."""
    changes: dict[tuple[str, str], Event] = {}
    for event in sorted(fresh, key=lambda e: e.at):
        if event.id.startswith(SYSTEM_PREFIX):
            continue
        for name in config.triage:
            if _changes(event, name):
                changes.setdefault((event.ticket, name), event)
    if not changes:
        return
    tickets = sorted({ticket for ticket, _ in changes})
    open_rows = connection.execute(
        select(TriageRow.id, TriageRow.ticket, TriageRow.field).where(
            TriageRow.ticket.in_(tickets), TriageRow.decided_at.is_(None)
        )
    ).all()
    for row_id, ticket, name in open_rows:
        event = changes.get((ticket, name))
        if event is None:
            continue
        connection.execute(
            update(TriageRow)
            .where(TriageRow.id == row_id)
            .values(
                decided_label=str(_value(event, name)),
                decided_at=event.at,
                decided_by=event.agent or _author(event),
                decided_event=event.id,
            )
        )


def _changes(event: Event, name: str) -> bool:
    if name == "team":
        return event.type is EventType.ASSIGN and event.team is not None
    return event.type is EventType.UPDATE and _value(event, name) is not None


def _author(event: Event) -> str:
    return event.author.value if event.author is not None else "unknown"


def waiting_fields(connection: Connection, tickets: Iterable[str]) -> dict[str, list[str]]:
    """For each ticket, the fields whose suggestion waits for a human (sorted)."""
    wanted = sorted(set(tickets))
    if not wanted:
        return {}
    # The driver's SQL with one array parameter on PostgreSQL (queries.member_of): the
    # queue asks this for every page, and compiling an expanding IN of 50 ids, then
    # PostgreSQL planning it afresh, took 3 ms of a page (bench/README.md, Service).
    rows = []
    for part in queries.parts(connection, wanted):
        where, parameters = queries.member_of(connection, "ticket", part)
        sql = (
            "SELECT ticket, field FROM triage_suggestions "
            f"WHERE {where} AND NOT applied AND decided_at IS NULL"
        )
        rows += [(ticket, name) for ticket, name in queries.run(connection, sql, parameters)]
    found: dict[str, list[str]] = {}
    for ticket, name in sorted(rows):
        found.setdefault(ticket, []).append(name)
    return found


def suggestions_of(connection: Connection, ticket: str) -> list[dict[str, Any]]:
    """A ticket's suggestions and what humans decided, as JSON objects."""
    rows = connection.execute(
        select(TriageRow).where(TriageRow.ticket == ticket).order_by(TriageRow.field)
    ).all()
    return [_document(row) for row in rows]


def _document(row: Any) -> dict[str, Any]:
    """A stored suggestion (a row of ``triage_suggestions``) as JSON."""
    return {
        "field": row.field,
        "label": row.label,
        "confidence": round(row.confidence, 4),
        "threshold": row.threshold,
        "applied": row.applied,
        "model": row.model,
        "top": orjson.loads(row.top),
        "suggested_at": format_instant(row.suggested_at),
        "event": row.event_id,
        "decided": None
        if row.decided_at is None
        else {
            "label": row.decided_label,
            "at": format_instant(row.decided_at),
            "by": row.decided_by,
            "event": row.decided_event,
            "changed": row.decided_label != row.label,
        },
    }


def accuracy(
    connection: Connection, *, since: int | None, until: int | None
) -> list[dict[str, Any]]:
    """Per field, over suggestions made in [since, until): how often humans kept them.

    ``applied`` suggestions a human later changed count as ``overridden``; the others as
    ``kept`` (a human may not have looked: an applied suggestion nobody touched is kept).
    Abstentions a human decided count as ``agreed`` when the human chose the suggested
    label, else ``disagreed``; undecided ones are ``waiting``.
    """
    query = select(TriageRow.field, TriageRow.applied, TriageRow.label, TriageRow.decided_label)
    if since is not None:
        query = query.where(TriageRow.suggested_at >= since)
    if until is not None:
        query = query.where(TriageRow.suggested_at < until)
    counts: dict[str, dict[str, int]] = {}
    for name, applied, label, decided in connection.execute(query):
        bucket = counts.setdefault(
            name,
            {
                "suggested": 0,
                "applied": 0,
                "kept": 0,
                "overridden": 0,
                "abstained": 0,
                "agreed": 0,
                "disagreed": 0,
                "waiting": 0,
            },
        )
        bucket["suggested"] += 1
        if applied:
            bucket["applied"] += 1
            bucket["overridden" if decided is not None and decided != label else "kept"] += 1
        else:
            bucket["abstained"] += 1
            if decided is None:
                bucket["waiting"] += 1
            else:
                bucket["agreed" if decided == label else "disagreed"] += 1
    result = []
    for name in sorted(counts):
        bucket = counts[name]
        judged = bucket["applied"]
        result.append(
            {"field": name}
            | bucket
            | {"kept_share": None if judged == 0 else round(bucket["kept"] / judged, 4)}
        )
    return result

"""GET a ticket (evaluated at the request's now), its timeline and events, and the queue."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query

from slakeeper.core.evaluation import TicketResult
from slakeeper.core.instants import format_instant
from slakeeper.services.evaluations import instant_text, seconds_value, ticket_document
from slakeeper.services.intake import suggestions_of
from slakeeper.services.tickets import (
    QueueFilters,
    clock_status_at,
    has_due,
    is_at_risk,
    is_breached,
    read_queue,
    read_ticket,
    read_ticket_events,
)
from slakeeper.store.tickets import ClockRow, TicketRow
from slakeeper.web.deps import ClockDep, DatabaseDep, PrincipalDep
from slakeeper.web.schemas import ExactJSONResponse, number_cursor

router = APIRouter(prefix="/api/v1", tags=["tickets"])

Limit = Annotated[int, Query(ge=1, le=500, description="Items per page (at most 500).")]
Cursor = Annotated[str | None, Query(max_length=1000, description="next_cursor of a page.")]


def _ticket_answer(row: TicketRow, result: TicketResult | None, now: int) -> dict[str, Any]:
    base: dict[str, Any] = {
        "ticket": row.id,
        "config_version": row.config_version,
        "fields": orjson.loads(row.fields),
        "created_at": instant_text(row.created_at),
        "evaluated_at": format_instant(now),
    }
    if result is None:  # events stored, `created` not yet
        return base | {"status": None, "policy": None, "next_action_at": None, "clocks": []}
    return base | ticket_document(result, now)


@router.get("/tickets/{ticket}")
def get_ticket(
    ticket: str, _principal: PrincipalDep, database: DatabaseDep, clock: ClockDep
) -> ExactJSONResponse:
    """The ticket's fields and every clock (the `evaluate` object), current at now."""
    now = clock.now()
    with database.read() as connection:
        row, result = read_ticket(connection, ticket, now)
        triage = suggestions_of(connection, ticket)
    return ExactJSONResponse(_ticket_answer(row, result, now) | {"triage": triage})


@router.get("/tickets/{ticket}/timeline")
def get_timeline(
    ticket: str, _principal: PrincipalDep, database: DatabaseDep, clock: ClockDep
) -> ExactJSONResponse:
    """The explained timeline: every start, pause, warning, breach and fulfilment, with causes."""
    now = clock.now()
    with database.read() as connection:
        row, result = read_ticket(connection, ticket, now, explain=True)
    entries = [] if result is None else sorted(result.timeline, key=lambda entry: entry.at)
    items = [
        {
            "at": format_instant(entry.at),
            "kind": entry.kind,
            "detail": entry.detail,
            "metric": entry.metric.value if entry.metric is not None else None,
            "team": entry.team,
            "cycle": entry.cycle,
            "event": entry.event,
        }
        for entry in entries
    ]
    return ExactJSONResponse({"ticket": row.id, "items": items, "next_cursor": None})


@router.get("/tickets/{ticket}/events")
def get_events(
    ticket: str,
    _principal: PrincipalDep,
    database: DatabaseDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ExactJSONResponse:
    """The ticket's stored events in arrival order, exactly as received."""
    after = number_cursor(cursor)
    with database.read() as connection:
        rows, last = read_ticket_events(connection, ticket, after=after, limit=limit)
    items = [
        {
            "seq": row.seq,
            "received_at": format_instant(row.received_at),
            "source": row.source,
            "event": orjson.loads(row.body),
        }
        for row in rows
    ]
    return ExactJSONResponse({"items": items, "next_cursor": None if last is None else str(last)})


@router.get("/queue")
def get_queue(
    _principal: PrincipalDep,
    database: DatabaseDep,
    clock: ClockDep,
    team: str | None = None,
    agent: str | None = None,
    severity: str | None = None,
    tier: str | None = None,
    channel: str | None = None,
    status: str | None = None,
    at_risk: bool | None = None,
    breached: bool | None = None,
    needs_triage: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ExactJSONResponse:
    """Open tickets, most urgent first (DESIGN.md section 5), with their clocks."""
    now = clock.now()
    filters = QueueFilters(
        team, agent, severity, tier, channel, status, at_risk, breached, needs_triage
    )
    with database.read() as connection:
        page = read_queue(
            connection, filters, now, cursor=cursor, limit=limit, columns=_QUEUE_COLUMNS
        )
    items = [
        _queue_item(row, page.clocks[row.id], now) | {"triage": page.triage_waiting.get(row.id, [])}
        for row in page.tickets
    ]
    return ExactJSONResponse({"items": items, "next_cursor": page.next_cursor})


# The ticket columns a queue item shows (and is_breached, is_at_risk read).
_QUEUE_COLUMNS = (
    "id", "severity", "account", "account_tier", "channel", "team", "agent", "status",
    "subject", "policy", "created_at", "queue_due", "risk_at",
)  # fmt: skip


def _queue_item(row: TicketRow, clocks: list[ClockRow], now: int) -> dict[str, Any]:
    due = row.queue_due if has_due(row) else None
    return {
        "ticket": row.id,
        "severity": row.severity,
        "account": row.account,
        "account_tier": row.account_tier,
        "channel": row.channel,
        "team": row.team,
        "agent": row.agent,
        "status": row.status,
        "subject": row.subject,
        "policy": row.policy,
        "created_at": instant_text(row.created_at),
        "due_at": instant_text(due),
        "time_left_seconds": None if due is None else seconds_value(due - now),
        "at_risk": is_at_risk(row, now),
        "breached": is_breached(row, now),
        "clocks": [_queue_clock(clock, now) for clock in clocks],
    }


def _queue_clock(clock: ClockRow, now: int) -> dict[str, Any]:
    return {
        "metric": clock.metric,
        "team": clock.team or None,
        "cycle": clock.cycle,
        "status": clock_status_at(clock, now),
        "started_at": instant_text(clock.started_at),
        "due_at": instant_text(clock.due_at),
        "target_seconds": seconds_value(clock.target_us),
        "objective_due_at": instant_text(clock.objective_due_at),
        "warnings": [
            {"threshold": threshold, "at": format_instant(at)}
            for threshold, at in orjson.loads(clock.warnings)
        ],
    }

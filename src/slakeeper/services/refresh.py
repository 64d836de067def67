"""Re-evaluating stored tickets from their whole log and rewriting their rows and clocks.

Ingest, recompute and the monitor all come here: a ticket's SLA state is a pure function
of its stored log, its configuration version and ``now`` (DESIGN.md section 3), so the
service never patches a clock; it replays the log through the core and stores the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection

from slakeeper.analytics.codes import CODED_COLUMNS, EARLIEST, LATEST, ticket_codes
from slakeeper.analytics.facts import TicketFacts, causes_text, ticket_facts
from slakeeper.core.clocks import Cycle
from slakeeper.core.configuration import Configuration
from slakeeper.core.errors import SlaError
from slakeeper.core.evaluation import Diagnostic, TicketResult, evaluate_ticket
from slakeeper.core.events import Event, EventType, parse_event
from slakeeper.services.configs import configurations_of, current_number
from slakeeper.services.marks import digest, reached_marks
from slakeeper.store import queries, wakeups
from slakeeper.store.queries import CLOCK_COLUMNS, TICKET_COLUMNS
from slakeeper.store.tickets import NO_DUE

__all__ = [
    "StoredLog",
    "assign_versions",
    "evaluate_log",
    "load_logs",
    "parsed",
    "refresh_logs",
    "refresh_tickets",
    "remember_parsed",
    "ticket_rows",
    "ticket_tier",
    "write_rows",
]


@dataclass
class StoredLog:
    """A ticket's stored events, parsed, in arrival order."""

    ticket: str
    events: list[Event]
    config_version: int | None
    alerted: str = ""  # digest of the marks the monitor last alerted on
    received: list[int] = field(default_factory=list)  # each event's arrival instant
    next_action_at: int | None = None  # as stored before this refresh

    @property
    def has_created(self) -> bool:
        """True once the ticket's ``created`` event is stored."""
        return any(event.type is EventType.CREATED for event in self.events)


def load_logs(connection: Connection, tickets: Sequence[str]) -> dict[str, StoredLog]:
    """The stored logs of ``tickets`` (those with at least one event)."""
    states = queries.ticket_states(connection, tickets)
    logs: dict[str, StoredLog] = {}
    for ticket, body, received in queries.event_bodies(connection, tickets):
        log = logs.get(ticket)
        if log is None:
            version, alerted, next_action = states.get(ticket, (None, "", None))
            log = logs[ticket] = StoredLog(ticket, [], version, alerted, next_action_at=next_action)
        log.events.append(parsed(body))
        log.received.append(received)
    return logs


# Stored bodies parsed before, by their text: every ingest re-reads the whole log of each
# ticket it touches, and parsing those bodies again was a sixth of a 500-event batch
# (bench/README.md, Service). An event is a pure function of its body's text and is never
# changed once parsed, so an entry can not go stale; a full cache is emptied, not pruned.
_PARSED: dict[str, Event] = {}
PARSED_MAX = 50_000


def parsed(body: str) -> Event:
    """The event of a stored body (:func:`parse_event` of its JSON), parsed once."""
    event = _PARSED.get(body)
    if event is None:
        event = parse_event(orjson.loads(body))
        remember_parsed(body, event)
    return event


def remember_parsed(body: str, event: Event) -> None:
    """Remember ``event`` as the parse of ``body`` (ingest has parsed it to validate it)."""
    if len(_PARSED) >= PARSED_MAX:
        _PARSED.clear()
    _PARSED[body] = event


def _applied(log: StoredLog, now: int) -> list[Event]:
    """The events of ``log`` that have happened by ``now``."""
    return [event for event in log.events if event.at <= now]


def evaluate_log(
    log: StoredLog, config: Configuration, now: int, *, explain: bool = False
) -> TicketResult | None:
    """Evaluate a stored log at ``now`` (events after ``now`` wait for their time)."""
    events = _applied(log, now)
    diagnostics: list[Diagnostic] = []
    try:
        return evaluate_ticket(log.ticket, events, config, now, diagnostics, explain=explain)
    except SlaError:  # a due date past what calendars can count (year 9998): no clocks
        return None


def refresh_tickets(
    connection: Connection,
    tickets: Sequence[str],
    now: int,
    *,
    version: int | None = None,
) -> dict[str, TicketResult | None]:
    """Re-evaluate ``tickets`` from their logs and rewrite their rows and clocks (ingest,
    recompute: sleeping monitors hear of a next action brought earlier).

    A ticket whose ``created`` is stored takes the newest configuration version the first
    time (it keeps it afterwards); ``version`` moves the tickets to that version
    (recompute). A ticket whose reached marks differ from those alerted on is due for the
    monitor now. Returns each ticket's result (None: no ``created`` yet).
    """
    logs = load_logs(connection, tickets)
    return refresh_logs(connection, logs, tickets, now, version=version, wake=True)[1]


def refresh_logs(
    connection: Connection,
    logs: dict[str, StoredLog],
    tickets: Sequence[str],
    now: int,
    *,
    version: int | None = None,
    alerted: bool = False,
    wake: bool = False,
) -> tuple[dict[str, StoredLog], dict[str, TicketResult | None]]:
    """:func:`refresh_tickets` on logs already loaded; the logs and the results.

    ``alerted``: the caller (the monitor) has alerted on every mark reached. ``wake``:
    announce (once, on commit) a next action brought earlier than stored, so that
    monitors sleeping toward a later one wake (PostgreSQL; the monitor's own writes only
    move next actions on, and do not).
    """
    if version is None and any(
        log.config_version is None and log.has_created for log in logs.values()
    ):
        assign_versions(logs, current_number(connection), moved=False)
    elif version is not None:
        assign_versions(logs, version, moved=True)
    configs = configurations_of(connection, {log.config_version for log in logs.values()})
    results, updates, clocks = ticket_rows(logs, tickets, configs, now, alerted=alerted)
    write_rows(connection, tickets, updates, clocks)
    if wake:
        _wake_monitors(connection, logs, updates)
    return logs, results


def assign_versions(logs: dict[str, StoredLog], version: int | None, *, moved: bool) -> None:
    """Give tickets their configuration version: ``version`` to all of them when ``moved``
    (recompute), else to each whose ``created`` is stored and that has none yet."""
    for log in logs.values():
        if moved or (log.config_version is None and log.has_created):
            log.config_version = version


def ticket_rows(
    logs: dict[str, StoredLog],
    tickets: Sequence[str],
    configs: dict[int | None, Configuration],
    now: int,
    *,
    alerted: bool = False,
) -> tuple[dict[str, TicketResult | None], list[dict[str, Any]], list[tuple[Any, ...]]]:
    """Evaluate the logs of ``tickets``: the results, the ticket rows and the clock rows to
    write (no database: bulk import runs this in worker processes)."""
    results: dict[str, TicketResult | None] = {}
    updates: list[dict[str, Any]] = []
    clocks: list[tuple[Any, ...]] = []
    for ticket in tickets:
        log = logs.get(ticket)
        if log is None:
            continue
        config = configs[log.config_version]
        result = results[ticket] = evaluate_log(log, config, now)
        facts = None if result is None else ticket_facts(result, _applied(log, now))
        values = _ticket_values(log, result, config, now) | _fact_values(facts)
        if alerted:
            values["alerted"] = values["marks"]
        elif values["marks"] != log.alerted:  # a mark the monitor has not seen: look now
            due = values["next_action_at"]
            values["next_action_at"] = now if due is None else min(due, now)
        updates.append(values)
        if result is not None:
            assert facts is not None
            rows = _clock_values(ticket, result, facts, now)
            clocks.extend(rows)
            values.update(_codes(rows, now))
    return results, updates, clocks


_CODED = [CLOCK_COLUMNS.index(name) for name in CODED_COLUMNS]


def _codes(rows: list[tuple[Any, ...]], now: int) -> dict[str, Any]:
    """The ticket's clocks judged at ``now`` from the rows stored (analytics/codes.py)."""
    text, since, until = ticket_codes(([row[i] for i in _CODED] for row in rows), now)
    return {"clock_codes": text, "codes_from": since, "codes_until": until}


def _wake_monitors(
    connection: Connection, logs: dict[str, StoredLog], updates: list[dict[str, Any]]
) -> None:
    """Announce the earliest next action that moved earlier: one notice per transaction
    (each caller refreshes once per transaction), none when every one moved on."""
    nearer = [
        due
        for values in updates
        if (due := values["next_action_at"]) is not None
        and ((before := logs[values["b_id"]].next_action_at) is None or due < before)
    ]
    if nearer:
        wakeups.announce(connection, min(nearer))


def write_rows(
    connection: Connection,
    tickets: Sequence[str],
    updates: list[dict[str, Any]],
    clocks: list[tuple[Any, ...]],
) -> None:
    """Rewrite the rows of ``tickets`` and replace their clocks (from :func:`ticket_rows`)."""
    queries.update_tickets(
        connection,
        ((*(values[column] for column in TICKET_COLUMNS), values["b_id"]) for values in updates),
    )
    queries.replace_clocks(connection, tickets, clocks)


def _ticket_values(
    log: StoredLog, result: TicketResult | None, config: Configuration, now: int
) -> dict[str, Any]:
    future = min((event.at for event in log.events if event.at > now), default=None)
    values: dict[str, Any] = {
        "b_id": log.ticket,
        "config_version": log.config_version,
        "alerted": log.alerted,
        "marks": digest(reached_marks(result)) if result is not None else "",
        "evaluated_at": now,
        "event_count": len(log.events),
    }
    if result is None:
        return values | _EMPTY_TICKET | {"next_action_at": future}
    fields = result.fields
    tier = ticket_tier(fields, config)
    next_action = result.next_action_at
    if future is not None and (next_action is None or future < next_action):
        next_action = future  # an event stamped ahead of the clock takes effect then
    return values | {
        "created_at": result.created_at,
        "status": result.status,
        "is_open": result.status not in ("solved", "closed"),
        "severity": _text(fields.get("severity")),
        "account": _text(fields.get("account")),
        "account_tier": _text(tier),
        "tier_rank": config.tier_rank(tier) if tier is not None else len(config.tiers),
        "channel": _text(fields.get("channel")),
        "team": _text(fields.get("team")),
        "agent": _text(fields.get("agent")),
        "subject": _text(fields.get("subject")),
        "policy": result.policy,
        "fields": orjson.dumps(fields, default=list).decode(),
        "queue_due": _queue_due(result.cycles),
        "risk_at": _risk_at(result.cycles),
        "next_action_at": next_action,
    }


def ticket_tier(fields: dict[str, object], config: Configuration) -> str | None:
    """The ticket's account tier: its own field, else its account's in the configuration."""
    tier = fields.get("account_tier")
    if tier is None:
        account = config.accounts.get(str(fields.get("account")))
        tier = account.tier if account is not None else None
    return None if tier is None else str(tier)


def _fact_values(facts: TicketFacts | None) -> dict[str, Any]:
    if facts is None:
        return _NO_FACTS
    return {
        "resolved_at": facts.resolved_at,
        "replies": facts.replies,
        "reopens": facts.reopens,
        "escalated": facts.escalated,
        "csat": facts.csat,
        "first_day": facts.first_day,
    }


_NO_FACTS: dict[str, Any] = {
    "resolved_at": None,
    "replies": 0,
    "reopens": 0,
    "escalated": False,
    "csat": None,
    "first_day": None,
}

_EMPTY_TICKET: dict[str, Any] = {
    "created_at": None,
    "status": None,
    "is_open": False,
    "severity": None,
    "account": None,
    "account_tier": None,
    "tier_rank": 0,
    "channel": None,
    "team": None,
    "agent": None,
    "subject": None,
    "policy": None,
    "fields": "{}",
    "queue_due": NO_DUE,
    "risk_at": None,
    "clock_codes": "",  # no clocks, ever
    "codes_from": EARLIEST,
    "codes_until": LATEST,
}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def is_waiting(cycle: Cycle) -> bool:
    """Unfulfilled and due: running, or breached and still waiting (DESIGN.md section 5)."""
    if not cycle.is_active:
        return False
    return cycle.breached_at is not None or cycle.is_counting


def _queue_due(cycles: Iterable[Cycle]) -> int:
    dues = [cycle.due_at() for cycle in cycles if is_waiting(cycle)]
    return min((due for due in dues if due is not None), default=NO_DUE)


def _risk_at(cycles: Iterable[Cycle]) -> int | None:
    warned = [
        cycle.first_warning_at()
        for cycle in cycles
        if cycle.is_active and cycle.breached_at is None
    ]
    return min((at for at in warned if at is not None), default=None)


def _clock_values(
    ticket: str, result: TicketResult, facts: TicketFacts, now: int
) -> list[tuple[Any, ...]]:
    rows = []
    for cycle in result.cycles:
        end = cycle.fulfilled_at if cycle.fulfilled_at is not None else cycle.cancelled_at
        end = now if end is None else end
        warnings = [[threshold.json_value, at] for threshold, at in cycle.warnings]
        rows.append(
            (
                ticket,
                cycle.metric.value,
                cycle.team or "",
                cycle.number,
                cycle.status.value,
                result.policy,
                cycle.calendar.id,
                cycle.started_at,
                cycle.due_at(),
                cycle.target.sla,
                cycle.elapsed_at(end),
                cycle.paused_at(end),
                cycle.fulfilled_at,
                cycle.breached_at,
                cycle.cancelled_at,
                cycle.target.objective,
                cycle.objective_due_at(),
                cycle.objective_status(),
                orjson.dumps(warnings).decode(),
                now,
                causes_text(facts.causes.get((cycle.metric.value, cycle.team or "", cycle.number))),
            )
        )
    return rows

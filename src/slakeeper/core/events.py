"""Ticket events: the append-only log every SLA number is computed from.

:func:`parse_event` turns one decoded JSON object into an :class:`Event`, refusing what
DESIGN.md section 5 does not allow with an :class:`EventError` naming the field.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from slakeeper.core.errors import EventError, SlaError
from slakeeper.core.instants import parse_instant_us
from slakeeper.core.policies import Metric, Status

__all__ = ["TICKET_FIELDS", "Author", "Event", "EventType", "parse_event"]


class EventType(StrEnum):
    """What happened to a ticket."""

    CREATED = "created"
    MESSAGE = "message"
    STATUS = "status"
    UPDATE = "update"
    ASSIGN = "assign"
    CSAT = "csat"
    ESCALATED = "escalated"


class Author(StrEnum):
    """Who wrote a message (or opened a ticket)."""

    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"


# Ticket fields a `created` event may carry and an `update` may change (team: `assign` only).
TICKET_FIELDS = (
    "severity",
    "account",
    "account_tier",
    "channel",
    "subject",
    "plan",
    "product",
    "tags",
    "custom",
)
_TYPES = {member.value: member for member in EventType}
_Base = tuple[str, str, EventType, int, int | None]  # id, ticket, type, at, line
_NO_FIELDS: Mapping[str, Any] = MappingProxyType({})  # shared by events without fields
_AUTHORS = {member.value: member for member in Author}
_STATUSES = {member.value: member for member in Status}
_STRING_FIELDS = ("severity", "account", "account_tier", "channel", "subject", "plan", "product")


# Not frozen: a frozen dataclass sets each of its 18 fields through object.__setattr__,
# which made building events 4x slower than parsing their JSON. Treat events as immutable.
@dataclass(slots=True)
class Event:
    """One validated event. ``at`` is UTC microseconds; ``line`` is its source line, if any."""

    id: str
    ticket: str
    type: EventType
    at: int
    line: int | None = None
    author: Author | None = None
    public: bool = True
    status: Status | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    team: str | None = None
    agent: str | None = None
    assigns_team: bool = False
    score: float | None = None
    metric: Metric | None = None
    cycle: int | None = None
    step: int | None = None
    threshold: Any = None
    path: str | None = None

    # Written out: compiled (mypyc), the __init__ dataclass generates is interpreted Python
    # (a fifth of the cost of parsing an event); this one is a native function.
    def __init__(
        self,
        id: str,
        ticket: str,
        type: EventType,
        at: int,
        line: int | None = None,
        author: Author | None = None,
        public: bool = True,
        status: Status | None = None,
        fields: Mapping[str, Any] | None = None,
        team: str | None = None,
        agent: str | None = None,
        assigns_team: bool = False,
        score: float | None = None,
        metric: Metric | None = None,
        cycle: int | None = None,
        step: int | None = None,
        threshold: Any = None,
        path: str | None = None,
    ) -> None:
        self.id = id
        self.ticket = ticket
        self.type = type
        self.at = at
        self.line = line
        self.author = author
        self.public = public
        self.status = status
        self.fields = {} if fields is None else fields
        self.team = team
        self.agent = agent
        self.assigns_team = assigns_team
        self.score = score
        self.metric = metric
        self.cycle = cycle
        self.step = step
        self.threshold = threshold
        self.path = path

    def same_payload(self, other: Event) -> bool:
        """True when two events with one id say the same thing (compared as parsed values)."""
        return _comparable(self) == _comparable(other)


def _comparable(event: Event) -> tuple[Any, ...]:
    return (
        event.ticket,
        event.type,
        event.at,
        event.author,
        event.public,
        event.status,
        dict(event.fields),
        event.team,
        event.agent,
        event.assigns_team,
        event.score,
        event.metric,
        event.cycle,
        event.step,
        event.threshold,
        event.path,
    )


def parse_event(data: object, line: int | None = None) -> Event:
    """Validate one decoded JSON object as an event."""
    # Helpers take a dict: compiled, their .get calls are direct dict look-ups rather than
    # method calls, and an ABC isinstance check costs as much as two of them.
    if type(data) is not dict:
        if not isinstance(data, Mapping):
            raise EventError("expected a JSON object")
        data = dict(data)
    event_id = _identifier(data, "id")
    ticket = sys.intern(_identifier(data, "ticket"))  # one string per ticket, not per event
    kind = _choice(data, "type", EventType, _TYPES, required=True)
    at = _instant(data, "at")
    # Positional: keyword unpacking was a fifth of the cost of building an event. Direct
    # calls rather than a table of functions: compiled (mypyc), they stay native calls. The
    # five common fields are passed one by one, never unpacked from a tuple (*args): mypyc
    # makes a star call a generic Python call, a third of the cost of a message event.
    base = (event_id, ticket, kind, at, line)
    if kind is EventType.MESSAGE:
        return _message(data, event_id, ticket, at, line)
    if kind is EventType.STATUS:
        status = _choice(data, "status", Status, _STATUSES, required=True)
        return Event(event_id, ticket, kind, at, line, None, True, status, _NO_FIELDS)
    if kind is EventType.CREATED:
        return _created(data, base)
    if kind is EventType.UPDATE:
        return _update(data, base)
    if kind is EventType.ASSIGN:
        return _assign(data, base)
    if kind is EventType.CSAT:
        return _csat(data, base)
    return _escalated(data, base)


def _created(data: dict[str, Any], base: _Base) -> Event:
    fields = _ticket_fields(data, allow=set(TICKET_FIELDS))
    author = _choice(data, "author", Author, _AUTHORS) or Author.CUSTOMER
    status = _choice(data, "status", Status, _STATUSES) or Status.NEW
    if not status.is_open:
        raise EventError("a ticket cannot be created solved or closed", path=("status",))
    team, agent = _optional_text(data, "team"), _optional_text(data, "agent")
    return Event(
        base[0],
        base[1],
        base[2],
        base[3],
        base[4],
        author=author,
        status=status,
        fields=fields,
        team=team,
        agent=agent,
    )


def _message(data: dict[str, Any], event_id: str, ticket: str, at: int, line: int | None) -> Event:
    author = _choice(data, "author", Author, _AUTHORS, required=True)
    public = data.get("public", True)
    if not isinstance(public, bool):
        raise EventError(f"expected true or false, got {public!r}", path=("public",))
    return Event(event_id, ticket, EventType.MESSAGE, at, line, author, public, None, _NO_FIELDS)


def _update(data: dict[str, Any], base: _Base) -> Event:
    raw = data.get("fields")
    if not isinstance(raw, Mapping) or not raw:
        raise EventError("expected a non-empty object of ticket fields", path=("fields",))
    raw = dict(raw)
    for name in raw:
        if name in ("status", "team"):
            use = "a status event" if name == "status" else "an assign event"
            raise EventError(f"{name} cannot be updated here: use {use}", path=("fields", name))
        if name not in TICKET_FIELDS:
            raise EventError(f"unknown ticket field {name!r}", path=("fields", name))
    return Event(
        base[0],
        base[1],
        base[2],
        base[3],
        base[4],
        fields=_ticket_fields(raw, allow=set(raw), prefix=("fields",)),
    )


def _assign(data: dict[str, Any], base: _Base) -> Event:
    if "team" not in data and "agent" not in data:
        raise EventError("an assign event needs a team or an agent", path=("team",))
    team, agent = _optional_text(data, "team"), _optional_text(data, "agent")
    return Event(
        base[0],
        base[1],
        base[2],
        base[3],
        base[4],
        team=team,
        agent=agent,
        assigns_team="team" in data,
    )


def _csat(data: dict[str, Any], base: _Base) -> Event:
    score = data.get("score")
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise EventError(f"expected a number, got {score!r}", path=("score",))
    return Event(base[0], base[1], base[2], base[3], base[4], score=float(score))


def _escalated(data: dict[str, Any], base: _Base) -> Event:
    metric = _choice(data, "metric", Metric, {m.value: m for m in Metric}, required=True)
    cycle, step = data.get("cycle"), data.get("step")
    for name, value in (("cycle", cycle), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise EventError(f"expected a positive integer, got {value!r}", path=(name,))
    return Event(
        base[0],
        base[1],
        base[2],
        base[3],
        base[4],
        metric=metric,
        cycle=cycle,
        step=step,
        team=_optional_text(data, "team"),
        threshold=data.get("threshold"),
        path=_optional_text(data, "path"),
    )


def _identifier(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if type(value) is str and value:
        return value
    if value is None:
        raise EventError("missing required field", path=(key,))
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise EventError(f"expected a non-empty string, got {value!r}", path=(key,))
    return str(value)


def _instant(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if value is None:
        raise EventError("missing required field", path=(key,))
    try:
        return parse_instant_us(value)
    except SlaError as exc:
        raise EventError(exc.message, path=(key,)) from None


def _choice(
    data: dict[str, Any],
    key: str,
    kind: Any,
    members: Mapping[str, Any],
    required: bool = False,
) -> Any:
    value = data.get(key)
    if type(value) is str:
        found = members.get(value)
        if found is not None:
            return found
    if value is None:
        if required:
            raise EventError("missing required field", path=(key,))
        return None
    known = ", ".join(member.value for member in kind)
    raise EventError(f"unknown {key} {value!r} (expected one of {known})", path=(key,))


def _optional_text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise EventError(f"expected a string, got {value!r}", path=(key,))
    return sys.intern(str(value))  # teams and agents recur: one string each


def _ticket_fields(
    data: dict[str, Any], *, allow: set[str], prefix: tuple[str, ...] = ()
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in TICKET_FIELDS:
        if name not in data or name not in allow:
            continue
        value = data[name]
        if value is None:
            fields[name] = None
        elif name in _STRING_FIELDS:
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise EventError(f"expected a string, got {value!r}", path=(*prefix, name))
            # Interned: the same few values (severities, tiers, accounts) recur in every
            # created event, and replay holds every event until its ticket is evaluated.
            fields[name] = sys.intern(str(value))
        elif name == "tags":
            if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
                raise EventError("expected a list of strings", path=(*prefix, name))
            fields[name] = tuple(value)
        elif name == "custom":
            if not isinstance(value, Mapping):
                raise EventError("expected an object of custom fields", path=(*prefix, name))
            fields[name] = dict(value)
    return fields

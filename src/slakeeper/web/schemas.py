"""API bodies and answers (Pydantic at the edge), and the OpenAPI description of events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

from slakeeper.core.errors import InputError, SlaError
from slakeeper.core.instants import parse_instant_us
from slakeeper.services.evaluations import dumps

__all__ = [
    "EVENTS_BODY",
    "ExactJSONResponse",
    "IngestAnswer",
    "RecomputeAnswer",
    "RecomputeRequest",
    "keyset_page",
    "number_cursor",
]

_STATUSES = ["new", "open", "pending", "on_hold", "solved", "closed"]
_EVENT: dict[str, Any] = {
    "type": "object",
    "description": "A ticket event (DESIGN.md section 5).",
    "required": ["id", "ticket", "type", "at"],
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 200},
        "ticket": {"type": "string", "minLength": 1, "maxLength": 200},
        "type": {
            "type": "string",
            "enum": ["created", "message", "status", "update", "assign", "csat", "escalated"],
        },
        "at": {"type": "string", "format": "date-time"},
        "author": {"type": "string", "enum": ["customer", "agent", "system"]},
        "public": {"type": "boolean"},
        "status": {"type": "string", "enum": _STATUSES},
        "severity": {"type": "string"},
        "account": {"type": "string"},
        "account_tier": {"type": "string"},
        "channel": {"type": "string"},
        "subject": {"type": "string"},
        "team": {"type": ["string", "null"]},
        "agent": {"type": ["string", "null"]},
        "fields": {"type": "object"},
        "score": {"type": "number"},
    },
}
EVENTS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"oneOf": [_EVENT, {"type": "array", "items": _EVENT, "minItems": 1}]}
            }
        },
    }
}


class IngestAnswer(BaseModel):
    """Sent after the commit: events newly stored and repeats ignored."""

    accepted: int
    duplicates: int


class RecomputeRequest(BaseModel):
    """Which tickets to re-evaluate under the newest configuration (combined with AND)."""

    tickets: list[str] = Field(default_factory=list, max_length=10_000)
    account: str | None = None
    open_only: bool = False
    all: bool = False


class RecomputeAnswer(BaseModel):
    """What a recompute did."""

    version: int
    tickets: int
    clocks_changed: int


class ExactJSONResponse(JSONResponse):
    """JSON through orjson, with exact seconds (never an exponent) as ``evaluate`` prints them."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


def number_cursor(cursor: str | None) -> int | None:
    """The number in a numeric cursor (a sequence or version), refused when altered."""
    if cursor is None:
        return None
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
        raise InputError("invalid cursor", path=("cursor",))
    return int(cursor)


def query_instant(name: str, value: str | None) -> int | None:
    """µs of an instant given as query parameter ``name`` (None stays None); an error
    names the parameter."""
    if value is None:
        return None
    try:
        return parse_instant_us(value)
    except SlaError as exc:
        raise InputError(exc.message, path=(name,)) from None


def keyset_page(
    rows: list[Any], limit: int, key: Callable[[Any], int]
) -> tuple[list[Any], str | None]:
    """A page of ``rows`` (fetched ``limit + 1``): the first ``limit``, and the cursor of the
    next page (the last row's key) when there is one."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, str(key(rows[-1]))

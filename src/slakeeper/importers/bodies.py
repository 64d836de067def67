"""Event bodies (DESIGN.md section 5) built from the values a mapping read from a row."""

from __future__ import annotations

from typing import Any

from slakeeper.core.instants import format_instant

__all__ = ["assign_body", "created_body", "event_body", "update_body"]


def event_body(event_id: str, ticket: str, kind: str, at: int, **extra: Any) -> dict[str, Any]:
    """An event of ``kind`` at ``at`` (UTC µs) with ``extra`` keys."""
    return {"id": event_id, "ticket": ticket, "type": kind, "at": format_instant(at), **extra}


def created_body(
    event_id: str, ticket: str, at: int, values: dict[str, str | None]
) -> dict[str, Any]:
    """A ``created`` event carrying every mapped field that has a value."""
    body = event_body(event_id, ticket, "created", at)
    custom: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name.startswith("custom."):
            custom[name[7:]] = value
        else:
            body[name] = value
    if custom:
        body["custom"] = custom
    return body


def update_body(
    event_id: str, ticket: str, at: int, changes: dict[str, str]
) -> dict[str, Any] | None:
    """An ``update`` of the changed fields (team and agent excepted), or None."""
    fields: dict[str, Any] = {}
    custom = {name[7:]: value for name, value in changes.items() if name.startswith("custom.")}
    for name, value in changes.items():
        if name not in ("team", "agent") and not name.startswith("custom."):
            fields[name] = value
    if custom:
        fields["custom"] = custom
    return event_body(event_id, ticket, "update", at, fields=fields) if fields else None


def assign_body(
    event_id: str, ticket: str, at: int, changes: dict[str, str]
) -> dict[str, Any] | None:
    """An ``assign`` for a changed team or agent, or None."""
    moved = {name: changes[name] for name in ("team", "agent") if name in changes}
    return event_body(event_id, ticket, "assign", at, **moved) if moved else None

"""The audit log: who changed which configuration, who recomputed, who made or revoked a token."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, Row, select

from slakeeper.store.auth import AuditEntry

__all__ = ["list_audit", "record"]


def record(
    connection: Connection,
    *,
    actor: str,
    action: str,
    subject: str = "",
    detail: dict[str, Any] | None = None,
    now: int,
) -> None:
    """Append one entry, in the caller's transaction (it commits with the change it records)."""
    connection.execute(
        AuditEntry.__table__.insert().values(
            at=now,
            actor=actor,
            action=action,
            subject=subject,
            detail=orjson.dumps(detail or {}).decode(),
        )
    )


def list_audit(connection: Connection, *, before: int | None, limit: int) -> list[Row[Any]]:
    """Entries newest first, ``limit`` of them, with ids below ``before`` when given."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    return list(connection.execute(query).all())

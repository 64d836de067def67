"""API tokens (stored as SHA-256 digests, never the token) and the audit log."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from slakeeper.store.base import Base, Micros, SerialId

__all__ = ["ApiToken", "AuditEntry"]


class ApiToken(Base):
    """A bearer token: its digest, role and name; revoked ones are kept for the record."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    # Every authenticated request: `WHERE digest = :digest` (unique index).
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the first characters, to recognise it
    created_at: Mapped[int] = mapped_column(Micros)
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[int | None] = mapped_column(Micros)


class AuditEntry(Base):
    """Who changed what: configuration versions, recomputes, tokens."""

    __tablename__ = "audit_log"

    # GET /api/v1/audit pages newest first by id (the primary key serves it).
    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    at: Mapped[int] = mapped_column(Micros)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON

"""API tokens: created once and shown once, stored as SHA-256 digests, revoked at once.

Tokens are 256 random bits, so a fast digest is as safe as a slow password hash here and
lets every request find its token through one unique index.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Row, select, update

from slakeeper.core.errors import InputError, NotFoundError
from slakeeper.services.audit import record
from slakeeper.store import queries
from slakeeper.store.auth import ApiToken

__all__ = [
    "Principal",
    "Role",
    "authenticate",
    "create_token",
    "list_tokens",
    "revoke_token",
    "token_digest",
]

PREFIX = "slk_"


class Role(StrEnum):
    """What a token (or a console user) may do (DESIGN.md section 5)."""

    ADMIN = "admin"  # everything
    AGENT = "agent"  # read all, post events, acknowledge alerts
    VIEWER = "viewer"  # read only
    INGEST = "ingest"  # post events only


@dataclass(frozen=True)
class Principal:
    """Who is calling: a token's name and role."""

    name: str
    role: Role


def token_digest(token: str) -> str:
    """The stored SHA-256 digest of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    connection: Connection, *, name: str, role: str, actor: str, now: int
) -> tuple[str, int]:
    """Make a token; returns the token text (shown once, never stored) and its id."""
    try:
        kind = Role(role)
    except ValueError:
        known = ", ".join(member.value for member in Role)
        raise InputError(
            f"unknown role {role!r} (expected one of {known})", path=("role",)
        ) from None
    if not name.strip() or len(name) > 200:
        raise InputError("a token needs a name of 1 to 200 characters", path=("name",))
    token = PREFIX + secrets.token_urlsafe(32)
    result = connection.execute(
        ApiToken.__table__.insert().values(
            name=name,
            role=kind.value,
            digest=token_digest(token),
            prefix=token[:10],
            created_at=now,
            created_by=actor,
        )
    )
    token_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    record(
        connection,
        actor=actor,
        action="token.create",
        subject=name,
        now=now,
        detail={"id": token_id, "role": kind.value},
    )
    return token, token_id


def list_tokens(connection: Connection) -> list[Row[Any]]:
    """Every token, newest first (revoked ones included, marked)."""
    return list(connection.execute(select(ApiToken).order_by(ApiToken.id.desc())).all())


def revoke_token(connection: Connection, *, token: str, actor: str, now: int) -> int:
    """Revoke a token by id or by name (every live token of that name); the count revoked."""
    numeric = token.isascii() and token.isdigit() and len(token) < 19
    match = ApiToken.id == int(token) if numeric else ApiToken.name == token
    result = connection.execute(
        update(ApiToken).where(match, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
    )
    if not result.rowcount:
        raise NotFoundError(f"no live token {token!r}", path=("token",))
    record(connection, actor=actor, action="token.revoke", subject=token, now=now)
    return int(result.rowcount)


def authenticate(connection: Connection, token: str) -> Principal | None:
    """The principal of a live token, or None (unknown, revoked or malformed)."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = queries.token_by_digest(connection, token_digest(token))
    if row is None or row[2] is not None:
        return None
    return Principal(row[0], Role(row[1]))

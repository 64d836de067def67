"""Typed dependencies: the database, the clock, and the caller (checked against the route)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from slakeeper.services.ingest import Caller
from slakeeper.services.tokens import PREFIX, Principal, token_digest
from slakeeper.settings import Clock, Settings
from slakeeper.store.session import Database
from slakeeper.web.permissions import OPEN, ROUTE_ROLES, SIGNED
from slakeeper.web.token_check import TokenCheck

__all__ = [
    "ClockDep",
    "DatabaseDep",
    "PrincipalDep",
    "SettingsDep",
    "authorize",
    "deferred_caller",
]


# Async, so that FastAPI calls them on the event loop rather than in a worker thread.
async def _database(request: Request) -> Database:
    return request.app.state.database  # type: ignore[no-any-return]


async def _clock(request: Request) -> Clock:
    return request.app.state.clock  # type: ignore[no-any-return]


async def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


DatabaseDep = Annotated[Database, Depends(_database)]
ClockDep = Annotated[Clock, Depends(_clock)]
SettingsDep = Annotated[Settings, Depends(_settings)]

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def authorize(request: Request) -> Principal | None:
    """Check the caller against the roles the route accepts (web/permissions.py)."""
    route = request.scope.get("route")
    rule = ROUTE_ROLES.get((request.method, getattr(route, "path", "")))
    if rule is None:  # a route missing from the table is closed, never open by mistake
        raise HTTPException(403, "this route accepts no role")
    if rule in (OPEN, SIGNED):
        return None
    settings: Settings = request.app.state.settings
    if (
        request.url.path == "/metrics"
        and request.client
        and request.client.host in settings.metrics_allow
    ):
        return None
    check: TokenCheck = request.app.state.token_check
    principal = await check.principal(_bearer(request))
    if principal is None:
        raise HTTPException(401, "unknown or revoked token", headers=_CHALLENGE)
    if principal.role not in rule:
        raise HTTPException(403, f"role {principal.role.value!r} may not use this route")
    request.state.principal = principal
    return principal


def _bearer(request: Request) -> str:
    """The token of the Authorization header (401 when missing or malformed)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise HTTPException(401, "missing bearer token", headers=_CHALLENGE)
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            401, "malformed authorization header: expected 'Bearer <token>'", headers=_CHALLENGE
        )
    return token.strip()


async def deferred_caller(request: Request) -> Caller | None:
    """The ingest route's caller, for the writer to check inside its transaction.

    The header is checked here (401 when missing or malformed); the token's row is read by
    the group commit, one query for every body of the group (services/ingest.py), instead
    of one per request. A refusal there is answered by :func:`authorize`, with the same
    statuses and messages. None: the caller is already authorized (no token needed).
    """
    route = request.scope.get("route")
    rule = ROUTE_ROLES.get((request.method, getattr(route, "path", "")))
    if not isinstance(rule, frozenset):  # open, signed or missing: the usual check
        await authorize(request)
        return None
    token = _bearer(request)
    if not token.startswith(PREFIX) or len(token) > 100:
        await authorize(request)  # refuses it
    return Caller(token_digest(token), frozenset(role.value for role in rule))


PrincipalDep = Annotated[Principal | None, Depends(authorize)]


def actor_name(principal: Principal | None, fallback: str = "anonymous") -> str:
    """How the audit log names the caller."""
    return f"token:{principal.name}" if principal is not None else fallback

"""GET|PUT the configuration, its versions and diffs; recompute and the audit log (admin)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from slakeeper.core.errors import InputError, NotFoundError
from slakeeper.core.instants import format_instant
from slakeeper.services.audit import list_audit
from slakeeper.services.configs import (
    StoredConfig,
    current_number,
    get_version,
    list_versions,
    store_config,
)
from slakeeper.services.recompute import RecomputeSelection, recompute
from slakeeper.store.configs import ConfigVersion
from slakeeper.store.session import Database
from slakeeper.web.bodies import read_raw
from slakeeper.web.deps import ClockDep, DatabaseDep, PrincipalDep, SettingsDep, actor_name
from slakeeper.web.schemas import (
    ExactJSONResponse,
    RecomputeAnswer,
    RecomputeRequest,
    keyset_page,
    number_cursor,
)

router = APIRouter(prefix="/api/v1", tags=["configuration"])

Limit = Annotated[int, Query(ge=1, le=500)]
_CONFIG_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


def _version(row: ConfigVersion, *, full: bool) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "version": row.number,
        "author": row.author,
        "created_at": format_instant(row.created_at),
        "digest": row.digest,
    }
    if full:
        answer |= {"text": row.text, "diff": row.diff}
    return answer


@router.get("/config")
def get_config(
    _principal: PrincipalDep, database: DatabaseDep, request: Request
) -> PlainTextResponse:
    """The configuration in force, as its author wrote it (YAML or JSON)."""
    with database.read() as connection:
        number = current_number(connection)
        if number is None:
            raise NotFoundError("no configuration is stored yet", path=("config",))
        row = get_version(connection, number)
    kind = "application/json" if row.text.lstrip().startswith("{") else "application/yaml"
    return PlainTextResponse(
        row.text, media_type=kind, headers={"X-Slakeeper-Config-Version": str(number)}
    )


@router.put("/config", openapi_extra=_CONFIG_BODY)
async def put_config(
    request: Request,
    principal: PrincipalDep,
    settings: SettingsDep,
    database: DatabaseDep,
    clock: ClockDep,
) -> ExactJSONResponse:
    """Validate and store a configuration; a new version only when it differs."""
    raw = await read_raw(request, settings.max_body_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("configuration is not UTF-8 text", path=("body",)) from None
    stored = await run_in_threadpool(_store, database, text, actor_name(principal), clock.now())
    return ExactJSONResponse(
        {"version": stored.number, "created": stored.created},
        status_code=201 if stored.created else 200,
    )


def _store(database: Database, text: str, author: str, now: int) -> StoredConfig:
    with database.write() as connection:
        return store_config(connection, text=text, author=author, now=now)


@router.get("/config/versions")
def get_versions(
    _principal: PrincipalDep,
    database: DatabaseDep,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> ExactJSONResponse:
    """Versions newest first, with author and time."""
    with database.read() as connection:
        rows = list_versions(connection, before=number_cursor(cursor), limit=limit + 1)
    rows, next_cursor = keyset_page(rows, limit, lambda row: row.number)
    items = [_version(row, full=False) for row in rows]
    return ExactJSONResponse({"items": items, "next_cursor": next_cursor})


@router.get("/config/versions/{number}")
def get_config_version(
    number: Annotated[int, Path(ge=1, le=2**31 - 1)],
    _principal: PrincipalDep,
    database: DatabaseDep,
) -> ExactJSONResponse:
    """One version: its text and its diff against the version before."""
    with database.read() as connection:
        row = get_version(connection, number)
    return ExactJSONResponse(_version(row, full=True))


@router.post("/recompute", response_model=RecomputeAnswer)
def post_recompute(
    body: RecomputeRequest, principal: PrincipalDep, database: DatabaseDep, clock: ClockDep
) -> RecomputeAnswer:
    """Re-evaluate the chosen tickets under the newest configuration (audited, in batches)."""
    selection = RecomputeSelection(tuple(body.tickets), body.account, body.open_only, body.all)
    result = recompute(database, selection, actor=actor_name(principal), now=clock.now())
    return RecomputeAnswer(
        version=result.version, tickets=result.tickets, clocks_changed=result.clocks_changed
    )


@router.get("/audit")
def get_audit(
    _principal: PrincipalDep,
    database: DatabaseDep,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> ExactJSONResponse:
    """The audit log, newest first."""
    with database.read() as connection:
        rows = list_audit(connection, before=number_cursor(cursor), limit=limit + 1)
    rows, next_cursor = keyset_page(rows, limit, lambda row: row.id)
    items = [
        {
            "id": row.id,
            "at": format_instant(row.at),
            "actor": row.actor,
            "action": row.action,
            "subject": row.subject,
            "detail": orjson.loads(row.detail),
        }
        for row in rows
    ]
    return ExactJSONResponse({"items": items, "next_cursor": next_cursor})

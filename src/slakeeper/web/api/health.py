"""/healthz (database reachable, migrations current) and /metrics (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from slakeeper.store.migrate import current_revision, head_revision
from slakeeper.web.deps import DatabaseDep, PrincipalDep
from slakeeper.web.schemas import ExactJSONResponse

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz(_principal: PrincipalDep, database: DatabaseDep) -> ExactJSONResponse:
    """200 when the database answers and is at the newest migration, else 503."""
    try:
        with database.read() as connection:
            connection.execute(text("SELECT 1"))
        revision = current_revision(database)
    except Exception as exc:
        return ExactJSONResponse(
            {"status": "unavailable", "database": f"unreachable: {type(exc).__name__}"},
            status_code=503,
        )
    head = head_revision()
    current = revision == head
    return ExactJSONResponse(
        {
            "status": "ok" if current else "migrations pending",
            "database": "ok",
            "migration": revision,
            "expected_migration": head,
        },
        status_code=200 if current else 503,
    )


@router.get("/metrics")
def metrics(_principal: PrincipalDep, request: Request) -> Response:
    """Every metric in the Prometheus text format."""
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)

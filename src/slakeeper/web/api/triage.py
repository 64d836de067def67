"""GET /api/v1/triage/accuracy: how often humans kept what triage suggested."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from slakeeper.services.intake import accuracy
from slakeeper.web.deps import DatabaseDep, PrincipalDep
from slakeeper.web.schemas import ExactJSONResponse, query_instant

router = APIRouter(prefix="/api/v1", tags=["triage"])


@router.get("/triage/accuracy")
def get_triage_accuracy(
    _principal: PrincipalDep,
    database: DatabaseDep,
    since: Annotated[str | None, Query(alias="from", max_length=64)] = None,
    until: Annotated[str | None, Query(alias="to", max_length=64)] = None,
) -> ExactJSONResponse:
    """Per triaged field, over suggestions made in [from, to): applied, kept, overridden,
    abstained, and how humans decided the abstentions (docs/triage.md)."""
    start, end = query_instant("from", since), query_instant("to", until)
    with database.read() as connection:
        items = accuracy(connection, since=start, until=end)
    return ExactJSONResponse({"items": items})

"""GET /api/v1/triage/accuracy: how often humans kept what triage suggested."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from slakeeper.core.errors import InputError
from slakeeper.core.instants import parse_instant_us
from slakeeper.services.intake import accuracy
from slakeeper.web.deps import DatabaseDep, PrincipalDep
from slakeeper.web.schemas import ExactJSONResponse

router = APIRouter(prefix="/api/v1", tags=["triage"])


def _instant(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_instant_us(value)
    except InputError as exc:
        raise InputError(exc.message, path=(name,)) from None


@router.get("/triage/accuracy")
def get_triage_accuracy(
    _principal: PrincipalDep,
    database: DatabaseDep,
    since: Annotated[str | None, Query(alias="from", max_length=64)] = None,
    until: Annotated[str | None, Query(alias="to", max_length=64)] = None,
) -> ExactJSONResponse:
    """Per triaged field, over suggestions made in [from, to): applied, kept, overridden,
    abstained, and how humans decided the abstentions (docs/triage.md)."""
    start, end = _instant("from", since), _instant("to", until)
    with database.read() as connection:
        items = accuracy(connection, since=start, until=end)
    return ExactJSONResponse({"items": items})

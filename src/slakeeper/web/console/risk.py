"""GET /risk: what breaches within the hour and the day, what breached today, by team and
agent (``?tz=`` names the zone whose midnight starts "today"; UTC by default)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from slakeeper.services.risk import read_risk
from slakeeper.web.console.pages import ConsoleUser, render
from slakeeper.web.deps import ClockDep, DatabaseDep

router = APIRouter(include_in_schema=False)


@router.get("/risk")
def risk_page(
    request: Request,
    _user: ConsoleUser,
    database: DatabaseDep,
    clock: ClockDep,
    tz: Annotated[str, Query(max_length=64)] = "UTC",
) -> Response:
    """The three lists and their counts by team and by agent."""
    with database.read() as connection:
        view = read_risk(connection, clock.now(), timezone=tz)
    return render(request, "risk.html", {"title": "At risk", "view": view, "now": view.now})

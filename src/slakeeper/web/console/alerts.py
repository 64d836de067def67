"""GET /alerts (recent alerts; failed and dead-lettered deliveries), acknowledge, retry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from slakeeper.services.alerts import AlertFilters, acknowledge, list_alerts, retry_dead
from slakeeper.web.console.pages import ConsoleUser, redirect, render
from slakeeper.web.deps import ClockDep, DatabaseDep
from slakeeper.web.permissions import ACKERS, ADMIN

router = APIRouter(include_in_schema=False)

AlertId = Annotated[int, Path(ge=1, le=2**62)]
SHOWS = {"all": AlertFilters(), "dead": AlertFilters(dead=True),
         "undelivered": AlertFilters(delivered=False)}  # fmt: skip


@router.get("/alerts")
def alerts_page(
    request: Request,
    user: ConsoleUser,
    database: DatabaseDep,
    show: Annotated[str, Query(pattern="^(all|dead|undelivered)$")] = "all",
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    """Alerts newest first, with each delivery's state, attempts and last error."""
    with database.read() as connection:
        page = list_alerts(connection, SHOWS[show], before=before, limit=50)
    context = {
        "title": "Alerts",
        "page": page,
        "show": show,
        "can_ack": user is not None and user.role in ACKERS,
        "can_retry": user is not None and user.role in ADMIN,
    }
    return render(request, "alerts.html", context)


@router.post("/alerts/{alert_id}/ack")
def ack(
    request: Request, alert_id: AlertId, user: ConsoleUser, database: DatabaseDep, clock: ClockDep
) -> Response:
    """Acknowledge an alert (no further escalation notices for its clock cycle)."""
    assert user is not None
    with database.write() as connection:
        acknowledge(connection, alert_id, actor=f"user:{user.name}", now=clock.now())
    return redirect(request, _back(request))


@router.post("/alerts/{alert_id}/retry")
def retry(
    request: Request, alert_id: AlertId, user: ConsoleUser, database: DatabaseDep, clock: ClockDep
) -> Response:
    """Put an alert's dead-lettered deliveries back in the queue."""
    assert user is not None
    with database.write() as connection:
        retry_dead(connection, alert_id, actor=f"user:{user.name}", now=clock.now())
    return redirect(request, _back(request))


def _back(request: Request) -> str:
    """Back to the page the form was on (same origin only), else /alerts."""
    referer = request.headers.get("referer", "")
    origin = f"{request.url.scheme}://{request.url.netloc}"
    if referer.startswith(origin + "/"):
        return referer[len(origin) :]
    return "/alerts"

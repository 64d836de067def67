"""GET /tickets/{ticket}: fields, each clock's progress, the explained timeline, alerts."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from slakeeper.services.alerts import AlertFilters, list_alerts
from slakeeper.services.tickets import clock_progress, read_ticket
from slakeeper.web.console.pages import ConsoleUser, render
from slakeeper.web.deps import ClockDep, DatabaseDep

router = APIRouter(include_in_schema=False)


@router.get("/tickets/{ticket}")
def ticket_page(
    request: Request, ticket: str, _user: ConsoleUser, database: DatabaseDep, clock: ClockDep
) -> Response:
    """One ticket as it stands now, with the why of every clock."""
    now = clock.now()
    with database.read() as connection:
        row, result = read_ticket(connection, ticket, now, explain=True)
        alerts = list_alerts(connection, AlertFilters(ticket=ticket), before=None, limit=100)
    context = {
        "title": f"Ticket {row.id}",
        "row": row,
        "fields": orjson.loads(row.fields),
        "result": result,
        "clocks": [] if result is None else clock_progress(result, now),
        "timeline": [] if result is None else sorted(result.timeline, key=lambda e: e.at),
        "alerts": alerts,
        "now": now,
    }
    return render(request, "ticket.html", context)

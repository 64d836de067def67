"""GET /deliveries: what the demo's local receivers got (Slack, webhook, email)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from slakeeper.demo.receivers import read_received
from slakeeper.web.console.pages import ConsoleUser, render
from slakeeper.web.deps import SettingsDep

router = APIRouter(include_in_schema=False)

SHOWN = 200


@router.get("/deliveries")
def deliveries_page(request: Request, _user: ConsoleUser, settings: SettingsDep) -> Response:
    """The receivers' messages, newest first (or, asked by htmx, the table alone)."""
    journal = settings.demo_deliveries
    context = {
        "title": "Deliveries",
        "receiving": journal is not None,
        "messages": read_received(journal, SHOWN) if journal else [],
        "shown": SHOWN,
    }
    partial = request.headers.get("hx-request") and not request.headers.get(
        "hx-history-restore-request"
    )
    return render(request, "_deliveries.html" if partial else "deliveries.html", context)

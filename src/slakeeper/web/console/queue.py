"""GET / : the queue, most urgent first, filtered by the URL's query, 50 rows a page;
GET /queue.csv: the whole queue under the same filters, as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from slakeeper.core.errors import InputError
from slakeeper.services.queue_export import queue_csv
from slakeeper.services.tickets import (
    QueueFilters,
    clock_badge,
    is_at_risk,
    is_breached,
    read_queue,
)
from slakeeper.web.console.pages import SECURITY_HEADERS, ConsoleUser, render
from slakeeper.web.deps import ClockDep, DatabaseDep

router = APIRouter(include_in_schema=False)

PAGE = 50
TEXT_FILTERS = ("team", "agent", "severity", "tier", "channel")
FLAG_FILTERS = ("at_risk", "breached")
Text = Annotated[str, Query(max_length=200)]


def _flag(name: str, value: str) -> bool | None:
    """A yes/no filter of the form ("" = any)."""
    if value in ("", "any"):
        return None
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    raise InputError(f"{name} must be yes, no or empty, not {value!r}", path=(name,))


@dataclass
class QueueQuery:
    """The queue's filters as the URL gives them (``""``: any), for ``/`` and ``/queue.csv``."""

    team: Text = ""
    agent: Text = ""
    severity: Text = ""
    tier: Text = ""
    channel: Text = ""
    at_risk: Text = ""
    breached: Text = ""

    def chosen(self) -> dict[str, str]:
        """Every filter by name, as given."""
        return {name: getattr(self, name) for name in (*TEXT_FILTERS, *FLAG_FILTERS)}

    def filters(self) -> QueueFilters:
        """The service's filters (a bad yes/no value is an InputError naming it)."""
        texts = {name: getattr(self, name) or None for name in TEXT_FILTERS}
        flags = {name: _flag(name, getattr(self, name)) for name in FLAG_FILTERS}
        return QueueFilters(**texts, **flags)


QueueQueryDep = Annotated[QueueQuery, Depends()]


@router.get("/")
def queue_page(
    request: Request,
    _user: ConsoleUser,
    database: DatabaseDep,
    clock: ClockDep,
    query: QueueQueryDep,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    """The queue page (or, asked by htmx, its table alone)."""
    filters = query.filters()
    now = clock.now()
    with database.read() as connection:
        page = read_queue(connection, filters, now, cursor=cursor or None, limit=PAGE)
    rows = [
        {
            "ticket": row,
            "at_risk": is_at_risk(row, now),
            "breached": is_breached(row, now),
            "badges": [b for c in page.clocks[row.id] if (b := clock_badge(row, c, now))],
        }
        for row in page.tickets
    ]
    chosen = query.chosen()
    context = {
        "title": "Queue",
        "rows": rows,
        "now": now,
        "filters": chosen,
        "query": {k: v for k, v in chosen.items() if v},
        "cursor": cursor,
        "next_cursor": page.next_cursor,
    }
    partial = request.headers.get("hx-request") and not request.headers.get(
        "hx-history-restore-request"
    )
    return render(request, "_queue.html" if partial else "queue.html", context)


@router.get("/queue.csv")
def queue_export(
    _user: ConsoleUser, database: DatabaseDep, clock: ClockDep, query: QueueQueryDep
) -> Response:
    """Every open ticket the filters of ``/`` select, most urgent first, streamed as CSV."""
    filters = query.filters()
    headers = SECURITY_HEADERS | {"Content-Disposition": 'attachment; filename="queue.csv"'}
    return StreamingResponse(
        queue_csv(database, filters, clock.now()), media_type="text/csv; charset=utf-8",
        headers=headers,
    )  # fmt: skip

"""GET /api/v1/alerts (with deliveries and attempts), acknowledge, retry a dead letter."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from slakeeper.core.instants import format_instant
from slakeeper.services.alerts import AlertFilters, acknowledge, list_alerts, retry_dead
from slakeeper.services.evaluations import instant_text
from slakeeper.web.deps import ClockDep, DatabaseDep, PrincipalDep, actor_name
from slakeeper.web.schemas import ExactJSONResponse, number_cursor

router = APIRouter(prefix="/api/v1", tags=["alerts"])

AlertId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/alerts")
def get_alerts(
    _principal: PrincipalDep,
    database: DatabaseDep,
    kind: str | None = None,
    ticket: str | None = None,
    account: str | None = None,
    delivered: bool | None = None,
    dead: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> ExactJSONResponse:
    """Alerts newest first, each with its deliveries and their attempts."""
    filters = AlertFilters(kind, ticket, account, delivered, dead)
    with database.read() as connection:
        page = list_alerts(connection, filters, before=number_cursor(cursor), limit=limit)
    items = [_alert(row, page.deliveries[row.id], page.attempts) for row in page.alerts]
    cursor_out = None if page.next_cursor is None else str(page.next_cursor)
    return ExactJSONResponse({"items": items, "next_cursor": cursor_out})


def _alert(row: Any, deliveries: list[Any], attempts: dict[int, list[Any]]) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "ticket": row.ticket,
        "account": row.account,
        "metric": row.metric,
        "team": row.team or None,
        "cycle": row.cycle,
        "mark": row.mark or None,
        "at": format_instant(row.due_at),
        "written_at": format_instant(row.created_at),
        "late_seconds": row.late_us / 1_000_000,
        "historic": bool(row.historic),
        "message": row.message,
        "acknowledged_at": instant_text(row.acknowledged_at),
        "acknowledged_by": row.acknowledged_by,
        "deliveries": [
            {
                "id": d.id,
                "notifier": d.notifier,
                "state": d.state,
                "attempts": [
                    {
                        "at": format_instant(a.at),
                        "outcome": a.outcome,
                        "status": a.status,
                        "error": a.error,
                        "seconds": a.duration_us / 1_000_000,
                    }
                    for a in attempts.get(d.id, [])
                ],
                "next_attempt_at": instant_text(d.next_attempt_at),
                "delivered_at": instant_text(d.delivered_at),
                "last_error": d.last_error,
            }
            for d in deliveries
        ],
    }


@router.post("/alerts/{alert_id}/ack")
def post_ack(
    alert_id: AlertId, principal: PrincipalDep, database: DatabaseDep, clock: ClockDep
) -> ExactJSONResponse:
    """Acknowledge: no further escalation notices for this alert's clock cycle."""
    with database.write() as connection:
        suppressed = acknowledge(connection, alert_id, actor=actor_name(principal), now=clock.now())
    return ExactJSONResponse({"acknowledged": alert_id, "suppressed": suppressed})


@router.post("/alerts/{alert_id}/retry")
def post_retry(
    alert_id: AlertId, principal: PrincipalDep, database: DatabaseDep, clock: ClockDep
) -> ExactJSONResponse:
    """Put the alert's dead-lettered deliveries back in the queue."""
    with database.write() as connection:
        requeued = retry_dead(connection, alert_id, actor=actor_name(principal), now=clock.now())
    return ExactJSONResponse({"retried": alert_id, "requeued": requeued})

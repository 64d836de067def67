"""Reading alerts with their deliveries and attempts; acknowledging; retrying dead letters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, and_, exists, select, update

from slakeeper.core.errors import InputError, NotFoundError
from slakeeper.services.audit import record
from slakeeper.store.alerts import AlertRow, AttemptRow, DeliveryRow

__all__ = ["AlertFilters", "acknowledge", "list_alerts", "retry_dead"]

KINDS = ("warning", "objective_missed", "escalation", "breach", "correction")


@dataclass(frozen=True)
class AlertFilters:
    """Filters of GET /api/v1/alerts; None means any."""

    kind: str | None = None
    ticket: str | None = None
    account: str | None = None
    delivered: bool | None = None  # at least one delivery delivered
    dead: bool | None = None  # at least one delivery dead


@dataclass
class AlertPage:
    """Alerts newest first, each with its deliveries and their attempts."""

    alerts: list[Row[Any]]
    deliveries: dict[int, list[Row[Any]]]
    attempts: dict[int, list[Row[Any]]]
    next_cursor: int | None


def list_alerts(
    connection: Connection, filters: AlertFilters, *, before: int | None, limit: int
) -> AlertPage:
    """One page of alerts, newest first (by id, below ``before``)."""
    if filters.kind is not None and filters.kind not in KINDS:
        raise InputError(
            f"unknown kind {filters.kind!r} (expected one of {', '.join(KINDS)})", path=("kind",)
        )
    query = select(AlertRow).order_by(AlertRow.id.desc()).limit(limit + 1)
    for name in ("kind", "ticket", "account"):
        value = getattr(filters, name)
        if value is not None:
            query = query.where(getattr(AlertRow, name) == value)
    for flag, state in ((filters.delivered, "delivered"), (filters.dead, "dead")):
        if flag is not None:
            has = exists().where(DeliveryRow.alert_id == AlertRow.id, DeliveryRow.state == state)
            query = query.where(has if flag else ~has)
    if before is not None:
        query = query.where(AlertRow.id < before)
    rows = list(connection.execute(query).all())
    more = len(rows) > limit
    rows = rows[:limit]
    deliveries = _deliveries(connection, [row.id for row in rows])
    attempts = _attempts(connection, [d.id for ds in deliveries.values() for d in ds])
    return AlertPage(rows, deliveries, attempts, rows[-1].id if more and rows else None)


def _deliveries(connection: Connection, alerts: list[int]) -> dict[int, list[Row[Any]]]:
    found: dict[int, list[Row[Any]]] = {alert: [] for alert in alerts}
    if alerts:
        query = select(DeliveryRow).where(DeliveryRow.alert_id.in_(alerts)).order_by(DeliveryRow.id)
        for row in connection.execute(query):
            found[row.alert_id].append(row)
    return found


def _attempts(connection: Connection, deliveries: list[int]) -> dict[int, list[Row[Any]]]:
    found: dict[int, list[Row[Any]]] = {delivery: [] for delivery in deliveries}
    if deliveries:
        query = (
            select(AttemptRow)
            .where(AttemptRow.delivery_id.in_(deliveries))
            .order_by(AttemptRow.delivery_id, AttemptRow.id)
        )
        for row in connection.execute(query):
            found[row.delivery_id].append(row)
    return found


def _alert(connection: Connection, alert_id: int) -> Row[Any]:
    row = connection.execute(select(AlertRow).where(AlertRow.id == alert_id)).first()
    if row is None:
        raise NotFoundError(f"no alert {alert_id}", path=("alert",))
    return row


def acknowledge(connection: Connection, alert_id: int, *, actor: str, now: int) -> int:
    """Acknowledge an alert: its undelivered notices, and later escalation notices of the
    same clock cycle, are not sent. Returns how many deliveries were suppressed."""
    alert = _alert(connection, alert_id)
    connection.execute(
        update(AlertRow)
        .where(AlertRow.id == alert_id, AlertRow.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by=actor)
    )
    same_cycle = select(AlertRow.id).where(
        AlertRow.ticket == alert.ticket,
        AlertRow.metric == alert.metric,
        AlertRow.team == alert.team,
        AlertRow.cycle == alert.cycle,
        AlertRow.id >= alert_id,
        (AlertRow.id == alert_id) | (AlertRow.kind == "escalation"),
    )
    result = connection.execute(
        update(DeliveryRow)
        .where(and_(DeliveryRow.alert_id.in_(same_cycle), DeliveryRow.state == "pending"))
        .values(state="suppressed", next_attempt_at=None)
    )
    record(
        connection,
        actor=actor,
        action="alert.ack",
        subject=str(alert_id),
        now=now,
        detail={"suppressed": result.rowcount},
    )
    return int(result.rowcount)


def retry_dead(connection: Connection, alert_id: int, *, actor: str, now: int) -> int:
    """Put an alert's dead deliveries back in the queue; how many."""
    _alert(connection, alert_id)
    result = connection.execute(
        update(DeliveryRow)
        .where(DeliveryRow.alert_id == alert_id, DeliveryRow.state == "dead")
        .values(state="pending", attempts=0, next_attempt_at=now, last_error=None)
    )
    record(
        connection,
        actor=actor,
        action="alert.retry",
        subject=str(alert_id),
        now=now,
        detail={"requeued": result.rowcount},
    )
    return int(result.rowcount)

"""Alerts (one per mark a clock reaches: warning, objective missed, escalation step, breach,
correction), their deliveries to notifiers, and each delivery attempt."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from slakeeper.store.base import Base, Micros, SerialId

__all__ = ["AlertRow", "AttemptRow", "DeliveryRow"]


class AlertRow(Base):
    """One mark reached by one clock cycle, written once (its key is unique)."""

    __tablename__ = "alerts"

    # GET /api/v1/alerts pages newest first by id (the primary key serves it).
    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    # Exactly once: ticket|metric|team|cycle|kind|mark; a second monitor's insert is ignored.
    key: Mapped[str] = mapped_column(String(400), unique=True)
    ticket: Mapped[str] = mapped_column(String(200))
    account: Mapped[str | None] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(32))
    team: Mapped[str] = mapped_column(String(200), default="")
    cycle: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(
        String(32)
    )  # warning, objective_missed, escalation, breach, correction
    mark: Mapped[str] = mapped_column(String(64), default="")  # threshold or step
    due_at: Mapped[int] = mapped_column(Micros)  # the instant the mark was reached
    created_at: Mapped[int] = mapped_column(Micros)  # when the monitor wrote it
    late_us: Mapped[int] = mapped_column(Micros, default=0)  # created_at - due_at
    historic: Mapped[bool] = mapped_column(Boolean, default=False)  # learnt too late: not sent
    message: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON: severity, agent, …
    acknowledged_at: Mapped[int | None] = mapped_column(Micros)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        # The monitor reads a ticket's alerts (which marks are already written);
        # GET /api/v1/alerts?ticket=….
        Index("ix_alerts_ticket", "ticket", "id"),
        # GET /api/v1/alerts?kind=… newest first.
        Index("ix_alerts_kind", "kind", "id"),
        # GET /api/v1/alerts?account=… newest first.
        Index("ix_alerts_account", "account", "id"),
    )


class DeliveryRow(Base):
    """One alert to one notifier: pending until delivered, dead after the last attempt."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    ticket: Mapped[str] = mapped_column(String(200))  # in order per ticket and notifier
    notifier: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))  # pending, delivered, dead, suppressed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[int | None] = mapped_column(Micros)
    delivered_at: Mapped[int | None] = mapped_column(Micros)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # The delivery loop: pending deliveries whose attempt is due, oldest first.
        Index("ix_deliveries_due", "state", "next_attempt_at"),
        # An alert's deliveries (GET /api/v1/alerts), and ack/retry of one alert.
        Index("ix_deliveries_alert", "alert_id"),
        # In order per ticket: an earlier pending delivery to the same notifier goes first.
        Index("ix_deliveries_order", "ticket", "notifier", "state", "id"),
    )


class AttemptRow(Base):
    """One try of a delivery: when, the answer, how long it took."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    at: Mapped[int] = mapped_column(Micros)
    outcome: Mapped[str] = mapped_column(String(16))  # delivered, retry, dead
    status: Mapped[int | None] = mapped_column(Integer)  # HTTP status, or SMTP code
    error: Mapped[str | None] = mapped_column(Text)
    duration_us: Mapped[int] = mapped_column(Micros, default=0)

    __table_args__ = (
        # A delivery's attempts, in order (GET /api/v1/alerts).
        Index("ix_delivery_attempts_delivery", "delivery_id", "id"),
    )

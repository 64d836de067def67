"""Triage suggestions made at intake, and what humans later decided (docs/triage.md)."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from slakeeper.store.base import Base, Micros, SerialId

__all__ = ["TriageRow"]


class TriageRow(Base):
    """One suggestion for one field of one ticket, made when its ``created`` was ingested.

    ``applied``: the confidence cleared the threshold and a ``system`` event set the field
    (``event_id``); otherwise the ticket waits for a human. The first later change of the
    field by anyone else is the human decision (``decided_*``); ``decided_label`` equal to
    ``label`` means triage was right.
    """

    __tablename__ = "triage_suggestions"

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    ticket: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(32))  # severity, team or product
    label: Mapped[str] = mapped_column(String(200))
    confidence: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    applied: Mapped[bool] = mapped_column(Boolean)
    model: Mapped[str] = mapped_column(String(400))
    top: Mapped[str] = mapped_column(Text, default="[]")  # JSON: [[label, p], ...]
    suggested_at: Mapped[int] = mapped_column(Micros)  # when the service suggested it
    event_id: Mapped[str | None] = mapped_column(String(200))  # the system event, if applied
    decided_label: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[int | None] = mapped_column(Micros)  # the deciding event's instant
    decided_by: Mapped[str | None] = mapped_column(String(200))  # its agent, else its author
    decided_event: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        # One suggestion per ticket and field; ingest finds a ticket's suggestions by it.
        Index("ux_triage_ticket_field", "ticket", "field", unique=True),
        # GET /api/v1/queue?needs_triage=true: suggestions left to a human, not yet decided.
        Index("ix_triage_waiting", "applied", "decided_at", "ticket"),
        # GET /api/v1/triage/accuracy?from=&to=: suggestions of a period.
        Index("ix_triage_suggested", "suggested_at"),
    )

"""The append-only event log: each event exactly as received, its id unique."""

from __future__ import annotations

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from slakeeper.store.base import Base, Micros, SerialId

__all__ = ["EventRow"]


class EventRow(Base):
    """One stored event. ``seq`` is the order of arrival (ties in ``at`` keep it)."""

    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    # Duplicate detection: `SELECT … WHERE id IN (…)` on ingest (unique index).
    id: Mapped[str] = mapped_column(String(200), unique=True)
    ticket: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    at: Mapped[int] = mapped_column(Micros)
    body: Mapped[str] = mapped_column(Text)  # the JSON object as received
    received_at: Mapped[int] = mapped_column(Micros)
    source: Mapped[str] = mapped_column(String(32))  # api, webhook, import, monitor

    __table_args__ = (
        # A ticket's log in arrival order: re-evaluation on ingest, GET …/events.
        Index("ix_events_ticket_seq", "ticket", "seq"),
        # The whole log in time order: export (the planner's --from-db).
        Index("ix_events_at_seq", "at", "seq"),
    )

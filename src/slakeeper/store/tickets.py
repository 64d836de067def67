"""Tickets (their current fields and SLA summary) and clocks (one row per cycle)."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from slakeeper.store.base import Base, Micros, SerialId

__all__ = ["NO_DUE", "ClockRow", "TicketRow"]

# Queue order puts tickets without a due instant last; a sentinel keeps that one index scan.
NO_DUE = 2**62


class TicketRow(Base):
    """A ticket as its log left it at the last evaluation."""

    __tablename__ = "tickets"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    # The configuration version the ticket opened under (None until its `created` arrives).
    config_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[int | None] = mapped_column(Micros)
    status: Mapped[str | None] = mapped_column(String(16))
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    severity: Mapped[str | None] = mapped_column(String(200))
    account: Mapped[str | None] = mapped_column(String(200))
    account_tier: Mapped[str | None] = mapped_column(String(200))
    tier_rank: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200))
    agent: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(Text)
    policy: Mapped[str | None] = mapped_column(String(200))
    fields: Mapped[str] = mapped_column(Text, default="{}")  # JSON of every ticket field
    # Earliest due instant among unfulfilled clocks (breached ones included); NO_DUE if none.
    queue_due: Mapped[int] = mapped_column(Micros, default=NO_DUE)
    # Earliest first-warning instant among unfulfilled, unbreached clocks (at risk from then).
    risk_at: Mapped[int | None] = mapped_column(Micros)
    # The next instant the monitor must look at this ticket (DESIGN.md section 5).
    next_action_at: Mapped[int | None] = mapped_column(Micros)
    evaluated_at: Mapped[int | None] = mapped_column(Micros)
    # Digest of the marks the clocks have reached, and of those the monitor has alerted on:
    # when they differ the ticket is due for the monitor at once (a late event, a retarget).
    marks: Mapped[str] = mapped_column(String(64), default="", server_default="")
    alerted: Mapped[str] = mapped_column(String(64), default="", server_default="")
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    # Resolution facts for reports (slakeeper.analytics.facts, docs/reports.md).
    resolved_at: Mapped[int | None] = mapped_column(Micros)
    replies: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reopens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    escalated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    csat: Mapped[float | None] = mapped_column(Float)
    first_day: Mapped[bool | None] = mapped_column(Boolean)
    # Its clocks judged at its evaluation, one code each, and the instants [from, until)
    # over which those codes hold (analytics/codes.py); None before revision 0008.
    clock_codes: Mapped[str | None] = mapped_column(Text)
    codes_from: Mapped[int | None] = mapped_column(Micros)
    codes_until: Mapped[int | None] = mapped_column(Micros)

    __table_args__ = (
        # GET /api/v1/queue: open tickets by urgency (due, tier, created, id), one scan;
        # the filters severity, tier, channel, status, at_risk and breached ride on it.
        Index("ix_tickets_queue", "is_open", "queue_due", "tier_rank", "created_at", "id"),
        # GET /api/v1/queue?team=…: the same order within a team.
        Index(
            "ix_tickets_team_queue", "team", "is_open", "queue_due", "tier_rank", "created_at", "id"
        ),
        # GET /api/v1/queue?agent=…: the same order within an agent's tickets.
        Index(
            "ix_tickets_agent_queue",
            "agent",
            "is_open",
            "queue_due",
            "tier_rank",
            "created_at",
            "id",
        ),
        # The monitor: tickets whose next action is due (`WHERE next_action_at <= :now`).
        Index("ix_tickets_next_action_at", "next_action_at"),
        # POST /api/v1/recompute {"account": …}: the account's tickets.
        Index("ix_tickets_account", "account"),
    )


class ClockRow(Base):
    """One clock cycle of a ticket, as ``evaluate`` reports it (durations in µs)."""

    __tablename__ = "clocks"

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    ticket: Mapped[str] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(32))
    team: Mapped[str] = mapped_column(String(200), default="")  # "" when not a team clock
    cycle: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    policy: Mapped[str | None] = mapped_column(String(200))
    calendar: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[int] = mapped_column(Micros)
    due_at: Mapped[int | None] = mapped_column(Micros)
    target_us: Mapped[int] = mapped_column(Micros)
    elapsed_us: Mapped[int] = mapped_column(Micros)
    paused_us: Mapped[int] = mapped_column(Micros)
    fulfilled_at: Mapped[int | None] = mapped_column(Micros)
    breached_at: Mapped[int | None] = mapped_column(Micros)
    cancelled_at: Mapped[int | None] = mapped_column(Micros)
    objective_us: Mapped[int | None] = mapped_column(Micros)
    objective_due_at: Mapped[int | None] = mapped_column(Micros)
    objective_status: Mapped[str | None] = mapped_column(String(16))
    warnings: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[threshold, at µs], …]
    evaluated_at: Mapped[int] = mapped_column(Micros)
    # Breached clocks: business time per status and team before the breach (JSON), else "".
    causes: Mapped[str] = mapped_column(Text, default="", server_default="")

    __table_args__ = (
        # A ticket's clocks (rewritten on every evaluation; read with the ticket and queue).
        Index("ix_clocks_ticket", "ticket", "metric", "team", "cycle", unique=True),
        # Clocks by state and due instant: "running clocks due before …", counts by state.
        Index("ix_clocks_status_due", "status", "due_at"),
        # /accounts: the clocks started in this period or the trend's weeks, every account.
        Index("ix_clocks_started_at", "started_at"),
    )

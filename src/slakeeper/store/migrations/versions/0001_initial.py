"""initial store: tickets, events, clocks, configuration versions, tokens, audit

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "api_tokens",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_api_tokens_digest")),
    )
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_table(
        "config_versions",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("canonical", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_config_versions")),
    )
    op.create_table(
        "events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("ticket", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
        sa.UniqueConstraint("id", name=op.f("uq_events_id")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_ticket_seq", ["ticket", "seq"], unique=False)
        batch_op.create_index("ix_events_at_seq", ["at", "seq"], unique=False)

    op.create_table(
        "tickets",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("severity", sa.String(length=200), nullable=True),
        sa.Column("account", sa.String(length=200), nullable=True),
        sa.Column("account_tier", sa.String(length=200), nullable=True),
        sa.Column("tier_rank", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("agent", sa.String(length=200), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("policy", sa.String(length=200), nullable=True),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("queue_due", sa.BigInteger(), nullable=False),
        sa.Column("risk_at", sa.BigInteger(), nullable=True),
        sa.Column("next_action_at", sa.BigInteger(), nullable=True),
        sa.Column("evaluated_at", sa.BigInteger(), nullable=True),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_account", ["account"], unique=False)
        batch_op.create_index(
            "ix_tickets_agent_queue",
            ["agent", "is_open", "queue_due", "tier_rank", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index("ix_tickets_next_action_at", ["next_action_at"], unique=False)
        batch_op.create_index(
            "ix_tickets_queue",
            ["is_open", "queue_due", "tier_rank", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_tickets_team_queue",
            ["team", "is_open", "queue_due", "tier_rank", "created_at", "id"],
            unique=False,
        )

    op.create_table(
        "clocks",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("ticket", sa.String(length=200), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("policy", sa.String(length=200), nullable=True),
        sa.Column("calendar", sa.String(length=200), nullable=True),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("due_at", sa.BigInteger(), nullable=True),
        sa.Column("target_us", sa.BigInteger(), nullable=False),
        sa.Column("elapsed_us", sa.BigInteger(), nullable=False),
        sa.Column("paused_us", sa.BigInteger(), nullable=False),
        sa.Column("fulfilled_at", sa.BigInteger(), nullable=True),
        sa.Column("breached_at", sa.BigInteger(), nullable=True),
        sa.Column("cancelled_at", sa.BigInteger(), nullable=True),
        sa.Column("objective_us", sa.BigInteger(), nullable=True),
        sa.Column("objective_due_at", sa.BigInteger(), nullable=True),
        sa.Column("objective_status", sa.String(length=16), nullable=True),
        sa.Column("warnings", sa.Text(), nullable=False),
        sa.Column("evaluated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket"], ["tickets.id"], name=op.f("fk_clocks_ticket_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clocks")),
    )
    with op.batch_alter_table("clocks", schema=None) as batch_op:
        batch_op.create_index("ix_clocks_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index(
            "ix_clocks_ticket", ["ticket", "metric", "team", "cycle"], unique=True
        )


def downgrade() -> None:

    with op.batch_alter_table("clocks", schema=None) as batch_op:
        batch_op.drop_index("ix_clocks_ticket")
        batch_op.drop_index("ix_clocks_status_due")

    op.drop_table("clocks")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_team_queue")
        batch_op.drop_index("ix_tickets_queue")
        batch_op.drop_index("ix_tickets_next_action_at")
        batch_op.drop_index("ix_tickets_agent_queue")
        batch_op.drop_index("ix_tickets_account")

    op.drop_table("tickets")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_ticket_seq")
        batch_op.drop_index("ix_events_at_seq")

    op.drop_table("events")
    op.drop_table("config_versions")
    op.drop_table("audit_log")
    op.drop_table("api_tokens")

"""triage suggestions made at intake and the human decisions that followed

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "triage_suggestions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("ticket", sa.String(length=200), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("model", sa.String(length=400), nullable=False),
        sa.Column("top", sa.Text(), nullable=False),
        sa.Column("suggested_at", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=True),
        sa.Column("decided_label", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.BigInteger(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_event", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_suggestions")),
    )
    with op.batch_alter_table("triage_suggestions", schema=None) as batch_op:
        batch_op.create_index("ix_triage_suggested", ["suggested_at"], unique=False)
        batch_op.create_index(
            "ix_triage_waiting", ["applied", "decided_at", "ticket"], unique=False
        )
        batch_op.create_index("ux_triage_ticket_field", ["ticket", "field"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("triage_suggestions", schema=None) as batch_op:
        batch_op.drop_index("ux_triage_ticket_field")
        batch_op.drop_index("ix_triage_waiting")
        batch_op.drop_index("ix_triage_suggested")
    op.drop_table("triage_suggestions")

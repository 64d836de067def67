"""report facts: resolution facts on tickets, breach causes on clocks

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

Tickets stored before this revision carry the defaults (unresolved, no replies) until
they are re-evaluated: a new event, the monitor or a recompute fills them in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_at", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("replies", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("reopens", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("escalated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("csat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("first_day", sa.Boolean(), nullable=True))

    with op.batch_alter_table("clocks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("causes", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("clocks", schema=None) as batch_op:
        batch_op.drop_column("causes")

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for column in ("first_day", "csat", "escalated", "reopens", "replies", "resolved_at"):
            batch_op.drop_column(column)

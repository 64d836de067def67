"""clock codes: each ticket's clocks judged at its evaluation, for the reports

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-04

Tickets stored before this revision have no codes until they are re-evaluated (a new
event, the monitor or a recompute): until then the reports read their clocks one by one,
as before, with the same results.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clock_codes", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("codes_from", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("codes_until", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for column in ("codes_until", "codes_from", "clock_codes"):
            batch_op.drop_column(column)

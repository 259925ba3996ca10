"""Why a ring ended (``call_rings.end_reason``: answered, timeout, caller_left, unreachable, answered_elsewhere,
unknown), so that the ring-SLA figures leave out rings that say nothing of the one rung. Rings stored before know
only whether they were answered: the others count as rung out, as they did.

Revision ID: 0015_ring_end_reason
Revises: 0014_callback_promises
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_ring_end_reason"
down_revision = "0014_callback_promises"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call_rings") as batch:
        batch.add_column(sa.Column("end_reason", sa.String(length=24), nullable=False, server_default="unknown"))
    op.execute(sa.text("UPDATE call_rings SET end_reason = CASE WHEN answered THEN 'answered' ELSE 'timeout' END"))


def downgrade() -> None:
    with op.batch_alter_table("call_rings") as batch:
        batch.drop_column("end_reason")

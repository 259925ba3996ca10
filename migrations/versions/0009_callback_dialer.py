"""The callback dialer: a stored priority (claimed in SQL order), the agreed time, the try's call and agent, a note.

Revision ID: 0009_callback_dialer
Revises: 0008_callback_skips
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_callback_dialer"
down_revision = "0008_callback_skips"
branch_labels = None
depends_on = None

# telephony.callbacks.priority: dropped 0, agreed_time 1, missed/abandoned 2, everything else 3
_BACKFILL = """
UPDATE callback_tasks SET priority = CASE
    WHEN reasons LIKE '%"dropped"%' THEN 0
    WHEN reasons LIKE '%"agreed_time"%' THEN 1
    WHEN reasons LIKE '%"missed"%' OR reasons LIKE '%"abandoned"%' THEN 2
    ELSE 3 END
"""


def upgrade() -> None:
    with op.batch_alter_table("callback_tasks") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="3"))
        batch.add_column(sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("dial_call_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("agent", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("note", sa.String(length=500), nullable=True))
    op.execute(sa.text(_BACKFILL.replace("reasons LIKE", "CAST(reasons AS TEXT) LIKE")))
    op.create_index("ix_callback_tasks_claim_order", "callback_tasks", ["state", "priority", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_callback_tasks_claim_order", table_name="callback_tasks")
    with op.batch_alter_table("callback_tasks") as batch:
        for column in ("note", "agent", "dial_call_id", "agreed_at", "priority"):
            batch.drop_column(column)

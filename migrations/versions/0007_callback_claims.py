"""Who claimed a callback task and when: the dialer's claim marker (exactly-once dialling across instances).

Revision ID: 0007_callback_claims
Revises: 0006_callbacks_messages
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_callback_claims"
down_revision = "0006_callbacks_messages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot ALTER TABLE ... DROP COLUMN in the downgrade without it
    with op.batch_alter_table("callback_tasks") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("callback_tasks") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by")

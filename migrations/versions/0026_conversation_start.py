"""When a recorded call's conversation began (issue 13): ``recordings.answered_at`` (the agent's answer, from the
call's events) and ``recording_analyses.conversation_from_seconds`` (that moment in the legs' time): a call's
analysis covers the conversation, not the IVR prompts and queue music before it on the agent's leg.

Revision ID: 0026_conversation_start
Revises: 0025_retention_tombstones
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026_conversation_start"
down_revision = "0025_retention_tombstones"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recordings") as table:
        table.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("recording_analyses") as table:
        table.add_column(sa.Column("conversation_from_seconds", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recording_analyses") as table:
        table.drop_column("conversation_from_seconds")
    with op.batch_alter_table("recordings") as table:
        table.drop_column("answered_at")

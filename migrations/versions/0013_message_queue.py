"""A message may be left for a queue instead of one employee: the closed-line flow's messages on the public
number are for whoever answers that queue when the line opens (``messages.queue``, ``extension`` then empty).

Revision ID: 0013_message_queue
Revises: 0012_sip_accounts
Create Date: 2026-12-08
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_message_queue"
down_revision = "0012_sip_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("queue", sa.String(length=40), nullable=True))
        batch.alter_column("extension", existing_type=sa.String(length=16), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM messages WHERE extension IS NULL")
    with op.batch_alter_table("messages") as batch:
        batch.alter_column("extension", existing_type=sa.String(length=16), nullable=False)
        batch.drop_column("queue")

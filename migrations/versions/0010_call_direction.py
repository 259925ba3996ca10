"""Calls get a direction: inbound (a caller rang the hotline) or outbound (a callback the dialer placed).

Revision ID: 0010_call_direction
Revises: 0009_callback_dialer
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_call_direction"
down_revision = "0009_callback_dialer"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("direction", sa.String(length=8), nullable=False, server_default="inbound"))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("direction")

"""Agents' history: every pause and unpause, with its reason and who did it (appended, never overwritten).

Revision ID: 0011_agent_history
Revises: 0010_call_direction
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_agent_history"
down_revision = "0010_call_direction"
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "agent_history",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("extension", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_history")),
    )
    op.create_index("ix_agent_history_extension_id", "agent_history", ["extension", "id"])


def downgrade() -> None:
    op.drop_index("ix_agent_history_extension_id", table_name="agent_history")
    op.drop_table("agent_history")

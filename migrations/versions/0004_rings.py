"""Offered rings with their ring count and SLA outcome.

Revision ID: 0004_rings
Revises: 0003_employees
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_rings"
down_revision = "0003_employees"
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "call_rings",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("ring_id", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column("extension", sa.String(length=32), nullable=True),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ring_count", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("within_sla", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_call_rings_call_id_calls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_rings")),
        sa.UniqueConstraint("call_id", "ring_id", name=op.f("uq_call_rings_call_id")),
    )
    op.create_index(op.f("ix_call_rings_call_id"), "call_rings", ["call_id"])
    op.create_index("ix_call_rings_started_at", "call_rings", ["started_at"])


def downgrade() -> None:
    op.drop_table("call_rings")

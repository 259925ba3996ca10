"""Calls that needed a callback but got no task, with the reason (e.g. no usable number): append-only.

Revision ID: 0008_callback_skips
Revises: 0007_callback_claims
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_callback_skips"
down_revision = "0007_callback_claims"
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "callback_skips",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("cause", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_skips")),
    )
    op.create_index(op.f("ix_callback_skips_call_id"), "callback_skips", ["call_id"])


def downgrade() -> None:
    op.drop_table("callback_skips")

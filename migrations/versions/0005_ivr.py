"""IVR steps of each call (entered, greeting, consent, menu choices, pre-verification, queued).

Revision ID: 0005_ivr
Revises: 0004_rings
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_ivr"
down_revision = "0004_rings"
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "call_ivr_steps",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("choice", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_ivr_steps")),
    )
    op.create_index("ix_call_ivr_steps_call_id_id", "call_ivr_steps", ["call_id", "id"])


def downgrade() -> None:
    op.drop_table("call_ivr_steps")

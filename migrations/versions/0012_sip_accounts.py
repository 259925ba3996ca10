"""SIP accounts of the employees: the digest of each password (never the password) and an appended history.

Revision ID: 0012_sip_accounts
Revises: 0011_agent_history
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_sip_accounts"
down_revision = "0011_agent_history"
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sip_accounts",
        sa.Column("extension", sa.String(length=16), nullable=False),
        sa.Column("password_digest", sa.String(length=200), nullable=False),
        sa.Column("realm", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("extension", name=op.f("pk_sip_accounts")),
    )
    op.create_table(
        "sip_account_history",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("extension", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sip_account_history")),
    )
    op.create_index(op.f("ix_sip_account_history_extension"), "sip_account_history", ["extension"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sip_account_history_extension"), table_name="sip_account_history")
    op.drop_table("sip_account_history")
    op.drop_table("sip_accounts")

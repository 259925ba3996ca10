"""Listen-only sessions for data subjects (issue 13 item 6): ``listen_sessions``, one row per session a DPO opened,
written once (the link's token only as its SHA-256).

Written beside 0022_recording_analyses on another branch: it revises 0021 here, and the merge points it at 0022.

Revision ID: 0023_listen_sessions
Revises: 0022_recording_analyses
Create Date: 2026-12-09
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_listen_sessions"
down_revision = "0022_recording_analyses"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listen_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("owner_name", sa.String(length=64), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.Column("recording_ids", sa.JSON(), nullable=False),
        sa.Column("source_id", sa.String(length=40), nullable=False),
        sa.Column("bleeps", sa.JSON(), nullable=False),
        sa.Column("subject_request_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listen_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_listen_sessions_token_hash")),
    )
    op.create_index("ix_listen_sessions_expires_at", "listen_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_listen_sessions_expires_at", table_name="listen_sessions")
    op.drop_table("listen_sessions")

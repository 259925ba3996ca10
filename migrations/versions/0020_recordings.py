"""The recordings catalogue (issue 13): ``recordings``, one row per file (a call's mix and legs, a voice message)
with its state, measurements and links, and ``recording_history``, every state change appended.

Revision ID: 0020_recordings
Revises: 0019_wallboard_role
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_recordings"
down_revision = "0019_wallboard_role"
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("file_format", sa.String(length=16), nullable=True),
        sa.Column("codec", sa.String(length=16), nullable=True),
        sa.Column("sample_rate", sa.Integer(), nullable=True),
        sa.Column("channels", sa.Integer(), nullable=True),
        sa.Column("sample_width", sa.Integer(), nullable=True),
        sa.Column("agent_extension", sa.String(length=16), nullable=True),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("consent", sa.String(length=32), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
        sa.UniqueConstraint("key", name=op.f("uq_recordings_key")),
    )
    op.create_index("ix_recordings_call_id", "recordings", ["call_id"])
    op.create_index("ix_recordings_state", "recordings", ["state"])
    op.create_table(
        "recording_history",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("recording_id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("before", sa.String(length=16), nullable=True),
        sa.Column("after", sa.String(length=16), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_history")),
    )
    op.create_index("ix_recording_history_recording_id_id", "recording_history", ["recording_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_recording_history_recording_id_id", table_name="recording_history")
    op.drop_table("recording_history")
    op.drop_index("ix_recordings_state", table_name="recordings")
    op.drop_index("ix_recordings_call_id", table_name="recordings")
    op.drop_table("recordings")

"""Data-subject requests (issue 13): ``subject_requests`` (kind, the subject's number, received date, deadlines from
the profile's calendar, state, result) and ``subject_request_history`` (every change appended: who, when, before,
after).

Revision ID: 0024_subject_requests
Revises: 0023_listen_sessions
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_subject_requests"
down_revision = "0023_listen_sessions"
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "subject_requests",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("count_from", sa.String(length=16), nullable=False),
        sa.Column("assess_due_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("refusal_reason", sa.String(length=500), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_requests")),
    )
    op.create_index("ix_subject_requests_state_due_on", "subject_requests", ["state", "due_on"])
    op.create_table(
        "subject_request_history",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("request_id", AutoId, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_request_history")),
    )
    op.create_index("ix_subject_request_history_request_id_id", "subject_request_history", ["request_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_subject_request_history_request_id_id", table_name="subject_request_history")
    op.drop_table("subject_request_history")
    op.drop_index("ix_subject_requests_state_due_on", table_name="subject_requests")
    op.drop_table("subject_requests")

"""Callback tasks (one open task per number) with their history, and messages for employees.

Revision ID: 0006_callbacks_messages
Revises: 0005_ivr
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_callbacks_messages"
down_revision = "0005_ivr"
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPEN = sa.text("state IN ('pending', 'dialing')")


def upgrade() -> None:
    op.create_table(
        "callback_tasks",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("extension", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_tasks")),
    )
    op.create_index("uq_callback_tasks_open_number", "callback_tasks", ["number"], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_index("ix_callback_tasks_state_due_at", "callback_tasks", ["state", "due_at"])
    op.create_table(
        "callback_task_history",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("task_id", AutoId, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["callback_tasks.id"],
                                name=op.f("fk_callback_task_history_task_id_callback_tasks"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_task_history")),
    )
    op.create_index(op.f("ix_callback_task_history_task_id"), "callback_task_history", ["task_id"])
    op.create_table(
        "messages",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("extension", sa.String(length=16), nullable=False),
        sa.Column("caller", sa.String(length=32), nullable=True),
        sa.Column("caller_name", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("audio_path", sa.String(length=500), nullable=True),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.Column("callback_id", AutoId, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    op.create_index("ix_messages_extension_created_at", "messages", ["extension", "created_at"])


def downgrade() -> None:
    op.drop_table("messages")
    op.drop_table("callback_task_history")
    op.drop_table("callback_tasks")

"""A promise is a task of its own: an agreed time, a message or a QA correction is never merged into another task
of the number, nor settled by its next answered call (``callback_tasks.promise``). Only the number's one open
*recovery* task (missed, abandoned, dropped...) stays unique.

Revision ID: 0014_callback_promises
Revises: 0013_message_queue
Create Date: 2026-12-01
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0014_callback_promises"
down_revision = "0013_message_queue"
branch_labels = None
depends_on = None

OPEN = sa.text("state IN ('pending', 'dialing')")
OPEN_RECOVERY = sa.text("state IN ('pending', 'dialing') AND NOT promise")
PROMISES = {"agreed_time", "message", "qa_correction"}


def upgrade() -> None:
    op.drop_index("uq_callback_tasks_open_number", table_name="callback_tasks")
    with op.batch_alter_table("callback_tasks") as batch:
        batch.add_column(sa.Column("promise", sa.Boolean(), nullable=False, server_default=sa.false()))
    # a task that holds only promises becomes one (a merged task keeps its recovery reasons: it stays a recovery)
    bind = op.get_bind()
    for task_id, reasons in bind.execute(sa.text("SELECT id, reasons FROM callback_tasks")).all():
        listed = json.loads(reasons) if isinstance(reasons, str) else reasons
        if listed and set(listed) <= PROMISES:
            bind.execute(sa.text("UPDATE callback_tasks SET promise = :yes WHERE id = :id"),
                         {"yes": True, "id": task_id})
    op.create_index("uq_callback_tasks_open_number", "callback_tasks", ["number"], unique=True,
                    sqlite_where=OPEN_RECOVERY, postgresql_where=OPEN_RECOVERY)
    op.create_index("ix_callback_tasks_number_state", "callback_tasks", ["number", "state"])


def downgrade() -> None:
    op.drop_index("ix_callback_tasks_number_state", table_name="callback_tasks")
    op.drop_index("uq_callback_tasks_open_number", table_name="callback_tasks")
    # two open tasks of one number cannot go back under the old index: the later promises are cancelled
    bind = op.get_bind()
    keep: set[str] = set()
    rows = bind.execute(sa.text("SELECT id, number FROM callback_tasks WHERE state IN ('pending', 'dialing') "
                                "ORDER BY promise, id")).all()
    for task_id, number in rows:
        if number in keep:
            bind.execute(sa.text("UPDATE callback_tasks SET state = 'cancelled' WHERE id = :id"), {"id": task_id})
        keep.add(number)
    with op.batch_alter_table("callback_tasks") as batch:
        batch.drop_column("promise")
    op.create_index("uq_callback_tasks_open_number", "callback_tasks", ["number"], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)

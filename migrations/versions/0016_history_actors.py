"""History says who and what: callback and directory history rows carry the actor and the fields before and after
(``callback_task_history.actor``/``changes``, ``employee_history.actor``/``before``). Rows appended before keep
them empty: who made those changes was not recorded.

Revision ID: 0016_history_actors
Revises: 0015_ring_end_reason
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_history_actors"
down_revision = "0015_ring_end_reason"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callback_task_history") as batch:
        batch.add_column(sa.Column("actor", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("changes", sa.JSON(), nullable=True))
    with op.batch_alter_table("employee_history") as batch:
        batch.add_column(sa.Column("actor", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("before", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("employee_history") as batch:
        batch.drop_column("before")
        batch.drop_column("actor")
    with op.batch_alter_table("callback_task_history") as batch:
        batch.drop_column("changes")
        batch.drop_column("actor")

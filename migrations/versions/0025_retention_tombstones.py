"""The retention purge's tombstones (issue 13): a recording whose audio was deleted keeps its row with when, why
(``retention``, ``erasure``), on what basis (the period, the subject request) and whether the file was still there;
calls and messages whose personal data was removed say when and why.

Revision ID: 0025_retention_tombstones
Revises: 0024_subject_requests
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025_retention_tombstones"
down_revision = "0024_subject_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recordings") as table:
        table.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("deletion_reason", sa.String(length=16), nullable=True))
        table.add_column(sa.Column("deletion_basis", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("file_deleted", sa.Boolean(), nullable=True))
    op.create_index("ix_recordings_started_at", "recordings", ["started_at"])
    for name in ("calls", "messages"):
        with op.batch_alter_table(name) as table:
            table.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
            table.add_column(sa.Column("anonymised_reason", sa.String(length=16), nullable=True))


def downgrade() -> None:
    for name in ("messages", "calls"):
        with op.batch_alter_table(name) as table:
            table.drop_column("anonymised_reason")
            table.drop_column("anonymised_at")
    op.drop_index("ix_recordings_started_at", table_name="recordings")
    with op.batch_alter_table("recordings") as table:
        table.drop_column("file_deleted")
        table.drop_column("deletion_basis")
        table.drop_column("deletion_reason")
        table.drop_column("deleted_at")

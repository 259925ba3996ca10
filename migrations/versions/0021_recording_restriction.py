"""A recording's GDPR restriction (issue 13): ``recordings.restricted_at`` and ``restriction_reason``. A restricted
recording is kept but cannot be played, analysed or exported until the restriction is lifted; both changes are
rows of ``recording_history``.

Revision ID: 0021_recording_restriction
Revises: 0020_recordings
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_recording_restriction"
down_revision = "0020_recordings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recordings") as table:
        table.add_column(sa.Column("restricted_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("restriction_reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recordings") as table:
        table.drop_column("restriction_reason")
        table.drop_column("restricted_at")

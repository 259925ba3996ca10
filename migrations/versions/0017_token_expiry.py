"""Tokens expire (issue 12: access ends with the function): ``tokens.expires_at``. Tokens issued before keep
``created_at`` + the default lifetime (12 hours), so none lives for ever.

Revision ID: 0017_token_expiry
Revises: 0016_history_actors
Create Date: 2026-12-01
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0017_token_expiry"
down_revision = "0016_history_actors"
branch_labels = None
depends_on = None

DEFAULT_LIFETIME = dt.timedelta(hours=12)   # hotline.auth.service.DEFAULT_TOKEN_LIFETIME when this was written


def upgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    tokens = sa.table("tokens", sa.column("id", sa.Integer), sa.column("created_at", sa.DateTime(timezone=True)),
                      sa.column("expires_at", sa.DateTime(timezone=True)))
    connection = op.get_bind()
    for token_id, created_at in connection.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        if isinstance(created_at, str):   # SQLite hands the stored text back
            created_at = dt.datetime.fromisoformat(created_at)
        expires_at = created_at + DEFAULT_LIFETIME   # UTC, naive on SQLite as core.db.UTCDateTime stores it
        if connection.dialect.name != "sqlite" and expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=dt.timezone.utc)
        connection.execute(tokens.update().where(tokens.c.id == token_id).values(expires_at=expires_at))


def downgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("expires_at")

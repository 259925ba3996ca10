"""The audit trail (issue 12 item 7): ``audit_log``, append-only and hash-chained, and ``audit_head``, the one row
that says where the chain ends (created here: no rows, the genesis hash). Triggers refuse UPDATE and DELETE on
``audit_log`` (and TRUNCATE on PostgreSQL), so no code path, ours or a mistaken one, changes a row; someone who
drops the triggers first is caught by ``hotline audit verify``. A later revision that rebuilds the table (SQLite
batch mode) must create the triggers again.

Revision ID: 0018_audit_trail
Revises: 0017_token_expiry
Create Date: 2026-12-10
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_audit_trail"
down_revision = "0017_token_expiry"
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
GENESIS = "0" * 64   # hotline.audit.chain.GENESIS

_PG_TRIGGERS = [
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP; END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
]
_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {verb} refused'); END"""
    for verb in ("UPDATE", "DELETE")
]


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", AutoId, autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("resources", sa.Text(), nullable=False),
        sa.Column("query", sa.String(length=400), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("attempt_of", AutoId, nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("action IN ('read', 'write')", name=op.f("ck_audit_log_action_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_log_prev_hash")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_actor_name"), "audit_log", ["actor_name"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", AutoId, nullable=False),
        sa.Column("count", AutoId, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.bulk_insert(head, [{"id": 1, "last_id": 0, "count": 0, "hash": GENESIS}])
    for statement in _PG_TRIGGERS if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_index(op.f("ix_audit_log_actor_name"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")   # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_log_append_only()")

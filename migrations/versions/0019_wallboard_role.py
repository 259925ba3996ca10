"""Pages without tokens in the address bar (issue 12): the read-only ``wallboard`` role for wall screens, and
``tokens.session_of``: a page's cookie session is a token row of its own (only its hash stored) that names the
token it was exchanged for and lasts only while that one does.

Revision ID: 0019_wallboard_role
Revises: 0018_audit_trail
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_wallboard_role"
down_revision = "0018_audit_trail"
branch_labels = None
depends_on = None

# Frozen copies of hotline.auth.models.Role before and at this revision: a migration must not change with the code.
ROLES_BEFORE = ("agent", "supervisor", "qa", "dpo", "admin")
ROLES = (*ROLES_BEFORE, "wallboard")


def _role_check(roles: tuple[str, ...]) -> str:
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role_valid"), type_="check")
        batch.create_check_constraint("role_valid", _role_check(ROLES))
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("session_of", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_tokens_session_of_tokens"), "tokens", ["session_of"], ["id"],
                                 ondelete="CASCADE")


def downgrade() -> None:
    connection = op.get_bind()
    users = sa.table("users", sa.column("role", sa.String))
    wallboards = connection.scalar(sa.select(sa.func.count()).select_from(users).where(users.c.role == "wallboard"))
    if wallboards:
        # the older code cannot represent them: the operator decides (delete them) rather than the migration
        raise RuntimeError(f"{wallboards} user(s) have the role 'wallboard', unknown before 0019_wallboard_role; "
                           "delete them before downgrading")
    tokens = sa.table("tokens", sa.column("session_of", sa.Integer))
    connection.execute(tokens.delete().where(tokens.c.session_of.is_not(None)))   # page sessions end
    with op.batch_alter_table("tokens") as batch:
        batch.drop_constraint(op.f("fk_tokens_session_of_tokens"), type_="foreignkey")
        batch.drop_column("session_of")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role_valid"), type_="check")
        batch.create_check_constraint("role_valid", _role_check(ROLES_BEFORE))

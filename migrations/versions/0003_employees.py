"""The employee directory (extensions, competences, fallback numbers) and its appended change history.

Revision ID: 0003_employees
Revises: 0002_calls
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_employees"
down_revision = "0002_calls"
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "employees",
        sa.Column("extension", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("competences", sa.JSON(), nullable=False),
        sa.Column("fallback_number", sa.String(length=20), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("extension", name=op.f("pk_employees")),
    )
    op.create_table(
        "employee_history",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("extension", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["extension"], ["employees.extension"],
                                name=op.f("fk_employee_history_extension_employees")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employee_history")),
    )
    op.create_index(op.f("ix_employee_history_extension"), "employee_history", ["extension"])


def downgrade() -> None:
    op.drop_index(op.f("ix_employee_history_extension"), table_name="employee_history")
    op.drop_table("employee_history")
    op.drop_table("employees")

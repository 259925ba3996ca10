"""The voice-activity analysis queue (issue 13): ``recording_analyses`` (one job per recorded call and analysis
key, its state, attempts and lease), ``recording_analysis_results`` (a done job's figures and timeline PNG) and
``recording_analysis_history`` (every state change of a job, appended).

Revision ID: 0022_recording_analyses
Revises: 0021_recording_restriction
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_recording_analyses"
down_revision = "0021_recording_restriction"
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LEGS = ("caller_recording_id", "agent_recording_id")


def upgrade() -> None:
    op.create_table(
        "recording_analyses",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.Column("caller_recording_id", sa.String(length=40), nullable=False),
        sa.Column("agent_recording_id", sa.String(length=40), nullable=False),
        sa.Column("caller_key", sa.String(length=255), nullable=False),
        sa.Column("agent_key", sa.String(length=255), nullable=False),
        sa.Column("analyser_version", sa.Integer(), nullable=False),
        sa.Column("policy_digest", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_analyses")),
        sa.UniqueConstraint("key", name=op.f("uq_recording_analyses_key")),
    )
    op.create_index("ix_recording_analyses_state", "recording_analyses", ["state"])
    op.create_index("ix_recording_analyses_call_id", "recording_analyses", ["call_id"])
    for leg in LEGS:
        op.create_index(f"ix_recording_analyses_{leg}", "recording_analyses", [leg])
    op.create_table(
        "recording_analysis_results",
        sa.Column("analysis_id", AutoId, autoincrement=False, nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.Column("caller_recording_id", sa.String(length=40), nullable=False),
        sa.Column("agent_recording_id", sa.String(length=40), nullable=False),
        sa.Column("caller_talk_seconds", sa.Float(), nullable=False),
        sa.Column("agent_talk_seconds", sa.Float(), nullable=False),
        sa.Column("longest_caller_monologue_seconds", sa.Float(), nullable=False),
        sa.Column("long_monologue", sa.Boolean(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("timeline_png", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["analysis_id"], ["recording_analyses.id"], ondelete="CASCADE",
                                name=op.f("fk_recording_analysis_results_analysis_id_recording_analyses")),
        sa.PrimaryKeyConstraint("analysis_id", name=op.f("pk_recording_analysis_results")),
    )
    op.create_index("ix_recording_analysis_results_call_id", "recording_analysis_results", ["call_id"])
    for leg in LEGS:
        op.create_index(f"ix_recording_analysis_results_{leg}", "recording_analysis_results", [leg])
    op.create_table(
        "recording_analysis_history",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("analysis_id", AutoId, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("before", sa.String(length=16), nullable=True),
        sa.Column("after", sa.String(length=16), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_analysis_history")),
    )
    op.create_index("ix_recording_analysis_history_analysis_id_id", "recording_analysis_history",
                    ["analysis_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_recording_analysis_history_analysis_id_id", table_name="recording_analysis_history")
    op.drop_table("recording_analysis_history")
    for leg in reversed(LEGS):
        op.drop_index(f"ix_recording_analysis_results_{leg}", table_name="recording_analysis_results")
    op.drop_index("ix_recording_analysis_results_call_id", table_name="recording_analysis_results")
    op.drop_table("recording_analysis_results")
    for leg in reversed(LEGS):
        op.drop_index(f"ix_recording_analyses_{leg}", table_name="recording_analyses")
    op.drop_index("ix_recording_analyses_call_id", table_name="recording_analyses")
    op.drop_index("ix_recording_analyses_state", table_name="recording_analyses")
    op.drop_table("recording_analyses")

"""mujun workflow: rounds (one per evaluated year) and their recorded steps

Revision ID: 0002_mujun_workflow
Revises: 0001_baseline
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_mujun_workflow"
down_revision: str | None = "0001_baseline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mujun_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("methodology", sa.String(length=128), nullable=False),
        sa.Column("frozen_batches", sa.Text(), nullable=False),
        sa.Column("land_notice_until", sa.DateTime(), nullable=True),
        sa.Column("objection_days", sa.Integer(), nullable=True),
        sa.Column("objections_open_at", sa.DateTime(), nullable=True),
        sa.Column("objections_close_at", sa.DateTime(), nullable=True),
        sa.Column("scoring_run_id", sa.String(length=64), nullable=True),
        sa.Column("current_run_id", sa.String(length=64), nullable=True),
        sa.Column("final_run_id", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mujun_rounds")),
        sa.UniqueConstraint("year", name=op.f("uq_mujun_rounds_year")),
    )
    op.create_table(
        "mujun_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("objection_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["round_id"], ["mujun_rounds.id"],
                                name=op.f("fk_mujun_steps_round_id_mujun_rounds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mujun_steps")),
    )
    op.create_index("ix_mujun_steps_round_id_at", "mujun_steps", ["round_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_mujun_steps_round_id_at", table_name="mujun_steps")
    op.drop_table("mujun_steps")
    op.drop_table("mujun_rounds")

"""projects: web edits (who, when, why, batch) and the issue log of the three parties

Revision ID: 0100_projects
Revises: 0001_baseline
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0100_projects"
down_revision: str | None = "0001_baseline"
branch_labels: str | Sequence[str] | None = ("projects",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "project_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("milestone", sa.String(length=32), nullable=True),
        sa.Column("old_value", sa.String(length=64), nullable=True),
        sa.Column("new_value", sa.String(length=64), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_edits")),
    )
    op.create_index("ix_project_edits_project_id_at", "project_edits", ["project_id", "at"], unique=False)
    op.create_table(
        "project_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("waiting", sa.String(length=16), nullable=False),
        sa.Column("waiting_on", sa.String(length=16), nullable=False),
        sa.Column("assignee", sa.String(length=128), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_issues")),
    )
    op.create_index("ix_project_issues_region_code_closed", "project_issues", ["region_code", "closed"], unique=False)
    op.create_index("ix_project_issues_project_id", "project_issues", ["project_id"], unique=False)
    op.create_table(
        "project_issue_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["issue_id"], ["project_issues.id"],
                                name=op.f("fk_project_issue_steps_issue_id_project_issues")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_issue_steps")),
    )
    op.create_index("ix_project_issue_steps_issue_id", "project_issue_steps", ["issue_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_project_issue_steps_issue_id", table_name="project_issue_steps")
    op.drop_table("project_issue_steps")
    op.drop_index("ix_project_issues_project_id", table_name="project_issues")
    op.drop_index("ix_project_issues_region_code_closed", table_name="project_issues")
    op.drop_table("project_issues")
    op.drop_index("ix_project_edits_project_id_at", table_name="project_edits")
    op.drop_table("project_edits")

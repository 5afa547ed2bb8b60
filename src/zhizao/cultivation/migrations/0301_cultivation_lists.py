"""cultivation: tier lists with their notice (公示), objections and announcement (通知)

Revision ID: 0301_cultivation_lists
Revises: 0300_cultivation
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0301_cultivation_lists"
down_revision: str | None = "0300_cultivation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cultivation_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_key", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("runs", sa.Text(), nullable=False),
        sa.Column("notice_from", sa.Date(), nullable=True),
        sa.Column("notice_until", sa.Date(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("doc_number", sa.String(length=64), nullable=True),
        sa.Column("announced_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cultivation_lists")),
    )
    op.create_index("ix_cultivation_lists_key_year", "cultivation_lists", ["list_key", "year"], unique=False)
    op.create_table(
        "cultivation_list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cultivation_list_entries")),
    )
    op.create_index("ix_cultivation_list_entries_list", "cultivation_list_entries", ["list_id"], unique=False)
    op.create_table(
        "cultivation_list_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cultivation_list_objections")),
    )
    op.create_index("ix_cultivation_list_objections_list", "cultivation_list_objections", ["list_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cultivation_list_objections_list", table_name="cultivation_list_objections")
    op.drop_table("cultivation_list_objections")
    op.drop_index("ix_cultivation_list_entries_list", table_name="cultivation_list_entries")
    op.drop_table("cultivation_list_entries")
    op.drop_index("ix_cultivation_lists_key_year", table_name="cultivation_lists")
    op.drop_table("cultivation_lists")

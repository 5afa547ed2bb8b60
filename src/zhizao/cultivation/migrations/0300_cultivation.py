"""cultivation: the listing pipeline's tagged stages with their history

Revision ID: 0300_cultivation
Revises: 0001_baseline
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0300_cultivation"
down_revision: str | None = "0001_baseline"
branch_labels: str | Sequence[str] | None = ("cultivation",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cultivation_listing_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("entered_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cultivation_listing_stages")),
    )
    op.create_index("ix_cultivation_listing_stages_code_on", "cultivation_listing_stages",
                    ["credit_code", "entered_on"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cultivation_listing_stages_code_on", table_name="cultivation_listing_stages")
    op.drop_table("cultivation_listing_stages")

"""policies: prepared match rows (what pages and the API serve)

Revision ID: policies_0002
Revises: policies_0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "policies_0002"
down_revision: str | None = "policies_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('policy_matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('eligible', sa.String(length=8), nullable=False),
    sa.Column('mode', sa.String(length=24), nullable=False),
    sa.Column('expected', sa.Float(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('gaps', sa.Text(), nullable=True),
    sa.Column('prepared_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_matches'))
    )
    op.create_index('ix_policy_matches_year_code', 'policy_matches', ['year', 'credit_code'], unique=False)
    op.create_index('ix_policy_matches_year_item', 'policy_matches', ['year', 'item_id', 'eligible'], unique=False)
    op.create_index('ix_policy_matches_year_region', 'policy_matches', ['year', 'region_code'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_policy_matches_year_region', table_name='policy_matches')
    op.drop_index('ix_policy_matches_year_item', table_name='policy_matches')
    op.drop_index('ix_policy_matches_year_code', table_name='policy_matches')
    op.drop_table('policy_matches')

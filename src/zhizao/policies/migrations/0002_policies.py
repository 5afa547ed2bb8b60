"""policies: public notices and entries, payouts, applications, consents per purpose, tickets

Revision ID: policies_0001
Revises: 0001_baseline
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "policies_0001"
down_revision: str | None = "0001_baseline"
branch_labels: str | Sequence[str] | None = ("policies",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('policy_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('claimed', sa.Float(), nullable=True),
    sa.Column('declared', sa.Text(), nullable=True),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('filed_by', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('approved', sa.Float(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_applications'))
    )
    op.create_index(op.f('ix_policy_applications_credit_code'), 'policy_applications', ['credit_code'], unique=False)
    op.create_table('policy_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.String(length=128), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('granted_by', sa.String(length=64), nullable=False),
    sa.Column('granted_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_consents'))
    )
    op.create_index('ix_policy_consents_code_purpose', 'policy_consents', ['credit_code', 'purpose'], unique=False)
    op.create_table('policy_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('payout_due_on', sa.Date(), nullable=False),
    sa.Column('opened_by', sa.String(length=64), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('firms', sa.Integer(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_notices'))
    )
    op.create_index('ix_policy_notices_year_item', 'policy_notices', ['year', 'item_id'], unique=False)
    op.create_table('policy_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('item_id', sa.String(length=64), nullable=True),
    sa.Column('office', sa.String(length=128), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('ref_12345', sa.String(length=32), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('filed_by', sa.String(length=64), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('escalated_on', sa.Date(), nullable=True),
    sa.Column('escalated_to', sa.String(length=128), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by', sa.String(length=64), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_tickets'))
    )
    op.create_index(op.f('ix_policy_tickets_credit_code'), 'policy_tickets', ['credit_code'], unique=False)
    op.create_table('policy_notice_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('expected', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['notice_id'], ['policy_notices.id'], name=op.f('fk_policy_notice_entries_notice_id_policy_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_notice_entries'))
    )
    op.create_index('ix_policy_notice_entries_code', 'policy_notice_entries', ['credit_code'], unique=False)
    op.create_index('ix_policy_notice_entries_notice_code', 'policy_notice_entries', ['notice_id', 'credit_code'], unique=False)
    op.create_table('policy_payouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Float(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('paid_by', sa.String(length=64), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['policy_applications.id'], name=op.f('fk_policy_payouts_application_id_policy_applications')),
    sa.ForeignKeyConstraint(['entry_id'], ['policy_notice_entries.id'], name=op.f('fk_policy_payouts_entry_id_policy_notice_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_payouts'))
    )
    op.create_index(op.f('ix_policy_payouts_credit_code'), 'policy_payouts', ['credit_code'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_policy_payouts_credit_code'), table_name='policy_payouts')
    op.drop_table('policy_payouts')
    op.drop_index('ix_policy_notice_entries_notice_code', table_name='policy_notice_entries')
    op.drop_index('ix_policy_notice_entries_code', table_name='policy_notice_entries')
    op.drop_table('policy_notice_entries')
    op.drop_index(op.f('ix_policy_tickets_credit_code'), table_name='policy_tickets')
    op.drop_table('policy_tickets')
    op.drop_index('ix_policy_notices_year_item', table_name='policy_notices')
    op.drop_table('policy_notices')
    op.drop_index('ix_policy_consents_code_purpose', table_name='policy_consents')
    op.drop_table('policy_consents')
    op.drop_index(op.f('ix_policy_applications_credit_code'), table_name='policy_applications')
    op.drop_table('policy_applications')

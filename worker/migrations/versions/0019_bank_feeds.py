"""bank feeds: the pending lines a feed shows and each feed account's last pull and consent (issue 21 item 3)

Revision ID: 0019_bank_feeds
Revises: 0018_identify_index
Create Date: 2026-12-07 04:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0019_bank_feeds'
down_revision = '0018_identify_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'feedpendingline',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), sa.ForeignKey('company.id', ondelete='CASCADE'), nullable=False),
        sa.Column('bank_account_id', sa.Integer(), sa.ForeignKey('bankaccount.id'), nullable=False),
        sa.Column('provider', AutoString(length=32), nullable=False),
        sa.Column('provider_ref', AutoString(length=128), nullable=False),
        sa.Column('transaction_on', sa.Date(), nullable=True),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('currency', AutoString(length=3), nullable=False),
        sa.Column('counterparty', AutoString(), nullable=True),
        sa.Column('text', AutoString(), nullable=False),
        sa.Column('pulled_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_feedpendingline_company_id', 'feedpendingline', ['company_id'])
    op.create_index('ix_feedpendingline_bank_account_id', 'feedpendingline', ['bank_account_id'])
    op.create_table(
        'feedaccountstate',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), sa.ForeignKey('company.id', ondelete='CASCADE'), nullable=False),
        sa.Column('provider', AutoString(length=32), nullable=False),
        sa.Column('account_ref', AutoString(length=128), nullable=False),
        sa.Column('bank_account_id', sa.Integer(), sa.ForeignKey('bankaccount.id'), nullable=True),
        sa.Column('covered_through', sa.Date(), nullable=True),
        sa.Column('last_pull_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_status', AutoString(length=32), nullable=False),
        sa.Column('last_error', AutoString(), nullable=True),
        sa.Column('consent_expires_on', sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('company_id', 'provider', 'account_ref'),
    )
    op.create_index('ix_feedaccountstate_company_id', 'feedaccountstate', ['company_id'])
    op.create_index('ix_feedaccountstate_bank_account_id', 'feedaccountstate', ['bank_account_id'])


def downgrade() -> None:
    op.drop_table('feedaccountstate')
    op.drop_table('feedpendingline')

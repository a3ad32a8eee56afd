"""bank feeds: the session of a feed whose consent is given at the bank through a link (Enable Banking)

Revision ID: 0023_feed_sessions
Revises: 0022_announced_payments
Create Date: 2026-12-07 06:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0023_feed_sessions'
down_revision = '0022_announced_payments'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'feedsession',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), sa.ForeignKey('company.id', ondelete='CASCADE'), nullable=False),
        sa.Column('provider', AutoString(length=32), nullable=False),
        sa.Column('session_id', AutoString(length=128), nullable=True),
        sa.Column('status', AutoString(length=32), nullable=False),
        sa.Column('aspsp_name', AutoString(length=140), nullable=True),
        sa.Column('aspsp_country', AutoString(length=2), nullable=True),
        sa.Column('state', AutoString(length=64), nullable=True),
        sa.Column('link', AutoString(), nullable=True),
        sa.Column('link_expires_on', sa.Date(), nullable=True),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('authorized_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('company_id', 'provider'),
    )
    op.create_index('ix_feedsession_company_id', 'feedsession', ['company_id'])


def downgrade() -> None:
    op.drop_table('feedsession')

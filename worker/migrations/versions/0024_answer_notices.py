"""answer notices: the emails telling the firm of each answer a customer gives on its page (issue 22, H7)

Revision ID: 0024_answer_notices
Revises: 0023_feed_sessions
Create Date: 2026-12-07 07:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0024_answer_notices'
down_revision = '0023_feed_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'answernotice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), sa.ForeignKey('company.id', ondelete='CASCADE'), nullable=False),
        sa.Column('key', AutoString(length=64), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customer.id'), nullable=False),
        sa.Column('kind', AutoString(length=16), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('recipients', sa.JSON(), nullable=False),
        sa.Column('language', AutoString(length=8), nullable=False),
        sa.Column('status', AutoString(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', AutoString(), nullable=True),
        sa.Column('message_id', AutoString(), nullable=True),
        sa.Column('subject', AutoString(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('company_id', 'key'),
    )
    op.create_index('ix_answernotice_company_id', 'answernotice', ['company_id'])
    op.create_index('ix_answernotice_customer_id', 'answernotice', ['customer_id'])
    op.create_index('ix_answernotice_company_status', 'answernotice', ['company_id', 'status'])


def downgrade() -> None:
    op.drop_table('answernotice')

"""insight: weekly cash-in forecast snapshots and the weekly report outbox

Revision ID: 0004_insight
Revises: 0003_dunning
Create Date: 2026-11-25 15:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0004_insight'
down_revision = '0003_dunning'
branch_labels = None
depends_on = None

_text = AutoString


def upgrade() -> None:
    # Money columns are BIGINT counts of 1/10,000 units (worker.db.types.Money).
    op.create_table('forecastsnapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('week', _text(length=8), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('currency', _text(length=3), nullable=False),
    sa.Column('weeks', sa.JSON(), nullable=False),
    sa.Column('open_total', sa.BigInteger(), nullable=False),
    sa.Column('beyond', sa.BigInteger(), nullable=False),
    sa.Column('doubtful', sa.BigInteger(), nullable=False),
    sa.Column('invoices', sa.Integer(), nullable=False),
    sa.Column('basis', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', _text(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'currency', 'week'))
    op.create_index('ix_forecastsnapshot_company_id', 'forecastsnapshot', ['company_id'])

    op.create_table('weeklyreportoutbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('key', _text(length=64), nullable=False),
    sa.Column('period', _text(length=8), nullable=False),
    sa.Column('audience', _text(length=16), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('status', _text(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', _text(), nullable=True),
    sa.Column('message_id', _text(), nullable=True),
    sa.Column('subject', _text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'key'))
    op.create_index('ix_weeklyreportoutbox_company_id', 'weeklyreportoutbox', ['company_id'])


def downgrade() -> None:
    for table in ('weeklyreportoutbox', 'forecastsnapshot'):
        op.drop_table(table)

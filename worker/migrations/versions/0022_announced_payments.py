"""announced payments: the customer's « already paid » answers kept as rows the matching links to the bank line
that brings the money (issue 22, H6)

Revision ID: 0022_announced_payments
Revises: 0021_short_links
Create Date: 2026-12-07 06:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0022_announced_payments'
down_revision = '0021_short_links'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'announcedpayment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), sa.ForeignKey('company.id', ondelete='CASCADE'), nullable=False),
        sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customer.id'), nullable=False),
        sa.Column('invoice_numbers', sa.JSON(), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('currency', AutoString(length=3), nullable=False),
        sa.Column('proof', AutoString(length=64), nullable=True),
        sa.Column('proof_type', AutoString(length=32), nullable=True),
        sa.Column('announced_on', sa.Date(), nullable=False),
        sa.Column('until', sa.Date(), nullable=False),
        sa.Column('pause_ids', sa.JSON(), nullable=False),
        sa.Column('state', AutoString(length=16), nullable=False),
        sa.Column('line_id', sa.Integer(), sa.ForeignKey('statementline.id'), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', AutoString(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_announcedpayment_company_id', 'announcedpayment', ['company_id'])
    op.create_index('ix_announcedpayment_customer_id', 'announcedpayment', ['customer_id'])
    op.create_index('ix_announcedpayment_company_state', 'announcedpayment', ['company_id', 'state'])


def downgrade() -> None:
    op.drop_table('announcedpayment')

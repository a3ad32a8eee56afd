"""short links: the codes of the customer's page printed on letters, ``/l/<code>`` (issue 22)

Revision ID: 0021_short_links
Revises: 0020_supply_dates
Create Date: 2026-12-07 05:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0021_short_links'
down_revision = '0020_supply_dates'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'shortlink',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), sa.ForeignKey('company.id', ondelete='CASCADE'), nullable=False),
        sa.Column('code', AutoString(length=16), nullable=False),
        sa.Column('customer_ref', AutoString(length=64), nullable=False),
        sa.Column('reminder_id', sa.Integer(), nullable=True),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('link_days', sa.Integer(), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
        sa.UniqueConstraint('company_id', 'customer_ref', 'reminder_id', 'generation'),
    )
    op.create_index('ix_shortlink_company_id', 'shortlink', ['company_id'])


def downgrade() -> None:
    op.drop_index('ix_shortlink_company_id', table_name='shortlink')
    op.drop_table('shortlink')

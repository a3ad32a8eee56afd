"""dunning skips: levels passed over for an invoice (no channel reaches the customer, or all failed for good)

Revision ID: 0010_dunning_skips
Revises: 0006_einvoice_type_code
Create Date: 2026-11-25 18:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0010_dunning_skips'
down_revision = '0006_einvoice_type_code'
branch_labels = None
depends_on = None

_text = AutoString


def upgrade() -> None:
    op.create_table('dunningskip',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('level', _text(length=32), nullable=False),
    sa.Column('kind', _text(length=16), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('reason', _text(), nullable=False),
    sa.Column('skipped_on', sa.Date(), nullable=False),
    sa.Column('whole', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', _text(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'invoice_id', 'level'))
    op.create_index('ix_dunningskip_company_id', 'dunningskip', ['company_id'])
    op.create_index('ix_dunningskip_customer_id', 'dunningskip', ['customer_id'])


def downgrade() -> None:
    op.drop_table('dunningskip')

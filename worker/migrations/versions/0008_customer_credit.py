"""customer credit: payments that settle no invoice, kept on account, to refund, or not a customer's payment

Revision ID: 0008_customer_credit
Revises: 0006_einvoice_type_code
Create Date: 2026-11-25 17:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0008_customer_credit'
down_revision = '0006_einvoice_type_code'
branch_labels = None
depends_on = None

_text = AutoString


def upgrade() -> None:
    # Money columns are BIGINT counts of 1/10,000 units (worker.db.types.Money).
    op.create_table('customercredit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', _text(length=3), nullable=False),
    sa.Column('kind', _text(length=16), nullable=False),
    sa.Column('note', _text(), nullable=False),
    sa.Column('decided_by', _text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['line_id'], ['statementline.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('line_id'))
    op.create_index('ix_customercredit_company_id', 'customercredit', ['company_id'])
    op.create_index('ix_customercredit_customer_id', 'customercredit', ['customer_id'])


def downgrade() -> None:
    op.drop_table('customercredit')

"""documents: the invoices' PDFs uploaded over the API

Revision ID: 0004_documents
Revises: 0003_dunning
Create Date: 2026-11-25 15:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0004_documents'
down_revision = '0003_dunning'
branch_labels = None
depends_on = None


def _text(length: int | None = None) -> sa.types.TypeEngine:
    return AutoString(length=length)


def upgrade() -> None:
    op.create_table('invoicedocument',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('path', _text(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', _text(length=64), nullable=False),
    sa.Column('uploaded_by', _text(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'invoice_id'))
    op.create_index('ix_invoicedocument_company_id', 'invoicedocument', ['company_id'])
    op.create_index('ix_invoicedocument_invoice_id', 'invoicedocument', ['invoice_id'])


def downgrade() -> None:
    op.drop_index('ix_invoicedocument_invoice_id', table_name='invoicedocument')
    op.drop_index('ix_invoicedocument_company_id', table_name='invoicedocument')
    op.drop_table('invoicedocument')

"""einvoicing: the e-invoice fields of imported invoices and the lifecycle status messages (sent and received)

Revision ID: 0004_einvoicing
Revises: 0003_dunning
Create Date: 2026-11-25 15:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0004_einvoicing'
down_revision = '0003_dunning'
branch_labels = None
depends_on = None


def _text(length: int | None = None) -> sa.types.TypeEngine:
    return AutoString(length=length)


def upgrade() -> None:
    # Money columns are BIGINT counts of 1/10,000 units (worker.db.types.Money).
    op.create_table('einvoicedata',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('syntax', _text(length=16), nullable=False),
    sa.Column('profile', _text(length=128), nullable=True),
    sa.Column('seller_siren', _text(length=9), nullable=True),
    sa.Column('buyer_siren', _text(length=9), nullable=True),
    sa.Column('payee_iban', _text(length=34), nullable=True),
    sa.Column('total_with_vat', sa.BigInteger(), nullable=True),
    sa.Column('paid_amount', sa.BigInteger(), nullable=True),
    sa.Column('amount_due', sa.BigInteger(), nullable=True),
    sa.Column('vat_point', _text(length=8), nullable=True),
    sa.Column('vat_on_receipt', sa.Boolean(), nullable=True),
    sa.Column('framework', _text(length=8), nullable=True),
    sa.Column('nature', _text(length=16), nullable=True),
    sa.Column('already_paid', sa.Boolean(), nullable=False),
    sa.Column('vat_breakdown', sa.JSON(), nullable=False),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.Column('document_path', _text(), nullable=True),
    sa.Column('content_hash', _text(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'invoice_id'))
    op.create_index('ix_einvoicedata_company_id', 'einvoicedata', ['company_id'])
    op.create_index('ix_einvoicedata_invoice_id', 'einvoicedata', ['invoice_id'])
    op.create_index('ix_einvoicedata_buyer_siren', 'einvoicedata', ['buyer_siren'])

    op.create_table('einvoicestatus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('invoice_number', _text(length=64), nullable=False),
    sa.Column('code', _text(length=8), nullable=False),
    sa.Column('label', _text(length=64), nullable=False),
    sa.Column('direction', _text(length=8), nullable=False),
    sa.Column('key', _text(length=160), nullable=False),
    sa.Column('message_id', _text(length=128), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', _text(length=16), nullable=False),
    sa.Column('allocation_id', sa.Integer(), nullable=True),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('amounts', sa.JSON(), nullable=False),
    sa.Column('reason_code', _text(length=16), nullable=True),
    sa.Column('reason', _text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', _text(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'key'),
    sa.UniqueConstraint('company_id', 'direction', 'message_id'))
    op.create_index('ix_einvoicestatus_company_id', 'einvoicestatus', ['company_id'])
    op.create_index('ix_einvoicestatus_invoice_id', 'einvoicestatus', ['invoice_id'])
    op.create_index('ix_einvoicestatus_allocation_id', 'einvoicestatus', ['allocation_id'])
    op.create_index('ix_einvoicestatus_outbox', 'einvoicestatus',
                    ['company_id', 'direction', 'state', 'next_attempt_at'])


def downgrade() -> None:
    op.drop_index('ix_einvoicestatus_outbox', table_name='einvoicestatus')
    op.drop_index('ix_einvoicestatus_allocation_id', table_name='einvoicestatus')
    op.drop_index('ix_einvoicestatus_invoice_id', table_name='einvoicestatus')
    op.drop_index('ix_einvoicestatus_company_id', table_name='einvoicestatus')
    op.drop_table('einvoicestatus')
    op.drop_index('ix_einvoicedata_buyer_siren', table_name='einvoicedata')
    op.drop_index('ix_einvoicedata_invoice_id', table_name='einvoicedata')
    op.drop_index('ix_einvoicedata_company_id', table_name='einvoicedata')
    op.drop_table('einvoicedata')

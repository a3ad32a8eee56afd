"""credit note allocation: credit notes deducted from the invoices they name, or the oldest open debt

Revision ID: 0009_credit_note_allocation
Revises: 0006_einvoice_type_code
Create Date: 2026-11-25 18:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0009_credit_note_allocation'
down_revision = '0006_einvoice_type_code'
branch_labels = None
depends_on = None

_text = AutoString


def upgrade() -> None:
    with op.batch_alter_table('invoice') as batch:
        batch.add_column(sa.Column('credit_note_for', _text(length=64), nullable=True))
    op.create_table('creditnoteallocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('credit_note_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('decided_by', _text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by', _text(), nullable=True),
    sa.Column('undo_reason', _text(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['credit_note_id'], ['invoice.id']),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id']),
    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_creditnoteallocation_company_id', 'creditnoteallocation', ['company_id'])
    op.create_index('ix_creditnoteallocation_credit_note_id', 'creditnoteallocation', ['credit_note_id'])
    op.create_index('ix_creditnoteallocation_invoice_id', 'creditnoteallocation', ['invoice_id'])
    op.create_index('uq_creditnoteallocation_live', 'creditnoteallocation', ['credit_note_id', 'invoice_id'],
                    unique=True, sqlite_where=sa.text('undone_at IS NULL'),
                    postgresql_where=sa.text('undone_at IS NULL'))


def downgrade() -> None:
    op.drop_table('creditnoteallocation')
    with op.batch_alter_table('invoice') as batch:
        batch.drop_column('credit_note_for')

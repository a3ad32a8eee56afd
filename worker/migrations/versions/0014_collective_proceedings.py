"""collective proceedings: a customer's SIREN (matched against BODACC notices) and the collective proceedings
opened against a customer, with the declaration of the claim and the clearing (issue 19 item 4)

Revision ID: 0014_collective_proceedings
Revises: 0013_books_export
Create Date: 2026-12-07 03:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0014_collective_proceedings'
down_revision = '0013_books_export'
branch_labels = None
depends_on = None

_text = AutoString


def upgrade() -> None:
    with op.batch_alter_table('customer') as batch:
        batch.add_column(sa.Column('siren', _text(length=9), nullable=True))
    op.create_index('ix_customer_company_siren', 'customer', ['company_id', 'siren'])
    op.create_table('collectiveproceeding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', _text(length=32), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('court', _text(), nullable=False),
    sa.Column('bodacc_published_on', sa.Date(), nullable=True),
    sa.Column('bodacc_ref', _text(length=64), nullable=True),
    sa.Column('representative_name', _text(), nullable=False),
    sa.Column('representative_address', sa.JSON(), nullable=False),
    sa.Column('creditor_abroad', sa.Boolean(), nullable=False),
    sa.Column('source', _text(length=16), nullable=False),
    sa.Column('note', _text(), nullable=False),
    sa.Column('set_by', _text(), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('declared_on', sa.Date(), nullable=True),
    sa.Column('declared_by', _text(), nullable=True),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cleared_by', _text(), nullable=True),
    sa.Column('clear_reason', _text(length=32), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_collectiveproceeding_company_id', 'collectiveproceeding', ['company_id'])
    op.create_index('ix_collectiveproceeding_customer_id', 'collectiveproceeding', ['customer_id'])
    op.create_index('uq_collectiveproceeding_active', 'collectiveproceeding', ['customer_id'], unique=True,
                    sqlite_where=sa.text('cleared_at IS NULL'), postgresql_where=sa.text('cleared_at IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_collectiveproceeding_active', 'collectiveproceeding')
    op.drop_index('ix_collectiveproceeding_customer_id', 'collectiveproceeding')
    op.drop_index('ix_collectiveproceeding_company_id', 'collectiveproceeding')
    op.drop_table('collectiveproceeding')
    op.drop_index('ix_customer_company_siren', 'customer')
    with op.batch_alter_table('customer') as batch:
        batch.drop_column('siren')

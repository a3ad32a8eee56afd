"""einvoice_incoming: where each company's pull of lifecycle statuses from its platform stopped

Revision ID: 0004_einvoice_incoming
Revises: 0003_dunning
Create Date: 2026-11-25 15:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0004_einvoice_incoming'
down_revision = '0003_dunning'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('einvoicestatuspull',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('pulled_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_flow_id', AutoString(length=128), nullable=True),
    sa.Column('pulled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('last_error', AutoString(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id'))
    op.create_index('ix_einvoicestatuspull_company_id', 'einvoicestatuspull', ['company_id'])


def downgrade() -> None:
    op.drop_index('ix_einvoicestatuspull_company_id', table_name='einvoicestatuspull')
    op.drop_table('einvoicestatuspull')

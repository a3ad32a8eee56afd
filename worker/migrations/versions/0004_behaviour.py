"""behaviour: the record of dunning profile moves decided from customers' payment behaviour

Revision ID: 0004_behaviour
Revises: 0003_dunning
Create Date: 2026-11-25 14:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0004_behaviour'
down_revision = '0003_dunning'
branch_labels = None
depends_on = None

_text = AutoString


def upgrade() -> None:
    op.create_table('profilemove',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('moved_on', sa.Date(), nullable=False),
    sa.Column('from_profile', _text(length=32), nullable=False),
    sa.Column('to_profile', _text(length=32), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', _text(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'customer_id', 'moved_on', 'from_profile', 'to_profile'))
    op.create_index('ix_profilemove_company_id', 'profilemove', ['company_id'])
    op.create_index('ix_profilemove_customer_id', 'profilemove', ['customer_id'])


def downgrade() -> None:
    op.drop_table('profilemove')

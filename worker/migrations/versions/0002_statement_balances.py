"""statement balances: the opening/closing balances each imported statement stated, and their checks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:41:50.856038
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Money columns are BIGINT counts of 1/10,000 units (worker.db.types.Money).
    op.create_table('statementbalance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('bank_account_id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', AutoString(length=128), nullable=True),
    sa.Column('currency', AutoString(length=3), nullable=True),
    sa.Column('opening_balance', sa.BigInteger(), nullable=True),
    sa.Column('opening_on', sa.Date(), nullable=True),
    sa.Column('closing_balance', sa.BigInteger(), nullable=True),
    sa.Column('closing_on', sa.Date(), nullable=True),
    sa.Column('lines_total', sa.BigInteger(), nullable=False),
    sa.Column('continuity', AutoString(), nullable=True),
    sa.Column('reconciles', AutoString(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_account_id'], ['bankaccount.id'], ),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['import_id'], ['statementimport.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('statementbalance', schema=None) as batch_op:
        batch_op.create_index('ix_statementbalance_account_closing', ['bank_account_id', 'closing_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_statementbalance_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statementbalance_import_id'), ['import_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('statementbalance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statementbalance_import_id'))
        batch_op.drop_index(batch_op.f('ix_statementbalance_company_id'))
        batch_op.drop_index('ix_statementbalance_account_closing')

    op.drop_table('statementbalance')

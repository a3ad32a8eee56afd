"""insight snapshot: the dashboard's and the worklist's figures as last computed, with their data fingerprint

and the indexes that make the fingerprint (worker/insight/insight_queries.last_changes) a few index reads rather
than scans of the company's allocations and invoices: its newest allocation, undo and invoice update.

Revision ID: 0012_insight_snapshot
Revises: 0011_one_line
Create Date: 2026-12-07 00:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0012_insight_snapshot'
down_revision = '0011_one_line'
branch_labels = None
depends_on = None

_text = AutoString


def upgrade() -> None:
    op.create_table('insightsnapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('kind', _text(length=16), nullable=False),
    sa.Column('key', _text(length=64), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('version', _text(length=32), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'kind', 'key'))
    op.create_index('ix_insightsnapshot_company_id', 'insightsnapshot', ['company_id'])
    op.create_index('ix_allocation_company_decided_at', 'allocation', ['company_id', 'decided_at'])
    op.create_index('ix_allocation_company_undone_at', 'allocation', ['company_id', 'undone_at'])
    op.create_index('ix_invoice_company_updated_at', 'invoice', ['company_id', 'updated_at'])


def downgrade() -> None:
    op.drop_index('ix_invoice_company_updated_at', 'invoice')
    op.drop_index('ix_allocation_company_undone_at', 'allocation')
    op.drop_index('ix_allocation_company_decided_at', 'allocation')
    op.drop_table('insightsnapshot')

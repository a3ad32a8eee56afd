"""books export: what each export of the entries handed over (issue 20), so that exports are incremental and an
exported entry is reversed, never changed

Revision ID: 0013_books_export
Revises: 0012_insight_snapshot
Create Date: 2026-12-07 01:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0013_books_export'
down_revision = '0012_insight_snapshot'
branch_labels = None
depends_on = None

_text = AutoString


def upgrade() -> None:
    op.create_table('booksexport',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('format', _text(length=16), nullable=False),
    sa.Column('numbers', sa.JSON(), nullable=True),
    sa.Column('entries', sa.JSON(), nullable=True),
    sa.Column('content_hash', _text(length=64), nullable=False),
    sa.Column('created_by', _text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_booksexport_company_id', 'booksexport', ['company_id'])
    op.create_index('ix_booksexport_company_period', 'booksexport', ['company_id', 'period_from', 'period_to'])


def downgrade() -> None:
    op.drop_index('ix_booksexport_company_period', 'booksexport')
    op.drop_index('ix_booksexport_company_id', 'booksexport')
    op.drop_table('booksexport')

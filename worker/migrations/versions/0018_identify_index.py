"""identify index: the credits to identify listed and counted from one index (issue 18 item 4)

The review page lists the oldest payments to identify and counts them all on every view; at 100,000 invoices the
company's 16,873 unmatched lines were each read from the table (about 30 ms a query). With the state, the amount,
the payer's IBAN and the booked date in the index, the count and the order are read from the index alone.

Revision ID: 0018_identify_index
Revises: 0017_discount_retention
Create Date: 2026-12-07 03:00:00
"""
from __future__ import annotations

from alembic import op

revision = '0018_identify_index'
down_revision = '0017_discount_retention'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_statementline_identify', 'statementline',
                    ['company_id', 'state', 'amount', 'counterparty_iban', 'booked_on'])


def downgrade() -> None:
    op.drop_index('ix_statementline_identify', table_name='statementline')

"""einvoice type code: the invoice type code (BT-3) of an imported e-invoice, which its 212 messages repeat

Revision ID: 0006_einvoice_type_code
Revises: 0005_line_siren
Create Date: 2026-11-25 16:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0006_einvoice_type_code'
down_revision = '0005_line_siren'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('einvoicedata') as batch:
        # rows imported before: commercial invoices (380), the only type the 212 messages named until now
        batch.add_column(sa.Column('type_code', AutoString(length=3), nullable=False,
                                   server_default='380'))


def downgrade() -> None:
    with op.batch_alter_table('einvoicedata') as batch:
        batch.drop_column('type_code')

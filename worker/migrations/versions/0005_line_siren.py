"""line siren: the payer's SIREN on a statement line, when the bank gives it as the payer's organisation id

Revision ID: 0005_line_siren
Revises: 0004_einvoicing
Create Date: 2026-11-25 16:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0005_line_siren'
down_revision = '0004_einvoicing'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('statementline') as batch:
        batch.add_column(sa.Column('counterparty_siren', AutoString(length=9), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('statementline') as batch:
        batch.drop_column('counterparty_siren')

"""write-off kind: what an allocation's write-off is, a payment difference or a foreign bank's fee; and the
charges and sent currency a bank gives for a statement line (the evidence of a foreign payment)

Revision ID: 0007_write_off_kind
Revises: 0006_einvoice_type_code
Create Date: 2026-11-25 17:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0007_write_off_kind'
down_revision = '0006_einvoice_type_code'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('allocation') as batch:
        batch.add_column(sa.Column('write_off_kind', AutoString(length=24), nullable=True))
    # Write-offs made before were all called "bank fee", whatever the payer; nothing says a bank deducted them:
    # they are payment differences (« écarts de règlement »).
    op.execute("UPDATE allocation SET write_off_kind = 'payment_difference' WHERE write_off <> 0")
    # A foreign payment's evidence, when the bank gives it (CAMT Chrgs, AmtDtls/InstdAmt); Money is BIGINT.
    with op.batch_alter_table('statementline') as batch:
        batch.add_column(sa.Column('charges', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('instructed_currency', AutoString(length=3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('statementline') as batch:
        batch.drop_column('instructed_currency')
        batch.drop_column('charges')
    with op.batch_alter_table('allocation') as batch:
        batch.drop_column('write_off_kind')

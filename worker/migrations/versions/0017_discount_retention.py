"""discount retention: an invoice's own settlement terms (issue 19 item 4): the early-payment discount it grants
for a payment by a date (conditions d'escompte, C. com. L441-9 I) and the retention money withheld until its
release date (retenue de garantie, loi n° 71-584 du 16 juillet 1971); all empty for an invoice without them

Revision ID: 0017_discount_retention
Revises: 0015_registered_letters (no 0016: the books' scheduled export needed no table)
Create Date: 2026-12-07 04:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017_discount_retention'
down_revision = '0015_registered_letters'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Money columns are BIGINT counts of 1/10,000 units (worker.db.types.Money).
    with op.batch_alter_table('invoice') as batch:
        batch.add_column(sa.Column('discount_amount', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('discount_rate', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('discount_until', sa.Date(), nullable=True))
        batch.add_column(sa.Column('retention_amount', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('retention_release_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invoice') as batch:
        for name in ('retention_release_on', 'retention_amount', 'discount_until', 'discount_rate',
                     'discount_amount'):
            batch.drop_column(name)

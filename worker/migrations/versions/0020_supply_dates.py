"""supply dates: the day the goods were delivered or the service completed (BT-72) and the end of the invoicing
period (BT-74, BG-14), from which the limitation period runs (C. civ. 2224; Cass. com. 26-02-2020 n°18-25.036;
issue 19 item 3); both empty for an invoice that gives neither (the issue date then stands for them)

Revision ID: 0020_supply_dates
Revises: 0019_bank_feeds
Create Date: 2026-12-07 04:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020_supply_dates'
down_revision = '0019_bank_feeds'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoice') as batch:
        batch.add_column(sa.Column('delivered_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('service_period_end', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invoice') as batch:
        for name in ('service_period_end', 'delivered_on'):
            batch.drop_column(name)

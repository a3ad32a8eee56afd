"""dunning: pauses, customer dunning settings, approvals and the reminder outbox

Revision ID: 0003_dunning
Revises: 0002
Create Date: 2026-11-25 12:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0003_dunning'
down_revision = '0002'
branch_labels = None
depends_on = None

_text = AutoString


def _common() -> list[sa.Column]:
    return [sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('company_id', sa.Integer(), nullable=False)]


def upgrade() -> None:
    # Money columns are BIGINT counts of 1/10,000 units (worker.db.types.Money).
    op.create_table('dunningpause', *_common(),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('reason', _text(length=32), nullable=False),
    sa.Column('note', _text(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', _text(), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_by', _text(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id']),
    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_dunningpause_company_id', 'dunningpause', ['company_id'])
    op.create_index('ix_dunningpause_customer_id', 'dunningpause', ['customer_id'])

    op.create_table('customerdunning', *_common(),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('profile', _text(length=32), nullable=True),
    sa.Column('key_account', sa.Boolean(), nullable=False),
    sa.Column('language', _text(length=8), nullable=False),
    sa.Column('phone', _text(length=40), nullable=False),
    sa.Column('overrides', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', _text(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'customer_id'))
    op.create_index('ix_customerdunning_company_id', 'customerdunning', ['company_id'])

    op.create_table('reminderapproval', *_common(),
    sa.Column('key', _text(length=160), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('level', _text(length=32), nullable=False),
    sa.Column('invoice_numbers', sa.JSON(), nullable=False),
    sa.Column('amount_due', sa.BigInteger(), nullable=False),
    sa.Column('approved_for', sa.Date(), nullable=False),
    sa.Column('approved_by', _text(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'key'))
    op.create_index('ix_reminderapproval_company_id', 'reminderapproval', ['company_id'])
    op.create_index('ix_reminderapproval_customer_id', 'reminderapproval', ['customer_id'])

    op.create_table('reminderoutbox', *_common(),
    sa.Column('key', _text(length=180), nullable=False),
    sa.Column('message_key', _text(length=160), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('level', _text(length=32), nullable=False),
    sa.Column('channel', _text(length=16), nullable=False),
    sa.Column('invoice_ids', sa.JSON(), nullable=False),
    sa.Column('invoice_numbers', sa.JSON(), nullable=False),
    sa.Column('advances', sa.JSON(), nullable=False),
    sa.Column('amount_due', sa.BigInteger(), nullable=False),
    sa.Column('currency', _text(length=3), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.Column('status', _text(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_on', sa.Date(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', _text(), nullable=True),
    sa.Column('reminder_id', sa.Integer(), nullable=True),
    sa.Column('message_id', _text(), nullable=True),
    sa.Column('delivery', _text(), nullable=True),
    sa.Column('subject', _text(), nullable=True),
    sa.Column('escalated_from', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
    sa.ForeignKeyConstraint(['reminder_id'], ['reminder.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'key'))
    op.create_index('ix_reminderoutbox_company_id', 'reminderoutbox', ['company_id'])
    op.create_index('ix_reminderoutbox_customer_id', 'reminderoutbox', ['customer_id'])
    op.create_index('ix_reminderoutbox_company_status', 'reminderoutbox', ['company_id', 'status'])


def downgrade() -> None:
    for table in ('reminderoutbox', 'reminderapproval', 'customerdunning', 'dunningpause'):
        op.drop_table(table)

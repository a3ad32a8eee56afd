"""registered letters: the sendings posted through a registered-mail provider (Maileva), with the dispatch
number, the proofs of deposit and receipt, and the formal notice's deadline from the receipt (issue 19 item 4)

Revision ID: 0015_registered_letters
Revises: 0014_collective_proceedings
Create Date: 2026-12-07 03:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0015_registered_letters'
down_revision = '0014_collective_proceedings'
branch_labels = None
depends_on = None

_text = AutoString


def upgrade() -> None:
    op.create_table('registeredletter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('provider', _text(length=16), nullable=False),
    sa.Column('sending_id', _text(length=64), nullable=False),
    sa.Column('reminder_id', sa.Integer(), nullable=True),
    sa.Column('outbox_key', _text(length=180), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('level', _text(length=32), nullable=False),
    sa.Column('invoice_numbers', sa.JSON(), nullable=False),
    sa.Column('status', _text(length=16), nullable=False),
    sa.Column('provider_status', _text(length=32), nullable=False),
    sa.Column('dispatch_number', _text(length=32), nullable=True),
    sa.Column('deposited_on', sa.Date(), nullable=True),
    sa.Column('deposit_proof', _text(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('acknowledgment', _text(), nullable=True),
    sa.Column('returned_on', sa.Date(), nullable=True),
    sa.Column('return_reason', _text(), nullable=True),
    sa.Column('notice_days', sa.Integer(), nullable=True),
    sa.Column('deadline_on', sa.Date(), nullable=True),
    sa.Column('letter_path', _text(), nullable=True),
    sa.Column('last_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', _text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
    sa.ForeignKeyConstraint(['reminder_id'], ['reminder.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'provider', 'sending_id'))
    op.create_index('ix_registeredletter_company_id', 'registeredletter', ['company_id'])
    op.create_index('ix_registeredletter_customer_id', 'registeredletter', ['customer_id'])
    op.create_index('ix_registeredletter_reminder_id', 'registeredletter', ['reminder_id'])
    op.create_index('ix_registeredletter_company_status', 'registeredletter', ['company_id', 'status'])


def downgrade() -> None:
    op.drop_index('ix_registeredletter_company_status', 'registeredletter')
    op.drop_index('ix_registeredletter_reminder_id', 'registeredletter')
    op.drop_index('ix_registeredletter_customer_id', 'registeredletter')
    op.drop_index('ix_registeredletter_company_id', 'registeredletter')
    op.drop_table('registeredletter')

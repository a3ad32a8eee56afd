"""tasks: the ledger of every task handed to the broker (failed tasks listed and replayed from it)

Revision ID: 0003_tasks
Revises: 0002
Create Date: 2026-11-25 12:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = '0003_tasks'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('taskrecord',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('message_id', AutoString(length=64), nullable=False),
    sa.Column('actor', AutoString(length=64), nullable=False),
    sa.Column('queue', AutoString(length=64), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('kwargs', sa.JSON(), nullable=False),
    sa.Column('state', AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('error', AutoString(), nullable=True),
    sa.Column('duration_seconds', sa.Float(), nullable=True),
    sa.Column('worker', AutoString(length=128), nullable=True),
    sa.Column('replayed_as', AutoString(length=64), nullable=True),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    op.create_index(op.f('ix_taskrecord_company_id'), 'taskrecord', ['company_id'], unique=False)
    op.create_index(op.f('ix_taskrecord_actor'), 'taskrecord', ['actor'], unique=False)
    op.create_index('ix_taskrecord_state_due', 'taskrecord', ['state', 'due_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_taskrecord_state_due', table_name='taskrecord')
    op.drop_index(op.f('ix_taskrecord_actor'), table_name='taskrecord')
    op.drop_index(op.f('ix_taskrecord_company_id'), table_name='taskrecord')
    op.drop_table('taskrecord')

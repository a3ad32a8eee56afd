"""one line: the eleven branches that grew one feature at a time join here, and every later migration follows this one

Alembic's merge revision (https://alembic.sqlalchemy.org/en/latest/branches.html#merging-branches): it creates
nothing; a database at the eleven former heads moves to this single head on its next start, and a new database
goes through every branch then here. From now on `alembic heads` is one revision (issue 17).

Revision ID: 0011_one_line
Revises: 0003_review_api, 0003_tasks, 0003_users, 0004_behaviour, 0004_documents, 0004_einvoice_incoming,
         0004_insight, 0007_write_off_kind, 0008_customer_credit, 0009_credit_note_allocation, 0010_dunning_skips
Create Date: 2026-12-06 17:30:00
"""
from __future__ import annotations

revision = '0011_one_line'
down_revision = ('0003_review_api', '0003_tasks', '0003_users', '0004_behaviour', '0004_documents',
                 '0004_einvoice_incoming', '0004_insight', '0007_write_off_kind', '0008_customer_credit',
                 '0009_credit_note_allocation', '0010_dunning_skips')
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to create: the merge only joins the branches."""


def downgrade() -> None:
    """Nothing to drop: going down leaves the database at the eleven former heads."""

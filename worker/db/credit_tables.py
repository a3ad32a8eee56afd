"""What a person decided about a payment that settles no invoice: the customer's credit, a refund due, or not a
customer's payment at all (``worker/reconciliation/unidentified.py``).

One row per statement line (unique): a line is decided once. ``on_account`` and ``refund_due`` name the customer
and the amount kept or owed back; ``not_customer`` (a loan, a grant, a supplier's refund...) names none and carries
the reason in ``note``. The line's state becomes ``identified``, so the matcher leaves it alone.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow
from worker.db.types import Money

CREDIT_KINDS = ("on_account", "refund_due", "not_customer")


class CustomerCredit(SQLModel, table=True):
    """Money received that settles no invoice, as a person decided it: kept on account, to refund, or no customer's."""

    __tablename__ = "customercredit"
    __table_args__ = (UniqueConstraint("line_id"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    line_id: int = Field(sa_column_args=[ForeignKey("statementline.id", ondelete="CASCADE")])
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    amount: Decimal = Field(sa_type=Money)
    currency: str = Field(default="EUR", max_length=3)
    kind: str = Field(max_length=16)  # on_account | refund_due | not_customer
    note: str = ""
    decided_by: str
    decided_at: datetime = _ts(default_factory=utcnow)


CREDIT_TABLES: list[type[SQLModel]] = [CustomerCredit]

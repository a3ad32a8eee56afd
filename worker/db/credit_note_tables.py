"""Credit notes allocated to the invoices they reduce.

A credit note (``Invoice.kind == "credit_note"``, a negative amount) is money the company no longer claims:
it is allocated to the invoice it names (``Invoice.credit_note_for``, or an e-invoice's BT-25), else by rule
to the customer's oldest open debt in the same currency (Code civil art. 1342-10). Each allocation keeps its
reasons and who decided it; an undone allocation is kept, marked, like a payment's (``Allocation``).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Index, text
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow
from worker.db.types import Money


class CreditNoteAllocation(SQLModel, table=True):
    """Part of a credit note (``amount``, positive) deducted from what an invoice asks."""

    __tablename__ = "creditnoteallocation"
    __table_args__ = (
        Index("uq_creditnoteallocation_live", "credit_note_id", "invoice_id", unique=True,
              sqlite_where=text("undone_at IS NULL"), postgresql_where=text("undone_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    credit_note_id: int = Field(foreign_key="invoice.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    amount: Decimal = Field(sa_type=Money)
    reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    decided_by: str = "lettrage"
    decided_at: datetime = _ts(default_factory=utcnow)
    undone_at: datetime | None = _ts(nullable=True, default=None)
    undone_by: str | None = None
    undo_reason: str | None = None


CREDIT_NOTE_TABLES = [CreditNoteAllocation]

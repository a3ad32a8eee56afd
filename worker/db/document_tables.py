"""The invoices' documents uploaded over the API (``PUT /api/invoices/{number}/document``).

The PDF itself lives on disk under the settings' data folder, per company
(``<data_dir>/documents/<company>/<number>-<sha256 prefix>.pdf``); the row records where, its size and SHA-256, and who
uploaded it, so a later invoice import without a ``pdf`` column never loses it. One row per invoice:
a new upload updates the row to the new file (the earlier one stays on disk; the replacement is audited).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow


class InvoiceDocument(SQLModel, table=True):
    """The PDF of one invoice, uploaded by the billing tool or a person."""

    __tablename__ = "invoicedocument"
    __table_args__ = (UniqueConstraint("company_id", "invoice_id"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    path: str  # absolute path of the stored file
    size: int
    sha256: str = Field(max_length=64)
    uploaded_by: str = "lettrage"
    uploaded_at: datetime = _ts(default_factory=utcnow)


DOCUMENT_TABLES = [InvoiceDocument]

"""The e-invoicing tables: what an e-invoice said beyond the invoice row, and the lifecycle status messages.

``EinvoiceData``: one row per invoice imported from a Factur-X, CII or UBL e-invoice, with the fields the
reform adds (buyer SIREN BT-47, payee IBAN BT-84, amount due BT-115, VAT point BT-8, framework BT-23, VAT
breakdown BG-23, payment notes PMT/PMD/AAB). The invoice's number, dates, amount and payment reference
(BT-83) stay on ``Invoice`` itself, so matching and reminders read them as for any invoice.

``EinvoiceStatus``: every lifecycle status, sent (212 « Encaissée » and its corrections) or received from the
buyer through the platform (205, 206, 207, 208, 210, 211, 213 …). A sent status is an outbox row: unique
``key`` per company (one status per cash-in, or per correction), claimed by a conditional update before it
leaves, so a crash or a redelivery never sends it twice and a retry carries the same ``message_id``.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow
from worker.db.types import Money


class EinvoiceData(SQLModel, table=True):
    """The e-invoice fields of one invoice (amounts as Decimal; the VAT breakdown as decimal strings)."""

    __tablename__ = "einvoicedata"
    __table_args__ = (UniqueConstraint("company_id", "invoice_id"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    syntax: str = Field(max_length=16)  # facturx | cii | ubl
    type_code: str = Field(default="380", max_length=3)  # BT-3: 380 invoice, 386 advance payment, 381 credit note …
    profile: str | None = Field(default=None, max_length=128)  # BT-24, the specification identifier
    seller_siren: str | None = Field(default=None, max_length=9)
    buyer_siren: str | None = Field(default=None, max_length=9, index=True)  # BT-47
    payee_iban: str | None = Field(default=None, max_length=34)  # BT-84
    total_with_vat: Decimal | None = Field(default=None, sa_type=Money)  # BT-112
    paid_amount: Decimal | None = Field(default=None, sa_type=Money)  # BT-113
    amount_due: Decimal | None = Field(default=None, sa_type=Money)  # BT-115
    vat_point: str | None = Field(default=None, max_length=8)  # BT-8 as written
    vat_on_receipt: bool | None = None  # from BT-8; empty: the company's setting decides
    framework: str | None = Field(default=None, max_length=8)  # BT-23 as written (S1, B2, M1 …)
    nature: str | None = Field(default=None, max_length=16)  # goods | services | mixed
    already_paid: bool = False  # framework B2/S2/M2
    # BG-23: [{"category": "S", "rate": "20.00", "base": "100.00", "tax": "20.00"}, ...]
    vat_breakdown: list[dict[str, str]] = Field(default_factory=list, sa_type=JSON)
    # {"PMT": ["…"], "PMD": ["…"], "AAB": ["…"]}: the notes (BT-21/BT-22) by subject code
    notes: dict[str, list[str]] = Field(default_factory=dict, sa_type=JSON)
    document_path: str | None = None  # the e-invoice file kept as the invoice's document
    content_hash: str = Field(max_length=64)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class EinvoiceStatus(SQLModel, table=True):
    """One lifecycle status message, sent or received; a sent one is also its own outbox row."""

    __tablename__ = "einvoicestatus"
    __table_args__ = (
        UniqueConstraint("company_id", "key"),
        UniqueConstraint("company_id", "direction", "message_id"),
        Index("ix_einvoicestatus_outbox", "company_id", "direction", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id", index=True)
    invoice_number: str = Field(max_length=64)
    code: str = Field(max_length=8)  # 212, 205, 207 …
    label: str = Field(max_length=64)  # « Encaissée », « En litige » …
    direction: str = Field(max_length=8)  # sent | received
    key: str = Field(max_length=160)  # idempotency: e.g. "212:allocation:42", "212-correction:allocation:42"
    message_id: str = Field(max_length=128)
    at: datetime = _ts()  # when the status took effect (payment date for 212, the sender's date when received)
    state: str = Field(default="pending", max_length=16)  # pending | sending | delivered | failed | received
    allocation_id: int | None = Field(default=None, index=True)  # the cash-in a 212 reports
    corrects_id: int | None = Field(default=None)  # the status this message corrects or cancels
    amount: Decimal | None = Field(default=None, sa_type=Money)  # cash received, VAT included
    # [{"rate": "20.00", "amount": "120.00"}, ...]: received amounts including VAT per VAT rate
    amounts: list[dict[str, str]] = Field(default_factory=list, sa_type=JSON)
    reason_code: str | None = Field(default=None, max_length=16)
    reason: str = ""
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    payload: str | None = Field(default=None, sa_type=Text)  # the CDAR XML as sent or received
    attempts: int = 0
    next_attempt_at: datetime | None = _ts(nullable=True, default=None)
    last_error: str | None = None
    delivered_at: datetime | None = _ts(nullable=True, default=None)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


EINVOICE_TABLES = [EinvoiceData, EinvoiceStatus]

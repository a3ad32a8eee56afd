"""Where each company's pull of lifecycle statuses from its platform (PA) stopped.

One row per company: the platform's ``updatedAt`` of the last status message taken (the next pull asks for
what was updated after it), when the last pull ran and how it ended. The statuses themselves are
``EinvoiceStatus`` rows (direction ``received``), unique per message id, so a pull that starts again from an
older point adds nothing twice.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow


class EinvoiceStatusPull(SQLModel, table=True):
    """The last pull of statuses from the company's platform."""

    __tablename__ = "einvoicestatuspull"
    __table_args__ = (UniqueConstraint("company_id"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    pulled_until: datetime | None = _ts(nullable=True, default=None)  # updatedAt of the last message taken
    last_flow_id: str | None = Field(default=None, max_length=128)
    pulled_at: datetime | None = _ts(nullable=True, default=None)  # when the last pull ran
    messages: int = 0  # messages taken in all
    last_error: str | None = None
    updated_at: datetime = _ts(default_factory=utcnow)


EINVOICE_INCOMING_TABLES = [EinvoiceStatusPull]

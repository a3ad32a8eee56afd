"""Bank feeds (worker/statements/feeds.py): what a pull leaves beside the booked lines.

``FeedPendingLine``: the lines the bank shows as pending (not booked yet) on an account, kept apart from the ledger:
never matched, never exported, replaced whole by each pull of the account. ``FeedAccountState``: per company,
provider and account, the last pull (when, through which booked day, its outcome) and the consent's end date, for
``lettrage feeds status``, the freshness gate and the worklist's renewal task. ``FeedSession``: per company and
provider, the consent the account holder gives at the bank through a link (Enable Banking: the link asked by
``lettrage feeds connect`` or ``renew``, then the session ``authorize`` creates and the pulls use).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow
from worker.db.types import Money


class FeedPendingLine(SQLModel, table=True):
    """A line the bank shows as pending on an account at the last pull: shown, never in the ledger."""

    __tablename__ = "feedpendingline"

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    bank_account_id: int = Field(foreign_key="bankaccount.id", index=True)
    provider: str = Field(max_length=32)
    provider_ref: str = Field(max_length=128)
    transaction_on: date | None = None
    amount: Decimal = Field(sa_type=Money)
    currency: str = Field(max_length=3)
    counterparty: str | None = None
    text: str = ""
    pulled_at: datetime = _ts(default_factory=utcnow)


class FeedAccountState(SQLModel, table=True):
    """One account of a company's feed: the last pull, the booked day it covers and the consent's end."""

    __tablename__ = "feedaccountstate"
    __table_args__ = (UniqueConstraint("company_id", "provider", "account_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    provider: str = Field(max_length=32)
    account_ref: str = Field(max_length=128)  # the provider's id of the account
    bank_account_id: int | None = Field(default=None, foreign_key="bankaccount.id", index=True)
    covered_through: date | None = None  # the latest day whose booked lines the last good pull brought
    last_pull_at: datetime | None = _ts(nullable=True, default=None)
    last_status: str = Field(default="", max_length=32)  # ok | consent_expired | failed
    last_error: str | None = None
    consent_expires_on: date | None = None


class FeedSession(SQLModel, table=True):
    """A company's session at a provider whose consent is given through a link: ``status`` pending (a link asked,
    not used yet), active (authorised: ``session_id`` and the consent's end ``valid_until``), expired or revoked."""

    __tablename__ = "feedsession"
    __table_args__ = (UniqueConstraint("company_id", "provider"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    provider: str = Field(max_length=32)
    session_id: str | None = Field(default=None, max_length=128)
    status: str = Field(default="pending", max_length=32)
    aspsp_name: str | None = Field(default=None, max_length=140)  # the bank the consent is given at
    aspsp_country: str | None = Field(default=None, max_length=2)
    state: str | None = Field(default=None, max_length=64)  # the last link's state (the bank sends it back)
    link: str | None = None  # the last link asked, where the account holder gives the consent
    link_expires_on: date | None = None  # the consent's end that link asks for
    valid_until: date | None = None  # the authorised session's end
    requested_at: datetime | None = _ts(nullable=True, default=None)
    authorized_at: datetime | None = _ts(nullable=True, default=None)


FEED_TABLES: list[type[SQLModel]] = [FeedPendingLine, FeedAccountState, FeedSession]

"""Tables of the review queue's memory and of the HTTP API: tokens, learned payer names, webhooks.

Like every table, each row belongs to one Company. A token is stored only as its
SHA-256 hash: whoever reads the database cannot call the API with it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow


class ApiToken(SQLModel, table=True):
    """A bearer token of the billing tool (or a script) for one company and some scopes; revocable."""

    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    name: str = Field(max_length=64)
    token_hash: str = Field(max_length=64, unique=True)  # sha256 hex of the whole token
    prefix: str = Field(max_length=16)  # the first characters, to recognise a token in a list
    scopes: list[str] = Field(default_factory=list, sa_type=JSON)
    created_by: str = "lettrage"
    created_at: datetime = _ts(default_factory=utcnow)
    last_used_at: datetime | None = _ts(nullable=True, default=None)
    revoked_at: datetime | None = _ts(nullable=True, default=None)


class CustomerAlias(SQLModel, table=True):
    """A payer name learned from a confirmed match: the name the bank shows for this customer's payments."""

    __table_args__ = (UniqueConstraint("company_id", "customer_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    customer_id: int = Field(sa_column_args=[ForeignKey("customer.id", ondelete="CASCADE")], index=True)
    name: str = Field(max_length=140)
    source: str = "learned"
    learned_from: str | None = Field(default=None, max_length=128)  # e.g. "review:12"
    created_by: str = "lettrage"
    created_at: datetime = _ts(default_factory=utcnow)


class WebhookEndpoint(SQLModel, table=True):
    """A URL of the billing tool that hears about payments, undos and new review items."""

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    url: str = Field(max_length=500)
    events: list[str] = Field(default_factory=list, sa_type=JSON)  # empty: every event
    active: bool = True
    cursor: int = 0  # the last AuditEvent id turned into deliveries for this endpoint
    created_at: datetime = _ts(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint, and the log of every attempt to deliver it."""

    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhookdelivery_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    endpoint_id: int = Field(sa_column_args=[ForeignKey("webhookendpoint.id", ondelete="CASCADE")], index=True)
    event_id: str = Field(max_length=128)  # stable: the receiver may use it to ignore a repeat
    event: str = Field(max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = "pending"  # pending | delivered | failed (gave up)
    attempts: int = 0
    next_attempt_at: datetime = _ts(default_factory=utcnow)
    last_status_code: int | None = None
    last_error: str | None = None
    log: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)  # [{at, status_code, error}]
    created_at: datetime = _ts(default_factory=utcnow)
    delivered_at: datetime | None = _ts(nullable=True, default=None)


API_TABLES = [ApiToken, CustomerAlias, WebhookEndpoint, WebhookDelivery]

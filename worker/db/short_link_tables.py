"""The short codes of the customer's page printed on letters (0021, issue 22): ``<LETTRAGE_PUBLIC_URL>/l/<code>``.

A letter is typed by hand, so it prints a code of ten characters besides the QR code of the signed link
(worker/dunning/short_links.py). A row holds the claims the signed token carries (its company, customer, reminder,
the day it was issued, its life and the customer's link generation): the token is signed again from them when the
code is typed, so an expired or revoked link's code is refused as the link is. One row per reminder, customer and
generation: a letter rendered again prints the same code.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk


class ShortLink(SQLModel, table=True):
    """One short code: what the signed link it stands for says."""

    __tablename__ = "shortlink"
    __table_args__ = (UniqueConstraint("company_id", "customer_ref", "reminder_id", "generation"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    code: str = Field(max_length=16, unique=True)  # Crockford base32, upper case, without dashes
    customer_ref: str = Field(max_length=64)
    reminder_id: int | None = None  # the reminder outbox's row the letter was printed for
    issued_on: date
    link_days: int
    generation: int


SHORT_LINK_TABLES: list[type[SQLModel]] = [ShortLink]

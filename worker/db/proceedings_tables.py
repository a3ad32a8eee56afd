"""Collective proceedings of a customer (sauvegarde, redressement or liquidation judiciaire: Code de commerce
livre VI), as a person set them or a BODACC notice file brought them (worker/dunning/proceedings.py).

One row per opening judgment: its kind, date and court, the BODACC publication (date and reference) from which
the two months to declare the claims run (C. com. R622-24), the mandataire judiciaire or liquidateur who receives
the declaration, who set it and when; the declaration once a person recorded it (date, author); the clearing
(plan adopted, proceedings closed) with its reason and author. A customer has at most one active row (not
cleared): the partial unique index says so on both databases.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Index, text
from sqlmodel import Field, SQLModel

from worker.db.columns import company_fk as _company_fk
from worker.db.columns import ts as _ts
from worker.db.columns import utcnow


class CollectiveProceeding(SQLModel, table=True):
    """One opening judgment of collective proceedings against a customer, and what became of it."""

    __tablename__ = "collectiveproceeding"
    __table_args__ = (
        Index("uq_collectiveproceeding_active", "customer_id", unique=True,
              sqlite_where=text("cleared_at IS NULL"), postgresql_where=text("cleared_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = _company_fk()
    customer_id: int = Field(foreign_key="customer.id", index=True)
    kind: str = Field(max_length=32)  # sauvegarde | redressement_judiciaire | liquidation_judiciaire
    opened_on: date  # the opening judgment's date (it takes effect from that day, C. com. R621-4)
    court: str = ""  # "Tribunal de commerce de Lyon"
    bodacc_published_on: date | None = None  # the opening judgment's publication in the BODACC
    bodacc_ref: str | None = Field(default=None, max_length=64)  # the notice: "BODACC A n°20260123, annonce 456"
    representative_name: str = ""  # the mandataire judiciaire (liquidateur in liquidation) receiving the claims
    representative_address: list[str] = Field(default_factory=list, sa_type=JSON)
    creditor_abroad: bool = False  # the creditor lives outside the court's territory: two months more (R622-24)
    source: str = Field(default="manual", max_length=16)  # manual | bodacc
    note: str = ""
    set_by: str = "lettrage"
    set_at: datetime = _ts(default_factory=utcnow)
    declared_on: date | None = None  # the day the claim was declared to the representative
    declared_by: str | None = None
    declared_at: datetime | None = _ts(nullable=True, default=None)
    cleared_at: datetime | None = _ts(nullable=True, default=None)
    cleared_by: str | None = None
    clear_reason: str | None = Field(default=None, max_length=32)  # plan_adopted | closed | set_aside | other


PROCEEDINGS_TABLES = [CollectiveProceeding]

"""Queries of the lifecycle statuses received from buyers and of the pauses they set, scoped to the company."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select as sa_select
from sqlmodel import col, select

from worker.db.einvoice_incoming_tables import EinvoiceStatusPull
from worker.db.einvoice_tables import EinvoiceData, EinvoiceStatus
from worker.db.reminder_tables import DunningPause
from worker.db.repository import Repository
from worker.db.tables import AuditEvent

APPROVALS = ("205", "206")  # the later of the two says how much of an invoice the buyer approved


def known_message_ids(repo: Repository, message_ids: Iterable[str]) -> set[str]:
    """Those of ``message_ids`` already stored as received statuses."""
    ids = list(dict.fromkeys(message_ids))
    if not ids:
        return set()
    query = select(col(EinvoiceStatus.message_id)).where(
        EinvoiceStatus.company_id == repo.company_id, EinvoiceStatus.direction == "received",
        col(EinvoiceStatus.message_id).in_(ids))
    return set(repo.session.exec(query))


def statuses_of(repo: Repository, invoice_ids: Iterable[int] | None = None,
                direction: str | None = None) -> list[EinvoiceStatus]:
    """The company's statuses (of these invoices, in this direction), by date then id."""
    query = select(EinvoiceStatus).where(EinvoiceStatus.company_id == repo.company_id)
    if invoice_ids is not None:
        query = query.where(col(EinvoiceStatus.invoice_id).in_(list(invoice_ids)))
    if direction is not None:
        query = query.where(EinvoiceStatus.direction == direction)
    return list(repo.session.exec(query.order_by(col(EinvoiceStatus.at), col(EinvoiceStatus.id))))


def approved_amounts(repo: Repository, invoice_ids: Iterable[int] | None = None) -> dict[int, Decimal]:
    """The amount (VAT included) the buyer approved, for each invoice whose latest approval status received
    is a 206 « Approuvée partiellement »; a later 205 « Approuvée » approves it all again (absent here)."""
    query = select(EinvoiceStatus).where(
        EinvoiceStatus.company_id == repo.company_id, EinvoiceStatus.direction == "received",
        col(EinvoiceStatus.code).in_(APPROVALS), col(EinvoiceStatus.invoice_id).is_not(None))
    if invoice_ids is not None:
        query = query.where(col(EinvoiceStatus.invoice_id).in_(list(invoice_ids)))
    latest: dict[int, EinvoiceStatus] = {}
    for row in repo.session.exec(query.order_by(col(EinvoiceStatus.at), col(EinvoiceStatus.id))):
        assert row.invoice_id is not None
        latest[row.invoice_id] = row
    return {invoice_id: row.amount for invoice_id, row in latest.items()
            if row.code == "206" and row.amount is not None}


def active_invoice_pauses(repo: Repository, invoice_id: int, reasons: Iterable[str]) -> list[DunningPause]:
    """The invoice's pauses with one of ``reasons`` not lifted yet."""
    query = select(DunningPause).where(
        DunningPause.company_id == repo.company_id, DunningPause.invoice_id == invoice_id,
        col(DunningPause.reason).in_(list(reasons)), col(DunningPause.lifted_at).is_(None))
    return list(repo.session.exec(query.order_by(col(DunningPause.id))))


def pull_state(repo: Repository) -> EinvoiceStatusPull:
    """The company's pull row, created empty on first use."""
    row = repo.session.exec(select(EinvoiceStatusPull).where(
        EinvoiceStatusPull.company_id == repo.company_id)).one_or_none()
    if row is None:
        row = EinvoiceStatusPull()
        repo.add(row)
        repo.flush()
    return row


def refused_flows(repo: Repository, kind: str, since: datetime) -> list[AuditEvent]:
    """The audit events of ``kind`` (platform messages refused by a pull, with their content) since ``since``."""
    return list(repo.session.exec(select(AuditEvent).where(
        AuditEvent.company_id == repo.company_id, AuditEvent.kind == kind, AuditEvent.at >= since,
    ).order_by(col(AuditEvent.id))))


def received_status(repo: Repository, message_id: str) -> EinvoiceStatus | None:
    """The company's received status of that message id, if stored."""
    return repo.session.execute(sa_select(EinvoiceStatus).where(
        col(EinvoiceStatus.company_id) == repo.company_id, col(EinvoiceStatus.direction) == "received",
        col(EinvoiceStatus.message_id) == message_id)).scalar_one_or_none()


def einvoice_data_of(repo: Repository, invoice_id: int) -> EinvoiceData | None:
    """The e-invoice data (VAT breakdown…) kept for the company's invoice, if any."""
    return repo.session.execute(sa_select(EinvoiceData).where(
        col(EinvoiceData.company_id) == repo.company_id,
        col(EinvoiceData.invoice_id) == invoice_id)).scalar_one_or_none()

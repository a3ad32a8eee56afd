"""212 « Encaissée »: one lifecycle status per cash-in on an invoice whose VAT is due on receipt.

An idempotent scan, not a hook into matching: it reads the allocations (live and undone) and creates the status
rows that are missing, each under a unique key, so running it twice, or from two places at once (sync, a
review decision, ``matches undo``), never makes a second message:

- ``212:allocation:<id>``: a live allocation of received cash (automatic or confirmed) to an e-invoice whose VAT
  falls due on receipt (BT-8 read into ``EinvoiceData.vat_on_receipt``, else the company's ``vat_regime``).
  The amount is the cash of the allocation (never its write-off), split over the invoice's VAT rates
  (einvoicing/vat_split.py); the date is the bank's booking date of the statement line.
- ``212-correction:allocation:<id>``: the allocation was undone after its 212 may have left (being sent,
  delivered, or tried at least once and waiting to be tried again): a 212 with the opposite amounts, as the rules
  provide (see einvoicing/cdar_writer.py). A 212 that did not go out (pending and never tried, or failed for
  good) is withdrawn instead, so it cannot be sent again later.

Not reported: goods-only invoices (VAT due on delivery; but an advance-payment invoice, BT-3 386, on goods is:
VAT on advances for goods falls due on receipt, CGI art. 269 2 a since 2023), parts of 0.00, the debits option (company or invoice), credit
notes and anything that is not cash received (a payment out, a credit-note offset, a write-off or bank fee
difference: those are never the allocation's ``amount``), consumer and foreign buyers (no SIREN: their
receipts go into the payment e-reporting, einvoicing/ereporting.py). Only a company that takes part in
e-invoicing produces them: its ``einvoicing.siren`` is set.

The message (CDAR XML) is written when the row is created and kept in ``payload``, so every (re)delivery
sends the same bytes with the same message id.
"""
from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from einvoicing.cdar_writer import CdarError, Party, PaymentReceived, payment_received_xml
from einvoicing.codes import PAYMENT_RECEIVED, label
from einvoicing.vat_split import VatSplitError, split_received, totals_by_rate
from worker.db.einvoice_tables import EinvoiceStatus
from worker.db.repository import Repository
from worker.db.tables import utcnow
from worker.einvoices import einvoice_status_queries as q
from worker.einvoices.einvoicing_settings import EinvoicingSettings, company_einvoicing
from worker.errors import LettrageError

log = logging.getLogger(__name__)


@dataclass
class OutgoingResult:
    """What a scan did: messages created (and corrections), unsent ones withdrawn, what was left out and why."""

    created: list[str] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"created": self.created, "corrections": self.corrections, "withdrawn": self.withdrawn,
                "skipped": dict(sorted(self.skipped.items())), "problems": self.problems}


def key_212(allocation_id: int) -> str:
    return f"212:allocation:{allocation_id}"


def key_correction(allocation_id: int) -> str:
    return f"212-correction:allocation:{allocation_id}"


ADVANCE_PAYMENT = "386"  # BT-3: prepayment (advance payment) invoice


def why_no_212(cash: q.CashIn, company_vat_on_receipt: bool) -> str | None:
    """The reason this cash-in gets no 212, or None when it gets one."""
    invoice, einvoice, allocation = cash.invoice, cash.einvoice, cash.allocation
    if einvoice is None:
        return "not an e-invoice"
    if invoice.kind != "invoice":
        return "credit note"
    if cash.line.amount <= 0 or allocation.amount <= 0:
        return "not cash received"
    if einvoice.nature == "goods" and einvoice.type_code != ADVANCE_PAYMENT:
        return "goods: VAT due on delivery"  # an advance payment on goods: due on receipt (CGI art. 269 2 a)
    on_receipt = einvoice.vat_on_receipt if einvoice.vat_on_receipt is not None else company_vat_on_receipt
    if not on_receipt:
        return "VAT on debits"
    if cash.customer.kind == "consumer" or not einvoice.buyer_siren:
        return "consumer or foreign buyer: e-reporting"
    if not einvoice.vat_breakdown:
        return "no VAT breakdown"
    return None


def produce_payment_statuses(repo: Repository, companies_dir: Path, *, allocation_ids: Iterable[int] | None = None,
                             now: datetime | None = None, actor: str = "lettrage") -> OutgoingResult:
    """Creates the missing 212 messages and corrections of the company (or of ``allocation_ids`` only)."""
    result = OutgoingResult()
    settings = company_einvoicing(repo.company.settings, companies_dir, repo.company.ref)
    if not settings.siren:
        return result  # the company does not take part in e-invoicing (yet)
    now = now or utcnow()
    ids = None if allocation_ids is None else sorted(set(allocation_ids))
    cash_ins = q.cash_ins(repo, ids)
    if not cash_ins:
        return result
    # A full scan reads every sent status once; a scan of a few allocations (a review decision) only theirs.
    scoped = ids is not None
    existing = q.sent_by_key(repo, [c.allocation.id for c in cash_ins if c.allocation.id is not None]
                             if scoped else None)
    reported = q.reported_by_invoice(repo, [c.invoice.id for c in cash_ins if c.invoice.id is not None]
                                     if scoped else None)
    tz = ZoneInfo(repo.company.timezone)
    for cash in cash_ins:
        allocation = cash.allocation
        assert allocation.id is not None
        original = existing.get(key_212(allocation.id))
        if allocation.undone_at is None:
            if original is not None:
                continue
            reason = why_no_212(cash, settings.vat_on_receipt)
            if reason is not None:
                result.skipped[reason] += 1
                continue
            _create(repo, cash, settings, now, tz, result, actor, reported.setdefault(cash.invoice.id or 0, {}))
        elif original is not None and key_correction(allocation.id) not in existing:
            _undo(repo, cash, original, settings, now, tz, result, actor, reported.setdefault(cash.invoice.id or 0, {}))
    repo.flush()
    return result


def _message_id(siren: str, kind: str, allocation_id: int) -> str:
    return f"{siren}-{kind}-{allocation_id}-{uuid.uuid4().hex[:10]}"


def instalment_split(cash: Decimal, breakdown: list[dict[str, str]],
                     reported: dict[str, Decimal]) -> tuple[tuple[str, Decimal], ...]:
    """The amounts per rate of one more payment on an invoice whose earlier payments reported ``reported``.

    Split cumulatively (everything reported so far plus this cash, minus what was reported), so that a series
    of instalments adds up, rate by rate, exactly to the invoice's base + tax at each rate; when that would
    give a part below zero (rounding at the edges), the payment is split on its own instead."""
    totals = totals_by_rate(breakdown)
    before = sum(reported.values(), Decimal(0))
    if before > 0 and set(reported) <= set(totals):
        after = {p.rate: p.amount for p in split_received(before + cash, totals)}
        parts = tuple((rate, after.get(rate, Decimal(0)) - reported.get(rate, Decimal(0))) for rate in after)
        if all(amount >= 0 for _, amount in parts) and sum(a for _, a in parts) == cash:
            return tuple((rate, amount) for rate, amount in parts if amount != 0)
    return tuple((p.rate, p.amount) for p in split_received(cash, totals) if p.amount != 0)  # no part of 0.00


def _add(reported: dict[str, Decimal], amounts: tuple[tuple[str, Decimal], ...]) -> None:
    for rate, amount in amounts:
        reported[rate] = reported.get(rate, Decimal(0)) + amount


def _create(repo: Repository, cash: q.CashIn, settings: EinvoicingSettings, now: datetime, tz: ZoneInfo,
            result: OutgoingResult, actor: str, reported: dict[str, Decimal]) -> None:
    allocation, invoice, einvoice = cash.allocation, cash.invoice, cash.einvoice
    assert allocation.id is not None and einvoice is not None and settings.siren
    try:
        amounts = instalment_split(allocation.amount, einvoice.vat_breakdown, reported)
    except (VatSplitError, ArithmeticError, ValueError) as exc:
        result.problems.append(f"invoice {invoice.number}: {exc}")
        return
    message_id = _message_id(settings.siren, "212", allocation.id)
    message = PaymentReceived(
        message_id=message_id, written_at=now.astimezone(tz).replace(tzinfo=None), paid_on=cash.line.booked_on,
        seller=Party(settings.siren, repo.company.name),
        buyer=Party(einvoice.buyer_siren, cash.customer.name), invoice_number=invoice.number,
        invoice_issued_on=invoice.issued_on, invoice_type_code=einvoice.type_code, amounts=amounts,
        currency=invoice.currency.upper())
    if _store(repo, message, key_212(allocation.id), cash, None, {"line": cash.line.bank_ref,
           "booked_on": cash.line.booked_on.isoformat(), "decided_by": allocation.decided_by,
           "allocation_status": allocation.status}, now, tz, result.created, result, actor):
        _add(reported, amounts)


def _undo(repo: Repository, cash: q.CashIn, original: EinvoiceStatus, settings: EinvoicingSettings,
          now: datetime, tz: ZoneInfo, result: OutgoingResult, actor: str, reported: dict[str, Decimal]) -> None:
    allocation, invoice = cash.allocation, cash.invoice
    assert allocation.id is not None and original.id is not None and settings.siren
    unsent = (original.state == "pending" and original.attempts == 0) or original.state == "failed"
    if unsent and q.withdraw_unsent(repo, original.id):  # never went out (or failed for good): nothing to correct
        repo.audit("einvoice.status_withdrawn", subject=f"invoice:{invoice.number}", actor=actor,
                   code=original.code, message_id=original.message_id, allocation=allocation.id,
                   reason=f"allocation undone while the status was {original.state}")
        result.withdrawn.append(original.message_id)
        _add(reported, tuple((a["rate"], -Decimal(a["amount"])) for a in original.amounts))
        return
    undone_at = allocation.undone_at or now
    if undone_at.tzinfo is None:  # SQLite gives timestamps back without their zone (stored in UTC)
        undone_at = undone_at.replace(tzinfo=UTC)
    amounts = tuple((a["rate"], -Decimal(a["amount"])) for a in original.amounts)
    message = PaymentReceived(
        message_id=_message_id(settings.siren, "212C", allocation.id),
        written_at=now.astimezone(tz).replace(tzinfo=None), paid_on=undone_at.astimezone(tz).date(),
        seller=Party(settings.siren, repo.company.name),
        buyer=Party(cash.einvoice.buyer_siren if cash.einvoice else None, cash.customer.name),
        invoice_number=invoice.number, invoice_issued_on=invoice.issued_on,
        invoice_type_code=cash.einvoice.type_code if cash.einvoice else "380", amounts=amounts,
        currency=invoice.currency.upper(), corrects=original.message_id)
    if _store(repo, message, key_correction(allocation.id), cash, original.id,
           {"line": cash.line.bank_ref, "undone_by": allocation.undone_by, "undo_reason": allocation.undo_reason,
            "corrects_message_id": original.message_id}, now, tz, result.corrections, result, actor):
        _add(reported, amounts)


def _store(repo: Repository, message: PaymentReceived, key: str, cash: q.CashIn, corrects_id: int | None,
           details: dict[str, object], now: datetime, tz: ZoneInfo, into: list[str], result: OutgoingResult,
           actor: str) -> bool:
    try:
        payload = payment_received_xml(message).decode("utf-8")
    except CdarError as exc:
        result.problems.append(str(exc))
        return False
    row = EinvoiceStatus(
        invoice_id=cash.invoice.id, invoice_number=cash.invoice.number, code=PAYMENT_RECEIVED,
        label=label(PAYMENT_RECEIVED), direction="sent", key=key, message_id=message.message_id,
        at=datetime.combine(message.paid_on, time(0), tzinfo=UTC), state="pending",
        allocation_id=cash.allocation.id, corrects_id=corrects_id, amount=message.total,
        amounts=[{"rate": rate, "amount": str(amount)} for rate, amount in message.amounts],
        details=details, payload=payload, next_attempt_at=now, created_at=now, updated_at=now)
    if not q.insert_status(repo, row):
        return False  # made meanwhile by another run
    into.append(message.message_id)
    repo.audit("einvoice.status_created", subject=f"invoice:{cash.invoice.number}", actor=actor,
               code=PAYMENT_RECEIVED, message_id=message.message_id, amount=message.total,
               amounts=row.amounts, allocation=cash.allocation.id, corrects=details.get("corrects_message_id"),
               customer=cash.customer.ref)
    return True


def produce_quietly(repo: Repository, companies_dir: Path, allocation_ids: Iterable[int], actor: str) -> None:
    """After a review decision or an undo: the 212s of those allocations; a configuration problem is logged
    and left to the next sync (it never blocks the decision)."""
    try:
        produce_payment_statuses(repo, companies_dir, allocation_ids=allocation_ids, actor=actor)
    except LettrageError as exc:
        log.warning("212 statuses not produced now (the next sync retries): %s", exc)

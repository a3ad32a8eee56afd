"""The company's payment e-reporting for a period, from what lettrage knows about the cash that came in.

Which receipts are reported (VAT due on receipt, sales not e-invoiced to a French business, so not covered by
a 212 « Encaissée »; CGI art. 290 A), from the company's obligation date on (``einvoicing.company_size``: 2026-09-01
for large companies and ETIs, 2027-09-01 for SMEs; ``einvoicing.ereporting_from`` overrides it):

- a receipt allocated to an invoice of a **consumer** (customer kind ``consumer``, or an e-invoice buyer with no
  SIREN, no VAT number and no French address): per day, per VAT rate (flow 10.4), invoice numbers kept;
- a receipt allocated to an e-invoice whose buyer is a **foreign business** (a foreign VAT number, no SIREN):
  per invoice (flow 10.2);
- a receipt allocated to nothing (**unmatched**) only when ``einvoicing.ereporting_unmatched = true`` (false by
  default: an accountant decides): per day at ``einvoicing.default_vat_rate``, in aggregate, never a line under
  review nor a transfer from the company's own accounts; once matched, the period's report changes accordingly.

Never reported: domestic business customers (an invoice without e-invoice data is its customer's kind, never a
consumer's for want of data), goods (VAT due on delivery; an advance-payment invoice 386 on goods is reported),
the debits option (invoice BT-8, else the company's ``vat_regime``), credit notes, write-offs, the share of the
reverse-charged, intra-community, export, exempt and out-of-scope categories (AE, K, G, E, O), parts of 0.00.
Amounts per rate: the invoice's VAT breakdown shares the cash (einvoicing/ereporting_scope.py); without a
breakdown, the default rate.

A report is *issued* when its XML is written: recorded as the audit event ``einvoice.ereporting_issued`` about
``period:YYYY-MM`` with its id and a fingerprint of its content. Writing the same period again gives the same
report (same id, same bytes) while its data did not change; when receipts of the period were matched or undone
since and the data changed (a rate, an amount, a receipt now reported by a 212 or per invoice), a corrective
report (``RE``) with a new id replaces it. A match that changes nothing the file holds (a consumer receipt at the
default rate found to pay an invoice at that rate) needs no correction: only the JSON view names the invoice.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from einvoicing.ereporting import (
    EreportingError,
    PaymentReport,
    Receipt,
    arrange,
    period_bounds,
    report_xml,
)
from einvoicing.ereporting_scope import Buyer, buyer_scope, no_zero_parts, reportable_parts
from einvoicing.invoice_model import EInvoiceReadError
from einvoicing.reader import read_document
from einvoicing.vat_split import VatSplitError
from matching.ibans import compact_iban
from worker.db.einvoice_tables import EinvoiceData
from worker.db.repository import Repository
from worker.db.tables import utcnow
from worker.einvoices import einvoice_status_queries as q
from worker.einvoices.einvoicing_settings import EinvoicingSettings, company_einvoicing
from worker.errors import ConfigurationError, LettrageError

ISSUED = "einvoice.ereporting_issued"


@dataclass
class Ereport:
    report: PaymentReport
    issued: bool = False  # recorded now as issued
    changed: bool = False  # differs from the report issued before for the period (so a corrective one)
    unmatched_total: Decimal = Decimal(0)
    problems: list[str] = field(default_factory=list)
    xml: bytes | None = None

    def as_json(self, period: str) -> dict[str, object]:
        r = self.report
        return {
            "period": period, "start": r.start.isoformat(), "end": r.end.isoformat(), "type": r.type_code,
            "report_id": r.report_id, "corrects": r.corrects, "issued": self.issued, "changed": self.changed,
            "totals": [{"rate": rate, "amount": amount} for rate, amount in r.totals().items()],
            "invoices": [{"invoice": i.invoice_number, "issued_on": i.issued_on.isoformat(),
                          "paid_on": i.paid_on.isoformat(), "amounts": _amounts(i.amounts)} for i in r.invoices],
            "days": [{"date": d.paid_on.isoformat(), "amounts": _amounts(d.amounts), "invoices": list(d.invoices),
                      "unmatched": d.unmatched} for d in r.days],
            "unmatched_total": self.unmatched_total, "problems": self.problems,
        }


def _amounts(parts: Iterable[tuple[str, Decimal]]) -> list[dict[str, object]]:
    return [{"rate": rate, "amount": amount} for rate, amount in parts]


def _document_buyer(einvoice: EinvoiceData) -> tuple[str | None, str | None]:
    """The buyer's VAT number (BT-48) and country (BT-55) from the e-invoice kept, when it can be read."""
    if not einvoice.document_path:
        return None, None
    try:
        data = Path(einvoice.document_path).read_bytes()
        buyer = read_document(data, None, check=False).invoice.buyer
    except (OSError, EInvoiceReadError, ValueError):
        return None, None
    return buyer.vat_id, buyer.country


def scope_of(cash: q.CashIn) -> str:
    """``consumer``, ``international`` or ``domestic`` (einvoicing.ereporting_scope): the customer's kind first,
    then the e-invoice's buyer SIREN, VAT number and country; an invoice without e-invoice data is its
    customer's kind, never a consumer's for want of data."""
    einvoice = cash.einvoice
    if einvoice is None or cash.customer.kind == "consumer" or einvoice.buyer_siren:
        return buyer_scope(Buyer(cash.customer.kind, einvoice.buyer_siren if einvoice is not None else None))
    vat_id, country = _document_buyer(einvoice)
    return buyer_scope(Buyer(cash.customer.kind, None, vat_id, country, einvoiced=True))


def receipts(repo: Repository, settings: EinvoicingSettings, start: object, end: object,
             problems: list[str]) -> list[Receipt]:
    """The period's reportable receipts (see the module's docstring)."""
    out: list[Receipt] = []
    allocated_lines: set[int] = set()
    for cash in q.cash_ins(repo, einvoices_only=False, booked_from=start, booked_to=end):  # type: ignore[arg-type]
        allocation, invoice, einvoice, line = cash.allocation, cash.invoice, cash.einvoice, cash.line
        if allocation.undone_at is not None:
            continue
        allocated_lines.add(line.id or 0)
        if invoice.kind != "invoice" or allocation.amount <= 0 or line.amount <= 0:
            continue
        scope = scope_of(cash)
        if scope == "domestic":
            continue  # a French business: its e-invoice's 212 reports the cash, never the e-reporting
        if einvoice is not None and einvoice.nature == "goods" and einvoice.type_code != "386":
            continue  # VAT on goods falls due on delivery (CGI art. 269 2 a), except on advance payments
        on_receipt = einvoice.vat_on_receipt if einvoice is not None and einvoice.vat_on_receipt is not None \
            else settings.vat_on_receipt
        if not on_receipt:
            continue
        if line.currency.upper() != "EUR":
            problems.append(f"payment {line.bank_ref} in {line.currency}: flow 10 takes euros only, left out")
            continue
        amounts: tuple[tuple[str, Decimal], ...] = ((settings.default_vat_rate, allocation.amount),)
        if einvoice is not None and einvoice.vat_breakdown:
            try:
                amounts = tuple((p.rate, p.amount) for p in reportable_parts(allocation.amount,
                                                                             einvoice.vat_breakdown))
            except (VatSplitError, ArithmeticError, ValueError) as exc:
                problems.append(f"invoice {invoice.number}: {exc}; default rate used")
        amounts = no_zero_parts(amounts)
        if not amounts:
            continue  # reverse-charged, exempt or outside the scope of VAT: nothing to report
        out.append(Receipt(line.booked_on, amounts, invoice.number, invoice.issued_on,
                           international=scope == "international", currency="EUR"))
    if settings.ereporting_unmatched:  # asked for: lines still unmatched, never those under review nor transfers
        own = {compact_iban(a.identifier) for a in repo.bank_accounts()}
        for line in q.credit_lines(repo, start, end):  # type: ignore[arg-type]
            if line.id in allocated_lines or line.currency.upper() != "EUR" or line.state != "unmatched":
                continue
            if line.counterparty_iban and compact_iban(line.counterparty_iban) in own:
                continue
            out.append(Receipt(line.booked_on, ((settings.default_vat_rate, line.amount),)))
    return out


def _fingerprint(report: PaymentReport) -> str:
    content = {"start": report.start.isoformat(), "end": report.end.isoformat(),
               "invoices": [[i.invoice_number, i.issued_on.isoformat(), i.paid_on.isoformat(),
                             [[r, str(a)] for r, a in i.amounts]] for i in report.invoices],
               "days": [[d.paid_on.isoformat(), [[r, str(a)] for r, a in d.amounts]] for d in report.days]}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def payment_report(repo: Repository, companies_dir: Path, period: str, *, issue: bool = False,
                   now: datetime | None = None, actor: str = "lettrage") -> Ereport:
    """The period's payments report; with ``issue``, its XML is written and recorded as issued."""
    settings = company_einvoicing(repo.company.settings, companies_dir, repo.company.ref)
    if not settings.siren:
        raise ConfigurationError("e-reporting needs the company's SIREN (einvoicing.siren)")
    try:
        start, end = period_bounds(period, settings.ereporting_period)
    except EreportingError as exc:
        raise LettrageError(str(exc)) from None
    obligation = settings.ereporting_start
    if end < obligation:
        raise LettrageError(f"no payment e-reporting is due before {obligation} (einvoicing.company_size = "
                            f"{settings.company_size}; einvoicing.ereporting_from sets another first day)")
    problems: list[str] = []
    found = receipts(repo, settings, max(start, obligation), end, problems)
    invoices, days = arrange(found)
    unmatched = sum((d.unmatched for d in days), Decimal(0))
    subject = f"period:{start:%Y-%m}"
    history = q.audit_events(repo, ISSUED, subject)
    last = history[-1].data if history else None
    now = now or utcnow()
    written_at = now.astimezone(ZoneInfo(repo.company.timezone)).replace(tzinfo=None, microsecond=0)
    draft = PaymentReport(report_id=f"{settings.siren}-PAY-{start:%Y%m}-{len(history) + 1}",
                          type_code="RE" if history else "IN", written_at=written_at, start=start, end=end,
                          declarant_siren=settings.siren, declarant_name=repo.company.name,
                          platform_id=settings.pa_id or "0000", invoices=invoices, days=days,
                          corrects=str(last["report_id"]) if last else None)
    fingerprint = _fingerprint(draft)
    if last is not None and last.get("fingerprint") == fingerprint:  # nothing changed: the same report again
        draft = PaymentReport(**{**draft.__dict__, "report_id": str(last["report_id"]), "type_code": str(last["type"]),
                                 "written_at": datetime.fromisoformat(str(last["written_at"])),
                                 "corrects": last.get("corrects")})
        result = Ereport(draft, changed=False, unmatched_total=unmatched, problems=problems)
    else:
        result = Ereport(draft, changed=last is not None, unmatched_total=unmatched, problems=problems)
    if not issue:
        return result
    if not settings.pa_id:
        raise ConfigurationError("the e-reporting file names the platform that sends it: set einvoicing.pa_id "
                                 "(its 4-character registration number)")
    try:
        result.xml = report_xml(result.report)
    except EreportingError as exc:
        raise ConfigurationError(str(exc)) from None
    if last is None or result.changed:
        repo.audit(ISSUED, subject=subject, actor=actor, report_id=result.report.report_id,
                   type=result.report.type_code, corrects=result.report.corrects, fingerprint=fingerprint,
                   written_at=result.report.written_at.isoformat(),
                   totals={rate: str(amount) for rate, amount in result.report.totals().items()},
                   unmatched=str(unmatched))
        result.issued = True
    return result

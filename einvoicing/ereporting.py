"""The payment e-reporting (flow 10, payments: 10.2 per invoice, 10.4 aggregated per day) of a period.

For sales whose VAT is due on receipt but that are not e-invoiced to a French business (so no 212 « Encaissée »
reports their cash): consumer (B2C) and international sales of services. Per period (monthly by default):

- ``InvoicePayment`` (flow 10.2, TG-34): an international sale's invoice, its issue date, the day the cash came
  in and the amount received per VAT rate;
- ``DayTotal`` (flow 10.4, TG-37): per day of receipt, the consumer receipts aggregated per VAT rate; the
  invoice numbers behind them are kept (they are not part of the XML, which has no place for them, but they
  are in the JSON view and the audit), and receipts no invoice is known for yet (unmatched) are added at the
  company's default rate. When such a receipt is matched later, the period's report changes: it is then issued
  again as a corrective report (``RE``) replacing the first (``IN``).

The XML is written by ``pyfrctc`` (``generate_ereporting_payments``), which checks it against the flow 10 XSD it
ships; ``check`` also runs the flow 10 business rules it ships (``Flux10.xslt``, compiled Schematron, annex 7
v1.8) with saxonche. Pure: no database, no clock.
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

CENT = Decimal("0.01")
# CGI art. 290 A and decree 2022-1299 art. 6: payment data monthly or every two months, never per quarter.
MONTHS = {"monthly": 1, "bimonthly": 2}


class EreportingError(ValueError):
    """A period or a report that cannot be written as asked."""


@dataclass(frozen=True)
class Receipt:
    """Cash received on one day, per VAT rate; ``invoice_number`` when it is known which invoice it paid."""

    paid_on: date
    amounts: tuple[tuple[str, Decimal], ...]  # (rate "20.00", amount VAT included)
    invoice_number: str | None = None
    invoice_issued_on: date | None = None
    international: bool = False  # an invoice to a foreign business (10.2); else consumer or unknown (10.4)
    currency: str = "EUR"


@dataclass(frozen=True)
class InvoicePayment:
    invoice_number: str
    issued_on: date
    paid_on: date
    amounts: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True)
class DayTotal:
    paid_on: date
    amounts: tuple[tuple[str, Decimal], ...]
    invoices: tuple[str, ...] = ()  # invoice numbers behind the day's receipts, where known
    unmatched: Decimal = Decimal(0)  # of which received without a known invoice


@dataclass(frozen=True)
class PaymentReport:
    report_id: str
    type_code: str  # IN (initial) | RE (corrective, replaces the period's earlier report)
    written_at: datetime
    start: date
    end: date
    declarant_siren: str
    declarant_name: str
    platform_id: str  # the approved platform's registration number (4 characters, scheme 0238)
    platform_name: str = "PA"
    invoices: tuple[InvoicePayment, ...] = ()
    days: tuple[DayTotal, ...] = ()
    currency: str = "EUR"
    corrects: str | None = None  # the report id this one replaces

    def totals(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(Decimal)
        items: tuple[InvoicePayment | DayTotal, ...] = (*self.invoices, *self.days)
        for item in items:
            for rate, amount in item.amounts:
                out[rate] += amount
        return dict(sorted(out.items(), key=lambda kv: -Decimal(kv[0])))


def period_bounds(period: str, length: str = "monthly") -> tuple[date, date]:
    """First and last day of the period starting with month ``YYYY-MM`` (monthly or bimonthly)."""
    try:
        year, month = (int(p) for p in period.split("-"))
        first = date(year, month, 1)
    except (ValueError, TypeError):
        raise EreportingError(f"period {period!r} is not a month (YYYY-MM)") from None
    months = MONTHS.get(length)
    if months is None:
        raise EreportingError(f"e-reporting period {length!r} is not one of {', '.join(MONTHS)}")
    if (month - 1) % months:
        raise EreportingError(f"a {length} e-reporting period starts in month "
                              f"{', '.join(str(m) for m in range(1, 13, months))}, not {month}")
    last_month = month + months - 1
    return first, date(year, last_month, calendar.monthrange(year, last_month)[1])


def _merge(parts: Iterable[tuple[str, Decimal]]) -> tuple[tuple[str, Decimal], ...]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for rate, amount in parts:
        out[rate] += amount
    return tuple(sorted(((r, a) for r, a in out.items() if a != 0), key=lambda kv: -Decimal(kv[0])))


def arrange(receipts: Iterable[Receipt]) -> tuple[tuple[InvoicePayment, ...], tuple[DayTotal, ...]]:
    """Receipts into flow 10.2 lines (international invoices, one per invoice and day) and 10.4 days."""
    per_invoice: dict[tuple[str, date, date], list[tuple[str, Decimal]]] = defaultdict(list)
    per_day: dict[date, list[tuple[str, Decimal]]] = defaultdict(list)
    day_invoices: dict[date, set[str]] = defaultdict(set)
    day_unmatched: dict[date, Decimal] = defaultdict(Decimal)
    for receipt in receipts:
        if receipt.international and receipt.invoice_number and receipt.invoice_issued_on:
            per_invoice[(receipt.invoice_number, receipt.invoice_issued_on, receipt.paid_on)].extend(receipt.amounts)
            continue
        per_day[receipt.paid_on].extend(receipt.amounts)
        if receipt.invoice_number:
            day_invoices[receipt.paid_on].add(receipt.invoice_number)
        else:
            day_unmatched[receipt.paid_on] += sum((a for _, a in receipt.amounts), Decimal(0))
    invoices = tuple(InvoicePayment(number, issued, paid, _merge(parts))
                     for (number, issued, paid), parts in sorted(per_invoice.items(), key=lambda kv: (kv[0][2], kv[0][0])))
    days = tuple(DayTotal(day, _merge(parts), tuple(sorted(day_invoices[day])), day_unmatched[day])
                 for day, parts in sorted(per_day.items()))
    return tuple(i for i in invoices if i.amounts), tuple(d for d in days if d.amounts)


def _amount(value: Decimal) -> str:
    return str(Decimal(value).quantize(CENT))


def _rate(rate: str) -> str:
    """As the flow 10 rules list the rates: "20", "5.5", "0" (no trailing zeros)."""
    text = str(Decimal(rate).quantize(CENT)).rstrip("0").rstrip(".")
    return text or "0"


def report_xml(report: PaymentReport) -> bytes:
    """The flow 10 payments report, written by pyfrctc and checked by it against the flow 10 XSD."""
    from pyfrctc import generate_ereporting_payments

    items: tuple[InvoicePayment | DayTotal, ...] = (*report.invoices, *report.days)
    for item in items:
        if any(amount < 0 for _, amount in item.amounts):
            raise EreportingError("a payments report cannot hold a negative amount (issue a corrective report)")
    data = {
        "TT-1": report.report_id, "TT-2": f"Paiements {report.start:%Y-%m}", "TT-3": report.written_at,
        "TT-4": report.type_code,
        "TT-7": "0238", "TT-8": report.platform_id, "TT-9": report.platform_name, "TT-10": "WK",
        "TT-12": "0002", "TT-13": report.declarant_siren, "TT-14": report.declarant_name, "TT-15": "SE",
        "TT-89": report.start, "TT-90": report.end,
        "TG-34": [{"TT-91": i.invoice_number, "TT-102": i.issued_on, "TT-92": i.paid_on,
                   "TG-36": [{"TT-93": _rate(rate), "TT-94": report.currency, "TT-95": _amount(amount)}
                             for rate, amount in i.amounts]} for i in report.invoices],
        "TG-37": [{"TT-96": d.paid_on,
                   "TG-39": [{"TT-97": _rate(rate), "TT-98": report.currency, "TT-99": _amount(amount)}
                             for rate, amount in d.amounts]} for d in report.days],
    }
    try:
        return bytes(generate_ereporting_payments(data, check_xsd=True))
    except Exception as exc:  # noqa: BLE001 - pyfrctc raises plain Exception on an XSD failure
        raise EreportingError(f"e-reporting XML refused by the flow 10 schema: {exc}") from None


def rules_files() -> tuple[Path, Path]:
    """The flow 10 XSD and compiled business rules pyfrctc ships."""
    import pyfrctc

    base = Path(pyfrctc.__file__).resolve().parent
    return base / "frr-xsd" / "ereporting.xsd", base / "frr-schematron" / "Flux10.xslt"


@dataclass
class Check:
    schema: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.schema and not self.rules


def check(xml: bytes) -> Check:
    """The report against the flow 10 XSD and business rules (every failed assert, as ``id: text``)."""
    from einvoicing.validation import check_schema, run_rules

    xsd, rules = rules_files()
    result = Check([f.line() for f in check_schema(xml, xsd)])
    if not result.schema:
        result.rules = [f.line() for f in run_rules(xml, rules)]
    return result

"""Claims for invoices paid late: the penalties and the fixed indemnity a customer still owes after paying late.

An invoice settled after its due date leaves its late-payment penalties and the EUR 40 indemnity owed (Code de
commerce L441-10 II, D441-5; a public body's intérêts moratoires and indemnity, Code de la commande publique
L2192-13, R2192-31, D2192-35): reminders.law.late_paid computes them. Never from a consumer. The payment dates
are the booked dates of the bank lines the live allocations take money from; each partial payment lowers the
base from the day after it; credit notes lower it from the start; a 206 « Approuvée partiellement » caps it;
retention money withheld (retenue de garantie, loi 71-584) is left out, due on its release, not claimed here. The
rate is the customer's penalty mode, else the company's (worker.dunning.penalty_settings), with the half-years
it confirmed; a public body's is the regulatory one whatever the mode.

:func:`late_paid_report` lists, per customer and currency, the invoices whose settlement fell from ``start`` to
``end`` after their due date: days late, base, rate(s), penalties, indemnity, and whether a claim letter was already
written for them (audit kind ``late_paid.claimed``: those are not counted again). A customer's claim under the
minimum amount is listed, not claimable: ``minimum`` given, else the company's dunning policy ``minimum_amount``
(what is not worth chasing: 5.00 in the standard policy).

:func:`late_paid_letter` writes the claim letter of one customer (text and PDF, through the letter rendering of
reminders.channels.letter) under ``<output_dir>/<company>/claims/<customer>/``, and records each invoice it claims
in the audit log with the person who asked for it. Nothing is sent: sending it is the accountant's decision. A
letter is refused (one line) for a customer with nothing to claim, under the minimum, penalties on a provisional
rate the company has not confirmed, or a company whose sender identity lacks a letter's mentions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reminders.channels.base import Message, document_path, write_atomically
from reminders.context import Company as CompanyInfo
from reminders.context import Customer as CustomerInfo
from reminders.law.errors import LawError
from reminders.law.late_paid import LatePaidClaim, late_paid_claim
from reminders.law.rates import half_year_label
from reminders.law.wording import rate_in_words, rate_terms
from worker.db.credit_note_queries import credited_by_invoice
from worker.db.reminder_queries import dunning_settings, payments_of
from worker.db.repository import Repository
from worker.dunning.late_paid_queries import CLAIMED_KIND, claimed_invoices, late_paid_candidates
from worker.dunning.penalty_settings import PenaltyTerms, company_penalties, customer_penalties
from worker.dunning.proceedings_queries import active_proceedings
from worker.errors import ConfigurationError, LettrageError
from worker.reminder_policy import company_policy

if TYPE_CHECKING:
    from worker.db.tables import Customer, Invoice
    from worker.settings import Settings

LEVEL = "late_paid_claim"  # the letter's name (not a dunning level: it is never planned nor sent)
CLAIM_DAYS = 30  # the days to pay the letter gives, from its receipt
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LatePaidInvoice:
    """One invoice settled late, and what it still owes."""

    number: str
    issued_on: date
    currency: str
    claim: LatePaidClaim
    payments: tuple[tuple[date, Decimal], ...]
    claimed_on: str | None = None  # a claim letter already asked for it (day, by whom)
    claimed_by: str | None = None

    @property
    def provisional(self) -> tuple[str, ...]:
        """The half-years whose rate its penalties use provisionally."""
        return tuple(sorted({half_year_label(p.start) for p in self.claim.penalty.periods if p.provisional}))

    def as_json(self, language: str = "fr") -> dict[str, Any]:
        penalty = self.claim.penalty
        return {
            "number": self.number, "issued_on": self.issued_on.isoformat(), "due_on": self.claim.due_on.isoformat(),
            "settled_on": self.claim.settled_on.isoformat(), "days_late": self.claim.days_late,
            "base": f"{self.claim.owed:.2f}", "currency": self.currency,
            "payments": [{"on": d.isoformat(), "amount": f"{a:.2f}"} for d, a in self.payments],
            "rate": rate_in_words(penalty.periods, language), "basis": penalty.basis, "kind": penalty.kind,
            "periods": [{"from": p.start.isoformat(), "to": p.end.isoformat(), "days": p.days, "base": f"{p.base:.2f}",
                         "rate": f"{p.rate:.2f}", "how": p.how, "amount": f"{p.amount:.2f}",
                         "provisional": p.provisional} for p in penalty.periods],
            "penalties": f"{penalty.amount:.2f}", "indemnity": f"{self.claim.indemnity:.2f}",
            "total": f"{self.claim.total:.2f}", "provisional": list(self.provisional), "notes": list(penalty.notes),
            "claimed_on": self.claimed_on, "claimed_by": self.claimed_by,
        }


@dataclass(frozen=True)
class LatePaidCustomer:
    """One customer's invoices settled late in one currency; the totals count those not claimed yet."""

    customer_id: int
    ref: str
    name: str
    kind: str  # business | public
    currency: str
    language: str
    minimum: Decimal
    invoices: tuple[LatePaidInvoice, ...]
    address_lines: tuple[str, ...] = ()
    proceedings: str | None = None  # the customer's collective proceedings, when active: nothing is claimed

    @property
    def to_claim(self) -> tuple[LatePaidInvoice, ...]:
        return tuple(i for i in self.invoices if i.claimed_on is None)

    @property
    def penalties(self) -> Decimal:
        return sum((i.claim.penalty.amount for i in self.to_claim), ZERO)

    @property
    def indemnities(self) -> Decimal:
        return sum((i.claim.indemnity for i in self.to_claim), ZERO)

    @property
    def total(self) -> Decimal:
        return self.penalties + self.indemnities

    @property
    def refused(self) -> str | None:
        """Why no claim is made for this customer (in collective proceedings, nothing left to claim, under the
        minimum), else None. A debtor in collective proceedings is never asked to pay a claim born before the
        judgment: it is declared to the mandataire (C. com. L622-7, L622-21, L622-24)."""
        if self.proceedings is not None:
            return f"in collective proceedings ({self.proceedings}): the claim is declared to the mandataire, " \
                   "never asked of the customer"
        if not self.to_claim:
            return "every invoice listed was claimed already"
        if self.total < self.minimum:
            return f"{self.total:.2f} {self.currency} to claim, under the minimum amount {self.minimum:.2f}"
        return None

    def as_json(self) -> dict[str, Any]:
        return {"customer_ref": self.ref, "customer_name": self.name, "kind": self.kind, "currency": self.currency,
                "invoices": [i.as_json(self.language) for i in self.invoices],
                "penalties": f"{self.penalties:.2f}", "indemnities": f"{self.indemnities:.2f}",
                "total": f"{self.total:.2f}", "minimum": f"{self.minimum:.2f}",
                "claimable": self.refused is None, "reason": self.refused}


@dataclass(frozen=True)
class LatePaidReport:
    """The invoices settled late from ``start`` to ``end``, per customer and currency."""

    start: date
    end: date
    minimum: Decimal
    mode: str  # the company's penalty mode
    customers: tuple[LatePaidCustomer, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "minimum": f"{self.minimum:.2f}",
                "penalty_mode": self.mode, "customers": [c.as_json() for c in self.customers]}


def _terms(repo: Repository, settings: Settings) -> PenaltyTerms:
    company = repo.company
    return company_penalties(company.settings, company.ref, settings.companies_dir, settings.rates_file)


def late_paid_report(repo: Repository, start: date, end: date, settings: Settings, *, customer_ref: str | None = None,
                     minimum: Decimal | None = None) -> LatePaidReport:
    """The invoices of business and public customers settled after their due date from ``start`` to ``end`` (both
    included), with what each still owes; ``customer_ref``: that customer's only (a consumer is refused)."""
    from worker.einvoices.einvoice_incoming import penalty_base
    from worker.einvoices.einvoice_incoming_queries import approved_amounts

    if start > end:
        raise LettrageError(f"--from {start.isoformat()} is after --to {end.isoformat()}")
    if minimum is not None and minimum < 0:
        raise LettrageError(f"the minimum amount {minimum} is negative")
    if customer_ref is not None:
        known = repo.customers_by_ref([customer_ref]).get(customer_ref)
        if known is None:
            raise LettrageError(f"no customer {customer_ref!r} in company {repo.company.ref}")
        if known.kind == "consumer":
            raise LettrageError(f"customer {customer_ref} is a consumer: no penalty nor indemnity is owed for an "
                                "invoice paid late (Code civil 1231-6; Code de commerce L441-10 II)")
    policy = company_policy(repo.company)
    floor = policy.minimum_amount if minimum is None else minimum
    country = policy.country.partition("-")[0]
    try:
        company_terms = _terms(repo, settings)
    except ConfigurationError as exc:
        raise LettrageError(str(exc)) from None
    rows = late_paid_candidates(repo, start, end, customer_ref)
    ids = [invoice.id for invoice, _ in rows if invoice.id is not None]
    payments = payments_of(repo, ids)
    credited = credited_by_invoice(repo, ids)
    approved = approved_amounts(repo, ids)
    overrides = dunning_settings(repo)
    found: dict[tuple[int, str], list[LatePaidInvoice]] = {}
    customers: dict[int, Customer] = {}
    for invoice, customer in rows:
        assert invoice.id is not None and customer.id is not None
        row = overrides.get(customer.id)
        terms = customer_penalties(company_terms, row.overrides if row is not None else None, customer.ref)
        # retention money withheld (loi 71-584) falls due on its release, not on the due date: left out of the base
        owed = penalty_base(invoice.amount - credited.get(invoice.id, ZERO) - (invoice.retention_amount or ZERO),
                            approved.get(invoice.id))
        claim = _claim(invoice, customer, terms, payments.get(invoice.id, []), owed, country)
        if claim is None or not start <= claim.settled_on <= end:
            continue
        customers[customer.id] = customer
        found.setdefault((customer.id, invoice.currency), []).append(LatePaidInvoice(
            invoice.number, invoice.issued_on, invoice.currency, claim,
            tuple((d, a) for d, a in payments.get(invoice.id, []) if d <= claim.settled_on)))
    claimed = claimed_invoices(repo, [i.number for group in found.values() for i in group])
    in_proceedings = active_proceedings(repo, customers) if customers else {}
    out = []
    for (customer_id, currency), invoices in found.items():
        customer = customers[customer_id]
        row = overrides.get(customer_id)
        out.append(LatePaidCustomer(
            customer_id, customer.ref, customer.name, customer.kind, currency,
            row.language if row is not None and row.language else "fr", floor,
            tuple(LatePaidInvoice(i.number, i.issued_on, i.currency, i.claim, i.payments,
                                  *claimed.get(i.number, (None, None))) for i in invoices),
            tuple(customer.address_lines),
            in_proceedings[customer_id].kind if customer_id in in_proceedings else None))
    return LatePaidReport(start, end, floor, company_terms.mode, tuple(sorted(out, key=lambda c: (c.ref, c.currency))))


def _claim(invoice: Invoice, customer: Customer, terms: PenaltyTerms, payments: list[tuple[date, Decimal]],
           owed: Decimal, country: str) -> LatePaidClaim | None:
    try:
        return late_paid_claim(owed, invoice.due_on, payments, public=customer.kind == "public", mode=terms.mode,
                               contract_rate=terms.rate if terms.mode == "fixed" else None, rates=terms.book,
                               country=country)
    except LawError as exc:
        raise LettrageError(f"invoice {invoice.number}: {exc}") from None


@dataclass(frozen=True)
class ClaimLetter:
    """A claim letter written: its files and what it asks."""

    customer: LatePaidCustomer
    text: str
    pdf: Path
    text_path: Path
    as_of: date

    def as_json(self) -> dict[str, Any]:
        return {"customer_ref": self.customer.ref, "currency": self.customer.currency, "as_of": self.as_of.isoformat(),
                "pdf": str(self.pdf), "text": str(self.text_path),
                "invoices": [i.number for i in self.customer.to_claim], "penalties": f"{self.customer.penalties:.2f}",
                "indemnities": f"{self.customer.indemnities:.2f}", "total": f"{self.customer.total:.2f}"}


def late_paid_letter(repo: Repository, customer_ref: str, start: date, end: date, as_of: date, settings: Settings,
                     actor: str, *, currency: str | None = None, minimum: Decimal | None = None,
                     out_dir: Path | None = None) -> ClaimLetter:
    """Write the claim letter of ``customer_ref`` for its invoices settled late from ``start`` to ``end`` and not
    claimed yet (text and PDF under ``out_dir``, default ``<output_dir>/<company>/claims``), dated ``as_of``, and
    record each invoice claimed (audit ``late_paid.claimed``, by ``actor``). Nothing is sent."""
    from reminders.channels.letter import render_letter

    report = late_paid_report(repo, start, end, settings, customer_ref=customer_ref, minimum=minimum)
    groups = [c for c in report.customers if currency is None or c.currency == currency.upper()]
    if not groups:
        raise LettrageError(f"customer {customer_ref}: no invoice settled late from {start.isoformat()} to "
                            f"{end.isoformat()}{f' in {currency.upper()}' if currency else ''}")
    if len(groups) > 1:
        raise LettrageError(f"customer {customer_ref}: invoices settled late in {', '.join(c.currency for c in groups)}"
                            ": pass --currency")
    customer = groups[0]
    if customer.refused is not None:
        raise LettrageError(f"customer {customer_ref}: no claim: {customer.refused}")
    provisional = sorted({h for i in customer.to_claim for h in i.provisional})
    if provisional:
        raise LettrageError(
            f"customer {customer_ref}: no claim: the penalties use the provisional rates of {', '.join(provisional)} "
            f"(reminders/law/data): confirm them in [penalties.confirm.{provisional[0]}] of the company's settings")
    company = _company_info(repo, settings)
    text = claim_text(company, customer, as_of, settings.templates_dir)  # a deployment's own template first
    message = claim_message(company, customer, as_of, text)
    folder = out_dir if out_dir is not None else Path(settings.output_dir) / repo.company.ref / "claims"
    pdf = document_path(folder, message, ".pdf")
    text_path = pdf.with_suffix(".txt")
    try:
        write_atomically(pdf, render_letter(message))
        write_atomically(text_path, text.encode("utf-8"))
    except OSError as exc:
        raise LettrageError(f"cannot write the claim letter to {pdf}: {exc.strerror or exc}") from None
    for invoice in customer.to_claim:
        repo.audit(CLAIMED_KIND, subject=f"invoice:{invoice.number}", actor=actor, customer=customer.ref,
                   as_of=as_of, settled_on=invoice.claim.settled_on, days_late=invoice.claim.days_late,
                   penalties=invoice.claim.penalty.amount, indemnity=invoice.claim.indemnity,
                   rate=rate_in_words(invoice.claim.penalty.periods), letter=str(pdf))
    return ClaimLetter(customer, text, pdf, text_path, as_of)


def _company_info(repo: Repository, settings: Settings) -> CompanyInfo:
    """The company's block of the letter: its ``[company]`` identity, refused when a letter's mentions lack."""
    from worker.dunning.sender_identity import logo_uri, sender_identity
    from worker.invoices.invoice_files import printable_iban

    company = repo.company
    identity = sender_identity(company, settings.mail_from, companies_dir=settings.companies_dir)
    missing = identity.missing("letter", "formal_notice")  # signed, as a formal notice is
    if missing:
        raise LettrageError(f"no claim letter: the sender identity of company {company.ref} lacks "
                            f"{', '.join(f'company.{key}' for key in missing)} (set them in its TOML file's "
                            "[company] section)")
    account = next((a for a in repo.bank_accounts() if a.is_default), None) if not identity.iban else None
    return CompanyInfo(
        name=identity.name, email=identity.reply_to or identity.email,
        iban=printable_iban(identity.iban or (account.identifier if account else "")), bic=identity.bic,
        phone=identity.phone, address_lines=identity.address, legal_id=identity.siren,
        legal_form=identity.legal_form, capital=identity.capital, siren=identity.siren, rcs_city=identity.rcs_city,
        vat_number=identity.vat_number, signatory_name=identity.signatory_name,
        signatory_title=identity.signatory_title, logo=logo_uri(identity.logo))


def _customer_info(customer: LatePaidCustomer) -> CustomerInfo:
    return CustomerInfo(ref=customer.ref, name=customer.name, address_lines=customer.address_lines,
                        is_business=True, is_public=customer.kind == "public")


def claim_text(company: CompanyInfo, customer: LatePaidCustomer, as_of: date, template_dir: Path | None = None) -> str:
    """The letter's text (``late_paid_claim.txt.j2``, or ``.en.`` for an English-speaking customer)."""
    import re

    from reminders.templating import environment

    invoices = customer.to_claim
    periods = [p for i in invoices for p in i.claim.penalty.periods]
    language = customer.language if customer.language in ("fr", "en") else "fr"
    name = "late_paid_claim.txt.j2" if language == "fr" else f"late_paid_claim.{language}.txt.j2"
    numbers = " ".join(i.number for i in invoices)
    text = environment(str(template_dir) if template_dir else None).get_template(name).render(
        company=company, customer=_customer_info(customer), public=customer.kind == "public", letter=True,
        invoices=[{"number": i.number, "issued_on": i.issued_on, "due_on": i.claim.due_on,
                   "settled_on": i.claim.settled_on, "days_late": i.claim.days_late, "base": i.claim.owed,
                   "penalties": i.claim.penalty.amount, "indemnity": i.claim.indemnity,
                   "rate": rate_in_words(i.claim.penalty.periods, language)} for i in invoices],
        plural=len(invoices) > 1, penalties_total=customer.penalties, indemnities_total=customer.indemnities,
        claim_total=customer.total, currency=customer.currency, as_of=as_of, claim_days=CLAIM_DAYS,
        penalty_rate=rate_in_words(periods, language), penalty_rate_terms=rate_terms(periods, language),
        reference=f"{'PENALITES' if language == 'fr' else 'PENALTIES'} {numbers}"[:140], unallocated=[],
        netted=ZERO, language=language)
    lines = "\n".join(line.rstrip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines).strip() + "\n"


def claim_subject(customer: LatePaidCustomer) -> str:
    public = customer.kind == "public"
    if customer.language == "en":
        return (f"{'Interest on arrears' if public else 'Late-payment penalties'} and fixed recovery indemnity: "
                "invoices paid after their due date")
    return (f"{'Intérêts moratoires' if public else 'Pénalités de retard'} et indemnité forfaitaire pour frais de "
            "recouvrement : factures réglées après leur échéance")


def claim_message(company: CompanyInfo, customer: LatePaidCustomer, as_of: date, text: str) -> Message:
    """The letter as the letter channel renders it (no invoice table: the text lists the invoices)."""
    return Message(
        to=(), subject=claim_subject(customer), text=text, customer_ref=customer.ref, level=LEVEL,
        invoice_numbers=tuple(i.number for i in customer.to_claim), customer_name=customer.name,
        sender_lines=(company.name, *company.address_lines),
        legal_lines=tuple(line for line in (" — ".join((company.name, *company.address_lines)), company.mentions)
                          if line),
        recipient_lines=(customer.name, *customer.address_lines), logo=company.logo, currency=customer.currency,
        as_of=as_of, total=customer.total, language=customer.language if customer.language == "en" else "fr")


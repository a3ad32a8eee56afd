"""What a reminder says, built from the database right before it is sent, and the last check before it leaves.

:class:`ContextBuilder` loads, once per message, the invoices as they are now (payments imported or
confirmed since the plan included), the review holds, the pauses, the customer and the company, and
builds the :class:`~reminders.context.ReminderContext` the templates render: penalties and the recovery
indemnity from :mod:`reminders.law`, the invoices' PDFs to attach (or the statement of account), the earlier
exchanges.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, cast

from reminders.channels.base import Attachment, Message
from reminders.context import Company as CompanyInfo
from reminders.context import Customer as CustomerInfo
from reminders.context import HistoryLine, InvoiceLine, PenaltyLine, ReminderContext
from reminders.law import LawError, PenaltyPeriod, RateNotKnown, recovery_indemnity
from reminders.law.rates import half_year_label
from reminders.law.wording import rate_in_words, rate_terms
from reminders.model import DunningPolicy, PlannedReminder, ProfileRule, UnallocatedPayment
from reminders.netting import covered_reason, impute, unallocated_total
from reminders.page_qr import PageLink
from reminders.payment_qr import PaymentCode, payment_codes
from reminders.render import compose
from worker.db.credit_note_queries import credited_by_invoice
from worker.db.reminder_queries import (
    active_pauses,
    dunning_settings,
    formal_notices,
    paid_for,
    pauses_of,
    payments_of,
    reminders_of,
)
from worker.db.reminder_tables import CustomerDunning, ReminderOutbox
from worker.db.repository import Repository
from worker.db.tables import Customer, Invoice
from worker.dunning.dunning_queries import invoice_ids_of_customer, settings_of_customer
from worker.dunning.penalty_settings import (
    PENALTY_LEVELS,
    PenaltyTerms,
    company_penalties,
    customer_penalties,
)
from worker.dunning.retention_terms import retentions_of, with_retention
from worker.invoices.invoice_files import printable_iban
from worker.invoices.invoices import InvoiceView, settlement
from worker.invoices.payment_reference import invoice_rf

if TYPE_CHECKING:
    from worker.dunning.payment_facts import PaymentFacts
    from worker.invoices.document_sources import DocumentSources

OPEN_STATUSES = ("open", "partially_paid")
PAYMENT_CODE_CHANNELS = ("letter", "registered", "email")  # those that can show an EPC QR code
LETTER_CHANNELS = ("letter", "registered")  # paper: the customer's page as a QR code and a short address


def customer_rules_override(row: CustomerDunning | None) -> ProfileRule | None:
    """A customer's own override (skip, offsets, gap) as a profile rule, or None when it has none."""
    # penalty_mode / penalty_rate: the customer's penalty mode (worker.dunning.penalty_settings), not its ladder
    data = {k: v for k, v in (row.overrides if row is not None else {}).items() if not k.startswith("penalty_")}
    if not data:
        return None
    gap = data.get("min_days_between")
    return ProfileRule(name="override", skip=tuple(data.get("skip", ())),
                       offsets=tuple((str(k), int(v)) for k, v in dict(data.get("offsets", {})).items()),
                       min_days_between=None if gap is None else int(gap))


@dataclass
class RunShared:
    """What every message of one run reads the same, read at its first message and kept (issue 15: a message
    costs what is its own, not the company's): the company's block of the messages (name, IBAN, contact) and
    where its invoices' documents are read from. A run's company and settings do not change while it sends."""

    company: CompanyInfo | None = None
    sources: DocumentSources | None = None
    penalties: PenaltyTerms | None = None  # the company's [penalties] (worker.dunning.penalty_settings)


class ContextBuilder:
    """Data of one company loaded once; builds contexts and messages, and re-checks an outbox row."""

    def __init__(self, repo: Repository, as_of: date, mail_from: str | None, policy: DunningPolicy,
                 invoice_ids: Iterable[int], *, facts: PaymentFacts | None = None,
                 customer_id: int | None = None, shared: RunShared | None = None) -> None:
        """``facts``: the company's pending payments on ``as_of`` (holds, money not yet allocated) computed
        once for the run (worker.dunning.payment_facts), else computed here. ``customer_id``: the one
        customer the messages are for; the pauses, customer and settings read are then that customer's only.
        ``shared``: what the run's earlier messages read of the company (RunShared), filled here otherwise."""
        self.repo, self.as_of, self.mail_from, self.policy = repo, as_of, mail_from, policy
        self.shared = shared if shared is not None else RunShared()
        customer = repo.session.get(Customer, customer_id) if customer_id is not None else None
        self.views = _views(repo, invoice_ids,
                            {customer.id: customer.ref} if customer is not None and customer.id is not None else None)
        # retention money is not asked before its release (reminders.law.retention): not part of what is open
        for invoice_id, retention in retentions_of(repo, self.views).items():
            view = self.views[invoice_id]
            self.views[invoice_id] = replace(view, open=view.open - retention.not_due(view.open, as_of))
        if facts is None or facts.as_of != as_of:
            from worker.dunning.payment_facts import PaymentFacts

            facts = PaymentFacts.load(repo, as_of)
        self.holds = facts.held
        self._received: dict[int, tuple[UnallocatedPayment, ...]] | None = facts.received
        if customer_id is None:
            self.pauses = active_pauses(repo, as_of)
            self.customers = {c.id: c for c in repo.customers()}
            self.settings = dunning_settings(repo)
        else:
            self.pauses = [p for p in pauses_of(repo, customer_id) if p.lifted_at is None
                           and (p.until is None or p.until >= as_of)]
            self.customers = {customer_id: customer} if customer is not None else {}
            self.settings = settings_of_customer(repo, customer_id)
        self._payments = payments_of(repo, self.views)
        self._imputed: dict[tuple[int, str], dict[int, list[tuple[date, Decimal]]]] = {}

    def number(self, invoice_id: int) -> str:
        return self.views[invoice_id].invoice.number

    def open_amount(self, invoice_id: int) -> Decimal:
        return self.views[invoice_id].open

    def open_total(self, invoice_ids: Iterable[int]) -> Decimal:
        return sum((self.views[i].open for i in invoice_ids), Decimal(0))

    def received(self, customer_id: int, currency: str) -> tuple[UnallocatedPayment, ...]:
        """The customer's money received and not yet allocated, in ``currency`` (worker.reconciliation.unallocated)."""
        return tuple(p for p in self._all_received(customer_id) if p.currency == currency)

    def _all_received(self, customer_id: int) -> tuple[UnallocatedPayment, ...]:
        if self._received is None:
            from worker.reconciliation.unallocated import unallocated_by_customer

            self._received = unallocated_by_customer(self.repo, self.as_of)
        return self._received.get(customer_id, ())

    def imputed(self, customer_id: int, currency: str) -> dict[int, list[tuple[date, Decimal]]]:
        """Per invoice, the parts of the customer's unallocated money imputed to it now, as the planner imputes
        them (reminders.netting): over its open invoices in ``currency`` that are neither held nor paused."""
        key = (customer_id, currency)
        if key not in self._imputed:
            money = self.received(customer_id, currency)
            debts: list[tuple[int, date, str, Decimal]] = []
            if unallocated_total(money, currency) > 0:
                views = _views(self.repo, invoice_ids_of_customer(self.repo, customer_id))
                # every open invoice, held or paused ones too: still debts, as the plan imputes them
                # (reminders.netting.net_unallocated's ``others``)
                debts = [(i, v.invoice.due_on, v.invoice.number, v.open) for i, v in views.items()
                         if v.invoice.currency == currency and v.status in OPEN_STATUSES and v.open > 0]
            self._imputed[key] = impute(debts, money, currency) if debts else {}
        return self._imputed[key]

    def netted(self, customer_id: int, currency: str, invoice_ids: Iterable[int]) -> Decimal:
        """The unallocated money deducted from what a message on these invoices asks."""
        imputed = self.imputed(customer_id, currency)
        return sum((amount for i in invoice_ids for _, amount in imputed.get(i, ())), Decimal(0))

    def asked_total(self, customer_id: int, currency: str, invoice_ids: Iterable[int]) -> Decimal:
        """What a message on these invoices asks: their open amounts less the money netted, never below 0."""
        ids = list(invoice_ids)
        return max(self.open_total(ids) - self.netted(customer_id, currency, ids), Decimal(0))

    def recheck(self, row: ReminderOutbox) -> tuple[list[tuple[int, str | None]], list[str]]:
        """The row's invoices still to remind now, with the level each reaches, and why others were dropped:
        paid (in full, or so that nothing is open) since the plan, a payment awaiting review, paused, born before
        the customer's collective proceedings opened since (worker.dunning.proceedings)."""
        from worker.dunning.proceedings import holds as proceedings_holds

        keep: list[tuple[int, str | None]] = []
        dropped: list[str] = []
        advances = row.advances or [None] * len(row.invoice_ids)
        in_proceedings = proceedings_holds(self.repo, ((i, v.invoice.customer_id, v.invoice.issued_on)
                                                       for i, v in self.views.items() if i in set(row.invoice_ids)))
        for invoice_id, advance in zip(row.invoice_ids, advances, strict=False):
            view = self.views.get(invoice_id)
            if view is None:
                dropped.append(f"invoice {invoice_id} no longer exists")
                continue
            number = view.invoice.number
            if view.status not in OPEN_STATUSES or view.open <= 0:
                dropped.append(f"{number} is {view.status.replace('_', ' ')} since the plan")
            elif invoice_id in in_proceedings:
                dropped.append(f"{number}: {in_proceedings[invoice_id]}")
            elif invoice_id in self.holds:
                dropped.append(f"{number}: {self.holds[invoice_id].reason}")
            elif any(p.customer_id == view.invoice.customer_id and p.invoice_id in (None, invoice_id)
                     for p in self.pauses):
                dropped.append(f"{number} is paused")
            else:
                keep.append((invoice_id, advance))
        imputed = self.imputed(row.customer_id, row.currency)
        covered = [(i, lv) for i, lv in keep
                   if sum((a for _, a in imputed.get(i, ())), Decimal(0)) >= self.views[i].open]
        if covered:  # money received since the plan, not yet allocated, covers them
            reason = covered_reason(self.received(row.customer_id, row.currency), row.currency)
            dropped.extend(f"{self.number(i)}: {reason}" for i, _ in covered)
            keep = [entry for entry in keep if entry not in covered]
        return keep, dropped

    def context(self, customer_id: int, invoice_ids: Iterable[int], currency: str,
                level: str | None = None) -> ReminderContext:
        """``level``: penalties are computed only for the levels whose templates show them (PENALTY_LEVELS; None:
        computed); a formal notice or legal file whose penalties need a provisional rate is refused (RateNotKnown)."""
        customer = self.customers[customer_id]
        row = self.settings.get(customer_id)
        info = self._company_info()
        views = [self.views[i] for i in invoice_ids]
        lines = tuple(InvoiceLine(number=v.invoice.number, issued_on=v.invoice.issued_on, due_on=v.invoice.due_on,
                                  amount=v.invoice.amount, open_amount=v.open) for v in views)
        is_business = customer.kind != "consumer"
        is_public = customer.kind == "public"  # intérêts moratoires (Code de la commande publique L2192-13, R2192-31)
        country = self.policy.country.partition("-")[0]
        language = row.language if row is not None else "fr"
        shown = level is None or level in PENALTY_LEVELS
        penalties, periods = (self._penalties(views, customer_id, not is_business, country, language, level,
                                              public=is_public) if shown else ((), ()))
        return ReminderContext(
            company=info,
            customer=CustomerInfo(ref=customer.ref, name=customer.name, emails=tuple(customer.emails),
                                  address_lines=tuple(customer.address_lines), is_business=is_business,
                                  phone=row.phone if row is not None else "", is_public=is_public),
            invoices=lines, as_of=self.as_of, currency=currency,
            payment_reference=" ".join(v.invoice.payment_reference for v in views if v.invoice.payment_reference),
            notice_days=self.policy.notice_days, language=language, penalties=penalties,
            penalty_rate=rate_in_words(periods, language), penalty_rate_terms=rate_terms(periods, language),
            claims_penalties=shown,
            indemnity=recovery_indemnity(not is_business, country) * len(lines),
            instalments=self.policy.instalments, history=self._history(customer_id),
            unallocated=self.received(customer_id, currency),
            netted=self.netted(customer_id, currency, [v.invoice.id for v in views if v.invoice.id is not None]),
        )

    def _company_info(self) -> CompanyInfo:
        """The company's block of the messages, read once per run (RunShared): its ``[company]`` identity
        (worker.dunning.sender_identity), the default bank account's IBAN when the identity gives none."""
        if self.shared.company is None:
            from worker.dunning.sender_identity import logo_uri, sender_identity

            company = self.repo.company
            identity = sender_identity(company, self.mail_from)
            account = next((a for a in self.repo.bank_accounts() if a.is_default), None) if not identity.iban else None
            self.shared.company = CompanyInfo(
                name=identity.name, email=parseaddr(identity.reply_to or identity.email)[1],  # not "Name <a@b>"
                iban=printable_iban(identity.iban  # only a valid IBAN is printed
                                    or (account.identifier if account else "")),
                bic=identity.bic, phone=identity.phone, address_lines=identity.address,
                legal_id=str(company.settings.get("legal_id", "")) or identity.siren,
                legal_form=identity.legal_form, capital=identity.capital, siren=identity.siren,
                rcs_city=identity.rcs_city, vat_number=identity.vat_number,
                signatory_name=identity.signatory_name, signatory_title=identity.signatory_title,
                logo=logo_uri(identity.logo))
        return self.shared.company

    def payments(self, invoice_id: int) -> list[tuple[date, Decimal]]:
        """(booked on, amount settled) of the live allocations of an invoice."""
        return self._payments.get(invoice_id, [])

    def penalty_terms(self, customer_id: int) -> PenaltyTerms:
        """The customer's penalty mode: its own override, else the company's ``[penalties]`` (read once per run)."""
        from worker.errors import ConfigurationError

        try:  # a bad [penalties] key fails this message with its one line, not the whole run
            if self.shared.penalties is None:
                from worker.settings import get_settings

                company = self.repo.company
                settings = get_settings()
                self.shared.penalties = company_penalties(company.settings, company.ref, settings.companies_dir,
                                                          settings.rates_file)
            row = self.settings.get(customer_id)
            customer = self.customers.get(customer_id)
            return customer_penalties(self.shared.penalties, row.overrides if row is not None else None,
                                      customer.ref if customer is not None else str(customer_id))
        except ConfigurationError as exc:
            raise LawError(str(exc)) from None

    def _penalties(self, views: list[InvoiceView], customer_id: int, b2c: bool, country: str, language: str = "fr",
                   level: str | None = None, *, public: bool = False
                   ) -> tuple[tuple[PenaltyLine, ...], tuple[PenaltyPeriod, ...]]:
        """Late-payment penalties per invoice on ``as_of`` (reminders.law: Code de commerce L441-10 between
        businesses, in the customer's or the company's penalty mode, worker.dunning.penalty_settings; for a
        consumer, legal interest from the formal notice only, Code civil 1231-6), and every period computed (for
        the rate in words). Invoices owing nothing are left out. A formal notice or legal file (``level``) on a
        provisional rate is refused with RateNotKnown unless the company confirmed the half-year. A public body
        (``public``) owes intérêts moratoires at the ECB rate + 8 points whatever the penalty mode (R2192-31)."""
        terms = self.penalty_terms(customer_id)
        # money received not yet allocated stops penalties on the part imputed to each invoice (reminders.netting)
        imputed = self.imputed(customer_id, views[0].invoice.currency) if views else {}
        # a formal notice starts a consumer's legal interest; between businesses it changes nothing (reminders.law)
        notices = formal_notices(self.repo, (v.invoice.id for v in views if v.invoice.id is not None)) if b2c else {}
        out: list[PenaltyLine] = []
        periods: list[PenaltyPeriod] = []
        from worker.einvoices.einvoice_incoming import penalty_base
        from worker.einvoices.einvoice_incoming_queries import approved_amounts

        approved = approved_amounts(self.repo, [v.invoice.id for v in views if v.invoice.id is not None])
        retentions = retentions_of(self.repo, [v.invoice.id for v in views if v.invoice.id is not None])
        for view in views:
            invoice = view.invoice
            assert invoice.id is not None
            # on the amount less its credit notes: the sum the customer owes (and may be late with), at most what
            # the buyer approved by a 206 (the rest is disputed, not late)
            base = penalty_base(invoice.amount - view.credited, approved.get(invoice.id))
            # retention money runs from its release only (worker.dunning.retention_terms)
            result = with_retention(retentions.get(invoice.id), base, invoice.due_on, self.as_of, b2c=b2c,
                                    country=country, public=public,
                                  mode=None if b2c or public else terms.mode, rates=terms.book,
                                  contract_rate=terms.rate if terms.mode == "fixed" and not (b2c or public) else None,
                                  formal_notice_on=notices.get(invoice.id),
                                  payments=sorted([*self.payments(invoice.id), *imputed.get(invoice.id, ())]))
            if result.amount <= 0:
                continue
            if result.provisional and level in PENALTY_LEVELS:
                halves = ", ".join(sorted({half_year_label(p.start) for p in result.periods if p.provisional}))
                raise RateNotKnown(
                    f"{level} not composed: the penalties of {invoice.number} use the provisional rates of {halves} "
                    f"(reminders/law/data): confirm them in [penalties.confirm.{halves.split(', ')[0]}] of the "
                    "company's settings")
            days = sum(period.days for period in result.periods)
            periods.extend(result.periods)
            out.append(PenaltyLine(number=invoice.number, amount=result.amount, days=days,
                                   basis=f"{rate_in_words(result.periods, language)}, {result.basis}"))
        return tuple(out), tuple(periods)

    def _history(self, customer_id: int) -> tuple[HistoryLine, ...]:
        return tuple(HistoryLine(day=r.planned_on, level=r.level, channel=r.channel, outcome=r.status,
                                 proof=r.delivery or "") for r in reminders_of(self.repo, customer_id))

    def attachments(self, invoice_ids: Iterable[int], statement: bool = False,
                    language: str | None = None) -> tuple[Attachment, ...]:
        """The invoices' own PDFs (uploaded, or named by the export's ``pdf`` column: a path or a URL); when
        none has one and ``statement`` is true, the customer's statement of account instead
        (worker/documents/invoice_documents.py)."""
        from worker.documents.invoice_documents import reminder_attachments, sources_of

        # ORM invoices: _views reads them with repo.invoices_by_id (a view's invoice is a plain row only from
        # open_invoice_views)
        invoices = [cast(Invoice, self.views[i].invoice) for i in invoice_ids]
        if self.shared.sources is None and any(i.pdf for i in invoices):  # its settings file: read once per run
            self.shared.sources = sources_of(self.repo)
        customer_ids = {i.customer_id for i in invoices}
        received = self._all_received(customer_ids.pop()) if len(customer_ids) == 1 else None
        return reminder_attachments(self.repo, invoices, self.as_of, statement=statement, language=language,
                                    sources=self.shared.sources, received=received)

    def message(self, row: ReminderOutbox, planned: PlannedReminder, template_dir: Path | None) -> Message:
        """The message of ``row`` for the invoices still due (``planned``), with a Message-ID known now."""
        ids = planned.invoice_ids
        context = self.context(row.customer_id, ids, row.currency, row.level)
        from worker.dunning.customer_links import (
            reminder_link,  # the customer's page (LETTRAGE_PUBLIC_URL set)
        )
        from worker.dunning.short_links import reminder_letter_links

        paper = None
        if row.channel in LETTER_CHANNELS:  # the short address in its text, the signed link as a QR code
            paper = reminder_letter_links(self.repo, context.customer.ref, row.id, self.as_of)
            page_url = paper.short_url if paper else None
        else:
            page_url = reminder_link(self.repo, context.customer.ref, row.id, self.as_of)
        if page_url:
            context = replace(context, extra={**context.extra, "page_url": page_url})
        level = next((lv for lv in self.policy.levels if lv.code == row.level), None)
        # from the first reminder on: emails attach the invoices' PDFs (or the statement of account), letters
        # append the invoices' PDFs after their own pages
        attach = row.channel in ("email", "letter", "registered") and (level is None or level.offset_days >= 0)
        attachments = self.attachments(ids, statement=row.channel == "email",
                                       language=context.language) if attach else ()
        domain = parseaddr(self.mail_from or "")[1].rpartition("@")[2] or "lettrage.invalid"
        message_id = f"<lettrage.{self.repo.company.ref}.{row.id}.{row.attempts}@{domain}>"
        message = compose(row.level, row.channel, context, template_dir=template_dir,
                          attachments=attachments, message_id=message_id)
        codes = self.payment_codes(ids, context) if row.channel in PAYMENT_CODE_CHANNELS else ()
        if row.channel in LETTER_CHANNELS:
            return replace(message, attachments=attachments, payment_codes=codes,
                           page_link=PageLink(paper.url, paper.short_url) if paper else None)
        return replace(message, payment_codes=codes) if codes else message

    def payment_codes(self, invoice_ids: Iterable[int], context: ReminderContext) -> tuple[PaymentCode, ...]:
        """The EPC QR codes a message prints, each with its invoice's RF reference (reminders.payment_qr)."""
        owed = tuple((v.invoice.number, invoice_rf(v.invoice.number, v.invoice.payment_reference), v.open)
                     for v in (self.views[i] for i in invoice_ids))
        return payment_codes(context.company.name, context.company.iban, context.company.bic, context.currency,
                             owed, context.total)


def _views(repo: Repository, invoice_ids: Iterable[int], refs: dict[int, str] | None = None) -> dict[int, InvoiceView]:
    """These invoices as they are now: paid and open from the live allocations (as invoice_views); ``refs``:
    customers' refs the caller knows (the others are read)."""
    # a 206 received limits what is asked
    from worker.einvoices.einvoice_incoming import limit_open
    from worker.einvoices.einvoice_incoming_queries import approved_amounts

    invoices = repo.invoices_by_id(invoice_ids)
    paid = paid_for(repo, invoices)
    credited = credited_by_invoice(repo, invoices)  # credit notes allocated (reconciliation/credit_notes.py)
    missing = {invoice.customer_id for invoice in invoices.values()} - set(refs or ())
    refs = {**(refs or {}), **(repo.customer_refs(missing) if missing else {})}
    approved = approved_amounts(repo, invoices)
    views = {}
    for invoice_id, invoice in invoices.items():
        p, c = paid.get(invoice_id, Decimal(0)), credited.get(invoice_id, Decimal(0))
        status, open_amount = settlement(invoice, p, c)
        open_amount = limit_open(open_amount, p, approved.get(invoice_id))
        views[invoice_id] = InvoiceView(invoice, refs.get(invoice.customer_id, "?"), p, open_amount, status, c)
    return views

"""Which invoices a pending payment holds back from the reminders, why, and until which day.

A payment that may be for an invoice holds that invoice's reminders while a person decides, never longer than
``hold_days`` business days (company setting, default 10; weekends and the policy country's public holidays
skipped, ``reminders.calendar``) counted from the day the bank booked the payment:

- a payment awaiting review holds its candidates' invoices (those only);
- a payment to identify (unmatched) whose customer is recognised (``matching.identify``: known IBAN or SIREN,
  a quoted invoice number, an unambiguous name) holds that customer's open invoices;
- a payment whose customer is not recognised holds nothing.

After the last day the invoice is reminded again (the pending decision stays on the worklist: ``review`` or
``identify_payment``). An invoice held by several payments is held until the latest of their ends.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from matching.identify import Identifier
from reminders.calendar import add_business_days
from worker.company_setup import resolve_company
from worker.db.repository import Repository
from worker.db.review_candidates import candidate_list
from worker.reconciliation.payment_recognition import bank_line, candidate_lines, identifier
from worker.reminder_policy import company_policy
from worker.settings import get_settings

ZERO = Decimal(0)


@dataclass(frozen=True)
class Hold:
    """One invoice held back by one pending payment, until ``until`` (the last day held)."""

    invoice_id: int
    customer_id: int
    line_id: int
    kind: str  # review | identify
    cause: str  # the pending payment, in words
    until: date

    @property
    def reason(self) -> str:
        return f"{self.cause}; held until {self.until}"

    def active_on(self, day: date) -> bool:
        return day <= self.until

    def describe(self, day: date) -> str:
        """The cause, with the hold's end as seen on ``day``."""
        if self.active_on(day):
            return self.reason
        return f"{self.cause}; hold ended {self.until}: its invoices are reminded again"


def hold_days(repo: Repository) -> int:
    """The company's ``hold_days``: its TOML file's ``[matching]``, else its stored settings, else 10
    (worker.company_setup)."""
    return resolve_company(repo.company.settings, get_settings().companies_dir, repo.company.ref).hold_days


def _country(repo: Repository) -> str:
    return company_policy(repo.company).country


def hold_end(repo: Repository, booked_on: date, days: int | None = None, country: str | None = None) -> date:
    """The last day a payment booked on ``booked_on`` holds invoices: ``hold_days`` business days later."""
    days = hold_days(repo) if days is None else days
    if days == 0:
        return booked_on
    return add_business_days(booked_on, days, country or _country(repo))


def payment_holds(repo: Repository, ident: Identifier | None = None) -> list[Hold]:
    """Every hold of the company's pending payments, ended or not (the worklist shows the decisions waiting).
    ``ident``: the company's identifier when the caller built it already (worker.dunning.payment_facts)."""
    days, country = hold_days(repo), _country(repo)
    holds: list[Hold] = []
    pending = repo.review_items("pending")
    lines = repo.lines_by_id(item.line_id for item in pending)
    stored = [candidate_list(item) for item in pending]
    invoice_ids = {i for candidates in stored for c in candidates for i in c.invoice_ids}
    owners = {i: inv.customer_id for i, inv in repo.invoices_by_id(invoice_ids).items()}
    for item, candidates in zip(pending, stored, strict=True):
        line = lines.get(item.line_id)
        if line is None or line.id is None:
            continue
        until = hold_end(repo, line.booked_on, days, country)
        reason = f"payment {line.bank_ref} of {line.booked_on} ({line.amount:.2f}) awaits review"
        for invoice_id in dict.fromkeys(i for c in candidates for i in c.invoice_ids):
            if invoice_id in owners:
                holds.append(Hold(invoice_id, owners[invoice_id], line.id, "review", reason, until))
    unmatched = candidate_lines(repo, ("unmatched",))
    if unmatched:
        ident = ident or identifier(repo)
        for line in unmatched:
            assert line.id is not None
            seen = bank_line(line)  # type: ignore[arg-type]
            customer_id, why = ident.recognise(seen, ident.quoted(seen))
            if customer_id is None:
                continue
            until = hold_end(repo, line.booked_on, days, country)
            reason = (f"payment {line.bank_ref} of {line.booked_on} ({line.amount:.2f}) from this customer "
                      f"({why}) awaits identification")
            for inv in ident.by_customer.get(customer_id, ()):
                if inv.open_amount > ZERO:
                    holds.append(Hold(inv.id, customer_id, line.id, "identify", reason, until))
    return holds


def held_invoices(repo: Repository, as_of: date, holds: Iterable[Hold] | None = None) -> dict[int, Hold]:
    """Invoices that must not be reminded on ``as_of``, each with the hold that ends last (among ``holds``
    when the caller computed them already, else the company's)."""
    held: dict[int, Hold] = {}
    for hold in payment_holds(repo) if holds is None else holds:
        if not hold.active_on(as_of):
            continue
        known = held.get(hold.invoice_id)
        if known is None or hold.until > known.until:
            held[hold.invoice_id] = hold
    return held


"""Recognising who sent a payment: the company's records as the matcher (``matching.engine``,
``matching.identify``) reads them.

A statement line as the matcher's ``BankLine`` (:func:`bank_line`); the customers with what identifies them,
billing and learned IBANs, payer names learned in review, SIREN numbers (:func:`matcher_customers`); the
credits still awaiting a decision, less transfers from the company's own accounts (:func:`candidate_lines`);
and the index of every customer and invoice that recognises the sender of a pending payment
(:func:`identifier`). The matching run, the holds, the money not yet allocated and the payments to identify
all read them from here.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from matching.ibans import compact_iban, normalise_iban
from matching.identify import Identifier
from matching.model import BankLine, Customer, OpenInvoice
from worker.company_sections import company_match_config
from worker.db.repository import LineRow, Repository
from worker.db.tables import StatementLine
from worker.einvoices.einvoice_queries import sirens_by_customer
from worker.reconciliation.review_queries import aliases_by_customer

ZERO = Decimal(0)
TO_IDENTIFY = ("unmatched", "rejected")  # line states of a credit that settles nothing and awaits a decision


def bank_line(line: LineRow) -> BankLine:
    return BankLine(id=line.id, booked_on=line.booked_on, amount=line.amount, currency=line.currency,
                    counterparty=line.counterparty, counterparty_iban=line.counterparty_iban,
                    text=line.text, reference=line.reference, counterparty_siren=line.counterparty_siren,
                    charges=line.charges, instructed_currency=line.instructed_currency)


def matcher_customers(repo: Repository) -> list[Customer]:
    """The customers as the matcher sees them: billing and learned IBANs, payer names learned in review,
    and the SIREN numbers their e-invoices name (BT-47)."""
    ibans = repo.ibans_by_customer()
    aliases = aliases_by_customer(repo)
    sirens = sirens_by_customer(repo)
    return [Customer(id=cid, ref=ref, name=name, ibans=frozenset(ibans.get(cid, set())),
                     aliases=aliases.get(cid, ()), sirens=frozenset(sirens.get(cid, set())))
            for cid, ref, name in repo.customer_names()]


def candidate_lines(repo: Repository, states: Sequence[str] = TO_IDENTIFY) -> list[StatementLine]:
    """Credits in ``states``, less transfers from the company's own accounts, oldest first."""
    own = {normalise_iban(a.identifier) for a in repo.bank_accounts()} - {None}
    return [line for line in repo.lines(states=states, credits_only=True)
            if not (line.counterparty_iban and compact_iban(line.counterparty_iban) in own)]


def identifier(repo: Repository) -> Identifier:
    """The company's customers and invoices (settled ones too, cancelled ones not) as ``matching.identify`` reads them."""
    paid = repo.paid_by_invoice()
    invoices = [OpenInvoice(id=r.id, number=r.number, customer_id=r.customer_id, amount=r.amount,
                            open_amount=max(r.amount - paid.get(r.id, ZERO), ZERO) if r.status == "open" else ZERO,
                            currency=r.currency, issued_on=r.issued_on, due_on=r.due_on,
                            payment_reference=r.payment_reference)
                for r in repo.invoice_rows() if r.kind == "invoice" and r.status != "cancelled"]
    return Identifier(invoices, matcher_customers(repo), company_match_config(repo.company.settings))

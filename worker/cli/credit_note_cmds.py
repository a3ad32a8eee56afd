"""`lettrage credit-notes ...`: the credit notes and their allocations, as a person sees and decides them.

`credit-notes list` shows each credit note with what is allocated (to which invoices, why, decided by whom)
and what remains; `undo` takes one off an invoice (kept, marked; the automatic allocation does not put it
back there), `allocate` allocates one by hand (worker/reconciliation/credit_notes.py).
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

import click

from worker.access.companies import resolve_company
from worker.cli.commands import pass_app
from worker.cli.main import AppContext, cli, company_option, json_option
from worker.cli.output import console, print_json, print_table
from worker.cli.review_cmds import _actor  # a person's decision: the login that typed it
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.reconciliation import credit_notes as service


def _amount(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise click.BadParameter(f"{value!r} is not an amount", param_hint="--amount") from None
    if not amount.is_finite():
        raise click.BadParameter(f"{value!r} is not an amount", param_hint="--amount")
    return amount


@cli.group("credit-notes")
def credit_notes() -> None:
    """Credit notes: what of each is allocated to which invoice, and a person's undo and allocation."""


@credit_notes.command("list")
@click.option("--open", "only_open", is_flag=True, help="Only the credit notes with something left to allocate.")
@json_option
@company_option
@pass_app
def credit_notes_list(app: AppContext, only_open: bool, as_json: bool, company: str | None) -> None:
    """Each credit note (amounts positive): its amount, what is allocated, what remains, and its live
    allocations (invoice, amount, reasons, decided by and at)."""
    with unit_of_work(app.engine) as session:
        rows = [v.as_json() for v in service.credit_note_views(Repository(session, resolve_company(session, company)),
                                                               only_open)]
        session.rollback()  # reading only
    if as_json:
        print_json(rows)
        return
    print_table(f"Credit notes{' with something left' if only_open else ''} ({len(rows)})",
                ["credit note", "customer", "issued", "amount", "allocated", "remaining", "status"],
                [(r["number"], r["customer_ref"], r["issued_on"], f"{r['amount']} {r['currency']}", r["allocated"],
                  r["remaining"], r["status"]) for r in rows], right=["amount", "allocated", "remaining"])
    live = [(r["number"], a) for r in rows for a in r["allocations"]]
    if live:
        print_table(f"Their allocations ({len(live)})", ["credit note", "invoice", "amount", "decided by", "at", "why"],
                    [(number, a["invoice"], a["amount"], a["decided_by"], a["decided_at"][:16].replace("T", " "),
                      "; ".join(a["reasons"])) for number, a in live], right=["amount"])


def _show(done: service.CreditNoteDecided, as_json: bool) -> None:
    if as_json:
        print_json(done.as_json())
        return
    data = done.as_json()
    what = "taken off" if done.action == "undone" else "allocated to"
    console.print(f"Credit note {done.credit_note}: {data['amount']} {what} invoice {done.invoice} by {done.by}; "
                  f"{data['remaining']} left of the credit note, {data['invoice_open']} open on the invoice",
                  highlight=False)


@credit_notes.command("undo")
@click.argument("credit_note", metavar="CREDIT_NOTE")
@click.argument("invoice", metavar="INVOICE")
@click.option("--reason", required=True, help="Why the allocation is wrong (kept with it and in the audit log).")
@click.option("--by", "actor", default=None, metavar="NAME", help="Who decides (default: cli:<your login>).")
@json_option
@company_option
@pass_app
def credit_notes_undo(app: AppContext, credit_note: str, invoice: str, reason: str, actor: str | None,
                      as_json: bool, company: str | None) -> None:
    """Take CREDIT_NOTE off INVOICE: the allocation is kept, marked undone with its author and reason, and the
    automatic allocation does not put this credit note back on this invoice."""
    with unit_of_work(app.engine) as session:
        done = service.undo_allocation(Repository(session, resolve_company(session, company)), credit_note, invoice,
                                       reason, actor=actor or _actor())
    _show(done, as_json)


@credit_notes.command("allocate")
@click.argument("credit_note", metavar="CREDIT_NOTE")
@click.argument("invoice", metavar="INVOICE")
@click.option("--amount", default=None, metavar="X",
              help="How much (default: as much as the credit note's remainder and the invoice's open amount allow).")
@click.option("--by", "actor", default=None, metavar="NAME", help="Who decides (default: cli:<your login>).")
@json_option
@company_option
@pass_app
def credit_notes_allocate(app: AppContext, credit_note: str, invoice: str, amount: str | None, actor: str | None,
                          as_json: bool, company: str | None) -> None:
    """Allocate CREDIT_NOTE to INVOICE by hand (same customer and currency; not more than what is left of the
    credit note nor what is open on the invoice)."""
    value = _amount(amount)
    with unit_of_work(app.engine) as session:
        done = service.allocate_by_hand(Repository(session, resolve_company(session, company)), credit_note, invoice,
                                        value, actor=actor or _actor())
    _show(done, as_json)

"""`lettrage payments ...`: the payments to identify (credits that settle nothing), the sibling of `review list`.

`payments unidentified` lists them with the customer recognised and a proposal; `payments allocate`,
`on-account`, `refund` and `dismiss` decide one (worker/reconciliation/unidentified.py).
"""
from __future__ import annotations

import getpass
from decimal import Decimal, InvalidOperation
from typing import Any

import click

from worker.access.companies import resolve_company
from worker.cli.commands import ISO_DATE, pass_app
from worker.cli.main import AppContext, cli, company_option, json_option
from worker.cli.output import console, print_json, print_table
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.reconciliation import unidentified as service
from worker.statements.statement_checks import local_today


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@cli.group()
def payments() -> None:
    """Payments received that settle nothing yet: who sent them, and what to do with them."""


@payments.command("unidentified")
@click.option("--as-of", "as_of", type=ISO_DATE, default=None,
              help="Day the holds are seen from (YYYY-MM-DD; default today in the company's zone).")
@json_option
@company_option
@pass_app
def payments_unidentified(app: AppContext, as_of: Any, as_json: bool, company: str | None) -> None:
    """Credits matched to nothing (duplicates, unknown invoice numbers, unknown payers), with the customer
    recognised, a proposal, and the day the hold of that customer's invoices ends."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        day = as_of.date() if as_of is not None else local_today(repo.company.timezone, app.clock)
        rows = [p.as_json(day) for p in service.payments_to_identify(repo, day)]
        session.rollback()  # reading only
    if as_json:
        print_json(rows)
        return
    print_table(f"Payments to identify on {day} ({len(rows)})",
                ["line", "booked", "amount", "payer", "customer", "proposal", "held until"],
                [(r["line"], r["booked_on"], f"{r['amount']} {r['currency']}", r["counterparty"] or "",
                  r["customer_ref"] or "?", r["proposal"]["text"],
                  "" if r["held_until"] is None else r["held_until"] + ("" if r["holding"] else " (ended)"))
                 for r in rows], right=["line", "amount"])


def _parts(values: tuple[str, ...]) -> list[tuple[str, Decimal | None]]:
    parts: list[tuple[str, Decimal | None]] = []
    for value in values:
        number, sep, amount = value.partition("=")
        if not number.strip():
            raise click.BadParameter(f"{value!r}: no invoice number", param_hint="INVOICE[=AMOUNT]")
        if not sep:
            parts.append((number.strip(), None))
            continue
        try:
            parts.append((number.strip(), Decimal(amount.strip())))
        except InvalidOperation:
            raise click.BadParameter(f"{value!r}: {amount!r} is not an amount", param_hint="INVOICE[=AMOUNT]") \
                from None
    return parts


def _show(done: service.Identified, as_json: bool) -> None:
    if as_json:
        print_json(done.as_json())
        return
    what = {"allocated": f"allocated to {', '.join(done.invoices)}",
            "on_account": f"kept on account for {done.customer_ref}",
            "refund_due": f"to be refunded to {done.customer_ref}",
            "not_customer": "dismissed: not a customer payment"}[done.action]
    note = " (already decided so: nothing changed)" if done.already else ""
    console.print(f"Payment {done.line_id} ({done.bank_ref}, {done.amount:.2f}) {what}{note}", highlight=False)
    for lesson in done.learned:
        console.print(f"  learned: {lesson}", highlight=False)


@payments.command("allocate")
@click.argument("line", type=int)
@click.argument("invoices", nargs=-1, required=True, metavar="INVOICE[=AMOUNT]...")
@json_option
@company_option
@pass_app
def payments_allocate(app: AppContext, line: int, invoices: tuple[str, ...], as_json: bool,
                      company: str | None) -> None:
    """Allocate payment LINE to invoices (without =AMOUNT: as much as the payment and the invoice allow)."""
    parts = _parts(invoices)
    with unit_of_work(app.engine) as session:
        done = service.allocate(Repository(session, resolve_company(session, company)), line, parts, actor=_actor())
    _show(done, as_json)


@payments.command("on-account")
@click.argument("line", type=int)
@click.option("--customer", "customer", required=True, metavar="REF", help="The customer whose credit it is.")
@click.option("--note", default="", help="A note kept with the decision.")
@json_option
@company_option
@pass_app
def payments_on_account(app: AppContext, line: int, customer: str, note: str, as_json: bool,
                        company: str | None) -> None:
    """Keep payment LINE as the customer's credit (on account)."""
    with unit_of_work(app.engine) as session:
        done = service.keep_on_account(Repository(session, resolve_company(session, company)), line, customer,
                                       actor=_actor(), note=note)
    _show(done, as_json)


@payments.command("refund")
@click.argument("line", type=int)
@click.option("--customer", "customer", required=True, metavar="REF", help="The customer to refund.")
@click.option("--note", default="", help="A note kept with the decision.")
@json_option
@company_option
@pass_app
def payments_refund(app: AppContext, line: int, customer: str, note: str, as_json: bool, company: str | None) -> None:
    """Payment LINE is owed back to the customer (a refund to make)."""
    with unit_of_work(app.engine) as session:
        done = service.refund(Repository(session, resolve_company(session, company)), line, customer,
                              actor=_actor(), note=note)
    _show(done, as_json)


@payments.command("dismiss")
@click.argument("line", type=int)
@click.option("--reason", required=True, help="What the money is (kept in the audit log).")
@json_option
@company_option
@pass_app
def payments_dismiss(app: AppContext, line: int, reason: str, as_json: bool, company: str | None) -> None:
    """Payment LINE is not a customer's payment (a loan, a grant, a supplier's refund...)."""
    with unit_of_work(app.engine) as session:
        done = service.dismiss(Repository(session, resolve_company(session, company)), line, reason, actor=_actor())
    _show(done, as_json)

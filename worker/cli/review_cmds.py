"""Decisions on the review queue from the command line: accept, reject, assign, and undoing a match.

Registered onto the existing ``review`` and ``matches`` groups (worker/cli/commands.py).
"""
from __future__ import annotations

import getpass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import click

from worker.cli.commands import (  # the ORM's entry points, imported on first call (commands.py)
    Repository,
    matches,
    resolve_company,
    review,
    unit_of_work,
)
from worker.cli.main import AppContext, company_option, json_option, pass_app
from worker.cli.output import console, print_json

if TYPE_CHECKING:  # imported by each command: loading `review`, `matches` or `invoices` does not import it
    from worker.reconciliation import review as decisions



def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _amount(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"{value!r} is not an amount", param_hint="--amount") from None


def _show(decided: decisions.Decided, as_json: bool) -> None:
    data = {"id": decided.item_id, "state": decided.state, "invoices": list(decided.invoices),
            "allocations": list(decided.allocation_ids), "learned": list(decided.learned)}
    if as_json:
        print_json(data)
        return
    console.print(f"Review item #{decided.item_id} {decided.state}"
                  + (f": {', '.join(decided.invoices)}" if decided.invoices else ""), highlight=False)
    for lesson in decided.learned:
        console.print(f"  learned: {lesson}", highlight=False)


@review.command("accept")
@click.argument("item_id", type=int)
@click.option("--candidate", default=1, show_default=True, type=click.IntRange(min=1),
              help="Which candidate, as numbered by `review list` (1 = the best).")
@json_option
@company_option
@pass_app
def review_accept(app: AppContext, item_id: int, candidate: int, as_json: bool, company: str | None) -> None:
    """Accept a candidate of review item ITEM_ID."""
    from worker.reconciliation import review as decisions

    with unit_of_work(app.engine) as session:
        decided = decisions.accept(Repository(session, resolve_company(session, company)), item_id, candidate - 1,
                                   actor=_actor())
    _show(decided, as_json)


@review.command("reject")
@click.argument("item_id", type=int)
@json_option
@company_option
@pass_app
def review_reject(app: AppContext, item_id: int, as_json: bool, company: str | None) -> None:
    """None of the candidates: the payment stays unallocated and leaves the queue."""
    from worker.reconciliation import review as decisions

    with unit_of_work(app.engine) as session:
        decided = decisions.reject(Repository(session, resolve_company(session, company)), item_id, actor=_actor())
    _show(decided, as_json)


@review.command("assign")
@click.argument("item_id", type=int)
@click.argument("invoice")
@click.option("--amount", default=None, help="Amount to allocate (default: as much as the payment and invoice allow).")
@json_option
@company_option
@pass_app
def review_assign(app: AppContext, item_id: int, invoice: str, amount: str | None, as_json: bool,
                  company: str | None) -> None:
    """Allocate the payment of ITEM_ID to INVOICE, another invoice than the candidates."""
    from worker.reconciliation import review as decisions

    with unit_of_work(app.engine) as session:
        decided = decisions.assign(Repository(session, resolve_company(session, company)), item_id, invoice,
                                   _amount(amount), actor=_actor())
    _show(decided, as_json)


@matches.command("undo")
@click.argument("allocation_id", type=int)
@click.option("--reason", required=True, help="Why the match is wrong (kept in the audit log).")
@json_option
@company_option
@pass_app
def matches_undo(app: AppContext, allocation_id: int, reason: str, as_json: bool, company: str | None) -> None:
    """Undo allocation ALLOCATION_ID (its `id` in GET /api/allocations): the invoice is open again."""
    from worker.reconciliation import review as decisions

    with unit_of_work(app.engine) as session:
        undone = decisions.undo_allocation(Repository(session, resolve_company(session, company)), allocation_id,
                                           reason, actor=_actor())
    data = {"allocation": undone.allocation_id, "invoice": undone.invoice, "invoice_status": undone.invoice_status,
            "line_state": undone.line_state}
    if as_json:
        print_json(data)
    else:
        console.print(f"Allocation #{undone.allocation_id} undone: invoice {undone.invoice} is "
                      f"{undone.invoice_status}, the payment is {undone.line_state}", highlight=False)

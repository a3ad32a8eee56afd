"""`lettrage invoices residuals` and `lettrage invoices write-off`: what is left at or below the minimum amount."""
from __future__ import annotations

from typing import Any

import click

from worker.cli.commands import (  # the ORM's entry points, imported on first call (commands.py)
    ISO_DATE,
    Repository,
    _as_of,
    invoices,
    pass_app,
    resolve_company,
    unit_of_work,
)
from worker.cli.main import AppContext, company_option, json_option
from worker.cli.output import console, print_json, print_table
from worker.cli.review_cmds import _actor

# worker.reconciliation.residuals (it reads the dunning rules) is imported by the commands: loading the `invoices`
# group (for `invoices list`, say) imports this module.


@invoices.command("residuals")
@click.option("--as-of", "as_of", type=ISO_DATE, default=None, help="Day to list for (YYYY-MM-DD; default today).")
@json_option
@company_option
@pass_app
def invoices_residuals(app: AppContext, as_of: Any, as_json: bool, company: str | None) -> None:
    """Paid invoices with a residual at or below the minimum amount: never chased, listed for write-off."""
    from worker.reconciliation.residuals import minimum_amount, residuals

    day = _as_of(as_of)
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        found = residuals(repo, day)
        minimum = minimum_amount(repo)
    rows = [r.as_json(day) for r in found]
    if as_json:
        print_json(rows)
        return
    print_table(f"Residuals at or below {minimum:.2f} on {day} ({len(rows)}), for write-off",
                ["invoice", "customer", "amount", "paid", "open", "last payment"],
                [(r["number"], r["customer_ref"], r["amount"], r["paid"], r["open"], r["last_payment_on"] or "")
                 for r in rows], right=["amount", "paid", "open"])
    if rows:
        console.print("Write one off with: lettrage invoices write-off NUMBER --reason TEXT", highlight=False)


@invoices.command("write-off")
@click.argument("number")
@click.option("--reason", required=True, help="Why the residual is written off (kept in the audit log).")
@json_option
@company_option
@pass_app
def invoices_write_off(app: AppContext, number: str, reason: str, as_json: bool, company: str | None) -> None:
    """Write an invoice's residual (at or below the minimum amount) off as a payment difference."""
    from worker.reconciliation.residuals import write_off_residual

    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        done = write_off_residual(repo, number, reason, actor=_actor())
    row = {"number": done.number, "customer_ref": done.customer_ref, "written_off": f"{done.open:.2f}",
           "write_off_kind": "payment_difference", "last_payment_on": done.last_payment_on.isoformat()
           if done.last_payment_on else None}
    if as_json:
        print_json(row)
        return
    console.print(f"{done.number}: residual {done.open:.2f} written off as a payment difference (écart de "
                  f"règlement) on the payment of {row['last_payment_on']}", highlight=False)

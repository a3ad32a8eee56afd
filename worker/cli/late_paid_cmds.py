"""``lettrage penalties``: what customers still owe for paying late (worker/dunning/late_paid.py)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from worker.access.companies import resolve_company
from worker.cli.main import AppContext, cli, company_option, json_option, pass_app
from worker.cli.output import console, print_json, print_table
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.dunning.late_paid import late_paid_letter, late_paid_report
from worker.statements.statement_checks import local_today

ACTOR = "cli"
ISO_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _minimum(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise click.BadParameter(f"{value!r} is not an amount (e.g. 50.00)", param_hint="--minimum") from None
    if not amount.is_finite() or amount < 0:
        raise click.BadParameter(f"{value!r} is not a positive amount", param_hint="--minimum")
    return amount


@cli.group()
def penalties() -> None:
    """Late-payment penalties and indemnities still owed: claims for invoices paid late."""


@penalties.command("late-paid")
@click.option("--from", "start", type=ISO_DATE, required=True, help="First day of settlement (YYYY-MM-DD).")
@click.option("--to", "end", type=ISO_DATE, required=True, help="Last day of settlement (YYYY-MM-DD).")
@click.option("--customer", "customer_ref", default=None, help="Only this customer (REF).")
@click.option("--minimum", default=None, metavar="AMOUNT",
              help="No claim for a customer owing less (default: the dunning policy's minimum_amount).")
@json_option
@company_option
@pass_app
def late_paid(app: AppContext, start: Any, end: Any, customer_ref: str | None, minimum: str | None, as_json: bool,
              company: str | None) -> None:
    """Invoices settled late from --from to --to (business and public customers, never consumers): days late,
    base, rate, penalties and the 40 EUR indemnity each still owes (C. com. L441-10 II; CCP L2192-13)."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        report = late_paid_report(repo, start.date(), end.date(), app.settings, customer_ref=customer_ref,
                                  minimum=_minimum(minimum))
        session.rollback()
    data = report.as_json()
    if as_json:
        print_json(data)
        return
    rows = [(c["customer_ref"], i["number"], i["due_on"], i["settled_on"], i["days_late"], i["base"], i["rate"],
             i["penalties"], i["indemnity"], f"claimed {i['claimed_on']}" if i["claimed_on"] else "")
            for c in data["customers"] for i in c["invoices"]]
    print_table(f"Invoices settled late from {data['from']} to {data['to']} (penalty mode {data['penalty_mode']})",
                ["customer", "invoice", "due", "settled", "days", "base", "rate", "penalties", "indemnity", ""],
                rows, right=["days", "base", "penalties", "indemnity"])
    for c in data["customers"]:
        state = "to claim" if c["claimable"] else f"not claimed: {c['reason']}"
        console.print(f"{c['customer_ref']} ({c['kind']}): {c['total']} {c['currency']} ({c['penalties']} penalties, "
                      f"{c['indemnities']} indemnities), {state}", highlight=False)


@penalties.command("late-paid-letter")
@click.argument("customer_ref")
@click.option("--from", "start", type=ISO_DATE, required=True, help="First day of settlement (YYYY-MM-DD).")
@click.option("--to", "end", type=ISO_DATE, required=True, help="Last day of settlement (YYYY-MM-DD).")
@click.option("--currency", default=None, help="The invoices' currency, when the customer paid late in several.")
@click.option("--minimum", default=None, metavar="AMOUNT",
              help="No letter when the claim is less (default: the dunning policy's minimum_amount).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the letter (default: <output dir>/<company>/claims).")
@click.option("--as-of", "as_of", type=ISO_DATE, default=None, help="The letter's date (default: today).")
@click.option("--by", "actor", default=ACTOR, show_default=True, help="Who asks for it (kept in the audit log).")
@json_option
@company_option
@pass_app
def late_paid_letter_command(app: AppContext, customer_ref: str, start: Any, end: Any, currency: str | None,
                             minimum: str | None, out_dir: Path | None, as_of: Any, actor: str, as_json: bool,
                             company: str | None) -> None:
    """Write the claim letter (PDF and text) of customer CUSTOMER_REF for its invoices settled late and not claimed
    yet; each is recorded as claimed. Nothing is sent: the letter is left for the accountant."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        day = as_of.date() if as_of is not None else local_today(repo.company.timezone, app.clock)
        letter = late_paid_letter(repo, customer_ref, start.date(), end.date(), day, app.settings, actor,
                                  currency=currency, minimum=_minimum(minimum), out_dir=out_dir)
    data = letter.as_json()
    if as_json:
        print_json(data)
        return
    console.print(f"Claim letter for {data['customer_ref']}: {data['total']} {data['currency']} "
                  f"({len(data['invoices'])} invoices) written to {data['pdf']} and {data['text']}; not sent.",
                  highlight=False)

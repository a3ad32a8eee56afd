"""`lettrage worklist` (today's collection actions, ranked) and `lettrage customers behaviour|moves`."""
from __future__ import annotations

from typing import Any

import click

from worker.access.companies import resolve_company
from worker.cli.commands import ISO_DATE, pass_app
from worker.cli.customers_cmds import customers
from worker.cli.main import AppContext, cli, company_option, json_option
from worker.cli.output import console, print_json, print_table
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.dunning import behaviour as behaviour_service
from worker.dunning.worklist import build_worklist
from worker.statements.statement_checks import local_today

ACTOR = "cli"


@cli.command("worklist")
@click.option("--as-of", "as_of", type=ISO_DATE, default=None,
              help="Day of the work (YYYY-MM-DD; default today in the company's zone).")
@json_option
@company_option
@pass_app
def worklist(app: AppContext, as_of: Any, as_json: bool, company: str | None) -> None:
    """Today's actions, most urgent first (outstanding x days overdue x risk from payment behaviour): calls
    (with their script), letters to approve, disputes to answer, promises to pay that fell due, payments to
    review, invoices held by an e-invoicing status."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        day = as_of.date() if as_of is not None else local_today(repo.company.timezone, app.clock)
        rules = behaviour_service.company_rules(repo.company, app.settings.companies_dir)
        items = [i.as_json() for i in build_worklist(repo, day, rules, app.settings.mail_from,
                                                     app.settings.templates_dir)]
        session.rollback()  # reading only
    if as_json:
        print_json(items)
        return
    print_table(f"Worklist for {day} ({len(items)})",
                ["#", "customer", "action", "invoices", "outstanding", "days", "risk", "urgency", "why"],
                [(i["rank"], f"{i['customer_ref']} {i['customer']}", i["action"], ", ".join(i["invoices"]),
                  f"{i['outstanding']} {i['currency']}", i["days_overdue"], i["risk"], i["urgency"], i["reason"])
                 for i in items], right=["#", "outstanding", "days", "risk", "urgency"])
    for item in items:
        if item["script"]:
            console.print(f"\n[bold]#{item['rank']} call script for {item['customer_ref']}[/]\n{item['script']}")


@customers.command("behaviour")
@click.argument("ref", required=False)
@click.option("--as-of", "as_of", type=ISO_DATE, default=None,
              help="Day of the figures (YYYY-MM-DD; default today in the company's zone).")
@click.option("--apply", "apply_moves", is_flag=True,
              help="Also move the customers (REF only, when given) between dunning profiles as the figures call "
                   "for, as each sync does.")
@json_option
@company_option
@pass_app
def customers_behaviour(app: AppContext, ref: str | None, as_of: Any, apply_moves: bool, as_json: bool,
                        company: str | None) -> None:
    """Payment behaviour per customer (or of customer REF): days late weighted by amount and its trend, share
    paid late, current and highest exposure, broken promises, reminders before payment, chronic late payer, and
    the dunning profile the figures call for."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        day = as_of.date() if as_of is not None else local_today(repo.company.timezone, app.clock)
        rules = behaviour_service.company_rules(repo.company, app.settings.companies_dir)
        if ref is not None:
            behaviour_service.behaviour_rows(repo, day, rules, ref)  # an unknown customer: one line, nothing moved
        if apply_moves:
            behaviour_service.apply_profile_moves(repo, day, rules, ACTOR, ref)
            repo.flush()
        rows = behaviour_service.behaviour_rows(repo, day, rules, ref)
    if as_json:
        print_json(rows)
        return

    def days(value: str | None) -> str:
        return "n/a" if value is None else value

    print_table(f"Payment behaviour on {day} ({len(rows)})",
                ["customer", "paid", "days late", "trend", "late %", "open", "broken", "chronic", "profile"],
                [(r["customer_ref"], r["paid_invoices"], days(r["weighted_days_late"]), days(r["trend_days_late"]),
                  days(r["share_late"]), r["current_exposure"], r["broken_promises"], "yes" if r["chronic"] else "",
                  r["profile"]) for r in rows],
                right=["paid", "days late", "trend", "late %", "open", "broken"])


@customers.command("moves")
@click.argument("ref", required=False)
@json_option
@company_option
@pass_app
def customers_moves(app: AppContext, ref: str | None, as_json: bool, company: str | None) -> None:
    """The dunning profile moves made from payment behaviour (of customer REF), with their reasons."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        rows = behaviour_service.moves_json(repo, ref)
    if as_json:
        print_json(rows)
        return
    print_table(f"Profile moves ({len(rows)})", ["day", "customer", "from", "to", "by", "why"],
                [(r["moved_on"], r["customer_ref"], r["from_profile"], r["to_profile"], r["by"], "; ".join(r["reasons"]))
                 for r in rows])

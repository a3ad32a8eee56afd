"""``lettrage reports weekly``: the weekly collections report of a company, shown, written or sent (at most once)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from worker.access.companies import resolve_company
from worker.cli.main import AppContext, company_option, json_option, pass_app
from worker.cli.output import console, print_json, print_table
from worker.cli.reports_cmds import reports
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.insight.weekly_report import (
    last_complete_week,
    parse_week,
    render_report,
    report_settings,
    weekly_figures,
)
from worker.statements.statement_checks import local_today


@reports.command("weekly")
@click.option("--week", "week", metavar="YYYY-Www", default=None,
              help="ISO week reported (default: the last complete week).")
@click.option("--send", is_flag=True, help="Email it to the [weekly_report] recipients (at most once per week).")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
              help="Also write the report as a PDF to FILE.")
@json_option
@company_option
@pass_app
def weekly(app: AppContext, week: str | None, send: bool, pdf_path: Path | None, as_json: bool,
           company: str | None) -> None:
    """Cash collected, lines matched and reviewed, reminders by level and what they brought in, worst overdue
    customers, what falls due next week, DSO trend and forecast, for one ISO week."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        ref = repo.company.ref
        monday = parse_week(week) if week else last_complete_week(local_today(repo.company.timezone, app.clock))
        rs = report_settings(app.settings, ref)
        figures = weekly_figures(repo, monday, rs.currency)
    if pdf_path is not None:
        pdf_path.write_bytes(render_report(figures, rs.language, app.settings.templates_dir).pdf)
    data: dict[str, Any] = {**figures, "recipients": {k: list(v) for k, v in rs.audiences.items()}}
    if send:
        from worker.insight.weekly_report_send import send_weekly_report

        data["sent"] = [o.as_json() for o in send_weekly_report(app.engine, app.settings, ref, monday,
                                                                actor="cli")]
    if as_json:
        print_json(data)
        return
    f = figures
    console.print(f"[bold]Weekly report {f['period']}[/bold] ({f['from']} – {f['to']}), {f['company_name']}",
                  highlight=False)
    print_table(None, ["figure", "value"], [
        ("cash received", f["cash"]["received"]), ("of which applied to invoices", f["cash"]["applied"]),
        ("lines matched automatically", f["matching"]["auto_matched_lines"]),
        ("review items decided", f["matching"]["reviewed"]), ("waiting for review", f["matching"]["review_pending"]),
        ("open receivables", f["open_receivables"]), ("overdue", f["overdue"]),
        (f"due next week ({f['due_next_week']['invoices']} invoices)", f["due_next_week"]["amount"]),
        ("DSO by month", ", ".join(f"{p['month']}: {p['days'] or 'n/a'}" for p in f["dso"]["trend"])),
    ], right=["value"])
    if f["reminders"]:
        print_table("Reminders sent", ["level", "messages", "invoices", "amount", "brought in"],
                    [(r["level"], r["messages"], r["invoices"], r["amount"], r["brought_in"]) for r in f["reminders"]],
                    right=["messages", "invoices", "amount", "brought in"])
    if f["worst_overdue"]:
        print_table("Worst overdue customers", ["customer", "overdue", "oldest (days)"],
                    [(c["customer_name"] or c["customer_ref"], c["overdue"], c["oldest_days"])
                     for c in f["worst_overdue"]], right=["overdue", "oldest (days)"])
    for feed in f["bank_feeds"]:  # the worklist's renew_consent rows (worker.statements.feeds.consent_warnings)
        console.print(f"bank feed to renew: {feed['reason']} – {feed['renew']}", highlight=False)
    if f["bank_data"]:
        console.print(f"bank data stale, no reminder sent automatically: {f['bank_data']['reason']}", highlight=False)
    for outcome in data.get("sent", []):
        console.print(f"{outcome['audience']} ({', '.join(outcome['recipients'])}): {outcome['status']}"
                      + (f" – {outcome['error']}" if outcome["error"] else ""), highlight=False)
    if pdf_path is not None:
        console.print(f"PDF written to {pdf_path}", highlight=False)

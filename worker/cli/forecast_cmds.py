"""``lettrage forecast``: expected receipts for the next 13 weeks, with their range and the forecast's own error."""
from __future__ import annotations

from datetime import date
from typing import Any

import click

from worker.access.companies import resolve_company
from worker.cli.main import AppContext, cli, company_option, json_option, pass_app
from worker.cli.output import console, print_json, print_table
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.insight.forecast import forecast_json, forecast_report
from worker.statements.statement_checks import local_today


@cli.command("forecast")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Day of the forecast (YYYY-MM-DD; default today): only what was known that day counts.")
@click.option("--currency", default="EUR", show_default=True, help="Currency of the invoices forecast.")
@click.option("--no-record", "no_record", is_flag=True,
              help="Do not store this forecast as its week's snapshot (by default the first one of a week is kept).")
@json_option
@company_option
@pass_app
def forecast(app: AppContext, as_of: Any, currency: str, no_record: bool, as_json: bool, company: str | None) -> None:
    """Cash-in forecast: expected receipts per ISO week (P10-P90 range) from the open invoices and each
    customer's payment delays, and how far the stored forecasts were from what arrived (WAPE, MAPE)."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        day: date = as_of.date() if as_of is not None else local_today(repo.company.timezone, app.clock)
        report = forecast_report(repo, day, currency.upper(), record=not no_record)
    data = forecast_json(report)
    if as_json:
        print_json(data)
        return
    print_table(f"Cash-in forecast on {day} ({data['currency']}, {data['invoices']} open invoices, "
                f"{data['open_total']} open)", ["week", "expected", "low (P10)", "high (P90)"],
                [(w["week_start"], w["expected"], w["low"], w["high"]) for w in data["weeks"]],
                right=["expected", "low (P10)", "high (P90)"])
    console.print(f"After the 13 weeks or never: {data['beyond']} (of which doubtful: {data['doubtful']}); "
                  f"snapshot {'stored' if data['recorded'] else 'not stored (one exists for this week)'}.",
                  highlight=False)
    error = data["error"]
    if not error["overall"]["forecasts"]:
        console.print("No stored forecast has a week that ended yet: its error will show once one has.",
                      highlight=False)
        return
    rows = [(h["weeks_ahead"] + 1, h["forecasts"], h["expected"], h["actual"], h["wape"] or "n/a",
             h["mape"] or "n/a", h["bias"] or "n/a", h["in_range"] or "n/a")
            for h in error["horizons"] if h["forecasts"]]
    o = error["overall"]
    rows.append(("all", o["forecasts"], o["expected"], o["actual"], o["wape"] or "n/a", o["mape"] or "n/a",
                 o["bias"] or "n/a", o["in_range"] or "n/a"))
    columns = ["week ahead", "weeks judged", "expected", "arrived", "WAPE %", "MAPE %", "bias %", "in range %"]
    print_table(f"Error of the {error['snapshots']} stored forecasts", columns, rows, right=columns)

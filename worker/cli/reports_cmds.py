"""``lettrage reports``: aged balance, DSO and reminder effectiveness, read-only (tables, JSON, CSV, PNG)."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.table import Table

from worker.access.companies import resolve_company
from worker.cli.main import AppContext, cli, company_option, current_app, json_option, pass_app
from worker.cli.output import console, err_console, print_json
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.insight import reports as report_service

ISO_DATE = click.DateTime(formats=["%Y-%m-%d"])
OUT_FILE = click.Path(dir_okay=False, writable=True, path_type=Path)


def _print_table(title: str, columns: list[str], rows: list[tuple[Any, ...]], first_numeric: int) -> None:
    """A compact table: figures right-aligned and never cut, text columns shortened first."""
    cells = [tuple("" if v is None else str(v) for v in row) for row in rows]
    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    for index, name in enumerate(columns):
        widest = max([len(name), *(len(row[index]) for row in cells)])
        if index >= first_numeric:
            table.add_column(name, justify="right", no_wrap=True, min_width=widest)
        else:
            table.add_column(name, overflow="ellipsis", no_wrap=True, min_width=min(widest, 16), max_width=28)
    for row in cells:
        table.add_row(*row)
    console.print(table)


def _day(value: Any) -> date:
    """The ``--as-of`` given, else today by the deployment's clock (``LETTRAGE_NOW`` fixes it)."""
    if value is not None:
        return value.date()
    return current_app().today()


def _as_of_option(fn: Any) -> Any:
    return click.option("--as-of", "as_of", type=ISO_DATE, default=None,
                        help="Day of the report (YYYY-MM-DD; default today).")(fn)


@cli.group()
def reports() -> None:
    """Receivables reports: aged balance, DSO, what the reminders achieved (read-only)."""


@reports.command("aged-balance")
@_as_of_option
@click.option("--csv", "csv_path", type=OUT_FILE, default=None, help="Also write the table as CSV to FILE.")
@click.option("--png", "png_path", type=OUT_FILE, default=None, help="Also draw it as a PNG chart to FILE.")
@json_option
@company_option
@pass_app
def aged_balance(app: AppContext, as_of: Any, csv_path: Path | None, png_path: Path | None, as_json: bool,
                 company: str | None) -> None:
    """Open amounts per customer and in total: not yet due, 1–30, 31–60, 61–90, over 90 days past due."""
    day = _day(as_of)
    with unit_of_work(app.engine) as session:
        report = report_service.aged_balance_report(Repository(session, resolve_company(session, company)), day)
    if csv_path is not None:
        report_service.write_aged_balance_csv(report, csv_path)
    if png_path is not None:
        report_service.write_aged_balance_png(report, png_path)
    data = report_service.aged_balance_json(report)
    if as_json:
        print_json(data)
    else:
        several = len(data["totals"]) > 1
        named = console.width >= 110  # the customer's name when the terminal has room for it
        columns = ["customer", *(["name"] if named else []), *(["cur"] if several else []), "not due", "1-30",
                   "31-60", "61-90", "90+", "total", "inv."]
        rows = [(c["customer_ref"], *([c["customer_name"]] if named else []), *([c["currency"]] if several else []),
                 *(c[b] for b in data["buckets"]), c["total"], c["invoices"]) for c in data["customers"]]
        rows += [("TOTAL", *([""] if named else []), *([t["currency"]] if several else []),
                  *(t[b] for b in data["buckets"]), t["total"], t["invoices"]) for t in data["totals"]]
        currency = "" if several or not data["totals"] else f", {data['totals'][0]['currency']}"
        _print_table(f"Aged balance on {day} ({len(data['customers'])} customers{currency})", columns, rows,
                     first_numeric=1 + named + several)
    for label, path in (("CSV", csv_path), ("PNG", png_path)):
        if path is not None:
            (err_console if as_json else console).print(f"{label} written to {path}", highlight=False)


@reports.command("dso")
@_as_of_option
@click.option("--days", "period_days", type=click.IntRange(min=1), default=90, show_default=True,
              help="Length of the sales period ending on the day.")
@click.option("--currency", default="EUR", show_default=True, help="Currency of the invoices counted.")
@json_option
@company_option
@pass_app
def dso(app: AppContext, as_of: Any, period_days: int, currency: str, as_json: bool, company: str | None) -> None:
    """Days sales outstanding: receivables on the day / sales of the period x its days."""
    day = _day(as_of)
    with unit_of_work(app.engine) as session:
        result = report_service.dso_report(Repository(session, resolve_company(session, company)), day,
                                           period_days, currency.upper())
    data = report_service.dso_json(result)
    if as_json:
        print_json(data)
        return
    _print_table(f"DSO on {day} over {period_days} days ({data['currency']})",
                 ["receivables", "of which overdue", "sales of the period", "DSO (days)"],
                 [(data["receivables"], data["overdue"], data["sales"], data["dso_days"] or "n/a (no sales)")],
                 first_numeric=0)


@reports.command("reminders")
@_as_of_option
@click.option("--window", "window_days", type=click.IntRange(min=0), default=15, show_default=True,
              help="Days after a reminder within which a payment counts for it.")
@json_option
@company_option
@pass_app
def reminders(app: AppContext, as_of: Any, window_days: int, as_json: bool, company: str | None) -> None:
    """Reminders sent per level, and how many of their invoices were paid in full within 15 days."""
    day = _day(as_of)
    with unit_of_work(app.engine) as session:
        effects = report_service.reminders_report(Repository(session, resolve_company(session, company)), day,
                                                  window_days)
    data = report_service.reminders_json(effects, day, window_days)
    if as_json:
        print_json(data)
        return
    columns = ["level", "sent", "inv.", "amount", f"paid ≤{window_days}d", "waiting", "before", "rate"]
    _print_table(f"Reminders up to {day}: paid in full within {window_days} days", columns,
                 [(r["level"], r["messages"], r["invoices"], r["amount"], r["paid_within_window"],
                   r["still_in_window"], r["paid_before"], f"{r['paid_rate']} %" if r["paid_rate"] else "n/a")
                  for r in data["levels"]], first_numeric=1)


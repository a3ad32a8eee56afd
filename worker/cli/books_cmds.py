"""``lettrage books``: the accounting entries made from the decisions, exported for the accountant (issue 20)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from worker.access.companies import resolve_company
from worker.books.books_export import export_books
from worker.cli.main import AppContext, cli, company_option, json_option, pass_app
from worker.cli.output import console, print_json
from worker.company_setup import resolve_company as resolved_configuration
from worker.db.repository import Repository
from worker.db.uow import unit_of_work

ISO_DATE = click.DateTime(formats=["%Y-%m-%d"])


@cli.group()
def books() -> None:
    """The books: entries and letter codes of every settlement, exported for the accountant (FEC)."""


@books.command("export")
@click.option("--from", "start", type=ISO_DATE, required=True, help="First day of the period (YYYY-MM-DD).")
@click.option("--to", "end", type=ISO_DATE, required=True, help="Last day of the period (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["fec"]), default="fec", show_default=True,
              help="File format: fec (LPF art. A47 A-1).")
@click.option("--separator", type=click.Choice(["tab", "pipe"]), default="tab", show_default=True,
              help="FEC column separator.")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="File written.")
@json_option
@company_option
@pass_app
def books_export(app: AppContext, start: datetime, end: datetime, fmt: str, separator: str, out: Path,
                 as_json: bool, company: str | None) -> None:
    """Export the entries of a period (new ones, and reversals of decisions undone since the last export),
    lettered, checked by the FEC checker; the same period exported twice gives the same file."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        chart = resolved_configuration(repo.company.settings, app.settings.companies_dir, repo.company.ref).books
        result = export_books(repo, chart, start.date(), end.date(), fmt=fmt, separator=separator, actor="cli",
                              now=app.clock.now())
        out.write_bytes(result.data)
    if as_json:
        print_json(result.as_json(str(out)))
        return
    console.print(f"{out}: {result.entries} entries ({result.new_entries} new, {result.reversals} reversals), "
                  f"{result.lines} lines, debit {result.debit} = credit {result.credit}; "
                  f"{result.lettered} invoices lettered, {result.partly_lettered} partly; "
                  f"on the suspense account {result.suspense}", highlight=False)

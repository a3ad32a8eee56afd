"""``lettrage books``: the accounting entries made from the decisions, exported for the accountant (issue 20)."""
from __future__ import annotations

import getpass
from datetime import datetime
from pathlib import Path

import click

from worker.access.companies import resolve_company
from worker.books.books_export import export_books
from worker.books.formats import FORMATS
from worker.books.report import books_report
from worker.cli.main import AppContext, cli, company_option, json_option, pass_app
from worker.cli.output import console, print_json
from worker.company_setup import resolve_company as resolved_configuration
from worker.db.repository import Repository
from worker.db.uow import unit_of_work

ISO_DATE = click.DateTime(formats=["%Y-%m-%d"])
SHOWN = 30  # the suspense lines and bank gaps a report prints (--json: all)


@cli.group()
def books() -> None:
    """The books: entries and letter codes of every settlement, exported for the accountant (FEC, Sage, EBP)."""


def _actor() -> str:
    """``cli:<login>``: the person at the terminal, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@books.command("export")
@click.option("--from", "start", type=ISO_DATE, required=True, help="First day of the period (YYYY-MM-DD).")
@click.option("--to", "end", type=ISO_DATE, required=True, help="Last day of the period (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="fec", show_default=True,
              help="File format: fec (LPF art. A47 A-1), sage (Sage 100's PNM import), ebp (EBP's ASCII import).")
@click.option("--separator", type=click.Choice(["tab", "pipe"]), default="tab", show_default=True,
              help="FEC column separator (the native formats have their own).")
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
        result = export_books(repo, chart, start.date(), end.date(), fmt=fmt, separator=separator, actor=_actor(),
                              now=app.clock.now(), destination=str(out))
        out.write_bytes(result.data)
    if as_json:
        print_json(result.as_json(str(out)))
        return
    console.print(f"{out}: {result.entries} entries ({result.new_entries} new, {result.reversals} reversals), "
                  f"{result.lines} lines, debit {result.debit} = credit {result.credit}; "
                  f"{result.lettered} invoices lettered, {result.partly_lettered} partly; "
                  f"on the suspense account {result.suspense}", highlight=False)


@books.command("report")
@click.option("--from", "start", type=ISO_DATE, required=True, help="First day of the period (YYYY-MM-DD).")
@click.option("--to", "end", type=ISO_DATE, required=True, help="Last day of the period (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="fec", show_default=True,
              help="Whose exports the period's file is read against (each format keeps its own).")
@json_option
@company_option
@pass_app
def books_report_cmd(app: AppContext, start: datetime, end: datetime, fmt: str, as_json: bool,
                     company: str | None) -> None:
    """The reconciliation report of a period: bank lines, entries, totals per account, what is left on the
    suspense account (471) with its bank line, and the check that the bank accounts' entries add up to the
    bank lines. Writes and records nothing."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        chart = resolved_configuration(repo.company.settings, app.settings.companies_dir, repo.company.ref).books
        report = books_report(repo, chart, start.date(), end.date(), fmt)
    if as_json:
        print_json(report.as_json())
        return
    def out(text: str) -> None:
        console.print(text, highlight=False, soft_wrap=True)

    out(f"Books {report.start} to {report.end} ({report.format}): {report.receipts} receipts for "
        f"{report.receipts_total}, {report.transfers} transfers between own accounts, {report.debits} debits")
    out(f"Entries: {report.entries} ({report.new_entries} not yet exported, {report.reversals} reversals), "
        f"{report.lines} lines, debit {report.debit} = credit {report.credit}; by journal "
        + (", ".join(f"{j} {n}" for j, n in report.by_journal.items()) or "none"))
    out(f"  {'account':<12} {'label':<32} {'debit':>15} {'credit':>15} {'balance':>15}")
    for a in report.accounts:
        out(f"  {a.account:<12} {a.label[:32]:<32} {a.debit:>15} {a.credit:>15} {a.balance:>15}")
    out(f"On the suspense account at {report.end}: {report.suspense_total} ({len(report.suspense)} bank lines)")
    for s in report.suspense[:SHOWN]:
        out(f"  {s.bank_ref} {s.booked_on or ''} {s.amount or ''} {s.counterparty}: {s.balance}")
    verdict = "equal" if report.bank_ok else "NOT equal"
    out(f"Bank check: bank journals {report.bank_journal_total}, bank lines {report.receipts_total}: {verdict}")
    for g in report.gaps[:SHOWN]:
        out(f"  {g.bank_ref}: line {g.amount}, booked {g.booked}")
    hidden = max(len(report.suspense) - SHOWN, 0) + max(len(report.gaps) - SHOWN, 0)
    if hidden:
        out(f"({hidden} more lines not shown: --json lists them all)")

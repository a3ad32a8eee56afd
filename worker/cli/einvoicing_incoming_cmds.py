"""``lettrage einvoicing statuses import FILE...``: lifecycle statuses from buyers, as CDAR files from the platform.

All the files in one transaction: a file that cannot be taken (official XSD, fatal BR-FR-CDV rule, unknown
invoice) is refused with one line naming it and nothing is written; a status already received adds nothing.
What each status does to reminders is in worker/einvoices/einvoice_incoming.py.
"""
from __future__ import annotations

import click
from sqlalchemy.exc import IntegrityError

from worker.access.companies import resolve_company
from worker.cli.commands import _read
from worker.cli.einvoicing_cmds import pass_app, statuses
from worker.cli.main import AppContext, company_option, json_option
from worker.cli.output import console, print_json, print_table
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.einvoices.einvoice_incoming import import_status_files

ACTOR = "cli"


@statuses.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@json_option
@company_option
@pass_app
def statuses_import(app: AppContext, files: tuple[str, ...], as_json: bool, company: str | None) -> None:
    """Import lifecycle statuses (CDAR files) the buyers set on the company's invoices: 207/208 pause the
    invoice's reminders, 205 lifts that pause, 206 limits them to the approved amount, 210/213 stop them
    and tell the billing tool, 211 postpones them by the announced-payment delay."""
    data = [(path, _read(path)) for path in files]
    for attempt in (1, 2):  # a concurrent import of the same statuses (unique message id): the retry skips them
        try:
            with unit_of_work(app.engine) as session:
                repo = Repository(session, resolve_company(session, company))
                report = import_status_files(repo, data, app.settings, actor=ACTOR)
            break
        except IntegrityError:
            if attempt == 2:
                raise
    if as_json:
        print_json({"received": report.received, "unchanged": report.unchanged,
                    "statuses": [s.as_json() for s in report.statuses]})
        return
    print_table(f"Statuses received: {report.received} new, {report.unchanged} already known",
                ["invoice", "code", "label", "at", "", "effect"],
                [(s.invoice, s.code, s.label, s.at.strftime("%Y-%m-%d %H:%M"), "new" if s.new else "known", s.effect)
                 for s in report.statuses])
    if not report.statuses:
        console.print("No status in these files.")

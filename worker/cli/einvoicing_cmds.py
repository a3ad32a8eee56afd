"""``lettrage einvoicing``: the e-invoicing reform's lifecycle statuses (212 « Encaissée » sent to the company's
platform, statuses received from buyers), their delivery or export to a folder, and the payment e-reporting.

The group is created here; ``statuses`` is a sub-group other modules add commands to (``statuses import``
lives in worker/cli/einvoicing_incoming_cmds.py).

``statuses list --json``: ``[{invoice, code, label, direction, at, state}]``; ``direction`` is ``sent`` or
``received``; ``state`` is ``pending`` (also while being sent), ``delivered`` (a received status counts as
delivered) or ``failed``.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from worker.access.companies import resolve_company
from worker.cli.main import AppContext, cli, company_option, json_option, pass_app
from worker.cli.output import console, print_json, print_table
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.einvoices import einvoice_status_queries as q
from worker.einvoices.einvoice_outgoing import produce_payment_statuses

# The contract's three states: a status being sent is still pending, a received one is delivered.
PUBLIC_STATE = {"pending": "pending", "sending": "pending", "delivered": "delivered", "failed": "failed",
                "received": "delivered"}


@cli.group()
def einvoicing() -> None:
    """E-invoicing reform: lifecycle statuses (sent and received), their delivery, payment e-reporting."""


@einvoicing.group()
def statuses() -> None:
    """Lifecycle statuses of invoices: sent to the platform (212 « Encaissée ») and received from buyers."""


def _produce(app: AppContext, company: str | None) -> Any:
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        return produce_payment_statuses(repo, app.settings.companies_dir, actor="cli")


@statuses.command("list")
@click.option("--invoice", default=None, metavar="NUMBER", help="Only this invoice's statuses.")
@click.option("--direction", type=click.Choice(["sent", "received"]), default=None, help="Only sent or received.")
@json_option
@company_option
@pass_app
def statuses_list(app: AppContext, invoice: str | None, direction: str | None, as_json: bool,
                  company: str | None) -> None:
    """Every lifecycle status, sent and received, in the order they took effect."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        rows = q.statuses(repo, direction, invoice)
    data = [{"invoice": s.invoice_number, "code": s.code, "label": s.label, "direction": s.direction,
             "at": s.at.isoformat(), "state": PUBLIC_STATE.get(s.state, s.state)} for s in rows]
    if as_json:
        print_json(data)
        return
    if not rows:
        console.print("No lifecycle status yet.")
        return
    print_table(None, ["invoice", "status", "direction", "on", "state", "amount"],
                [(s.invoice_number, f"{s.code} {s.label}", s.direction, s.at.date().isoformat(),
                  PUBLIC_STATE.get(s.state, s.state), s.amount) for s in rows], right=["amount"])


@statuses.command("retry")
@click.argument("message_ids", nargs=-1)
@click.option("--all-failed", "all_failed", is_flag=True, help="Every failed status of the company.")
@json_option
@company_option
@pass_app
def statuses_retry(app: AppContext, message_ids: tuple[str, ...], all_failed: bool, as_json: bool,
                   company: str | None) -> None:
    """Put failed sent statuses back in the outbox (same message id), once their cause is fixed."""
    import getpass

    from worker.db.tables import utcnow

    if not message_ids and not all_failed:
        raise click.UsageError("name the message ids to send again, or --all-failed")
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        found = q.retry_failed(repo, None if all_failed else message_ids, utcnow())
        for status in found:
            repo.audit("einvoice.status_requeued", subject=f"invoice:{status.invoice_number}",
                       actor=f"cli:{getpass.getuser()}", message_id=status.message_id, attempts=status.attempts)
    requeued = [s.message_id for s in found]
    missing = [m for m in message_ids if m not in requeued]
    if as_json:
        print_json({"requeued": requeued, "not_failed": missing})
    else:
        console.print(f"{len(requeued)} status(es) back in the outbox; the next `send` or sync sends them."
                      + (f" Not failed (or unknown): {', '.join(missing)}" if missing else ""), highlight=False)


def _show_delivery(produced: Any, delivered: Any, as_json: bool, where: str) -> None:
    if as_json:
        print_json({"produced": produced.as_json(), **delivered.as_json()})
        return
    made = len(produced.created) + len(produced.corrections)
    console.print(f"{made} new status message(s) ({len(produced.corrections)} correction(s)); "
                  f"{len(delivered.delivered)} delivered {where}, {len(delivered.retrying)} to retry, "
                  f"{len(delivered.failed)} failed.", highlight=False)
    for problem in produced.problems:
        console.print(f"  not produced: {problem}", highlight=False)
    for error in delivered.errors:
        console.print(f"  note: {error}", highlight=False)


@einvoicing.command("send")
@click.option("--stuck-after", "stuck_after", type=click.IntRange(min=0), default=300, show_default=True,
              metavar="SECONDS", help="Send again a status whose sender died this long ago (same message id).")
@json_option
@company_option
@pass_app
def send(app: AppContext, stuck_after: int, as_json: bool, company: str | None) -> None:
    """Make the missing 212 « Encaissée » messages and send the due ones to the company's platform."""
    from worker.einvoices.pa_delivery import deliver_statuses

    produced = _produce(app, company)
    delivered = deliver_statuses(app.engine, app.settings.companies_dir, company,
                                 stuck_after=timedelta(seconds=stuck_after))
    _show_delivery(produced, delivered, as_json, "to the platform")


@einvoicing.command("export")
@click.option("--to", "folder", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder the billing tool picks the status messages up from.")
@click.option("--stuck-after", "stuck_after", type=click.IntRange(min=0), default=300, show_default=True,
              metavar="SECONDS", help="Write again a status whose writer died this long ago.")
@json_option
@company_option
@pass_app
def export(app: AppContext, folder: Path, stuck_after: int, as_json: bool, company: str | None) -> None:
    """Write each pending status message as <message id>.xml into a folder, for a billing tool that submits
    them itself; each is then marked delivered."""
    from worker.einvoices.pa_delivery import export_statuses

    produced = _produce(app, company)
    delivered = export_statuses(app.engine, company, folder, stuck_after=timedelta(seconds=stuck_after))
    _show_delivery(produced, delivered, as_json, f"to {folder}")


@einvoicing.command("ereporting")
@click.option("--period", required=True, metavar="YYYY-MM", help="First month of the period (monthly by default).")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
              help="Write the XML report to FILE (otherwise to stdout, or with --json only a preview).")
@json_option
@company_option
@pass_app
def ereporting(app: AppContext, period: str, out: Path | None, as_json: bool, company: str | None) -> None:
    """The payment e-reporting of a period (flow 10.2 and 10.4): consumer and international receipts with VAT
    on receipt, per day and VAT rate; writing it records it as issued (a changed period is issued again as a
    corrective report)."""
    import sys

    from reminders.channels.base import write_atomically
    from worker.einvoices.einvoice_ereporting import payment_report

    issue = out is not None or not as_json
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        report = payment_report(repo, app.settings.companies_dir, period, issue=issue, actor="cli")
        if out is not None and report.xml is not None:
            write_atomically(out, report.xml)
    if as_json:
        print_json(report.as_json(period))
    elif out is None:
        sys.stdout.buffer.write(report.xml or b"")
        sys.stdout.flush()
    else:
        data = report.as_json(period)
        console.print(f"{data['type']} report {data['report_id']} for {data['start']}…{data['end']} written to "
                      f"{out}" + (" (corrects " + str(data["corrects"]) + ")" if data["corrects"] else ""),
                      highlight=False)
        print_table(None, ["rate", "amount"], list(report.report.totals().items()), right=["amount"])
        for problem in report.problems:
            console.print(f"  note: {problem}", highlight=False)


@einvoicing.command("rules")
@json_option
@company_option
@pass_app
def rules(app: AppContext, as_json: bool, company: str | None) -> None:
    """The official validation artefacts in use: the FNFE-MPE release shipped with lettrage, or the folder
    LETTRAGE_EINVOICING_RULES_DIR names instead; its version, license and any artefact missing."""
    from einvoicing.rules_release import describe

    release = describe(app.settings.einvoicing_rules_dir)
    if as_json:
        print_json(release.as_json())
        return
    console.print(f"{release.source}: FNFE-MPE release {release.version or 'of unknown version'}"
                  f"{f' ({release.date})' if release.date else ''}, {release.license or 'license not found'}, "
                  f"{release.path}", highlight=False, soft_wrap=True)
    for name in release.missing:
        console.print(f"missing: {name}", highlight=False, soft_wrap=True)

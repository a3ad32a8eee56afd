"""`lettrage invoices duplicate` (a DUPLICATA of an invoice, written or emailed once per request) and
`lettrage reminders effectiveness` (share paid within 7 and 15 days and median days to payment per level)."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.table import Table

from worker.cli.commands import (  # the ORM's entry points, imported on first call (commands.py)
    ISO_DATE,
    Repository,
    _as_of,
    invoices,
    pass_app,
    reminders,
    resolve_company,
    unit_of_work,
)
from worker.cli.main import AppContext, company_option, json_option
from worker.cli.output import console, err_console, print_json
from worker.errors import LettrageError

# The duplicates' PDF tools and the effectiveness figures are imported by their commands: loading the
# `invoices` and `reminders` groups (for `invoices list`, say) imports this module.

ACTOR = "cli"


@invoices.command("duplicate")
@click.argument("number")
@click.option("--send", "send", is_flag=True, help="Email it to the customer (at most once per request key).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the PDF to PATH (default without --send: <output dir>/<company>/duplicates/).")
@click.option("--request-key", "request_key", default=None, metavar="KEY",
              help="The customer's request (default: the day): a request is emailed once, however often asked.")
@click.option("--as-of", "as_of", type=ISO_DATE, default=None, help="Day of the duplicate (default today).")
@click.option("--by", "actor", default=ACTOR, show_default=True, help="Who asks for it (kept in the audit log).")
@json_option
@company_option
@pass_app
def invoices_duplicate(app: AppContext, number: str, send: bool, out: Path | None, request_key: str | None,
                       as_of: Any, actor: str, as_json: bool, company: str | None) -> None:
    """A duplicate of invoice NUMBER, marked DUPLICATA on every page: its own PDF when lettrage has it, else
    generated from its e-invoice data with an invoice's mandatory mentions (refused, saying what is missing, when
    the data lack one). Written to a file, or with --send emailed to the customer."""
    from worker.documents.invoice_documents import stored_name
    from worker.documents.invoice_duplicates import check_request_key, send_duplicate, write_duplicate

    day = _as_of(as_of)
    key = check_request_key(request_key or day.isoformat())
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        ref = repo.company.ref
        path = out
        if path is None and not send:
            path = Path(app.settings.output_dir) / ref / "duplicates" / stored_name(number).replace(
                ".pdf", "-DUPLICATA.pdf")
        duplicate = write_duplicate(repo, number, day, path, actor) if path is not None else None
    data: dict[str, Any] = {"number": number, "customer_ref": duplicate.customer_ref if duplicate else None,
                            "source": duplicate.source if duplicate else None,
                            "path": str(path) if path is not None else None, "status": "written",
                            "detail": f"written to {path}" if path is not None else "", "request_key": None,
                            "message_id": None, "to": []}
    if send:
        from reminders.channels import UnconfiguredChannel, all_channels

        s = app.settings
        channel = all_channels(s.smtp_url, s.mail_from, Path(s.output_dir) / ref, reply_to=s.reply_to)["email"]
        if isinstance(channel, UnconfiguredChannel):
            raise LettrageError(channel.reason)
        result = send_duplicate(app.engine, ref, number, key, channel, day, s.mail_from, actor,
                                template_dir=s.templates_dir)
        data.update({k: v for k, v in result.as_json().items() if v is not None or k not in data})
        if path is not None:
            data["detail"] = f"{result.detail}; written to {path}"
    if as_json:
        print_json(data)
    else:
        origin = {"regenerated": "generated from the invoice's e-invoice data (no original PDF)"}.get(
            str(data["source"]), f"the original PDF ({data['source']}) stamped")
        console.print(f"Duplicate of {number} ({data['customer_ref']}): {data['status']}, {data['detail']}"
                      + (f" — {origin}" if data["source"] else ""), highlight=False, soft_wrap=True)
    if data["status"] == "failed":
        err_console.print(f"error: {data['detail']}", highlight=False, soft_wrap=True)
        raise SystemExit(1)


def _day(value: Any) -> date | None:
    return value.date() if value is not None else None


@reminders.command("effectiveness")
@click.option("--as-of", "as_of", type=ISO_DATE, default=None, help="Day of the figures (default today).")
@click.option("--since", "since", type=ISO_DATE, default=None,
              help="Only reminders sent on or after this day (default: all).")
@json_option
@company_option
@pass_app
def reminders_effectiveness(app: AppContext, as_of: Any, since: Any, as_json: bool, company: str | None) -> None:
    """Per reminder level: invoices reminded, share paid within 7 and 15 days after it, median days to payment."""
    from worker.insight.effectiveness import effectiveness_json, reminder_effectiveness

    day = _as_of(as_of)
    start = _day(since)
    if start is not None and start > day:
        raise click.UsageError(f"--since {start} is after --as-of {day}")
    with unit_of_work(app.engine) as session:
        levels = reminder_effectiveness(Repository(session, resolve_company(session, company)), day, start)
    data = effectiveness_json(levels, day, start)
    if as_json:
        print_json(data)
        return
    period = f"{start} to {day}" if start else f"up to {day}"
    table = Table(title=f"Reminder effectiveness, reminders {period}", box=box.SIMPLE_HEAD, header_style="bold",
                  pad_edge=False)
    table.add_column("level", no_wrap=True, overflow="ellipsis", max_width=18)
    for name in ("inv.", "paid ≤7d", "paid ≤15d", "median d", "unpaid", "before"):
        table.add_column(name, justify="right", no_wrap=True)
    for r in data["levels"]:
        table.add_row(r["level"], str(r["invoices"]),
                      _share(r["share_paid_7_days"], r["paid_within_7_days"], r["judged_7_days"]),
                      _share(r["share_paid_15_days"], r["paid_within_15_days"], r["judged_15_days"]),
                      r["median_days_to_payment"] or "n/a", str(r["unpaid"]), str(r["paid_before"]))
    console.print(table)
    if not data["levels"]:
        console.print("No reminder was sent in the period.")


def _share(percent: str | None, part: int, whole: int) -> str:
    return f"{percent} % ({part}/{whole})" if percent is not None else "n/a"

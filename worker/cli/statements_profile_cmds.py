"""``lettrage statements profile FILE``: what the CSV layout detector reads in a bank's export, and its profile
written into the company's configuration (``--write``)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from connectors.csv_detect import Detection, detect_layout, rows_for
from worker.cli.commands import statements
from worker.cli.main import AppContext, company_option, json_option, pass_app
from worker.cli.output import console, err_console, print_json, print_table
from worker.errors import LettrageError

_ROLES = ("date", "value", "amount", "debit", "credit", "counterparty", "cp_iban", "account", "reference",
          "bank_ref", "currency", "status")


def _as_json(det: Detection, toml: str | None, written: dict[str, str | None] | None) -> dict[str, Any]:
    return {
        "file": det.filename, "sure": det.sure, "confidence": det.confidence, "encoding": det.encoding,
        "delimiter": det.delimiter, "header_line": det.header_line, "data_line": det.data_line,
        "columns": {role: det.name(role) for role in _ROLES if role in det.columns},
        "labels": [det.names[i] for i in det.labels], "date_format": det.date_format,
        "value_date_format": det.value_format, "decimal": det.decimal, "thousands": det.thousands,
        "debit_positive": det.debit_positive, "reasons": list(det.reasons), "ambiguities": list(det.ambiguities),
        "rows": rows_for(det), "profile_toml": toml, "written": written,
    }


def _default_company(app: AppContext) -> str:
    from worker.access.companies import resolve_company
    from worker.db.uow import unit_of_work

    with unit_of_work(app.engine) as session:
        return resolve_company(session, None).ref


@statements.command("profile")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--write", "write", is_flag=True,
              help="Add the proposed profile to the company's CSV profiles ([csv] profiles_file).")
@click.option("--name", "name", default=None, metavar="NAME",
              help="The profile's name (default: from the file's name).")
@click.option("--bank", "bank", default=None, metavar="BANK", help="The bank's name in the profile.")
@click.option("--force", is_flag=True, help="With --write: write the profile even when the detector is not sure.")
@json_option
@company_option
@pass_app
def statements_profile(app: AppContext, file: str, write: bool, name: str | None, bank: str | None, force: bool,
                       as_json: bool, company: str | None) -> None:
    """Show how a bank's CSV export is laid out, as the layout detector reads it (columns, date and amount formats,
    the first rows, its confidence and doubts); --write adds it as a profile to the company's configuration."""
    path = Path(file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LettrageError(f"{file}: {exc.strerror or exc}") from None
    det = detect_layout(data, path.name)
    profile_name = name or ("-".join(path.stem.lower().split()) or "profile")
    toml: str | None = None
    if det.header_line is not None and det.found_table:
        toml = det.to_toml(profile_name, bank or profile_name)
    written: dict[str, str | None] | None = None
    if write:
        if not det.found_table:
            raise LettrageError(f"{file}: no table of dated amounts found: nothing to write")
        if toml is None:
            raise LettrageError(f"{file}: no header row: a profile recognises an export by its header cells, so this "
                                "file is read by the detector on each import instead")
        if not det.sure and not force:
            raise LettrageError(f"{file}: the detector is not sure ({'; '.join(det.ambiguities) or det.confidence}); "
                                "check the rows above and write it with --force, then correct the profile by hand")
        from worker.statements.csv_profile_file import add_csv_profile

        ref = company or _default_company(app)
        done = add_csv_profile(app.settings.companies_dir, ref, toml, profile_name)
        written = {"profiles_file": str(done.profiles_file),
                   "company_file": str(done.company_file) if done.company_file else None}
    if as_json:
        print_json(_as_json(det, toml, written))
        return
    verdict = "sure" if det.sure else "NOT sure"
    console.print(f"[bold]{path.name}[/]: layout {verdict} (confidence {det.confidence:.2f})", highlight=False)
    for reason in det.reasons:
        console.print(f"  - {reason}", highlight=False, markup=False)
    for doubt in det.ambiguities:
        err_console.print(f"  ? {doubt}", highlight=False, markup=False)
    if det.found_table:
        print_table("First rows as read", ["line", "date", "amount", "currency", "label", "counterparty"],
                    [(r["line"], r["date"], r["amount"], r["currency"], r["label"][:60], r["counterparty"])
                     for r in rows_for(det)], right=["amount"])
    if written:
        console.print(f"Profile {profile_name!r} added to {written['profiles_file']}"
                      + (f" (named in {written['company_file']})" if written["company_file"] else ""),
                      highlight=False, markup=False)
    elif toml:
        console.print("Profile (--write adds it to the company's configuration):", highlight=False)
        console.print(toml, highlight=False, markup=False)

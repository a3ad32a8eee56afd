"""``lettrage statements profile FILE``: what the CSV layout detector reads in a bank's export, and its profile
written into the company's configuration (``--write``)."""
from __future__ import annotations

from pathlib import Path

import click

from connectors.csv_detect import rows_for
from worker.cli.commands import statements
from worker.cli.main import AppContext, company_option, json_option, pass_app
from worker.cli.output import console, err_console, print_json, print_table
from worker.errors import LettrageError
from worker.statements.csv_profile_file import read_csv_profile


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
    # the one path of the CLI and the web page (worker/statements/csv_profile_file.py)
    read = read_csv_profile(data, path.name, name=name, bank=bank, write=write, force=force,
                            companies_dir=app.settings.companies_dir,
                            company_ref=(company or _default_company(app)) if write else None, shown=file)
    det, toml, profile_name = read.detection, read.toml, read.name
    written = read.as_json()["written"]
    if as_json:
        print_json(read.as_json())
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

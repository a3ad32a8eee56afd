"""``lettrage legal``: a customer's legal file for the company's lawyer or commissaire de justice (an internal
dossier with its proofs and their SHA-256), and the prefilled injonction de payer and small-claims requests."""
from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

import click

from worker.cli.main import AppContext, cli, company_option, json_option, pass_app
from worker.cli.output import console, print_json

ISO_DATE = click.DateTime(formats=["%Y-%m-%d"])
_TRADER = click.option("--debtor-trader/--debtor-not-trader", "debtor_trader", default=None,
                       help="Whether a business customer is a trader (default: presumed; say --debtor-not-trader "
                            "for a liberal profession, an association, a farmer): it decides the court.")


@cli.group()
def legal() -> None:
    """Legal recovery: the internal legal file of a customer (proofs, claim, bordereau) for the lawyer or
    commissaire de justice, and the prefilled injonction de payer or small-claims request."""


def _actor() -> str:
    """``cli:<login>``: the person at the terminal, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _day(app: AppContext, as_of: Any) -> Any:
    return as_of.date() if as_of is not None else app.today()


def _build(app: AppContext, session: Any, company: str | None, customer: str, day: Any,
           debtor_trader: bool | None) -> Any:
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.dunning.legal_file import build_legal_file

    repo = Repository(session, resolve_company(session, company))
    s = app.settings
    return repo, build_legal_file(repo, customer, day, output_dir=Path(s.output_dir) / repo.company.ref,
                                  mail_from=s.mail_from, companies_dir=s.companies_dir, debtor_trader=debtor_trader)


@legal.command("file")
@click.argument("customer")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the ZIP to (default: <output dir>/<company>/legal/<customer>/).")
@click.option("--as-of", "as_of", type=ISO_DATE, default=None, help="Day the claim is computed on (default today).")
@_TRADER
@json_option
@company_option
@pass_app
def legal_file(app: AppContext, customer: str, out: Path | None, as_of: Any, debtor_trader: bool | None,
               as_json: bool, company: str | None) -> None:
    """The legal file of CUSTOMER as a ZIP: index.json and a summary (HTML, PDF) listing every exhibit with its
    SHA-256 (invoices or their duplicata, reminders and the formal notice as sent, registered-letter proofs,
    statement of account), payments and allocations, the customer's answers, the claim (principal, penalties with
    the rate in words, indemnities), the competent court and the small-claims option. Internal: never sent to
    the customer; its generation is in the audit log."""
    from worker.db.uow import unit_of_work
    from worker.dunning.legal_file import legal_folder, write_legal_file

    day = _day(app, as_of)
    with unit_of_work(app.engine) as session:
        repo, legal = _build(app, session, company, customer, day, debtor_trader)
        folder = out or legal_folder(Path(app.settings.output_dir), repo.company.ref, legal.customer_ref)
        path = write_legal_file(repo, legal, folder, _actor())
    if as_json:
        print_json({"path": str(path), "index": legal.full_index()})
        return
    console.print(f"Legal file of {legal.customer_ref} on {day}: {path} ({len(legal.pieces)} exhibits)",
                  highlight=False, soft_wrap=True)
    for claim in legal.claims:
        console.print(f"  claim {claim.currency}: principal {claim.principal:.2f}, penalties {claim.penalties:.2f} "
                      f"({claim.rate_in_words or 'none'}), indemnities {claim.indemnity:.2f}, total {claim.total:.2f}",
                      highlight=False, soft_wrap=True)
    for entry in legal.index["excluded"]:
        console.print(f"  left out: {entry['invoice']}: {entry['reason']}", highlight=False, soft_wrap=True)
    paths = legal.index["legal_paths"]
    court = paths["court"]
    console.print(f"  injonction de payer: {court['judge'] + ', ' + court['name'] + ' (Cerfa ' + court['cerfa'] + ')' if court else paths['court_refused']}",
                  highlight=False, soft_wrap=True)
    small = paths["small_claims"]
    if small is not None:
        console.print(f"  small claims (CPCE L125-1): {'open' if small['eligible'] else 'not open'}: "
                      f"{'; '.join(small['reasons'])}", highlight=False, soft_wrap=True)
    console.print(f"  formal notice: {legal.index['formal_notice']['reason']}", highlight=False, soft_wrap=True)


def _request(kind: str, app: AppContext, customer: str, out: Path | None, as_of: Any, debtor_trader: bool | None,
             as_json: bool, company: str | None) -> None:
    from worker.db.uow import unit_of_work
    from worker.dunning.legal_file import legal_folder
    from worker.dunning.legal_injonction import injonction_request, small_claims_request, write_request

    day = _day(app, as_of)
    with unit_of_work(app.engine) as session:
        repo, legal = _build(app, session, company, customer, day, debtor_trader)
        request = injonction_request(legal) if kind == "injonction" else small_claims_request(legal)
        path = out or legal_folder(Path(app.settings.output_dir), repo.company.ref, legal.customer_ref) / request.file_name
        write_request(repo, request, path, _actor())
    if as_json:
        print_json({"path": str(path), "sha256": request.sha256, "request": request.fields})
        return
    where = request.fields.get("court", {}).get("name") if kind == "injonction" else "the commissaire de justice"
    console.print(f"{'Injonction de payer' if kind == 'injonction' else 'Small-claims'} request for "
                  f"{legal.customer_ref} ({where}): {request.fields['amounts']['total']} "
                  f"{request.fields['currency']}, written to {path}", highlight=False, soft_wrap=True)


@legal.command("injonction")
@click.argument("customer")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PDF file to write (default: <output dir>/<company>/legal/<customer>/).")
@click.option("--as-of", "as_of", type=ISO_DATE, default=None, help="Day the claim is computed on (default today).")
@_TRADER
@json_option
@company_option
@pass_app
def legal_injonction(app: AppContext, customer: str, out: Path | None, as_of: Any, debtor_trader: bool | None,
                     as_json: bool, company: str | None) -> None:
    """The prefilled injonction de payer request (C. proc. civ. 1405 s.) for CUSTOMER as a PDF: the competent
    court and the fields of its official form (Cerfa n°12946 commerce, 12948 judiciaire), the claim with its
    detail, the formal notice, the bordereau of exhibits. Refused when the formal notice has not run its course."""
    _request("injonction", app, customer, out, as_of, debtor_trader, as_json, company)


@legal.command("small-claims")
@click.argument("customer")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PDF file to write (default: <output dir>/<company>/legal/<customer>/).")
@click.option("--as-of", "as_of", type=ISO_DATE, default=None, help="Day the claim is computed on (default today).")
@json_option
@company_option
@pass_app
def legal_small_claims(app: AppContext, customer: str, out: Path | None, as_of: Any, as_json: bool,
                       company: str | None) -> None:
    """The letter asking a commissaire de justice to run the simplified small-claims procedure (CPCE L125-1,
    R125-1: at most 5,000 EUR in principal and interest) for CUSTOMER, as a PDF. Refused when the claim does not
    qualify or the formal notice has not run its course."""
    _request("small_claims", app, customer, out, as_of, None, as_json, company)

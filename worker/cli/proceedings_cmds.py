"""`lettrage customers proceedings set|clear|list|declared|claim|import-bodacc` and `lettrage customers siren`:
collective proceedings as a customer's state (worker/dunning/proceedings.py, issue 19 item 4)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from worker.access.companies import resolve_company
from worker.cli.commands import ISO_DATE, _as_of, _read, pass_app
from worker.cli.customers_cmds import customers
from worker.cli.main import AppContext, company_option, json_option
from worker.cli.output import console, print_json, print_table
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.dunning import proceedings as service

ACTOR = "cli"
KINDS = ("sauvegarde", "redressement_judiciaire", "liquidation_judiciaire")
REASONS = ("plan_adopted", "closed", "set_aside", "other")


def _day(value: Any) -> Any:
    return value.date() if value is not None else None


@customers.command("siren")
@click.argument("ref")
@click.argument("siren", required=False)
@click.option("--clear", is_flag=True, help="Forget the customer's SIREN.")
@json_option
@company_option
@pass_app
def customers_siren(app: AppContext, ref: str, siren: str | None, clear: bool, as_json: bool,
                    company: str | None) -> None:
    """Show customer REF's SIREN, or set it (9 digits, check digit verified): BODACC notices find the customer
    by it."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        if siren is not None or clear:
            if siren is not None and clear:
                raise click.UsageError("give a SIREN or --clear, not both")
            value = service.set_siren(repo, ref, None if clear else siren, ACTOR)
        else:
            value = service.customer(repo, ref).siren
            session.rollback()
    if as_json:
        print_json({"customer_ref": ref, "siren": value})
    else:
        console.print(f"{ref}: SIREN {value or 'not set'}")


@customers.group()
def proceedings() -> None:
    """Collective proceedings (sauvegarde, redressement, liquidation judiciaire): the claims born before the
    opening judgment are held (C. com. L622-7, L622-21), the claim is declared to the mandataire."""


@proceedings.command("set")
@click.argument("ref")
@click.option("--kind", type=click.Choice(KINDS), required=True, help="The proceedings opened.")
@click.option("--opened-on", "opened_on", type=ISO_DATE, required=True, help="The opening judgment's date.")
@click.option("--court", default=None, help='The court: "Tribunal de commerce de Lyon".')
@click.option("--published-on", "published_on", type=ISO_DATE, default=None,
              help="The judgment's publication in the BODACC: the two months to declare run from it (R622-24).")
@click.option("--bodacc-ref", "bodacc_ref", default=None, help='The notice: "BODACC A n°20260061, annonce 1234".')
@click.option("--representative", default=None, help="The mandataire judiciaire (liquidateur in liquidation).")
@click.option("--representative-address", "address", multiple=True, metavar="LINE",
              help="A line of the representative's address (repeatable).")
@click.option("--abroad/--not-abroad", "abroad", default=None,
              help="The company does not live in metropolitan France: two months more to declare (R622-24).")
@click.option("--note", default=None, help="Free text kept with the proceedings.")
@click.option("--by", "actor", default=ACTOR, show_default=True, help="Who sets them (kept in the audit log).")
@json_option
@company_option
@pass_app
def proceedings_set(app: AppContext, ref: str, kind: str, opened_on: Any, court: str | None, published_on: Any,
                    bodacc_ref: str | None, representative: str | None, address: tuple[str, ...],
                    abroad: bool | None, note: str | None, actor: str, as_json: bool, company: str | None) -> None:
    """Put customer REF in collective proceedings, or update its active ones (a conversion, the publication or
    the representative learned later): its invoices issued before the judgment are no longer reminded."""
    judgment = service.Judgment(kind=kind, opened_on=opened_on.date(), court=court, published_on=_day(published_on),
                                bodacc_ref=bodacc_ref, representative_name=representative,
                                representative_address=address or None, creditor_abroad=abroad, note=note)
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        row = service.set_proceedings(repo, ref, judgment, actor, today=_as_of(None), now=app.clock.now())
        data = service.as_json(row, ref)
    if as_json:
        print_json(data)
        return
    deadline = data["declaration_deadline"] or "publication date unknown"
    console.print(f"{ref}: {kind} opened on {data['opened_on']}; declare the claim by {deadline}")


@proceedings.command("clear")
@click.argument("ref")
@click.option("--reason", type=click.Choice(REASONS), required=True,
              help="plan_adopted, closed, set_aside (on appeal), other.")
@click.option("--note", default="", help="Free text kept with the proceedings.")
@click.option("--by", "actor", default=ACTOR, show_default=True, help="Who clears them (kept in the audit log).")
@json_option
@company_option
@pass_app
def proceedings_clear(app: AppContext, ref: str, reason: str, note: str, actor: str, as_json: bool,
                      company: str | None) -> None:
    """End customer REF's collective proceedings: its invoices are dunned as usual again."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        data = service.as_json(service.clear_proceedings(repo, ref, reason, actor, note, now=app.clock.now()), ref)
    if as_json:
        print_json(data)
    else:
        console.print(f"{ref}: collective proceedings cleared ({reason}); normal dunning resumes")


@proceedings.command("declared")
@click.argument("ref")
@click.option("--on", "declared_on", type=ISO_DATE, required=True, help="The day the claim was declared.")
@click.option("--by", "actor", default=ACTOR, show_default=True, help="Who declared it (kept in the audit log).")
@json_option
@company_option
@pass_app
def proceedings_declared(app: AppContext, ref: str, declared_on: Any, actor: str, as_json: bool,
                         company: str | None) -> None:
    """Record that customer REF's claim was declared to the mandataire on --on: the worklist's task ends."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        row = service.record_declaration(repo, ref, declared_on.date(), actor, today=_as_of(None),
                                         now=app.clock.now())
        data = service.as_json(row, ref)
    if as_json:
        print_json(data)
    else:
        console.print(f"{ref}: claim declared on {data['declared_on']}")


@proceedings.command("list")
@click.argument("ref", required=False)
@click.option("--all", "everything", is_flag=True, help="The cleared proceedings too.")
@json_option
@company_option
@pass_app
def proceedings_list(app: AppContext, ref: str | None, everything: bool, as_json: bool, company: str | None) -> None:
    """The customers in collective proceedings (or customer REF's), with the declaration's deadline."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        rows = service.list_proceedings(repo, ref, everything)
    if as_json:
        print_json(rows)
        return
    print_table(f"Collective proceedings ({len(rows)})",
                ["customer", "kind", "opened on", "court", "declare by", "declared on", "state"],
                [(r["customer_ref"], r["kind"], r["opened_on"], r["court"],
                  r["declaration_deadline"] or "publication unknown", r["declared_on"] or "",
                  "active" if r["active"] else f"cleared ({r['clear_reason']})") for r in rows])


@proceedings.command("claim")
@click.argument("ref")
@click.option("--as-of", "as_of", type=ISO_DATE, default=None, help="The declaration's date (default today).")
@click.option("--pdf", "pdf_file", type=click.Path(dir_okay=False), default=None, help="Write it as a PDF letter.")
@click.option("--privilege", default="", help="The privilege or security the claim carries (none: chirographaire).")
@json_option
@company_option
@pass_app
def proceedings_claim(app: AppContext, ref: str, as_of: Any, pdf_file: str | None, privilege: str, as_json: bool,
                      company: str | None) -> None:
    """The déclaration de créance of customer REF (C. com. L622-25, R622-23): its open invoices born before the
    judgment, with penalties and indemnity to the judgment day, certified sincere; nothing is sent or stored."""
    from worker.dunning.claim_declaration import build_declaration

    template_dir = app.settings.templates_dir
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        generated = build_declaration(repo, ref, _as_of(as_of), app.settings.mail_from, privilege=privilege,
                                      template_dir=str(template_dir) if template_dir else None)
        session.rollback()
    if pdf_file:
        Path(pdf_file).write_bytes(generated.pdf())
    if as_json:
        print_json({**generated.as_json(), "pdf": pdf_file})
    else:
        console.print(generated.text, highlight=False, markup=False)


@proceedings.command("import-bodacc")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Say what would be done; change nothing.")
@click.option("--by", "actor", default=ACTOR, show_default=True, help="Who imports it (kept in the audit log).")
@json_option
@company_option
@pass_app
def proceedings_import_bodacc(app: AppContext, file: str, dry_run: bool, actor: str, as_json: bool,
                              company: str | None) -> None:
    """Read a BODACC « annonces commerciales » export (JSON or CSV, downloaded from
    bodacc-datadila.opendatasoft.com; never fetched) and put the customers it names by SIREN in collective
    proceedings; plans, closures and rectifications are listed, not applied."""
    data = _read(file)
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        result = service.import_bodacc(repo, data, Path(file).name, actor, today=_as_of(None),
                                       now=app.clock.now(), dry_run=dry_run)
        if dry_run:
            session.rollback()
    if as_json:
        print_json({**result.as_json(), "dry_run": dry_run})
        return
    print_table(f"Proceedings {'to set' if dry_run else 'set'} ({len(result.applied)})",
                ["customer", "kind", "opened on", "published", "declare by", "representative"],
                [(r["customer_ref"], r["kind"], r["opened_on"], r["published_on"] or "",
                  r["declaration_deadline"] or "", r["representative"]) for r in result.applied])
    if result.not_applied:
        print_table(f"Not applied ({len(result.not_applied)})", ["customer", "notice", "reason"],
                    [(r["customer_ref"], r["notice"], r["reason"]) for r in result.not_applied])
    console.print(f"{result.unmatched} notice(s) name no customer of the company")
    for problem in result.problems:
        console.print(f"[yellow]{problem}[/]", highlight=False)

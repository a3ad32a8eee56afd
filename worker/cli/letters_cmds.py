"""``lettrage letters``: the registered letters with acknowledgment of receipt posted through the company's provider
(``track``: ask the provider and store the dispatch numbers, proofs and dates; ``list``: what is known)."""
from __future__ import annotations

import click

from worker.access.companies import resolve_company
from worker.cli.main import AppContext, cli, company_option, json_option, pass_app
from worker.cli.output import console, print_json, print_table
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.dunning.registered_letters import TrackedLetter, letter_view, tracking_run
from worker.dunning.registered_queries import letters
from worker.dunning.reminder_customers import customer_by_ref

ACTOR = "cli"
COLUMNS = ["customer", "invoices", "level", "dispatch no.", "status", "deposited", "received", "deadline", "returned"]


@cli.group("letters")
def letters_group() -> None:
    """Registered letters with acknowledgment of receipt: dispatch numbers, proofs, dates of receipt and the
    formal notices' deadlines."""


def _rows(found: list[TrackedLetter]) -> list[tuple[str, ...]]:
    def day(value: object) -> str:
        return str(value) if value else ""

    return [(t.customer_ref, ", ".join(t.invoices), t.level, t.dispatch_number or "", t.status, day(t.deposited_on),
             day(t.received_on), day(t.deadline_on), f"{day(t.returned_on)} {t.return_reason or ''}".strip())
            for t in found]


@letters_group.command("track")
@json_option
@company_option
@pass_app
def letters_track(app: AppContext, as_json: bool, company: str | None) -> None:
    """Ask the provider where each registered letter stands; store its dispatch number, the proof of deposit,
    the date of receipt and the signed acknowledgment (the formal notice's deadline runs from that date), or its
    return. Safe to run again: a proof is stored once."""
    with unit_of_work(app.engine) as session:
        target = resolve_company(session, company)
    found = tracking_run(app.engine, app.settings, target, actor=ACTOR)
    if as_json:
        print_json([t.as_json() for t in found])
        return
    print_table(f"Registered letters tracked ({len(found)})", COLUMNS, _rows(found))
    for t in found:
        if t.error:
            console.print(f"{t.customer_ref} {t.sending_id}: not updated: {t.error}", highlight=False)


@letters_group.command("list")
@click.option("--customer", "customer", metavar="REF", default=None, help="Only this customer's letters.")
@json_option
@company_option
@pass_app
def letters_list(app: AppContext, customer: str | None, as_json: bool, company: str | None) -> None:
    """The registered letters known, oldest first, with their dispatch number, dates and proofs (nothing is
    asked of the provider: see `letters track`)."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        customer_id = customer_by_ref(repo, customer).id if customer else None
        refs = repo.customer_refs()
        found = [letter_view(row, refs.get(row.customer_id, "?")) for row in letters(repo, customer_id)]
    if as_json:
        print_json([t.as_json() for t in found])
        return
    print_table(f"Registered letters ({len(found)})", COLUMNS, _rows(found))

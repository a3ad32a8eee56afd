"""``lettrage links``: the signed links to the customers' page (worker/dunning/customer_links.py)."""
from __future__ import annotations

from datetime import date

import click

from worker.access.companies import resolve_company
from worker.cli.main import AppContext, cli, company_option, json_option, pass_app
from worker.cli.output import console, print_json
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.dunning import customer_links
from worker.dunning.reminder_customers import customer_by_ref
from worker.errors import LettrageError
from worker.statements.statement_checks import local_today


@cli.group()
def links() -> None:
    """Signed links to the customers' page (LETTRAGE_PUBLIC_URL): print one, revoke them."""


@links.command("revoke")
@click.argument("target", metavar="CUSTOMER|TOKEN")
@click.option("--by", "actor", default="cli", show_default=True, help="Who revokes (kept in the audit log).")
@json_option
@company_option
@pass_app
def links_revoke(app: AppContext, target: str, actor: str, as_json: bool, company: str | None) -> None:
    """Revoke every link of customer CUSTOMER (the next reminders carry new ones), or the one link TOKEN (the token,
    the whole link, or a letter's short address or code)."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        data = customer_links.revoke(repo, app.settings.secret_key, target, actor)
    if as_json:
        print_json(data)
    elif data["token"] is None:
        console.print(f"Every link of customer {data['customer']} revoked")
    else:
        console.print(f"Link {data['token']} of customer {data['customer']} revoked")


@links.command("url")
@click.argument("ref", metavar="CUSTOMER")
@json_option
@company_option
@pass_app
def links_url(app: AppContext, ref: str, as_json: bool, company: str | None) -> None:
    """Print a link to customer CUSTOMER's page, issued today (to send by hand)."""
    settings = app.settings
    if not settings.public_url:
        raise LettrageError("LETTRAGE_PUBLIC_URL is not set: no link to the customer's page")
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        customer_by_ref(repo, ref)
        today = local_today(repo.company.timezone, settings.clock)
        url = customer_links.link_for(repo, settings.public_url, settings.secret_key, ref, None, today)
        expires = today.toordinal() + customer_links.page_settings(repo).link_days
    if as_json:
        print_json({"customer": ref, "url": url, "expires_on": date.fromordinal(expires)})
    else:
        console.print(url)

"""``lettrage tokens``: API tokens of the company for the billing tool, printed once, stored hashed;
``lettrage webhooks dispatch``: post the webhooks due now."""
from __future__ import annotations

from typing import Any

import click

from worker.access.companies import resolve_company
from worker.access.tokens import SCOPES, create_token, list_tokens, revoke_token
from worker.cli.main import AppContext, cli, company_option, json_option, pass_app
from worker.cli.output import console, print_json, print_table
from worker.db.repository import Repository
from worker.db.uow import unit_of_work


@cli.group()
def tokens() -> None:
    """API tokens (Authorization: Bearer TOKEN) for the company's /api/ endpoints."""


@tokens.command("create")
@click.option("--name", required=True, help="A name to recognise and revoke the token by.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES),
              help="What the token may do (repeat; every scope when none is named).")
@json_option
@company_option
@pass_app
def tokens_create(app: AppContext, name: str, scopes: tuple[str, ...], as_json: bool, company: str | None) -> None:
    """Create a token; it is printed once (only its hash is kept)."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        made = create_token(repo, name, scopes, actor="cli")
        ref = repo.company.ref
    if as_json:
        print_json(made.as_json())
        return
    console.print(f"Token [bold]{made.name}[/] for company {ref} ({', '.join(made.scopes)}); "
                  "copy it now, it is not shown again:", highlight=False)
    click.echo(made.token)


@tokens.command("revoke")
@click.argument("name")
@company_option
@pass_app
def tokens_revoke(app: AppContext, name: str, company: str | None) -> None:
    """Revoke the token NAME: it stops working at once."""
    with unit_of_work(app.engine) as session:
        revoke_token(Repository(session, resolve_company(session, company)), name, actor="cli")
    console.print(f"Token [bold]{name}[/] revoked")


@tokens.command("list")
@json_option
@company_option
@pass_app
def tokens_list(app: AppContext, as_json: bool, company: str | None) -> None:
    """The company's tokens (never the tokens themselves): name, scopes, last use, revoked."""
    with unit_of_work(app.engine) as session:
        rows: list[dict[str, Any]] = [
            {"name": t.name, "prefix": t.prefix, "scopes": list(t.scopes), "created_at": t.created_at.isoformat(),
             "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
             "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None}
            for t in list_tokens(Repository(session, resolve_company(session, company)))]
    if as_json:
        print_json(rows)
        return
    print_table(f"API tokens ({len(rows)})", ["name", "prefix", "scopes", "last used", "revoked"],
                [(r["name"], r["prefix"] + "…", ", ".join(r["scopes"]), r["last_used_at"] or "", r["revoked_at"] or "")
                 for r in rows])


@cli.group()
def webhooks() -> None:
    """Webhooks to the billing tool (registered with POST /api/webhooks)."""


@webhooks.command("dispatch")
@json_option
@company_option
@pass_app
def webhooks_dispatch(app: AppContext, as_json: bool, company: str | None) -> None:
    """Post the webhook deliveries due now (new events and retries); `lettrage serve` does it every 15 s."""
    from worker.webhooks.webhooks import dispatch

    with unit_of_work(app.engine) as session:
        ref = resolve_company(session, company).ref if company else None
    from worker.outbound import OutboundClient

    report = dispatch(app.engine, app.settings.secret_key, ref, outbound=OutboundClient.for_settings(app.settings))
    if as_json:
        print_json(report.as_json())
    else:
        console.print(f"Webhooks: {report.created} new, {report.delivered} delivered, {report.failed} failed "
                      f"(retried later), {report.given_up} given up")

"""``lettrage feeds``: the company's bank feed (``[feeds]`` in its TOML): ``pull`` its accounts' lines into the
statements, ``status`` (last pull, the day covered, the consent's end), ``pending`` (the lines not booked yet)."""
from __future__ import annotations

import click

from worker.access.companies import resolve_company
from worker.cli.main import AppContext, cli, company_option, json_option, pass_app
from worker.cli.output import print_json, print_table
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.statements.feeds import CONSENT_WARNING_DAYS, feed_status, pull_feeds, renew_consent
from worker.statements.feeds_queries import pending_lines

ACTOR = "cli"


@cli.group("feeds")
def feeds_group() -> None:
    """Bank feeds (Qonto, GoCardless Bank Account Data): booked lines pulled into the statements, pending lines
    shown apart, the consent's end."""


@feeds_group.command("pull")
@json_option
@company_option
@pass_app
def feeds_pull(app: AppContext, as_json: bool, company: str | None) -> None:
    """Pull the company's accounts from its bank feed: booked lines imported like a statement file (a line already
    brought by a file or an earlier pull is not added again), pending lines replaced. Exit 1 when an account failed
    or the consent must be renewed."""
    pull = pull_feeds(app.engine, app.settings, company, actor=ACTOR)
    if as_json:
        print_json(pull.as_json())
    else:
        if pull.status == "not_configured":
            click.echo(f"{pull.company}: no bank feed configured (add a [feeds] section to the company's TOML)")
            return
        if pull.accounts:
            print_table(f"Bank feed {pull.provider} of {pull.company}",
                        ["account", "window", "booked", "added", "already stored", "pending", "covered through",
                         "status"],
                        [(a.account or a.account_ref, f"{a.since or ''}..{a.until or ''}", a.booked, a.lines_added,
                          a.lines_skipped, a.pending, a.covered_through or "", a.status) for a in pull.accounts])
        for a in pull.accounts:  # one line each, never wrapped
            if a.error:
                click.echo(f"{a.account or a.account_ref}: {a.status}: {a.error}")
            for warning in a.warnings:
                click.echo(f"{a.account}: {warning}")
        if pull.error:
            click.echo(f"{pull.status}: {pull.error}")
    if pull.status in ("failed", "partial", "consent_expired", "consent_pending"):
        raise SystemExit(1)


@feeds_group.command("status")
@json_option
@company_option
@pass_app
def feeds_status(app: AppContext, as_json: bool, company: str | None) -> None:
    """Each account of the company's bank feed: the last pull and its outcome, the day its data covers, the
    consent's end (renew it from 14 days before)."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        found = feed_status(repo, app.today(repo.company.timezone))
    if as_json:
        print_json([s.as_json() for s in found])
        return
    print_table("Bank feeds", ["provider", "account", "last pull", "status", "covered through", "consent ends"],
                [(s.provider, s.account or s.account_ref, s.last_pull_at or "", s.last_status,
                  s.covered_through or "", s.consent_expires_on or "no end") for s in found])
    for s in found:
        if s.last_status == "consent_expired":
            click.echo(f"{s.account or s.account_ref}: the consent expired or was refused: renew it "
                       f"({s.last_error})")
        elif s.renew_soon:
            click.echo(f"{s.account or s.account_ref}: the consent ends on {s.consent_expires_on} "
                       f"({s.consent_days_left} days, warned {CONSENT_WARNING_DAYS} days ahead): renew it")


@feeds_group.command("pending")
@json_option
@company_option
@pass_app
def feeds_pending(app: AppContext, as_json: bool, company: str | None) -> None:
    """The lines the bank shows as pending at the last pull: not in the ledger, never matched, replaced by the
    next pull."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        rows = pending_lines(repo)
    if as_json:
        print_json([{"account": account, "provider": p.provider, "provider_ref": p.provider_ref,
                     "transaction_on": p.transaction_on.isoformat() if p.transaction_on else None,
                     "amount": str(p.amount), "currency": p.currency, "counterparty": p.counterparty,
                     "text": p.text} for account, p in rows])
        return
    print_table(f"Pending lines ({len(rows)})", ["account", "day", "amount", "counterparty", "text"],
                [(account, p.transaction_on or "", f"{p.amount} {p.currency}", p.counterparty or "", p.text)
                 for account, p in rows])


@feeds_group.command("renew")
@click.option("--redirect", "redirect", metavar="URL", required=True,
              help="Where the bank sends the account holder back once the consent is given (an https:// page).")
@json_option
@company_option
@pass_app
def feeds_renew(app: AppContext, redirect: str, as_json: bool, company: str | None) -> None:
    """Ask the bank feed for a new consent at the same bank, for as long as the bank allows (GoCardless); print the
    link the account holder follows, and the new requisition id to set as requisition_id in [feeds]."""
    if not redirect.startswith(("https://", "http://")):
        raise click.BadParameter("give an http(s):// address", param_hint="--redirect")
    asked = renew_consent(app.engine, app.settings, company, redirect, actor=ACTOR)
    if as_json:
        print_json(asked.as_json())
        return
    click.echo(f"{asked.company}: the account holder gives the consent at {asked.link}")
    click.echo(f'then set requisition_id = "{asked.requisition_id}" in the [feeds] section of the company\'s TOML')

"""``lettrage feeds``: the company's bank feed (``[feeds]`` in its TOML): ``pull`` its accounts' lines into the
statements, ``status`` (last pull, the day covered, the consent's end), ``pending`` (the lines not booked yet),
``renew`` the consent; Enable Banking's consent: ``connect`` (the link the account holder follows) then
``authorize`` (the session the code they come back with opens)."""
from __future__ import annotations

import click

from worker.access.companies import resolve_company
from worker.cli.main import AppContext, cli, company_option, json_option, pass_app
from worker.cli.output import print_json, print_table
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.statements.feeds import CONSENT_WARNING_DAYS, feed_status, pull_feeds, renew_consent
from worker.statements.feeds_queries import pending_lines
from worker.statements.feeds_sessions import (
    PROVIDERS_WITH_SESSIONS,
    ConsentLink,
    ask_consent,
    authorize,
    session_view,
)

ACTOR = "cli"


@cli.group("feeds")
def feeds_group() -> None:
    """Bank feeds (Qonto, GoCardless, Enable Banking): booked lines pulled into the statements, pending lines shown
    apart, the consent's end."""


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
        sessions = [v for v in (session_view(repo, p) for p in PROVIDERS_WITH_SESSIONS) if v is not None]
    if as_json:
        print_json([s.as_json() for s in found])
        return
    for v in sessions:  # the consent given through a link (Enable Banking), before and between the pulls
        if v.session_id:
            click.echo(f"{v.provider} session {v.session_id} at {v.bank or '?'}: {v.status}, the consent ends on "
                       f"{v.valid_until or '?'}")
        if v.link:
            click.echo(f"{v.provider}: a consent link waits for the account holder (until {v.link_expires_on or '?'}"
                       f"): {v.link}")
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
    if isinstance(asked, ConsentLink):
        _said_link(asked)
        return
    click.echo(f"{asked.company}: the account holder gives the consent at {asked.link}")
    click.echo(f'then set requisition_id = "{asked.requisition_id}" in the [feeds] section of the company\'s TOML')


def _said_link(asked: ConsentLink) -> None:
    click.echo(f"{asked.company}: the account holder gives the consent at {asked.bank} ({asked.country}), until "
               f"{asked.expires_on or '?'} (the longest the bank allows), at {asked.link}")
    click.echo("then run lettrage feeds authorize --code CODE with the code the bank sends back to the redirect "
               "address")


@feeds_group.command("connect")
@click.option("--bank", "bank", metavar="NAME", default=None,
              help="The bank, as Enable Banking names it (default: aspsp_name of [feeds]).")
@click.option("--country", "country", metavar="CC", default=None,
              help="The bank's country, two letters (default: aspsp_country of [feeds]).")
@click.option("--redirect", "redirect", metavar="URL", required=True,
              help="Where the bank sends the account holder back once the consent is given (an https:// page).")
@json_option
@company_option
@pass_app
def feeds_connect(app: AppContext, bank: str | None, country: str | None, redirect: str, as_json: bool,
                  company: str | None) -> None:
    """Ask Enable Banking for the link where the account holder gives the consent at the bank, for as long as the
    bank allows; print it and the consent's end. Then `feeds authorize --code CODE`."""
    if not redirect.startswith(("https://", "http://")):
        raise click.BadParameter("give an http(s):// address", param_hint="--redirect")
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise click.BadParameter("give the two-letter country code (FR, BE...)", param_hint="--country")
    asked = ask_consent(app.engine, app.settings, company, redirect, bank=bank, country=country, actor=ACTOR)
    if as_json:
        print_json(asked.as_json())
        return
    _said_link(asked)


@feeds_group.command("authorize")
@click.option("--code", "code", metavar="CODE", required=True,
              help="The code the bank sent back to the redirect address (its ?code= parameter).")
@json_option
@company_option
@pass_app
def feeds_authorize(app: AppContext, code: str, as_json: bool, company: str | None) -> None:
    """Open the Enable Banking session the account holder's code gives, and keep it for the pulls (in the
    database, recorded in the audit log): print its accounts and the consent's end."""
    if not code.strip():
        raise click.BadParameter("give the code the bank sent back", param_hint="--code")
    done = authorize(app.engine, app.settings, company, code.strip(), actor=ACTOR)
    if as_json:
        print_json(done.as_json())
        return
    click.echo(f"{done.company}: session {done.session_id} authorised, the consent ends on "
               f"{done.valid_until or '?'}; accounts: {', '.join(a.iban or a.ref for a in done.accounts) or 'none'}")
    click.echo("then run lettrage feeds pull")

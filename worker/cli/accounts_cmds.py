"""``lettrage accounts``: the company's own bank accounts (the default one is printed in reminders as the
account to pay); ``lettrage status``: which settings file, database and folders this lettrage uses."""
from __future__ import annotations

import re
from pathlib import Path

import click

from worker.access.companies import resolve_company
from worker.cli.main import AppContext, cli, company_option, json_option, pass_app
from worker.cli.output import console, err_console, print_json, print_table
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.settings import Settings
from worker.statements.bank_accounts import add_account, list_accounts


@cli.group()
def accounts() -> None:
    """The company's own bank accounts."""


@accounts.command("list")
@json_option
@company_option
@pass_app
def accounts_list(app: AppContext, as_json: bool, company: str | None) -> None:
    """The company's bank accounts; one another company also has is named (shared_with)."""
    with unit_of_work(app.engine) as session:
        rows = list_accounts(Repository(session, resolve_company(session, company)))
    if as_json:
        print_json([r.as_json() for r in rows])
    else:
        print_table(f"Bank accounts ({len(rows)})", ["account", "IBAN", "name", "currency", "default", "also of"],
                    [(r.identifier, "yes" if r.iban else "no", r.name, r.currency, "yes" if r.default else "",
                      ", ".join(r.shared_with)) for r in rows])
    for r in rows:
        if r.shared_with:
            err_console.print(f"warning: account {r.identifier} is also a bank account of "
                              f"{', '.join(r.shared_with)}", highlight=False, markup=False, soft_wrap=True)


@accounts.command("add")
@click.argument("account")
@click.option("--name", default=None, help="A name for people (\"Compte courant\").")
@click.option("--currency", default=None, metavar="CODE", help="ISO 4217 code of the account.")
@click.option("--default", "make_default", is_flag=True,
              help="The account reminders and letters give as the account to pay.")
@json_option
@company_option
@pass_app
def accounts_add(app: AppContext, account: str, name: str | None, currency: str | None, make_default: bool,
                 as_json: bool, company: str | None) -> None:
    """Register (or rename, or make default) one of the company's bank accounts: an IBAN, checked (country,
    length, checksum), or the bank's own account number."""
    with unit_of_work(app.engine) as session:
        row, created, warnings = add_account(Repository(session, resolve_company(session, company)), account,
                                             actor="cli", name=name, currency=currency, default=make_default)
    if as_json:
        print_json({**row.as_json(), "created": created})
    else:
        console.print(f"{'Registered' if created else 'Updated'} account {row.identifier}"
                      f"{' (default)' if row.default else ''}", highlight=False)
    for warning in warnings:
        err_console.print(f"warning: {warning}", highlight=False, markup=False, soft_wrap=True)


def _without_password(url: str) -> str:
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def where(settings: Settings) -> dict[str, object]:
    """What ``lettrage status`` reports: the settings file, the database and the folders, all absolute."""
    url = settings.database_url
    database: str | None = None
    scheme, sep, rest = url.partition(":///")
    if sep and scheme.startswith("sqlite") and rest and not rest.startswith(":memory:"):
        database = rest.partition("?")[0]
    return {
        "settings_file": str(settings.env_file) if settings.env_file else None,
        "settings_file_from": settings.env_file_origin,
        "database_url": _without_password(url),
        "database_from": "default (under data_dir)" if settings.database_is_default else "LETTRAGE_DATABASE_URL",
        "database_file": database,
        "database_exists": Path(database).is_file() if database else None,
        "data_dir": str(settings.data_dir),
        "inbox_dir": str(settings.inbox_dir),
        "output_dir": str(settings.output_dir),
        "companies_dir": str(settings.companies_dir),
        "broker_url": _without_password(settings.broker_url) if settings.broker_url else None,
    }


@cli.command("status")
@json_option
@click.option("--company", "company", metavar="REF", default=None,
              help="Accepted as on every command (the contract); the status is the deployment's, whatever REF.")
@pass_app
def status(app: AppContext, as_json: bool, company: str | None) -> None:
    """Which settings file, database and folders this lettrage uses (nothing is opened nor created).

    ``--company`` is taken after the command as before it (``lettrage --company REF status``) because the contract
    gives it to every command and scripts pass it everywhere; it changes nothing: checking REF would open the
    database, which ``status`` must not do (it answers before one exists)."""
    data = where(app.settings)
    from worker.dunning.penalty_settings import deployment_rates_warning

    # the rate tables on the clock's day: the half-year missing or provisional (README, Penalty modes)
    data["rates_warning"] = deployment_rates_warning(app.settings.rates_file, app.today())
    if as_json:
        print_json(data)
        return
    if data["rates_warning"]:
        err_console.print(f"warning: {data['rates_warning']}", highlight=False, markup=False, soft_wrap=True)
    origin = data["settings_file_from"]
    console.print(f"Settings file: {data['settings_file'] or 'none found'}"
                  f"{f' ({origin})' if data['settings_file'] else ''}", highlight=False)
    exists = data["database_exists"]
    console.print(f"Database:      {data['database_url']}"
                  f"{'' if exists is None else ' (exists)' if exists else ' (not created yet)'}", highlight=False)
    for key in ("data_dir", "inbox_dir", "output_dir", "companies_dir"):
        console.print(f"{key + ':':<15}{data[key]}", highlight=False)
    console.print(f"Broker:        {data['broker_url'] or 'none (everything in-process)'}", highlight=False)

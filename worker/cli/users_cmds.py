"""``lettrage users``: the people who sign in to the web pages, and their role in the company."""
from __future__ import annotations

import secrets
import sys

import click

from worker.access import users as user_service
from worker.access.companies import resolve_company
from worker.cli.main import AppContext, cli, company_option, json_option, pass_app
from worker.cli.output import console, print_json, print_table
from worker.db.uow import unit_of_work


@cli.group()
def users() -> None:
    """People who sign in to the web pages: viewer reads, accountant decides, admin also manages."""


@users.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(user_service.ROLES),
              help="viewer: reads; accountant: decides review items; admin: also manages users and tokens.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (else a new user gets a "
                   "generated one, printed once).")
@click.option("--lang", type=click.Choice(user_service.LOCALES), default=None,
              help="Language of the pages (default fr).")
@json_option
@company_option
@pass_app
def users_add(app: AppContext, email: str, role: str, password_stdin: bool, lang: str | None, as_json: bool,
              company: str | None) -> None:
    """Give EMAIL a role in the company (creates the user when new; an existing one keeps their password)."""
    password: str | None = None
    generated = False
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.UsageError("--password-stdin: standard input holds no password")
    with unit_of_work(app.engine) as session:
        target = resolve_company(session, company)
        if not password_stdin and user_service.user_by_email(session, email) is None:
            password, generated = secrets.token_urlsafe(15), True
        user, created = user_service.add_user(session, target, email, role, password, locale=lang)
        data: dict[str, object] = {"email": user.email, "role": role, "company": target.ref, "created": created}
        if generated:
            data["password"] = password
    if as_json:
        print_json(data)
        return
    console.print(f"{'Added' if created else 'Updated'} [bold]{data['email']}[/] as {role} "
                  f"of company {data['company']}")
    if generated:
        console.print(f"password (shown once): {password}", highlight=False, soft_wrap=True)


@users.command("list")
@json_option
@company_option
@pass_app
def users_list(app: AppContext, as_json: bool, company: str | None) -> None:
    """List the company's users and their roles."""
    with unit_of_work(app.engine) as session:
        target = resolve_company(session, company)
        rows = [{"email": m.email, "role": m.role, "created_at": m.created_at, "last_login_at": m.last_login_at}
                for m in user_service.list_users(session, target)]
    if as_json:
        print_json(rows)
    else:
        print_table(f"Users of {target.ref}", ["email", "role", "last login"],
                    [(r["email"], r["role"], r["last_login_at"] or "") for r in rows])


@users.command("remove")
@click.argument("email")
@json_option
@company_option
@pass_app
def users_remove(app: AppContext, email: str, as_json: bool, company: str | None) -> None:
    """Take away EMAIL's role in the company; their sessions end when they have no company left."""
    with unit_of_work(app.engine) as session:
        target = resolve_company(session, company)
        user_service.remove_user(session, target, email)
    if as_json:
        print_json({"email": email.strip().lower(), "company": target.ref, "removed": True})
    else:
        console.print(f"Removed {email.strip().lower()} from company {target.ref}")

"""``lettrage users add|list|remove``: accounts for the web pages, per company, through the real CLI."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.integration.web_book import cheap_hashing
from worker.access import users
from worker.db.engine import engine_for
from worker.db.tables import utcnow
from worker.db.uow import unit_of_work
from worker.db.user_tables import User, UserRole, WebSession


@pytest.fixture(autouse=True)
def _registered(monkeypatch: pytest.MonkeyPatch) -> None:
    from worker.cli import users_cmds  # noqa: F401 - `lettrage` registers it in main(); the test runner does not

    monkeypatch.setattr(*cheap_hashing())


def run(cli: Any, *args: str, stdin: str | None = None, ok: bool = True) -> Any:
    """Like the ``cli`` fixture, with standard input."""
    from worker.cli.main import cli as command
    from worker.settings import get_settings

    get_settings.cache_clear()
    result = CliRunner().invoke(command, list(args), env=cli.env, input=stdin, catch_exceptions=False)
    get_settings.cache_clear()
    if ok:
        assert result.exit_code == 0, result.output + result.stderr
    return result


def test_add_list_and_remove_users_per_company(cli: Any, db_url: str) -> None:
    cli("companies", "add", "acme", "--name", "Atelier Acme")
    cli("companies", "add", "other")
    added = run(cli, "users", "add", "Alice@Acme.example.fr", "--role", "accountant", "--password-stdin",
                "--json", stdin="correct horse battery\n")
    assert added.stdout.startswith("{")
    assert json.loads(added.stdout) == {"email": "alice@acme.example.fr", "role": "accountant", "company": "acme",
                                        "created": True}
    # Without --password-stdin a new user gets a generated password, printed once.
    generated = json.loads(run(cli, "users", "add", "bob@acme.example.fr", "--role", "viewer", "--json").stdout)
    assert len(generated["password"]) >= users.MIN_PASSWORD
    # The same person in another company: one user, another role, the password kept.
    again = json.loads(run(cli, "--company", "other", "users", "add", "alice@acme.example.fr", "--role", "admin",
                           "--json").stdout)
    assert again == {"email": "alice@acme.example.fr", "role": "admin", "company": "other", "created": False}

    assert [(u["email"], u["role"]) for u in cli.json("users", "list")] == [
        ("alice@acme.example.fr", "accountant"), ("bob@acme.example.fr", "viewer")]
    assert [(u["email"], u["role"]) for u in cli.json("--company", "other", "users", "list")] == [
        ("alice@acme.example.fr", "admin")]

    engine = engine_for(db_url)
    with unit_of_work(engine) as session:
        alice = users.user_by_email(session, "ALICE@acme.example.fr")
        assert alice is not None and alice.password_hash.startswith("$argon2id$")
        assert "correct horse" not in alice.password_hash
        users.authenticate(session, "alice@acme.example.fr", "correct horse battery", "127.0.0.1", utcnow())
        key, _row = users.open_session(session, alice, utcnow())

    cli("users", "remove", "alice@acme.example.fr")
    assert [u["email"] for u in cli.json("users", "list")] == ["bob@acme.example.fr"]
    with unit_of_work(engine) as session:  # still admin of other: still a user, still signed in
        assert users.session_user(session, key, utcnow()) is not None
    cli("--company", "other", "users", "remove", "alice@acme.example.fr")
    with unit_of_work(engine) as session:  # no company left: the user and their sessions are gone
        assert users.user_by_email(session, "alice@acme.example.fr") is None
        assert session.execute(select(WebSession)).first() is None


def test_user_errors_are_one_line(cli: Any) -> None:
    bad_role = run(cli, "users", "add", "x@example.fr", "--role", "boss", ok=False)
    assert bad_role.exit_code == 2
    short = run(cli, "users", "add", "x@example.fr", "--role", "viewer", "--password-stdin", stdin="short\n",
                ok=False)
    assert short.exit_code == 1 and short.stderr.strip() == "error: the password must have at least 10 characters"
    empty = run(cli, "users", "add", "x@example.fr", "--role", "viewer", "--password-stdin", stdin="", ok=False)
    assert empty.exit_code == 2
    not_email = run(cli, "users", "add", "not-an-address", "--role", "viewer", ok=False)
    assert not_email.exit_code == 1 and "is not an email address" in not_email.stderr
    missing = run(cli, "users", "remove", "nobody@example.fr", ok=False)
    assert missing.exit_code == 1 and missing.stderr.strip() == \
        "error: no user 'nobody@example.fr' in company 'default'"
    assert "Traceback" not in missing.output + missing.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sessions_expire_when_idle_or_old(cli: Any, db_url: str) -> None:
    run(cli, "users", "add", "carol@example.fr", "--role", "viewer", "--password-stdin", stdin="long enough pw\n")
    engine = engine_for(db_url)
    start = utcnow()
    with unit_of_work(engine) as session:
        carol = users.user_by_email(session, "carol@example.fr")
        assert carol is not None
        idle_key, _ = users.open_session(session, carol, start)
        busy_key, _ = users.open_session(session, carol, start)
    with unit_of_work(engine) as session:
        for hours in range(1, 12):  # used every hour: kept up to its lifetime (12 hours)
            assert users.session_user(session, busy_key, start + timedelta(hours=hours)) is not None
        assert users.session_user(session, idle_key, start + users.SESSION_IDLE + timedelta(seconds=1)) is None
        assert users.session_user(session, busy_key, start + users.SESSION_LIFETIME) is None  # too old
    with unit_of_work(engine) as session:
        roles = session.execute(select(UserRole.role).join(User, User.id == UserRole.user_id)).scalars().all()
    assert roles == ["viewer"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_login_throttling_per_address_and_per_client_over_fifteen_minutes(cli: Any, db_url: str) -> None:
    run(cli, "users", "add", "dave@example.fr", "--role", "viewer", "--password-stdin", stdin="dave's password\n")
    engine = engine_for(db_url)
    start = utcnow()

    def attempt(email: str, password: str, client: str, at: Any) -> str:
        with unit_of_work(engine) as session:
            try:
                users.authenticate(session, email, password, client, at)
            except users.LoginThrottled:
                return "throttled"
            except users.LoginRefused:
                return "refused"
            return "ok"

    for n in range(5):
        assert attempt("dave@example.fr", f"guess {n}", "10.0.0.1", start) == "refused"
    assert attempt("dave@example.fr", "dave's password", "10.0.0.2", start + timedelta(minutes=10)) == "throttled"
    assert attempt("dave@example.fr", "dave's password", "10.0.0.2", start + timedelta(minutes=15, seconds=1)) == "ok"
    # One client guessing across many addresses: 20 failures, then even a right password waits.
    later = start + timedelta(hours=1)
    for n in range(20):
        assert attempt(f"user{n}@example.fr", "whatever it is", "10.6.6.6", later) == "refused"
    assert attempt("dave@example.fr", "dave's password", "10.6.6.6", later) == "throttled"
    assert attempt("dave@example.fr", "dave's password", "10.0.0.3", later) == "ok"

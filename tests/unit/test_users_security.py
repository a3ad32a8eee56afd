"""Accounts and the web pages' security helpers, without a database: hashing, roles, signing, redirects, language."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from worker.access import users
from worker.settings import load_settings
from worker.web import auth
from worker.web.i18n import FRENCH, format_date, format_money, language_of, translator
from worker.web.pages import chart_bars


@pytest.fixture(autouse=True)
def cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def test_passwords_are_argon2id_hashes_that_verify_only_the_password() -> None:
    stored = users.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert users.hash_password("correct horse battery") != stored  # salted
    assert users._password_matches(stored, "correct horse battery")
    assert not users._password_matches(stored, "correct horse batterY")
    assert not users._password_matches("not a hash", "correct horse battery")
    with pytest.raises(users.UserError, match="at least 10 characters"):
        users.hash_password("123456789")


def test_the_default_cost_is_argon2_cffis_recommended_one() -> None:
    # The tests swap in a cheap hasher; the deployment's own is argon2id at the library's default cost.
    used = extract_parameters(users.DEFAULT_HASHER.hash("correct horse battery"))
    default = PasswordHasher()
    assert (used.type, used.time_cost, used.memory_cost, used.parallelism) == (
        Type.ID, default.time_cost, default.memory_cost, default.parallelism)
    assert users._dummy_hash().startswith("$argon2id$v=19$m=1024,t=1,p=1$")  # the hasher in use, here the cheap one


@pytest.mark.parametrize(("role", "reads", "decides", "manages"), [
    ("viewer", True, False, False),
    ("accountant", True, True, False),
    ("admin", True, True, True),
    (None, False, False, False),
    ("owner", False, False, False),
])
def test_what_each_role_may_do(role: str | None, reads: bool, decides: bool, manages: bool) -> None:
    assert (users.can_read(role), users.can_decide(role), users.can_manage(role)) == (reads, decides, manages)


def test_email_addresses_are_lower_cased_and_checked() -> None:
    assert users.normalise_email("  Alice@Cabinet.FR ") == "alice@cabinet.fr"
    for bad in ("alice", "alice@", "@cabinet.fr", "a b@c.fr", "x@" + "a" * 250 + ".fr"):
        with pytest.raises(users.UserError):
            users.normalise_email(bad)


def test_cookies_are_signed_with_the_secret_key(tmp_path: Path) -> None:
    one = load_settings({"LETTRAGE_SECRET_KEY": "first-key-0123456789", "LETTRAGE_DATA_DIR": str(tmp_path)},
                        env_file=None)
    two = load_settings({"LETTRAGE_SECRET_KEY": "other-key-0123456789", "LETTRAGE_DATA_DIR": str(tmp_path)},
                        env_file=None)
    signed = auth.sign(one, "session", "the-key")
    assert auth.unsign(one, "session", signed) == "the-key"
    assert auth.unsign(two, "session", signed) is None  # another deployment's key
    assert auth.unsign(one, "login", signed) is None  # a login token is not a session
    assert auth.unsign(one, "session", "the-key.forged") is None
    assert auth.unsign(one, "session", None) is None


@pytest.mark.parametrize(("asked", "sent"), [
    ("/companies/acme/review", "/companies/acme/review"),
    ("/companies/acme/invoices?q=FA", "/companies/acme/invoices?q=FA"),
    ("//evil.example/", "/"),
    ("https://evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("", "/"),
    (None, "/"),
])
def test_after_login_only_a_path_of_this_site(asked: str | None, sent: str) -> None:
    assert auth.safe_next(asked) == sent


def test_language_and_local_formats() -> None:
    assert language_of(None, None) == "fr"
    assert language_of(None, "en-GB,en;q=0.9,fr;q=0.8") == "en"
    assert language_of(None, "de-DE,fr;q=0.5") == "fr"
    assert language_of("en", "fr-FR") == "en"  # the user's own choice first
    assert translator("fr")("Review queue") == "File de revue"
    assert translator("en")("Review queue") == "Review queue"
    assert translator("fr")("no such text") == "no such text"
    assert format_money(Decimal("1234567.5"), "fr") == "1\u202f234\u202f567,50\u00a0€"
    assert format_money(Decimal(-480), "en") == "-€480.00"
    assert format_money(Decimal("99.995"), "en", "CHF") == "100.00 CHF"
    assert format_money(None, "fr") == ""
    assert format_date(date(2026, 3, 2), "fr") == "02/03/2026" and format_date(date(2026, 3, 2), "en") == "2026-03-02"


def test_every_text_of_the_pages_has_its_french() -> None:
    templates = Path(auth.__file__).parent / "templates"
    texts = set()
    for template in templates.glob("*.html"):
        texts |= set(re.findall(r"""\bt\((["'])(.+?)\1\)""", template.read_text(encoding="utf-8")))
    said = {text for _quote, text in texts}
    # Messages the code hands to the templates, and the words of states and buckets.
    said |= {"Wrong email address or password.", "Too many failed attempts: wait 15 minutes and try again.",
             "The form has expired: please try again.", "Someone else decided this item meanwhile.",
             "Nothing to undo.", "You may read but not decide.", "viewer", "accountant", "admin", "open",
             "partially_paid", "paid", "overpaid", "cancelled", "credit_note", "not_due", "1-30", "31-60",
             "61-90", "90+"}
    assert len(said) > 60
    assert sorted(said - set(FRENCH)) == []
    assert all(FRENCH.values())


def test_the_aged_balance_chart_scales_bars_to_the_largest_bucket() -> None:
    buckets = {"not_due": Decimal("100.00"), "1-30": Decimal(400), "31-60": Decimal(0), "61-90": Decimal(200),
               "90+": Decimal(0)}
    bars = chart_bars(buckets)
    assert [b["bucket"] for b in bars] == ["not_due", "1-30", "31-60", "61-90", "90+"]
    assert [b["height"] for b in bars] == [40.0, 160.0, 0.0, 80.0, 0.0]
    assert {b["height"] for b in chart_bars(dict.fromkeys(buckets, Decimal(0)))} == {0.0}

"""Enable Banking as a bank feed, against a local fake of its API (tests/integration/fake_enablebanking.py) that
checks every request's JWT with the application's public key (generated here, never a key file in the
repository): the consent asked through a link for as long as the bank allows (``feeds connect``), the session
its code opens (``feeds authorize``, kept in the database), a pending line booked under another id, two genuine
identical lines, pages followed through ``continuation_key`` and a paging loop refused, 429 with Retry-After,
an expired session (401) that ``feeds status`` says to renew and ``feeds renew`` asks again, and the same payment
in a later CAMT file stored once. Run through the CLI, on SQLite and on the real PostgreSQL; the clock is the
tests' (25 November 2026), which the fake checks the tokens against."""
from __future__ import annotations

import json
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from connectors.feeds.errors import ConsentExpired, RateLimited
from connectors.feeds.model import FeedAccount
from tests.factories import Camt053, Payment
from tests.integration.fake_enablebanking import (  # noqa: F401 - the fixtures
    ACCOUNT,
    IBAN,
    SESSION,
    FakeEnableBanking,
    eb_key,
    fake_enablebanking,
    rsa_key,
)
from worker.settings import load_settings
from worker.statements.feeds import client_for
from worker.statements.feeds_config import parse_feeds

REDIRECT = "https://compta.example/retour-banque"


def setup(cli: Any, tmp_path: Path, fake: FakeEnableBanking, key: Path, aspsp: bool = True) -> None:
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    (companies / "default.toml").write_text(fake.section(key, aspsp), encoding="utf-8")
    cli.env.update({"LETTRAGE_OUTBOUND_ALLOW_HOSTS": "127.0.0.1"})


def connected(cli: Any, tmp_path: Path, fake: FakeEnableBanking, key: Path) -> None:
    setup(cli, tmp_path, fake, key)
    cli("feeds", "connect", "--redirect", REDIRECT)
    cli("feeds", "authorize", "--code", fake.issue_code())


def amounts(cli: Any) -> list[str]:
    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT amount FROM statementline ORDER BY booked_on, id")).scalars().all()
    finally:
        engine.dispose()
    return [str(Decimal(r) / 10_000) for r in rows]


def audit_kinds(cli: Any) -> list[str]:
    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT kind FROM auditevent WHERE kind LIKE 'bank_feed.%' ORDER BY id"))
                        .scalars())
    finally:
        engine.dispose()


def pull(cli: Any, ok: bool = True) -> Any:
    return json.loads(cli("feeds", "pull", "--json", ok=ok).stdout)


def client(cli: Any, fake: FakeEnableBanking, key: Path, session: str | None = SESSION,
           waits: list[float] | None = None) -> Any:
    feed = parse_feeds(tomllib.loads(fake.section(key))["feeds"])
    return client_for(feed, load_settings(dict(cli.env), env_file=None), session_id=session,
                      sleep=waits.append if waits is not None else None)


def test_connect_authorize_then_pull_booked_and_pending(cli: Any, tmp_path: Path, eb_key: tuple[Path, str],  # noqa: F811
                                                        fake_enablebanking: FakeEnableBanking) -> None:  # noqa: F811
    fake = fake_enablebanking
    setup(cli, tmp_path, fake, eb_key[0], aspsp=False)
    # no session yet: the pull says how to get one
    result = cli("feeds", "pull", ok=False)
    assert result.exit_code == 1
    assert "consent_pending: enablebanking: the account holder has not given the consent yet (ask it with " \
           "lettrage feeds connect, then authorize)" in result.stdout
    asked = cli.json("feeds", "connect", "--bank", "cic", "--country", "fr", "--redirect", REDIRECT)
    # CIC allows 15,552,000 s (180 days): the consent asked ends then, less a minute
    [auth] = fake.state.auths
    assert (auth["aspsp"], auth["psu_type"], auth["redirect_url"]) == ({"name": "CIC", "country": "FR"}, "business",
                                                                      REDIRECT)
    assert auth["access"]["valid_until"].startswith("2027-05-24T08:59:00")
    assert asked == {"company": "default", "provider": "enablebanking", "bank": "CIC", "country": "FR",
                     "link": "https://tilisy.enablebanking.com/welcome?sessionid=auth-1",
                     "consent_ends_on": "2027-05-24", "status": "pending"}
    said = cli("feeds", "status").stdout
    assert "enablebanking: a consent link waits for the account holder (until 2027-05-24): https://tilisy" in said
    # the holder comes back with a code: the session is opened and kept
    done = cli.json("feeds", "authorize", "--code", fake.issue_code())
    assert done == {"company": "default", "provider": "enablebanking", "session_id": SESSION,
                    "accounts": [{"account_ref": ACCOUNT, "iban": IBAN, "currency": "EUR"}],
                    "valid_until": "2027-05-24"}
    assert f"enablebanking session {SESSION} at CIC (FR): active, the consent ends on 2027-05-24" in \
        cli("feeds", "status").stdout
    assert audit_kinds(cli) == ["bank_feed.consent_requested", "bank_feed.session_authorized"]
    wrong = cli("feeds", "authorize", "--code", "not-a-code", ok=False)
    assert wrong.exit_code != 0 and "enablebanking: POST /sessions: the provider answered 400" in wrong.output
    # the lines: a booked one, a pending one
    fake.book("1500.00", "2026-11-20", "DUBOIS SARL", "FA-2026-00001", ref="ER-1", reference="RF18539007547034")
    fake.book("-80.00", "2026-11-21", "ORANGE", "Facture telephone", ref="ER-2")
    fake.pend("300.00", "2026-11-24", "MARTIN ET FILS", "FA-2026-00002", ref="PD-77")
    result = pull(cli)
    assert result["status"] == "ok"
    assert result["consent"] == {"status": "active", "expires_on": "2027-05-24", "link": None}
    [account] = result["accounts"]
    assert (account["account"], account["booked"], account["lines_added"], account["pending"]) == (IBAN, 2, 2, 1)
    assert amounts(cli) == ["1500", "-80"]
    assert [p["amount"] for p in cli.json("feeds", "pending")] == ["300.00"]
    [status] = cli.json("feeds", "status")
    assert (status["provider"], status["consent_expires_on"], status["renew_soon"]) == ("enablebanking",
                                                                                       "2027-05-24", False)
    # every request carried a token the fake accepted: iat at the tests' clock, one hour
    assert {(c["iat"], c["exp"] - c["iat"]) for c in fake.state.tokens} == {(1795597200, 3600)}
    # the bank books the pending line under another id: booked once, the pending list replaced
    fake.state.pending.clear()
    fake.book("300.00", "2026-11-25", "MARTIN ET FILS", "FA-2026-00002", ref="ER-3")
    [account] = pull(cli)["accounts"]
    assert (account["booked"], account["lines_added"], account["lines_skipped"], account["pending"]) == (3, 1, 2, 0)
    assert cli.json("feeds", "pending") == [] and amounts(cli) == ["1500", "-80", "300"]


def test_identical_genuine_lines_stay_two_and_pages_are_followed(cli: Any, tmp_path: Path,
                                                                 eb_key: tuple[Path, str],  # noqa: F811
                                                                 fake_enablebanking: FakeEnableBanking) -> None:  # noqa: F811
    fake = fake_enablebanking
    connected(cli, tmp_path, fake, eb_key[0])
    fake.state.page_size = 2
    for _ in range(2):  # two genuine identical payments, without entry references
        fake.book("250.00", "2026-11-20", "SARL ETE", "VIR ACOMPTE")
    for i in range(3):
        fake.book("10.00", f"2026-11-2{i + 1}", "CLIENT", f"FA-{i}", ref=f"ER-{i}")
    assert pull(cli)["accounts"][0]["lines_added"] == 5
    assert fake.count(f"GET /accounts/{ACCOUNT}/transactions") == 3  # three pages of two
    assert sum("continuation_key=page-" in c for c in fake.state.calls) == 2
    [account] = pull(cli)["accounts"]
    assert (account["lines_added"], account["lines_skipped"]) == (0, 5)
    assert sorted(amounts(cli)) == ["10", "10", "10", "250", "250"]
    # a key that points back at a page already read is a paging loop: the account fails, one line
    fake.loop_pages()
    result = pull(cli, ok=False)
    assert result["status"] == "failed"
    assert result["accounts"][0]["error"] == (f"enablebanking: GET /accounts/{ACCOUNT}/transactions: the pages loop "
                                              "(continuation key given twice or more than 1000 pages)")


def test_a_rate_limit_is_waited_when_short_and_reported_when_long(cli: Any, tmp_path: Path,
                                                                  eb_key: tuple[Path, str],  # noqa: F811
                                                                  fake_enablebanking: FakeEnableBanking) -> None:  # noqa: F811
    fake = fake_enablebanking
    connected(cli, tmp_path, fake, eb_key[0])
    fake.book("42.00", "2026-11-20", "DUBOIS SARL", "FA-1", ref="ER-1")
    waits: list[float] = []
    feed_client = client(cli, fake, eb_key[0], waits=waits)
    fake.rate_limit(1, "2", "/transactions")
    account = FeedAccount(ACCOUNT, IBAN)
    assert [line.provider_ref for line in feed_client.transactions(account, date(2026, 11, 1), date(2026, 11, 25))] \
        == ["ER-1"]
    assert waits == [2.0]  # Retry-After honoured
    fake.rate_limit(1, "21600", "/transactions")  # six hours to wait: reported, the next pull tries again
    result = pull(cli, ok=False)
    assert result["status"] == "failed"
    assert result["accounts"][0]["error"] == (
        f"enablebanking: GET /accounts/{ACCOUNT}/transactions: rate limit reached (the provider asks to wait "
        "21600 s): the next pull tries again")
    fake.rate_limit(4, "0", "/transactions")  # still refused after the waits it asked for
    try:
        feed_client.transactions(account, date(2026, 11, 1), date(2026, 11, 25))
    except RateLimited as exc:
        assert exc.retry_after == 0.0
    else:
        raise AssertionError("RateLimited expected")


def test_an_expired_session_stops_the_pull_and_is_renewed_with_a_new_link(
        cli: Any, tmp_path: Path, eb_key: tuple[Path, str], fake_enablebanking: FakeEnableBanking) -> None:  # noqa: F811
    fake = fake_enablebanking
    connected(cli, tmp_path, fake, eb_key[0])
    fake.book("42.00", "2026-11-20", "DUBOIS SARL", "FA-1", ref="ER-1")
    assert pull(cli)["accounts"][0]["lines_added"] == 1
    fake.expire_session()
    # the data answers 401 EXPIRED_SESSION: the access must be renewed
    try:
        client(cli, fake, eb_key[0]).transactions(FeedAccount(ACCOUNT, IBAN), date(2026, 11, 1), date(2026, 11, 25))
    except ConsentExpired as exc:
        assert str(exc).startswith(f"enablebanking: GET /accounts/{ACCOUNT}/transactions: access refused (401): "
                                   f"the session {SESSION} expired or was revoked")
    else:
        raise AssertionError("ConsentExpired expected")
    result = cli("feeds", "pull", ok=False)
    assert result.exit_code == 1
    assert f"consent_expired: enablebanking: the session {SESSION} is EXPIRED: renew the consent" in result.stdout
    [status] = cli.json("feeds", "status")
    assert status["last_status"] == "consent_expired" and status["renew_soon"] is True
    said = cli("feeds", "status").stdout
    assert "the consent expired or was refused: renew it" in said
    assert f"enablebanking session {SESSION} at CIC (FR): expired, the consent ends on 2027-05-24" in said
    [task] = [i for i in cli.json("worklist") if i["action"] == "renew_consent"]
    assert task["rank"] == 1
    # renewed at the session's bank, for as long as it allows: a new link, then a new code
    asked = cli.json("feeds", "renew", "--redirect", REDIRECT)
    assert (asked["bank"], asked["link"], asked["status"]) == (
        "CIC", "https://tilisy.enablebanking.com/welcome?sessionid=auth-2", "pending")
    said = cli("feeds", "renew", "--redirect", REDIRECT).stdout
    assert "then run lettrage feeds authorize --code CODE" in said
    fake.state.expired = False
    cli("feeds", "authorize", "--code", fake.issue_code("c0de-2"))
    assert pull(cli)["status"] == "ok"
    assert f"enablebanking session {SESSION} at CIC (FR): active" in cli("feeds", "status").stdout
    assert audit_kinds(cli).count("bank_feed.consent_requested") == 3


def test_a_token_signed_with_another_key_is_refused(cli: Any, tmp_path: Path,
                                                    fake_enablebanking: FakeEnableBanking) -> None:  # noqa: F811
    other = tmp_path / "other.pem"
    other.write_text(rsa_key()[0], encoding="utf-8")
    other.chmod(0o600)
    setup(cli, tmp_path, fake_enablebanking, other)
    result = cli("feeds", "connect", "--redirect", REDIRECT, ok=False)
    assert result.exit_code != 0 and fake_enablebanking.state.tokens == []
    assert "enablebanking: GET /aspsps: access refused (401): the application expired or was revoked, or the " \
           "application's key was refused" in result.output
    assert "Traceback" not in result.output and "PRIVATE KEY" not in result.output


def test_a_missing_or_empty_key_file_is_one_line_naming_the_key_and_the_path(
        cli: Any, tmp_path: Path, fake_enablebanking: FakeEnableBanking) -> None:  # noqa: F811
    missing = tmp_path / "nowhere.pem"
    setup(cli, tmp_path, fake_enablebanking, missing)
    result = cli("feeds", "connect", "--redirect", REDIRECT, ok=False)
    assert result.exit_code != 0
    assert f"bank feed (enablebanking): feeds.private_key_file {missing}: no such file" in result.output
    missing.write_text("   \n", encoding="utf-8")
    assert f"feeds.private_key_file {missing}: empty" in cli("feeds", "pull", ok=False).output
    missing.write_text("not a key", encoding="utf-8")
    said = cli("feeds", "connect", "--redirect", REDIRECT, ok=False).output
    assert "the private key is not an RSA private key in PEM" in said and "not a key" not in said


def test_a_bank_the_provider_does_not_know_is_named(cli: Any, tmp_path: Path, eb_key: tuple[Path, str],  # noqa: F811
                                                    fake_enablebanking: FakeEnableBanking) -> None:  # noqa: F811
    setup(cli, tmp_path, fake_enablebanking, eb_key[0], aspsp=False)
    result = cli("feeds", "connect", "--bank", "Banque Imaginaire", "--country", "FR", "--redirect", REDIRECT,
                 ok=False)
    assert "enablebanking: no bank 'Banque Imaginaire' in FR (known: CIC, Qonto)" in result.output
    assert "which bank? give --bank and --country" in cli("feeds", "connect", "--redirect", REDIRECT,
                                                          ok=False).output


def test_the_same_payment_in_a_later_camt_is_stored_once(cli: Any, tmp_path: Path, eb_key: tuple[Path, str],  # noqa: F811
                                                         fake_enablebanking: FakeEnableBanking) -> None:  # noqa: F811
    fake = fake_enablebanking
    connected(cli, tmp_path, fake, eb_key[0])
    payer = "FR7610107001011234567890129"
    fake.book("980.00", "2026-11-24", "DUBOIS", "FA-2026-00009", ref="ER-9", iban=payer)
    pull(cli)
    statement = tmp_path / "releve.xml"
    statement.write_bytes(Camt053([Payment("BQ-9", date(2026, 11, 24), Decimal("980.00"), "Dubois SARL",
                                           "FA-2026-00009", payer_iban=payer),
                                   Payment("BQ-10", date(2026, 11, 24), Decimal("980.00"), "Dubois SARL",
                                           "FA-2026-00010", payer_iban="FR7630001007941234567890185")],
                                  iban=IBAN, statement_id="S-9").render())
    outcome = cli.json("statements", "import", str(statement))
    outcome = outcome[0] if isinstance(outcome, list) else outcome
    assert (outcome["lines_added"], outcome["lines_skipped"]) == (1, 1)
    assert amounts(cli) == ["980", "980"]

"""GoCardless Bank Account Data as a bank feed, against a local fake of its API (tests/integration/fake_gocardless.py):
the tokens from the user secrets and their renewal, the consent's end from the end-user agreement (warned 14 days
ahead), a pending line whose id changes when booked, genuine identical lines without ids, 429 with the rate-limit
headers, an expired consent (403), and the same payment in a later CAMT file stored once by its end-to-end id.
Run through the CLI, on SQLite and on the real PostgreSQL; the clock is the tests' (25 November 2026)."""
from __future__ import annotations

import json
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests.factories import Camt053, Payment
from tests.integration.fake_gocardless import IBAN, FakeGoCardless, fake_gocardless  # noqa: F401 - the fixture
from worker.settings import load_settings
from worker.statements.feeds import client_for
from worker.statements.feeds_config import parse_feeds


def setup(cli: Any, tmp_path: Path, fake: FakeGoCardless) -> None:
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    (companies / "default.toml").write_text(fake.section(), encoding="utf-8")
    cli.env.update({**fake.environ(), "LETTRAGE_OUTBOUND_ALLOW_HOSTS": "127.0.0.1"})


def amounts(cli: Any) -> list[str]:
    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT amount FROM statementline ORDER BY booked_on, id")).scalars().all()
    finally:
        engine.dispose()
    return [str(Decimal(r) / 10_000) for r in rows]


def pull(cli: Any, ok: bool = True) -> Any:
    return json.loads(cli("feeds", "pull", "--json", ok=ok).stdout)


def test_booked_lines_in_pending_apart_and_the_consent_end_warned(cli: Any, tmp_path: Path,
                                                                 fake_gocardless: FakeGoCardless) -> None:  # noqa: F811
    setup(cli, tmp_path, fake_gocardless)
    fake_gocardless.book("1500.00", "2026-11-20", "DUBOIS SARL", "FA-2026-00001", ident="T-1")
    fake_gocardless.pend("300.00", "2026-11-24", "MARTIN ET FILS", "FA-2026-00002", ident="PDNG-77")
    result = pull(cli)
    assert result["status"] == "ok"
    # accepted on 1 September for 90 days: the access ends on 30 November
    assert result["consent"]["status"] == "active" and result["consent"]["expires_on"] == "2026-11-30"
    [account] = result["accounts"]
    assert (account["account"], account["booked"], account["lines_added"], account["pending"]) == (IBAN, 1, 1, 1)
    assert [p["amount"] for p in cli.json("feeds", "pending")] == ["300.00"]
    [status] = cli.json("feeds", "status")
    assert (status["consent_expires_on"], status["consent_days_left"], status["renew_soon"]) == ("2026-11-30", 5,
                                                                                               True)
    assert "the consent ends on 2026-11-30 (5 days, warned 14 days ahead): renew it" in cli("feeds", "status").stdout
    # the worklist's first row: the bank access to renew, with its end date
    [task] = [i for i in cli.json("worklist") if i["action"] == "renew_consent"]
    assert (task["rank"], task["customer"], task["reason"]) == (
        1, "bank feed gocardless", (f"the gocardless bank feed's consent ends on 2026-11-30 ({IBAN}): renew it "
                                    "before, or the feed stops and the reminders wait for fresh bank data"))
    # one token for the whole pull, from the user secrets
    assert fake_gocardless.count("POST /api/v2/token/new/") == 1
    # the bank books the pending line under another id: it is booked once, the pending list replaced
    fake_gocardless.state.pending.clear()
    fake_gocardless.book("300.00", "2026-11-25", "MARTIN ET FILS", "FA-2026-00002", ident="T-2")
    [account] = pull(cli)["accounts"]
    assert (account["booked"], account["lines_added"], account["lines_skipped"], account["pending"]) == (2, 1, 1, 0)
    assert cli.json("feeds", "pending") == [] and amounts(cli) == ["1500", "300"]


def test_identical_lines_without_ids_stay_two_and_are_not_added_again(cli: Any, tmp_path: Path,
                                                                      fake_gocardless: FakeGoCardless) -> None:  # noqa: F811
    setup(cli, tmp_path, fake_gocardless)
    for _ in range(2):
        fake_gocardless.book("250.00", "2026-11-20", "SARL ETE", "VIR ACOMPTE")
    assert pull(cli)["accounts"][0]["lines_added"] == 2
    [account] = pull(cli)["accounts"]
    assert (account["lines_added"], account["lines_skipped"]) == (0, 2)
    assert amounts(cli) == ["250", "250"]


def test_an_expired_access_token_is_renewed_and_an_expired_consent_stops_the_pull(
        cli: Any, tmp_path: Path, fake_gocardless: FakeGoCardless) -> None:  # noqa: F811
    setup(cli, tmp_path, fake_gocardless)
    fake_gocardless.book("42.00", "2026-11-20", "DUBOIS SARL", "FA-1", ident="T-1")
    # the client itself: a 401 on an expired access token is tried again once with a renewed one
    feed = parse_feeds(tomllib.loads(fake_gocardless.section())["feeds"])
    client = client_for(feed, load_settings(dict(cli.env), env_file=None))
    client.consent()
    fake_gocardless.expire_tokens()
    assert [a.iban for a in client.accounts()] == [IBAN]
    assert fake_gocardless.count("POST /api/v2/token/refresh/") == 1
    assert pull(cli)["accounts"][0]["lines_added"] == 1
    fake_gocardless.expire_consent()
    result = cli("feeds", "pull", ok=False)
    assert result.exit_code == 1
    assert "consent_expired: gocardless: the consent expired (requisition " in result.stdout
    [status] = cli.json("feeds", "status")
    assert status["last_status"] == "consent_expired" and status["renew_soon"] is True
    # renewed at the same bank for as long as it allows: the link the account holder follows
    asked = cli.json("feeds", "renew", "--redirect", "https://compta.example/retour")
    agreement, requisition = fake_gocardless.state.created
    assert (agreement["institution_id"], agreement["max_historical_days"], agreement["access_valid_for_days"]) == (
        "CIC_CMCIFRPP", 730, 180)
    assert (requisition["agreement"], requisition["redirect"]) == (agreement["id"], "https://compta.example/retour")
    assert asked == {"company": "default", "provider": "gocardless", "requisition_id": requisition["id"],
                     "link": requisition["link"], "status": "pending"}
    said = cli("feeds", "renew", "--redirect", "https://compta.example/retour").stdout
    assert 'then set requisition_id = "req-4" in the [feeds] section' in said


def test_a_rate_limit_is_waited_when_short_and_reported_when_long(cli: Any, tmp_path: Path,
                                                                  fake_gocardless: FakeGoCardless) -> None:  # noqa: F811
    setup(cli, tmp_path, fake_gocardless)
    fake_gocardless.book("42.00", "2026-11-20", "DUBOIS SARL", "FA-1", ident="T-1")
    fake_gocardless.rate_limit(1, "0")
    assert pull(cli)["accounts"][0]["lines_added"] == 1
    fake_gocardless.rate_limit(1, "21600", "/transactions/")  # six hours to wait
    result = pull(cli, ok=False)
    [account] = result["accounts"]
    assert result["status"] == "failed" and account["status"] == "failed"
    assert account["error"] == ("gocardless: GET /api/v2/accounts/7e944232-bda9-40bc-b784-660c7ab5fe78/transactions/: "
                                "rate limit reached (the provider asks to wait 21600 s): the next pull tries again")


def test_the_same_payment_in_a_later_camt_is_stored_once_by_its_end_to_end_id(
        cli: Any, tmp_path: Path, fake_gocardless: FakeGoCardless) -> None:  # noqa: F811
    setup(cli, tmp_path, fake_gocardless)
    # the feed dates it by its settlement, the bank's file by its booking the next day; the names differ
    fake_gocardless.book("980.00", "2026-11-23", "DUBOIS", "FA-2026-00009", ident="T-9", end_to_end="E2E-BQ-9")
    pull(cli)
    statement = tmp_path / "releve.xml"
    statement.write_bytes(Camt053([Payment("BQ-9", date(2026, 11, 24), Decimal("980.00"), "Dubois SARL",
                                           "FA-2026-00009"),
                                   Payment("BQ-10", date(2026, 11, 24), Decimal("980.00"), "Dubois SARL",
                                           "FA-2026-00010")], iban=IBAN, statement_id="S-9").render())
    outcome = cli.json("statements", "import", str(statement))
    outcome = outcome[0] if isinstance(outcome, list) else outcome
    assert (outcome["lines_added"], outcome["lines_skipped"]) == (1, 1)
    assert amounts(cli) == ["980", "980"]

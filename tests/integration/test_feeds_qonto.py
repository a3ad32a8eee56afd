"""Qonto as a bank feed, against a local fake of its Business API (tests/integration/fake_qonto.py): pending then
completed, paging and a paging loop, 429 with Retry-After, 401, two genuine identical payments, and the same payment
pulled by the feed and brought by a CAMT file stored once, whichever comes first. Run through the CLI, on SQLite and
on the real PostgreSQL; the clock is the tests' (25 November 2026)."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests.factories import Camt053, Payment
from tests.integration.fake_qonto import ACCOUNT_ID, IBAN, FakeQonto, fake_qonto  # noqa: F401 - the fixture


def setup(cli: Any, tmp_path: Path, fake: FakeQonto, extra: str = "") -> None:
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    (companies / "default.toml").write_text(fake.section() + extra, encoding="utf-8")
    cli.env.update({**fake.environ(), "LETTRAGE_OUTBOUND_ALLOW_HOSTS": "127.0.0.1"})


def stored(cli: Any) -> list[tuple[str, str, str]]:
    """Every stored line: its bank ref, booked day and amount."""
    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT bank_ref, booked_on, amount FROM statementline ORDER BY id")).all()
    finally:
        engine.dispose()
    return [(r[0], str(r[1]), str(Decimal(r[2]) / 10_000)) for r in rows]


def pull(cli: Any, ok: bool = True) -> Any:
    result = cli("feeds", "pull", "--json", ok=ok)
    return json.loads(result.stdout)


def test_a_pending_line_is_shown_apart_then_booked_once(cli: Any, tmp_path: Path,
                                                       fake_qonto: FakeQonto) -> None:  # noqa: F811
    setup(cli, tmp_path, fake_qonto)
    fake_qonto.add(150000, "credit", "DUBOIS SARL", reference="FA-2026-00001")
    waiting = fake_qonto.add(30000, "credit", "MARTIN ET FILS", status="pending")
    first = pull(cli)
    assert first["status"] == "ok" and first["consent"] == {"status": "active", "expires_on": None, "link": None}
    [account] = first["accounts"]
    assert (account["account"], account["booked"], account["lines_added"], account["pending"]) == (IBAN, 1, 1, 1)
    assert (account["since"], account["until"], account["covered_through"]) == ("2026-08-27", "2026-11-25",
                                                                                "2026-11-24")
    [pending] = cli.json("feeds", "pending")
    assert (pending["amount"], pending["counterparty"], pending["transaction_on"]) == ("300.00", "MARTIN ET FILS",
                                                                                     "2026-11-19")
    assert stored(cli) == [(f"qonto:{fake_qonto.state.transactions[0]['id']}", "2026-11-20", "1500")]
    # the bank books it (same id): the next pull adds it once and the pending list empties
    fake_qonto.settle(waiting, "2026-11-25T07:15:00.000Z")
    second = pull(cli)
    [account] = second["accounts"]
    assert (account["since"], account["booked"], account["lines_added"], account["lines_skipped"],
            account["pending"]) == ("2026-11-19", 2, 1, 1, 0)
    assert cli.json("feeds", "pending") == []
    assert [r[1:] for r in stored(cli)] == [("2026-11-20", "1500"), ("2026-11-25", "300")]
    # the completed lines were asked for the window, the pending ones apart, with the organisation's key
    completed = [c for c in fake_qonto.transaction_calls() if "status%5B%5D=completed" in c]
    assert "settled_at_from=2026-11-19T00%3A00%3A00.000Z" in completed[-1]
    assert f"bank_account_id={ACCOUNT_ID}" in completed[-1]


def test_every_page_is_read_and_a_paging_loop_is_refused(cli: Any, tmp_path: Path,
                                                         fake_qonto: FakeQonto) -> None:  # noqa: F811
    setup(cli, tmp_path, fake_qonto)
    for i in range(230):
        fake_qonto.add(1000 + i, "credit", f"CLIENT {i}", settled_at=f"2026-11-{1 + i % 20:02d}T10:00:00.000Z")
    [account] = pull(cli)["accounts"]
    assert (account["booked"], account["lines_added"]) == (230, 230)
    pages = [c for c in fake_qonto.transaction_calls() if "status%5B%5D=completed" in c]
    assert [c.split("current_page=")[1] for c in pages] == ["1", "2", "3"]
    fake_qonto.loop_pages()  # the last page points back at page 1
    result = pull(cli, ok=False)
    [account] = result["accounts"]
    assert result["status"] == "failed" and account["status"] == "failed"
    assert "pages loop" in account["error"]
    assert len(stored(cli)) == 230


def test_a_429_is_waited_out_when_short_and_reported_when_long(cli: Any, tmp_path: Path,
                                                              fake_qonto: FakeQonto) -> None:  # noqa: F811
    setup(cli, tmp_path, fake_qonto)
    fake_qonto.add(4200, "credit", "DUBOIS SARL")
    fake_qonto.fail_next(2, 429, "0")
    assert pull(cli)["accounts"][0]["lines_added"] == 1
    assert fake_qonto.state.calls[0] == fake_qonto.state.calls[2]  # the same request, asked again
    fake_qonto.fail_next(1, 429, "3600")
    result = cli("feeds", "pull", ok=False)
    assert result.exit_code == 1
    assert "rate limit reached (the provider asks to wait 3600 s): the next pull tries again" in result.stdout


def test_the_provider_is_reached_through_the_outbound_guard(cli: Any, tmp_path: Path,
                                                           fake_qonto: FakeQonto) -> None:  # noqa: F811
    """The fake listens on 127.0.0.1: without the operator's allow-list the guard refuses it, nothing is sent."""
    setup(cli, tmp_path, fake_qonto)
    del cli.env["LETTRAGE_OUTBOUND_ALLOW_HOSTS"]
    result = cli("feeds", "pull", ok=False)
    assert result.exit_code == 1
    assert "failed: qonto: GET /v2/organization: 127.0.0.1: refused: internal address (loopback)" in result.stdout
    assert fake_qonto.state.calls == []


def test_a_refused_key_says_so_in_one_line_without_the_secret(cli: Any, tmp_path: Path,
                                                              fake_qonto: FakeQonto) -> None:  # noqa: F811
    setup(cli, tmp_path, fake_qonto)
    fake_qonto.add(4200, "credit", "DUBOIS SARL")
    pull(cli)
    cli.env["LETTRAGE_QONTO_SECRET_KEY"] = "revoked-key-0000"
    result = cli("feeds", "pull", ok=False)
    assert result.exit_code == 1
    assert "consent_expired: qonto: the organisation's key was refused (401)" in result.stdout
    assert "revoked-key-0000" not in result.stdout + result.stderr
    [status] = cli.json("feeds", "status")
    assert (status["last_status"], status["renew_soon"], status["covered_through"]) == ("consent_expired", True,
                                                                                      "2026-11-24")
    renew = cli("feeds", "renew", "--redirect", "https://compta.example/retour", ok=False)
    assert renew.exit_code == 1 and "qonto: an organisation key has no consent to renew: generate a new key" in \
        renew.stdout + renew.stderr
    del cli.env["LETTRAGE_QONTO_SECRET_KEY"]
    missing = cli("feeds", "pull", ok=False)
    assert missing.exit_code == 1 and "credentials missing: set LETTRAGE_QONTO_SECRET_KEY" in missing.stdout \
        + missing.stderr


def test_two_genuine_identical_payments_stay_two_and_a_camt_of_the_same_days_adds_only_what_is_new(
        cli: Any, tmp_path: Path, fake_qonto: FakeQonto) -> None:  # noqa: F811
    setup(cli, tmp_path, fake_qonto)
    for _ in range(2):  # the same customer pays the same amount twice on the same day: two Qonto ids
        fake_qonto.add(25000, "credit", "SARL ETE", settled_at="2026-11-20T09:00:00.000Z")
    fake_qonto.add(12345, "credit", "DUBOIS SARL", settled_at="2026-11-21T09:00:00.000Z")
    [account] = pull(cli)["accounts"]
    assert (account["booked"], account["lines_added"]) == (3, 3)
    # the bank's CAMT of the same days: its own ids, the same payments, and one more
    statement = tmp_path / "releve.xml"
    statement.write_bytes(Camt053([Payment("BQ-1", date(2026, 11, 20), Decimal("250.00"), "SARL Été", "VIR ACOMPTE"),
                                   Payment("BQ-2", date(2026, 11, 20), Decimal("250.00"), "SARL Été", "VIR ACOMPTE"),
                                   Payment("BQ-3", date(2026, 11, 21), Decimal("123.45"), "Dubois SARL", "FA-7"),
                                   Payment("BQ-4", date(2026, 11, 21), Decimal("80.00"), "Martin", "FA-9")],
                                  iban=IBAN, statement_id="S-11").render())
    outcome = cli.json("statements", "import", str(statement))
    outcome = outcome[0] if isinstance(outcome, list) else outcome
    assert (outcome["lines_added"], outcome["lines_skipped"]) == (1, 3)
    assert any("already stored from a bank feed" in w for w in outcome["warnings"])
    assert sorted(r[2] for r in stored(cli)) == ["123.45", "250", "250", "80"]


def test_a_camt_first_then_the_feed_stores_each_payment_once(cli: Any, tmp_path: Path,
                                                            fake_qonto: FakeQonto) -> None:  # noqa: F811
    setup(cli, tmp_path, fake_qonto)
    statement = tmp_path / "releve.xml"
    statement.write_bytes(Camt053([Payment("BQ-1", date(2026, 11, 20), Decimal("1500.00"), "Dubois SARL",
                                           "FA-2026-00001")], iban=IBAN, statement_id="S-12").render())
    cli.json("statements", "import", str(statement))
    fake_qonto.add(150000, "credit", "DUBOIS SARL", settled_at="2026-11-20T09:30:00.000Z")
    fake_qonto.add(9900, "debit", "OVH", settled_at="2026-11-23T09:30:00.000Z")
    [account] = pull(cli)["accounts"]
    assert (account["booked"], account["lines_added"], account["lines_skipped"]) == (2, 1, 1)
    assert sorted(r[2] for r in stored(cli)) == ["-99", "1500"]


def test_the_feed_counts_for_the_bank_data_freshness(cli: Any, tmp_path: Path,
                                                     fake_qonto: FakeQonto) -> None:  # noqa: F811
    """A pull on Wednesday 25 November covers Tuesday the 24th even when the last line was booked on the 2nd."""
    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.statements.freshness_queries import account_coverage

    setup(cli, tmp_path, fake_qonto)
    fake_qonto.add(150000, "credit", "DUBOIS SARL", settled_at="2026-11-02T09:30:00.000Z")
    pull(cli)
    engine = make_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with unit_of_work(engine) as session:
            [coverage] = account_coverage(Repository(session, resolve_company(session, None)))
    finally:
        engine.dispose()
    assert (coverage.last_booked, coverage.last_pulled, coverage.latest) == (
        date(2026, 11, 2), date(2026, 11, 24), date(2026, 11, 24))


def test_the_sync_pulls_the_feed_before_matching(cli: Any, tmp_path: Path,
                                                 fake_qonto: FakeQonto) -> None:  # noqa: F811
    setup(cli, tmp_path, fake_qonto)
    fake_qonto.add(150000, "credit", "DUBOIS SARL", reference="FA-2026-00001")
    summary = cli.json("sync", "--no-send")
    assert summary["lines_added"] == 1 and summary["source_errors"] == []
    [feed] = [f for f in summary["files"] if f["format"] == "feed:qonto"]
    assert feed["accounts"] == [IBAN] and feed["lines_added"] == 1

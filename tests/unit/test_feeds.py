"""Bank feeds, the pure part: each provider's answers read into feed records, the rule that pairs a line a feed
pulled with the same line in a statement file, the ``[feeds]`` section's checks, and the scripted memory feed."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from connectors.feeds import gocardless, qonto
from connectors.feeds.errors import ConsentExpired, FeedAnswerError
from connectors.feeds.identity import LineKey, same_payments
from connectors.feeds.memory import MemoryFeed
from connectors.feeds.model import Consent, FeedAccount, FeedLine
from worker.errors import ConfigurationError
from worker.statements.feeds_config import parse_feeds


def qonto_item(**kw: object) -> dict[str, object]:
    item: dict[str, object] = {"id": "t-1", "amount_cents": 150000, "amount": Decimal("1500.00"), "side": "credit",
                               "currency": "EUR", "label": "DUBOIS SARL", "settled_at": "2026-11-20T23:30:00.000Z",
                               "emitted_at": "2026-11-19T16:00:00.000Z", "status": "completed",
                               "reference": "FA-2026-00001"}
    item.update(kw)
    return item


def test_qonto_lines_signed_by_side_dated_in_paris_and_declined_ones_left_out() -> None:
    page = qonto.transactions({"transactions": [
        qonto_item(),
        qonto_item(id="t-2", side="debit", amount_cents=9990, status="completed",
                   transfer={"counterparty_account_number": "FR7630006000011234567890189",
                             "counterparty_account_number_format": "IBAN"}),
        qonto_item(id="t-3", status="pending", settled_at=None),
        qonto_item(id="t-4", status="declined")], "meta": {"current_page": 1, "next_page": 2}})
    credit, debit, pending = page.lines
    # settled at 23:30 UTC on the 20th: the 21st in Paris, the day the bank's statement books it
    assert (credit.amount, credit.booked_on, credit.status, credit.text) == (Decimal(1500), date(2026, 11, 21),
                                                                             "booked", "DUBOIS SARL FA-2026-00001")
    assert (debit.amount, debit.counterparty_iban) == (Decimal("-99.9"), "FR7630006000011234567890189")
    assert (pending.status, pending.booked_on, pending.transaction_on) == ("pending", None, date(2026, 11, 19))
    assert page.next_cursor == "2"


def test_qonto_answers_of_the_wrong_shape_are_named() -> None:
    with pytest.raises(FeedAnswerError, match=r"transactions\[0\]: side must be credit or debit"):
        qonto.transactions({"transactions": [qonto_item(side="both")]})
    with pytest.raises(FeedAnswerError, match="a completed transaction without settled_at"):
        qonto.transactions({"transactions": [qonto_item(settled_at=None)]})
    with pytest.raises(FeedAnswerError, match="organization.bank_accounts missing"):
        qonto.accounts({"organization": {}})


def test_qonto_accounts_and_balances() -> None:
    answer = {"organization": {"bank_accounts": [
        {"id": "a-1", "iban": "FR7616958000012345678901204", "currency": "EUR", "balance_cents": 1234567,
         "authorized_balance_cents": 1200000, "name": "Principal", "status": "active"},
        {"id": "a-2", "iban": "FR00", "status": "closed"}]}}
    assert qonto.accounts(answer) == [FeedAccount("a-1", "FR7616958000012345678901204", "EUR", "Principal")]
    assert [(b.kind, b.amount) for b in qonto.balances(answer, "a-1")] == [("booked", Decimal("12345.67")),
                                                                          ("available", Decimal(12000))]


def test_gocardless_lines_ids_derived_when_missing_and_the_consent_end() -> None:
    twin = {"bookingDate": "2026-11-20", "transactionAmount": {"amount": "250.00", "currency": "EUR"},
            "debtorName": "SARL ETE", "remittanceInformationUnstructured": "VIR ACOMPTE"}
    lines = gocardless.transactions({"transactions": {
        "booked": [twin, dict(twin), {**twin, "transactionId": "T-9", "endToEndId": "E2E-9",
                                      "transactionAmount": {"amount": "-12.50", "currency": "EUR"},
                                      "creditorName": "BOULANGERIE", "creditorAccount": {"iban": "FR76 3000"}}],
        "pending": [{"valueDate": "2026-11-24", "transactionAmount": {"amount": "300.00", "currency": "EUR"},
                     "debtorName": "MARTIN"}]}})
    first, second, debit, pending = lines
    assert first.provider_ref != second.provider_ref and first.provider_ref.startswith("gc:")
    assert (debit.provider_ref, debit.counterparty, debit.counterparty_iban, debit.end_to_end_id) == (
        "T-9", "BOULANGERIE", "FR76 3000", "E2E-9")
    assert (pending.status, pending.booked_on, pending.transaction_on) == ("pending", None, date(2026, 11, 24))
    # the same answer again gives the same ids: a second pull adds nothing
    again = gocardless.transactions({"transactions": {"booked": [twin, dict(twin)], "pending": []}})
    assert [a.provider_ref for a in again] == [first.provider_ref, second.provider_ref]
    consent = gocardless.consent({"id": "r-1", "status": "LN", "link": "https://ob.example/r-1"},
                                 {"accepted": "2026-09-01T10:00:00Z", "access_valid_for_days": 180})
    assert consent == Consent("gocardless", "active", date(2027, 2, 28), "r-1", "https://ob.example/r-1")
    assert gocardless.consent({"id": "r-1", "status": "EX"}, None).status == "expired"
    assert gocardless.consent({"id": "r-1", "status": "CR"}, None).status == "pending"


def key(ref: str, day: int, amount: str, *, e2e: str | None = None, iban: str | None = None,
        party: str | None = None, text: str = "") -> LineKey:
    return LineKey(ref, date(2026, 11, day), Decimal(amount), e2e, iban, party, text)


def test_the_same_payment_across_sources_by_end_to_end_id_then_amount_day_and_payer() -> None:
    stored = [key("feed:1", 20, "250", party="SARL ÉTÉ"), key("feed:2", 20, "250", party="sarl  ete"),
              key("feed:3", 23, "980", e2e="E2E-9", party="DUBOIS"),
              key("feed:4", 21, "80", iban="FR7630006000011234567890189", party="X")]
    incoming = [key("BQ-1", 20, "250", party="SARL Été"), key("BQ-2", 20, "250", party="SARL ETE"),
                key("BQ-3", 20, "250", party="SARL ETE"),  # a third genuine payment: new
                key("BQ-9", 24, "980", e2e="E2E-9", party="Dubois SARL"),  # a day later, another name: same e2e
                key("BQ-4", 21, "80", iban="FR76 3000 6000 0112 3456 7890 189", party="Y"),
                key("BQ-5", 21, "80", party="X", e2e="OTHER")]
    assert same_payments(incoming, stored) == {"BQ-1": "feed:1", "BQ-2": "feed:2", "BQ-9": "feed:3",
                                               "BQ-4": "feed:4"}
    # two different end-to-end ids are two payments, whatever the rest; NOTPROVIDED is no id
    assert same_payments([key("A", 20, "250", e2e="E2E-1", party="P")],
                         [key("B", 20, "250", e2e="E2E-2", party="P")]) == {}
    assert same_payments([key("A", 20, "250", e2e="NOTPROVIDED", party="P")],
                         [key("B", 20, "250", e2e="E2E-2", party="P")]) == {"A": "B"}
    # an end-to-end id more than three days apart is not the same booking
    assert same_payments([key("A", 27, "980", e2e="E2E-9")], [key("B", 23, "980", e2e="E2E-9")]) == {}


def test_the_feeds_section_is_checked_key_by_key() -> None:
    feed = parse_feeds({"provider": "qonto", "accounts": {"acc-1": "FR76 1695 8000 0123 4567 8901 204"},
                        "overlap_days": 3})
    assert (feed.provider, feed.base_url, feed.overlap_days, feed.history_days) == (
        "qonto", "https://thirdparty.qonto.com", 3, 90)
    assert feed.accounts == (("acc-1", "FR7616958000012345678901204"),)
    assert feed.credentials({"LETTRAGE_QONTO_LOGIN": "org-1", "LETTRAGE_QONTO_SECRET_KEY": "k"}) == {
        "login": "org-1", "secret_key": "k"}
    assert "k" not in repr(feed)
    with pytest.raises(ConfigurationError, match="credentials missing: set LETTRAGE_QONTO_SECRET_KEY"):
        feed.credentials({"LETTRAGE_QONTO_LOGIN": "org-1"})
    for raw, message in [({"provider": "bnp"}, "feeds.provider must be one of enablebanking, gocardless, qonto"),
                         ({"provider": "qonto", "secret_key_env": "QONTO_KEY"}, "must name a LETTRAGE_"),
                         ({"provider": "qonto", "secret_id_env": "LETTRAGE_X"}, "not a credential of qonto"),
                         ({"provider": "gocardless"}, "requisition_id is required"),
                         ({"provider": "qonto", "overlap_days": 31}, "from 0 to 30"),
                         ({"provider": "qonto", "base_url": "ftp://x"}, "http:// or https://"),
                         ({"provider": "qonto", "token": "x"}, "unknown key"),
                         ({"provider": "qonto", "accounts": {"a": 1}}, "feeds.accounts must map")]:
        with pytest.raises(ConfigurationError, match=message):
            parse_feeds(raw)


def test_the_memory_feed_answers_its_window_and_its_consent() -> None:
    account = FeedAccount("m-1", "FR7616958000012345678901204")
    booked = FeedLine("1", "booked", Decimal(10), "EUR", date(2026, 11, 2))
    old = FeedLine("0", "booked", Decimal(5), "EUR", date(2026, 10, 1))
    pending = FeedLine("2", "pending", Decimal(7), "EUR", None)
    feed = MemoryFeed([account], {"m-1": [old, booked, pending]})
    assert list(feed.transactions(account, date(2026, 11, 1), date(2026, 11, 25))) == [booked, pending]
    feed.consent_given = Consent("memory", "expired", date(2026, 11, 1))
    with pytest.raises(ConsentExpired):
        feed.accounts()


def test_consent_warnings_group_each_provider_s_accounts_to_renew(monkeypatch: pytest.MonkeyPatch) -> None:
    """One warning per provider (the worklist's renew_consent row and the weekly report's "bank feeds to renew"):
    from 14 days before the consent's earliest end (14 days left: warned), or at once when an access was refused."""
    from types import SimpleNamespace

    from worker.db.feed_tables import FeedAccountState
    from worker.statements import feeds, feeds_queries

    states = [FeedAccountState(company_id=1, provider="gocardless", account_ref="a", bank_account_id=1,
                               last_status="ok", consent_expires_on=date(2026, 12, 10)),
              FeedAccountState(company_id=1, provider="gocardless", account_ref="b", bank_account_id=2,
                               last_status="ok", consent_expires_on=date(2026, 12, 5)),
              FeedAccountState(company_id=1, provider="qonto", account_ref="q", last_status="ok"),
              FeedAccountState(company_id=1, provider="other", account_ref="o", last_status="consent_expired")]
    monkeypatch.setattr(feeds_queries, "account_states", lambda repo: states)
    repo = SimpleNamespace(bank_accounts=lambda: [SimpleNamespace(id=1, identifier="FR76A"),
                                                  SimpleNamespace(id=2, identifier="FR76B")])
    assert feeds.consent_warnings(repo, date(2026, 11, 20)) == [  # type: ignore[arg-type]
        feeds.ConsentWarning("other", ("o",), None, True)]
    gocardless_, other = feeds.consent_warnings(repo, date(2026, 11, 25))  # type: ignore[arg-type]
    assert (gocardless_.provider, gocardless_.accounts, gocardless_.ends, gocardless_.refused) == (
        "gocardless", ("FR76B",), date(2026, 12, 5), False)
    assert gocardless_.renew == "lettrage feeds renew --redirect https://…" and "ends on 2026-12-05" in \
        gocardless_.reason
    assert other.refused and "access was refused" in other.reason and "new other key" in other.renew
    both = feeds.consent_warnings(repo, date(2026, 11, 26))[0]  # type: ignore[arg-type]
    assert both.accounts == ("FR76A", "FR76B") and both.ends == date(2026, 12, 5)

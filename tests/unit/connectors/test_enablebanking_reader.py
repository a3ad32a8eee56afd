"""Enable Banking's answers read into feed records (connectors/feeds/enablebanking.py), as its API reference
documents them (https://enablebanking.com/docs/api/reference/: ``Transaction``, ``HalTransactions``,
``AuthorizeSessionResponse``, ``GetSessionResponse``, ``ASPSPData``, ``BalanceResource``), and the ``[feeds]``
section's Enable Banking keys and ``*_file`` credentials (worker/statements/feeds_config.py)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.feeds import enablebanking
from connectors.feeds.errors import FeedAnswerError
from connectors.feeds.model import Consent, FeedAccount
from worker.errors import ConfigurationError
from worker.statements.feeds_config import parse_feeds


def item(**kw: object) -> dict[str, object]:
    found: dict[str, object] = {
        "entry_reference": "5561990681", "transaction_amount": {"currency": "EUR", "amount": "1500.00"},
        "credit_debit_indicator": "CRDT", "status": "BOOK", "booking_date": "2026-11-20",
        "value_date": "2026-11-21", "transaction_date": "2026-11-19", "debtor": {"name": "DUBOIS SARL"},
        "debtor_account": {"iban": "FR76 3000 4000 0312 3456 7890 143"}, "creditor": {"name": "ATELIER LUMIERE"},
        "remittance_information": ["FA-2026-00001", "acompte"], "reference_number": "RF18539007547034",
        "transaction_id": "volatile-1"}
    found.update(kw)
    return found


def test_lines_signed_by_their_side_the_payer_of_a_credit_and_the_payee_of_a_debit() -> None:
    page = enablebanking.transactions({"transactions": [
        item(),
        item(entry_reference="5561990682", credit_debit_indicator="DBIT",
             transaction_amount={"currency": "EUR", "amount": "99.90"}, creditor={"name": "ORANGE"},
             creditor_account={"iban": "FR7630006000011234567890189"}),
        item(entry_reference=None, status="PDNG", booking_date=None),
        item(entry_reference="x-4", status="CNCL"), item(entry_reference="x-5", status="RJCT"),
        item(entry_reference="x-6", status="HOLD")], "continuation_key": "k-2"})
    credit, debit, pending = page.lines
    assert (credit.provider_ref, credit.amount, credit.status, credit.booked_on, credit.value_on,
            credit.transaction_on) == ("5561990681", Decimal("1500.00"), "booked", date(2026, 11, 20),
                                       date(2026, 11, 21), date(2026, 11, 19))
    assert (credit.counterparty, credit.counterparty_iban, credit.text, credit.reference) == (
        "DUBOIS SARL", "FR7630004000031234567890143", "FA-2026-00001 acompte", "RF18539007547034")
    assert (debit.amount, debit.counterparty, debit.counterparty_iban) == (
        Decimal("-99.90"), "ORANGE", "FR7630006000011234567890189")
    # no entry reference: the transaction id (it "may change if the list is retrieved again": a last resort)
    assert (pending.status, pending.booked_on, pending.provider_ref) == ("pending", None, "volatile-1")
    assert page.next_cursor == "k-2"
    assert enablebanking.transactions({"transactions": [], "continuation_key": None}).next_cursor is None


def test_identical_lines_without_any_id_get_distinct_stable_ids() -> None:
    twins = [item(entry_reference=None, transaction_id=None) for _ in range(2)]
    first = [line.provider_ref for line in enablebanking.transactions({"transactions": twins}).lines]
    again = [line.provider_ref for line in enablebanking.transactions({"transactions": twins}).lines]
    assert len(set(first)) == 2 and first == again and first[0].startswith("eb:")


def test_answers_of_the_wrong_shape_are_named() -> None:
    with pytest.raises(FeedAnswerError, match=r"transactions\[0\]: credit_debit_indicator must be CRDT or DBIT"):
        enablebanking.transactions({"transactions": [item(credit_debit_indicator="+")]})
    with pytest.raises(FeedAnswerError, match="a booked transaction without booking_date"):
        enablebanking.transactions({"transactions": [item(booking_date=None)]})
    with pytest.raises(FeedAnswerError, match="transaction_amount: not an object"):
        enablebanking.transactions({"transactions": [item(transaction_amount=None)]})
    with pytest.raises(FeedAnswerError, match="enablebanking: transactions missing"):
        enablebanking.transactions({})


def test_the_session_its_accounts_and_its_consent() -> None:
    ident, accounts, until = enablebanking.session({
        "session_id": "s-1", "aspsp": {"name": "CIC", "country": "FR"}, "psu_type": "business",
        "access": {"valid_until": "2027-05-24T09:00:00.000000+00:00"},
        "accounts": [{"uid": "u-1", "account_id": {"iban": "FR7630004000031234567890143"}, "currency": "EUR",
                      "name": "ATELIER"}, {"account_id": {"iban": "FR00"}, "currency": "EUR"}]})
    assert (ident, until) == ("s-1", date(2027, 5, 24))
    assert accounts == [FeedAccount("u-1", "FR7630004000031234567890143", "EUR", "ATELIER")]  # no uid: left out
    answer = {"status": "AUTHORIZED", "accounts": ["u-1"], "access": {"valid_until": "2027-05-24T09:00:00Z"}}
    assert enablebanking.session_consent(answer, "s-1") == Consent("enablebanking", "active", date(2027, 5, 24), "s-1")
    assert enablebanking.session_accounts(answer) == ["u-1"]
    for status, consent in (("EXPIRED", "expired"), ("REVOKED", "revoked"), ("CLOSED", "revoked"),
                            ("PENDING_AUTHORIZATION", "pending")):
        assert enablebanking.session_consent({**answer, "status": status}, "s-1").status == consent


def test_the_bank_and_the_longest_consent_it_allows() -> None:
    answer = {"aspsps": [{"name": "CIC", "country": "FR", "maximum_consent_validity": 15_552_000},
                         {"name": "Nordea", "country": "FI", "maximum_consent_validity": 7_776_000}]}
    bank = enablebanking.aspsp(answer, "cic", "fr")
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert enablebanking.consent_until(bank, now) == datetime(2027, 5, 24, 8, 59, tzinfo=UTC)
    assert enablebanking.consent_until({"name": "X"}, now).date() == date(2027, 2, 23)  # 90 days when not said
    with pytest.raises(FeedAnswerError, match=r"no bank 'Nordea' in FR \(known: CIC\)"):
        enablebanking.aspsp(answer, "Nordea", "FR")
    link = enablebanking.auth_link({"url": "https://tilisy.enablebanking.com/welcome?sessionid=a",
                                    "authorization_id": "a"}, date(2027, 5, 24))
    url = "https://tilisy.enablebanking.com/welcome?sessionid=a"
    assert (link.status, link.link, link.expires_on) == ("pending", url, date(2027, 5, 24))


def test_balances() -> None:
    [balance] = enablebanking.balances({"balances": [{"name": "Booked", "balance_type": "CLBD", "reference_date":
                                                      "2026-11-24", "balance_amount": {"currency": "EUR",
                                                                                       "amount": "12345.67"}}]})
    assert (balance.amount, balance.kind, balance.on) == (Decimal("12345.67"), "CLBD", date(2026, 11, 24))


def test_the_section_s_enable_banking_keys_and_credentials_from_files(tmp_path: Path) -> None:
    key = tmp_path / "eb.pem"
    key.write_text("  -----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n\n", encoding="utf-8")
    feed = parse_feeds({"provider": "enablebanking", "application_id": "app-1", "private_key_file": str(key),
                        "aspsp_name": "CIC", "aspsp_country": "fr"})
    assert (feed.base_url, feed.application_id, feed.aspsp_name, feed.aspsp_country) == (
        "https://api.enablebanking.com", "app-1", "CIC", "FR")
    assert feed.credentials({}) == {"private_key": "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----"}
    assert "BEGIN" not in repr(feed)
    # a *_file key for any provider's credential: read at the pull, never printed
    secret = tmp_path / "qonto"
    secret.write_text("s3cr3t\n", encoding="utf-8")
    qonto = parse_feeds({"provider": "qonto", "secret_key_file": str(secret)})
    assert qonto.credentials({"LETTRAGE_QONTO_LOGIN": "org-1"}) == {"login": "org-1", "secret_key": "s3cr3t"}
    big = tmp_path / "big"
    big.write_bytes(b"x" * (64 * 1024 + 1))
    for path, message in [(tmp_path / "none", "no such file"), (tmp_path, "not a file"), (big, "bigger than 64 KiB")]:
        feed = parse_feeds({"provider": "qonto", "secret_key_file": str(path)})
        with pytest.raises(ConfigurationError, match=f"feeds.secret_key_file {path}: {message}") as raised:
            feed.credentials({"LETTRAGE_QONTO_LOGIN": "org-1"})
        assert "xxxx" not in str(raised.value)
    secret.write_text(" \n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="feeds.secret_key_file .*: empty"):
        qonto.credentials({"LETTRAGE_QONTO_LOGIN": "org-1"})
    for raw, message in [({"provider": "enablebanking", "private_key_file": str(key)}, "application_id is required"),
                         ({"provider": "qonto", "application_id": "a"}, "for enablebanking only"),
                         ({"provider": "qonto", "secret_key_file": "relative/path"}, "absolute path"),
                         ({"provider": "qonto", "secret_key_file": str(key),
                           "secret_key_env": "LETTRAGE_QONTO_SECRET_KEY"}, "not both"),
                         ({"provider": "qonto", "private_key_file": str(key)}, "not a credential of qonto"),
                         ({"provider": "enablebanking", "application_id": "a", "aspsp_country": "FRA"},
                          "two-letter country code")]:
        with pytest.raises(ConfigurationError, match=message):
            parse_feeds(raw)

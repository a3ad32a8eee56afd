"""OFX/QFX parser against the shared fixtures (expected values from SOURCES.md)."""
from __future__ import annotations

import io
import warnings
from datetime import date
from decimal import Decimal

import pytest
from connectors_fixtures import fixture_bytes

from connectors.errors import ParseError
from connectors.model import ParsedFile
from connectors.ofx import OfxParser, read_tree

D = Decimal


def parse(relative: str) -> ParsedFile:
    return OfxParser().parse(fixture_bytes(relative), relative.rsplit("/", 1)[-1])


def test_kledg_v1_sgml_cp1252_decimal_comma_and_timezone() -> None:
    pf = parse("ofx/kledg/statement-v1.ofx")
    (st,) = pf.statements
    assert (st.account, st.currency) == ("12345678901", "EUR")
    assert [(ln.booked_on, ln.amount, ln.text, ln.bank_ref) for ln in st.lines] == [
        (date(2026, 3, 2), D("-45.90"), "CB STATION SERVICE CARTE 01/03 STATION SERVICE ÉTÉ", "2026030200001"),
        (date(2026, 3, 3), D("980.00"), "VIR RECU CLIENT THETA", "2026030300002"),
        (date(2026, 3, 4), D("-120.00"), "CHEQUE 0001234", "2026030400003"),
    ]
    assert st.lines[2].reference == "0001234"
    assert st.lines[0].counterparty == "CB STATION SERVICE"
    assert (st.closing_balance, st.closing_on) == (D("2814.10"), date(2026, 3, 10))


def test_kledg_v2_qfx_xml_payee_aggregate_and_pending_list() -> None:
    pf = parse("ofx/kledg/statement-v2.qfx")
    (st,) = pf.statements
    assert [(ln.booked_on, ln.amount, ln.text) for ln in st.lines] == [
        (date(2026, 3, 5), D("-1234.56"), "Loyer bureau Loyer mars & charges"),
        (date(2026, 3, 6), D("75.00"), "Client Iota"),  # PAYEE/NAME; -5:EST does not move the date
    ]
    assert st.lines[1].counterparty == "Client Iota"
    assert any("1 pending" in w for w in st.warnings)
    assert st.closing_balance == D("1000.00")


def test_bank_medium_sgml_unclosed_tags() -> None:
    (st,) = parse("ofx/ofxparse/bank_medium.ofx").statements
    assert (st.account, st.currency, len(st.lines)) == ("12300 000012345678", "CAD", 3)
    first = st.lines[0]
    assert (first.amount, first.counterparty, first.bank_ref) == (
        D("-6.60"), "MCDONALD'S #112", "0000123456782009040100001")
    assert (st.closing_balance, st.closing_on) == (D("382.34"), date(2009, 5, 23))


def test_checking_ten_digit_bankid() -> None:
    (st,) = parse("ofx/ofxparse/checking.ofx").statements
    assert [ln.amount for ln in st.lines] == [D("0.01"), D("-34.51"), D("-25.00")]
    assert st.closing_balance == D("100.99")


def test_anzcc_xml_prolog_with_sgml_body() -> None:
    (st,) = parse("ofx/ofxparse/anzcc.ofx").statements
    assert (st.account, st.currency) == ("1234123412341234", "AUD")
    assert [ln.amount for ln in st.lines] == [D("-5.50")]
    assert st.closing_balance == D("-123.45")


def test_suncorp_cdata() -> None:
    (st,) = parse("ofx/ofxparse/suncorp.ofx").statements
    (line,) = st.lines
    assert (line.counterparty, line.amount) == ("EFTPOS WDL HANDYWAY ALDI STORE", D("-16.85"))
    assert line.reference is None  # CHECKNUM 0 is no reference


def test_multiple_accounts_give_one_statement_each() -> None:
    pf = parse("ofx/ofxparse/multiple_accounts2.ofx")
    assert [(s.account, s.closing_balance, len(s.lines)) for s in pf.statements] == [
        ("9100", D("111"), 0), ("9200", D("222"), 0)]


def test_oca_four_transaction_lists_and_credit_card_statement() -> None:
    pf = parse("ofx/oca-bank-statement-import/test_ofx.ofx")
    bank, card = pf.statements
    assert (bank.account, bank.currency, len(bank.lines)) == ("123456", "USD", 4)
    assert bank.closing_balance == D("2156.56")
    assert (bank.lines[0].counterparty, bank.lines[0].booked_on) == ("Agrolait", date(2013, 8, 24))
    assert (card.account, card.closing_balance, card.lines) == ("123412341234", D("-562.00"), ())


def test_empty_tags_derive_a_stable_id_and_take_the_transaction_currency() -> None:
    data = fixture_bytes("ofx/ofxparse/ofx-v102-empty-tags.ofx")
    first = OfxParser().parse(data, "x.ofx").statements[0]
    again = OfxParser().parse(data, "x.ofx").statements[0]
    (line,) = first.lines
    assert first.account == "12345678"
    assert line.bank_ref.startswith("ofx:") and line.bank_ref == again.lines[0].bank_ref
    assert (line.amount, line.currency, line.text) == (D("12.34"), "AUD", "CBA:Transfer")
    assert first.closing_balance is None
    assert any("no currency" in w for w in first.warnings)


def test_fidelity_four_decimal_amounts_stay_exact() -> None:
    (st,) = parse("ofx/ofxparse/fidelity-savings.ofx").statements
    assert len(st.lines) == 4
    first, second = st.lines[:2]
    assert (first.amount, first.bank_ref, first.text) == (
        D("-1500.0000"), "X0000000000000000000001", "Check Paid #0000001001")
    assert str(second.amount) == "115.8331"


def test_nubank_missing_banktranlist_close_and_minus3_timezone() -> None:
    (st,) = parse("ofx/ofxtools/br_nubank_cc.ofx").statements
    assert st.currency == "BRL"
    assert [ln.amount for ln in st.lines] == [
        D("-13.00"), D("-162.90"), D("-33.46"), D("-9.02"), D("-103.53"), D("-959.00")]
    assert st.lines[0].booked_on == date(2024, 3, 23)
    assert st.closing_balance == D("-1280.91")


def test_stmtrs_euro_decimal_commas() -> None:
    (st,) = parse("ofx/ofxtools/stmtrs_euro.ofx").statements
    assert [ln.amount for ln in st.lines] == [D("-200.00"), D("-300.00")]
    assert (st.closing_balance, st.closing_on) == (D("200.29"), date(2005, 10, 29))
    assert st.lines[0].reference == "1000"


@pytest.mark.parametrize(("relative", "count", "ledger"), [
    ("ofx/beangulp/ofxdownload.ofx", 12, D("-2356.38")),
    ("ofx/jbms-beancount-import/amex.ofx", 3, D("-2356.38")),
    ("ofx/jbms-beancount-import/checking-emptyledgerbal.ofx", 3, None),
    ("ofx/ofxparse/fail_nice/empty_balance.ofx", 1, None),
])
def test_headerless_pretty_printed_one_line_and_empty_balances(relative: str, count: int,
                                                                ledger: Decimal | None) -> None:
    (st,) = parse(relative).statements
    assert (len(st.lines), st.closing_balance) == (count, ledger)


def test_amex_amounts() -> None:
    (st,) = parse("ofx/jbms-beancount-import/amex.ofx").statements
    assert [ln.amount for ln in st.lines] == [D("-143.94"), D("-28.05"), D("-18.76")]
    assert st.account == "379700001111222"


@pytest.mark.parametrize(("relative", "row", "reason"), [
    ("ofx/ofxparse/error_message.ofx", None, "code 2000, General Server Error"),
    ("ofx/ofxparse/fail_nice/date_missing.ofx", 1, "no posting date (DTPOSTED) ... and 2 more bad transactions"),
    ("ofx/ofxparse/fail_nice/decimal_error.ofx", 1, "invalid amount TRNAMT '$120'"),
    ("ofx/oca-bank-statement-import/test_ofx_wrong.ofx", 2, "transaction 2: no posting date (DTPOSTED); no amount"),
])
def test_bad_files_are_rejected_whole(relative: str, row: int | None, reason: str) -> None:
    name = relative.rsplit("/", 1)[-1]
    with pytest.raises(ParseError) as err:
        OfxParser().parse(fixture_bytes(relative), name)
    assert err.value.filename == name and err.value.row == row
    assert reason in err.value.reason
    assert str(err.value).startswith(name)


@pytest.mark.parametrize("relative", [
    "ofx/ofxparse/bank_medium.ofx", "ofx/ofxparse/checking.ofx", "ofx/ofxparse/suncorp.ofx",
    "ofx/ofxparse/fidelity-savings.ofx", "ofx/beangulp/ofxdownload.ofx", "ofx/jbms-beancount-import/amex.ofx",
    "ofx/oca-bank-statement-import/test_ofx.ofx", "ofx/kledg/statement-v2.qfx",
])
def test_agrees_with_ofxparse_where_ofxparse_reads_the_file(relative: str) -> None:
    """ofxparse as an oracle: same FITIDs and exactly the same Decimal amounts."""
    from ofxparse import OfxParser as Reference

    data = fixture_bytes(relative)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = Reference.parse(io.BytesIO(data), fail_fast=False)
    expected = [(t.id, t.amount) for a in ref.accounts for t in a.statement.transactions]
    ours = [(ln.bank_ref, ln.amount) for st in OfxParser().parse(data, "x").statements for ln in st.lines]
    assert ours == expected
    assert [str(a) for _, a in ours] == [str(a) for _, a in expected]


def test_reader_handles_comments_cdata_and_stray_closing_tags() -> None:
    tree = read_tree("<OFX><A><!-- <B>hidden --><C><![CDATA[x & <y>]]></C></Z><D>1</A></OFX>")
    ofx = tree.find("OFX")
    assert ofx is not None
    a = ofx.find("A")
    assert a is not None and [c.tag for c in a.children] == ["C", "D"]
    assert a.value("C") == "x & <y>" and a.value("D") == "1"


def test_latin1_declared_and_sent() -> None:
    body = ("OFXHEADER:100\nDATA:OFXSGML\nCHARSET:ISO-8859-1\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS>"
            "<CURDEF>EUR<BANKACCTFROM><ACCTID>1</BANKACCTFROM><BANKTRANLIST><STMTTRN><DTPOSTED>20260101"
            "<TRNAMT>-1,5<FITID>a<NAME>Café</STMTTRN></BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>")
    (st,) = OfxParser().parse(body.encode("latin-1"), "l.ofx").statements
    assert (st.lines[0].text, st.lines[0].amount) == ("Café", D("-1.5"))


def test_french_rib_with_key_becomes_the_iban() -> None:
    from connectors.ofx import french_iban

    assert french_iban("30006", "00001", "12345678901", "89") == "FR7630006000011234567890189"
    assert french_iban("30006", "00001", "1234567890189", "") == "FR7630006000011234567890189"
    assert french_iban("30006", "00001", "12345678901", "12") is None  # wrong key: keep the bank's id
    assert french_iban("30006", "00001", "12345678901", "") is None  # no key: not sure it is French
    assert french_iban("160000100", "00", "12345678", "") is None

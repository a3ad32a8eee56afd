"""CAMT.052/053/054 parser against the shared fixtures (expected values from SOURCES.md)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from connectors_fixtures import fixture_bytes

from connectors.camt import CamtParser
from connectors.errors import ParseError
from connectors.model import ParsedFile

D = Decimal
DARKO = "camt053/darko-mijic-iso-20022-camt-053-parser/"


def parse(relative: str, **options: bool) -> ParsedFile:
    return CamtParser(**options).parse(fixture_bytes(relative), relative.rsplit("/", 1)[-1])


def test_kledg_two_statements_batch_split_pending_skipped() -> None:
    pf = parse("camt053/kledg/camt053.xml")
    assert pf.format == "camt.053"
    first, second = pf.statements
    assert (first.account, second.account) == ("FR7630006000011234567890189", "FR7630006000019876543210123")
    assert (first.statement_id, first.currency) == ("STMT-0001", "EUR")
    got = [(ln.bank_ref, ln.booked_on, ln.value_on, ln.amount, ln.counterparty, ln.text, ln.end_to_end_id)
           for ln in first.lines]
    assert got == [
        ("BQ-0001", date(2026, 3, 2), date(2026, 3, 3), D("1250.00"), "SARL Client Exemple",
         "Facture 2026-021", "FACT-2026-021"),
        ("BQ-0002", date(2026, 3, 3), date(2026, 3, 3), D("-89.90"), "Opérateur Télécom & Fils",
         "PRLV SEPA OPERATEUR TELECOM", None),  # NOTPROVIDED is no end-to-end id
        ("BQ-0003/1", date(2026, 3, 4), date(2026, 3, 4), D("100.00"), "Adhérent Un", "Cotisation mars", "ADH-001"),
        ("BQ-0003/2", date(2026, 3, 4), date(2026, 3, 4), D("200.00"), "Adhérent Deux", "Cotisation trimestre",
         "ADH-002"),
    ]
    assert "BQ-0004" not in {ln.bank_ref for ln in first.lines}
    assert any("status PDNG skipped" in w for w in first.warnings)
    assert [ln.amount for ln in second.lines] == [D("-10.00")]
    assert first.opening_balance is None and first.closing_balance is None


def test_kledg_v08_status_code_and_pty_wrapped_name() -> None:
    pf = parse("camt053/kledg/camt053-v08.xml")
    (st,) = pf.statements
    (line,) = st.lines
    assert (line.booked_on, line.amount, line.counterparty, line.text) == (
        date(2026, 3, 6), D("-15.00"), "Parking Municipal", "Ticket 4521 Mars")
    assert len(pf.warnings) == 1 and "PDNG" in pf.warnings[0]


def test_entity_bomb_is_refused() -> None:
    with pytest.raises(ParseError) as err:
        parse("camt053/kledg/entity-bomb.xml")
    assert err.value.reason == "DOCTYPE entities are not accepted"
    assert err.value.filename == "entity-bomb.xml"


def test_oca_reversal_batch_and_unreconciled_balances() -> None:
    (st,) = parse("camt053/oca-bank-statement-import/test-camt053").statements
    assert (st.account, st.currency, st.statement_id) == ("NL77ABNA0574908765", "EUR", "1234Test/1")
    assert (st.opening_balance, st.closing_balance) == (D("15568.27"), D("15121.12"))
    assert (st.opening_on, st.closing_on) == (date(2014, 1, 5), date(2014, 1, 5))
    # ISO 20022: CdtDbtInd is the booking's direction, also on a reversal (upstream golden agrees).
    assert [ln.amount for ln in st.lines] == [D("-754.25"), D("-564.05"), D("-100.00"), D("1405.31")]
    assert st.lines[0].end_to_end_id == "435005714488-ABNO33052620"
    assert st.lines[3].end_to_end_id == "115"
    assert (st.lines[3].counterparty, st.lines[3].counterparty_iban) == ("3rd party Media", "NL69ABNA0522123643")
    assert (st.lines[0].counterparty, st.lines[0].counterparty_iban) == ("INSURANCE COMPANY TESTX",
                                                                         "NL46ABNA0499998748")
    # no AcctSvcrRef: derived ids, distinct and stable
    refs = [ln.bank_ref for ln in st.lines]
    assert all(r.startswith("camt:") for r in refs) and len(set(refs)) == 4
    again = parse("camt053/oca-bank-statement-import/test-camt053").statements[0]
    assert [ln.bank_ref for ln in again.lines] == refs
    assert any("do not reconcile" in w and "15555.28" in w for w in st.warnings)


def test_reversal_flip_is_an_explicit_option() -> None:
    (st,) = parse("camt053/oca-bank-statement-import/test-camt053", reversal_flips_sign=True).statements
    assert [ln.amount for ln in st.lines] == [D("-754.25"), D("564.05"), D("100.00"), D("1405.31")]


def test_oca_swiss_batch_with_structured_references() -> None:
    (st,) = parse("camt053/oca-bank-statement-import/test-camt053-txdtls").statements
    assert (st.account, st.currency) == ("CH1111000000123456789", "CHF")
    assert (st.opening_balance, st.closing_balance) == (D("75960.15"), D("79443.15"))
    assert [(ln.amount, ln.reference) for ln in st.lines] == [
        (D("2187.00"), "302388292000011111111111111"), (D("1296.00"), "302388292000022222222222222")]
    assert [ln.bank_ref[-2:] for ln in st.lines] == ["/1", "/2"]
    assert st.warnings == ()  # 75960.15 + 3483.00 = 79443.15


def test_statement_without_entries_keeps_its_balances() -> None:
    (st,) = parse("camt053/oca-bank-statement-import/test-camt053-no-ntry").statements
    assert (st.lines, st.opening_balance, st.closing_balance, st.currency) == ((), D("1520.76"), D("1520.76"), "CHF")


def test_booking_date_given_as_datetime_takes_its_date_part() -> None:
    (st,) = parse("camt053/oca-bank-statement-import/test-camt053-bookgdt-dttm").statements
    (line,) = st.lines
    # DtTm is 2014-01-04T23:00:00.000Z: the date part as written. (Odoo reports 2014-01-05 after a
    # time-zone conversion; the bank's zone is not in the file, so we do not guess it.)
    assert (line.booked_on, line.value_on, line.amount) == (date(2014, 1, 4), date(2014, 1, 5), D("-754.25"))


def test_camt054_notification() -> None:
    pf = parse("camt054/oca-bank-statement-import/test-camt054")
    assert pf.format == "camt.054"
    (st,) = pf.statements
    (line,) = st.lines
    assert (st.account, st.currency, line.amount, line.bank_ref) == (
        "NL77ABNA0574908765", "EUR", D("5.00"), "98888208N8")
    assert line.reference == "000000000000000000000000003"
    assert st.opening_balance is None and st.closing_balance is None


def test_camt054_batch_with_foreign_detail_amounts_stays_one_line() -> None:
    (st,) = parse("camt054/genkgo-camt/camt054.v4.xml").statements
    assert [ln.amount for ln in st.lines] == [D("-200000")]
    assert any("kept as one line" in w for w in st.warnings)


def test_camt054_booked_entry_without_any_date_is_dated_by_the_notification() -> None:
    """SOURCES.md: v08 with a UETR reference, 1 entry -200000 SEK; the entry carries no date at all."""
    pf = parse("camt054/genkgo-camt/camt054.v8-with-UETR.xml")
    (st,) = pf.statements
    assert st.account == "CH2801234000123456789"
    [line] = st.lines
    assert (line.amount, line.currency, line.booked_on) == (D("-200000"), "SEK", date(2007, 10, 18))
    assert any("without a booking or value date, dated 2007-10-18" in w for w in st.warnings)


def test_camt053_booked_entry_without_any_date_is_rejected() -> None:
    data = (b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
            b"<BkToCstmrStmt><GrpHdr><MsgId>M</MsgId><CreDtTm>2026-01-02T10:00:00</CreDtTm></GrpHdr>"
            b"<Stmt><Id>S</Id><CreDtTm>2026-01-02T10:00:00</CreDtTm><Acct><Id><IBAN>FR7630006000011234567890189"
            b"</IBAN></Id></Acct><Ntry><Amt Ccy='EUR'>1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
            b"<Sts><Cd>BOOK</Cd></Sts></Ntry></Stmt></BkToCstmrStmt></Document>")
    with pytest.raises(ParseError) as err:
        CamtParser().parse(data, "s.xml")
    assert err.value.row == 1 and "no booking date" in err.value.reason


def test_camt052_reports() -> None:
    pf = parse("camt052/genkgo-camt/camt052.v2.xml")
    assert pf.format == "camt.052"
    (st,) = pf.statements
    assert (st.account, [ln.amount for ln in st.lines]) == ("CH2801234000123456789", [D("-200000")])
    (pending,) = parse("camt052/genkgo-camt/camt052.v6.Amt-zero.xml").statements
    assert pending.lines == () and "PDNG" in pending.warnings[0]


def test_genkgo_multi_statement_reconciles() -> None:
    first, second = parse("camt053/genkgo-camt/camt053.v2.multi.statement.xml").statements
    assert (first.opening_balance, first.closing_balance, [ln.amount for ln in first.lines]) == (
        D("18.15"), D("27.00"), [D("8.85")])
    assert (second.opening_balance, second.closing_balance, [ln.amount for ln in second.lines]) == (
        D("27.00"), D("20.00"), [D("-7.00")])
    assert first.warnings == () and second.warnings == ()


def test_three_decimal_amounts_are_written_at_the_currency_decimals() -> None:
    """ISO 20022 ActiveOrHistoricCurrencyAndAmount: the fractional digits comply with ISO 4217 (EUR: 2). ``8.850`` is
    8.85 EUR, and the balances and the reconciliation warning read at two places too (issue 21, item 2)."""
    (st,) = parse("camt053/genkgo-camt/camt053.v2.five.decimals.xml").statements
    assert str(st.lines[0].amount) == "8.85"
    assert [str(b) for b in (st.opening_balance, st.closing_balance)] == ["18.15", "27.05"]
    assert any("do not reconcile: opening 18.15 + lines = 27.00, but the closing balance is 27.05" in w
               for w in st.warnings), st.warnings


def test_all_balance_types_pick_opbd_and_clbd() -> None:
    (st,) = parse("camt053/genkgo-camt/camt053.v2.all-balance-types.xml").statements
    assert (st.opening_balance, st.closing_balance) == (D("1.01"), D("4.04"))


def test_v8_structured_reference() -> None:
    (st,) = parse("camt053/genkgo-camt/camt053.v8.xml").statements
    assert [(ln.amount, ln.reference) for ln in st.lines] == [(D("8.85"), "4654654654654654")]
    (ult,) = parse("camt053/genkgo-camt/camt053.v2.minimal.ultimate.xml").statements
    assert [(ln.amount, ln.currency, ln.reference) for ln in ult.lines] == [(D("8.85"), "EUR", "4654654654654654")]


def test_balance_with_dt_and_dttm() -> None:
    (st,) = parse("camt053/genkgo-camt/camt53.only-Dt-with-DtTm.xml").statements
    assert (st.opening_balance, st.currency, st.lines) == (D("5442.09000"), "RON", ())


@pytest.mark.parametrize(("name", "statements"), [
    ("ISO20022_camt053_extended_SE_incoming_payments_incl_CB_example.xml",
     [("SEK", D("1000"), D("14384.6"), [D(880), D(690), D(220), D(4400), D(2000), D(1926), D("3268.60")])]),
    ("ISO20022_camt053_extended_SE_outgoing_payments_example.xml",
     [("SEK", D("1000000"), D("801840.88"), [D("-185594.12"), D(-11367), D(-921), D(-277)])]),
    ("camt_053_swedish_account_statement.xml",
     [("SEK", D("219456.60"), D("231403.80"), 4), ("SEK", D("527941.32"), D("527941.32"), 0),
      ("NOK", D("-96483.98"), D("-251742.98"), [D(-155259)])]),
    ("camt_053_ver2_mixed_extended_account_statement.xml", [("EUR", D("737.31"), D("83765.28"), 5)]),
    ("camt_053_ver_2_extended_se_account_swish_ecommerce.xml",
     [("SEK", D(1900), D(1929), [D(22), D(21), D(1), D(-15)])]),
    ("camt_053_ver_2_extended_uk_account.xml", [("GBP", D("6.87"), D("6.77"), [D("-1.60"), D("1.50")])]),
])
def test_handelsbanken_samples_reconcile(name: str, statements: list[tuple[str, Decimal, Decimal, object]]) -> None:
    pf = parse(DARKO + name)
    assert len(pf.statements) == len(statements)
    for st, (ccy, opening, closing, lines) in zip(pf.statements, statements, strict=True):
        assert (st.currency, st.opening_balance, st.closing_balance) == (ccy, opening, closing)
        if isinstance(lines, int):
            assert len(st.lines) == lines
        else:
            assert [ln.amount for ln in st.lines] == lines
        assert not any("reconcile" in w for w in st.warnings), st.warnings


def test_swedish_accounts_are_bban_othr_id() -> None:
    pf = parse(DARKO + "camt_053_swedish_account_statement.xml")
    assert [s.account for s in pf.statements] == ["123456789", "222333444", "45678910"]


def test_document_without_statement_is_rejected() -> None:
    with pytest.raises(ParseError) as err:
        parse("camt053/genkgo-camt/camt053.v2.wrong.xml")
    assert "no statement" in err.value.reason


def test_malformed_xml_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as err:
        CamtParser().parse(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><Stmt>', "t.xml")
    assert "not well-formed XML" in err.value.reason


def test_namespace_prefix_and_unknown_version_read_the_same() -> None:
    xml = b"""<?xml version="1.0"?>
<c:Document xmlns:c="urn:iso:std:iso:20022:tech:xsd:camt.053.001.13"><c:BkToCstmrStmt><c:Stmt><c:Id>S</c:Id>
<c:Acct><c:Id><c:Othr><c:Id>ACC-1</c:Id></c:Othr></c:Id></c:Acct>
<c:Ntry><c:NtryRef>R1</c:NtryRef><c:Amt Ccy="EUR">1.0001</c:Amt><c:CdtDbtInd>DBIT</c:CdtDbtInd>
<c:Sts><c:Cd>BOOK</c:Cd></c:Sts><c:BookgDt><c:DtTm>2026-01-02T10:00:00+01:00</c:DtTm></c:BookgDt></c:Ntry>
</c:Stmt></c:BkToCstmrStmt></c:Document>"""
    (st,) = CamtParser().parse(xml, "p.xml").statements
    assert (st.account, st.currency) == ("ACC-1", "EUR")
    assert [(ln.bank_ref, ln.amount, ln.booked_on) for ln in st.lines] == [("R1", D("-1.0001"), date(2026, 1, 2))]


def test_large_streamed_statement_reconciles() -> None:
    n = 20_000
    entry = ('<Ntry><Amt Ccy="EUR">{amt}</Amt><CdtDbtInd>{ind}</CdtDbtInd><Sts>BOOK</Sts>'
             "<BookgDt><Dt>2026-01-02</Dt></BookgDt><AcctSvcrRef>E{i}</AcctSvcrRef></Ntry>")
    body = "".join(entry.format(amt=f"{i % 500}.{i % 100:02d}", ind="CRDT" if i % 3 else "DBIT", i=i)
                   for i in range(n))
    total = sum((D(f"{i % 500}.{i % 100:02d}") * (1 if i % 3 else -1) for i in range(n)), D(0))
    bal = '<Bal><Tp><CdOrPrtry><Cd>{c}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{a}</Amt>' \
          "<CdtDbtInd>{d}</CdtDbtInd><Dt><Dt>2026-01-02</Dt></Dt></Bal>"
    closing = D("1000.00") + total
    xml = ('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>BIG</Id>'
           "<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>"
           + bal.format(c="OPBD", a="1000.00", d="CRDT")
           + bal.format(c="CLBD", a=abs(closing), d="CRDT" if closing >= 0 else "DBIT")
           + body + "</Stmt></BkToCstmrStmt></Document>")
    (st,) = CamtParser().parse(xml.encode(), "big.xml").statements
    assert len(st.lines) == n and st.warnings == ()
    assert st.lines[-1].bank_ref == f"E{n - 1}" and st.closing_balance == closing

"""Property: a statement written out as OFX (SGML 1.x, XML 2.x), CAMT.053 or CSV and read back by
``connectors.registry.parse_file`` gives the same lines: date, amount, currency, counterparty, text, reference.

The writers below are small and deliberately bank-like (cp1252 SGML with unclosed leaves, grouped
French amounts, day-first dates); generated statements have random dates, exact Decimal amounts
(large and negative included), accented names and several lines on one day, some identical.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors._common import join_text
from connectors.model import ParsedFile
from connectors.registry import parse_file

IBAN = "FR7630006000011234567890189"


@dataclass(frozen=True)
class Line:
    """One generated movement, as the account holder sees it (credits positive)."""

    booked_on: date
    amount: Decimal
    counterparty: str
    text: str
    reference: str | None
    bank_id: str | None


@dataclass(frozen=True)
class Statement:
    currency: str
    lines: tuple[Line, ...]
    opening: Decimal


# -- generation ---------------------------------------------------------------
# cp1252 letters from 0xC0 up only: a cp1252 SGML file with them is never mistaken for UTF-8.
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèêëàâçùûôîïÉÈÀÇÔ"
_WORD_CHARS = _LETTERS + "0123456789'-./&"
word = st.text(alphabet=_WORD_CHARS, min_size=1, max_size=10).filter(lambda w: any(c.isalnum() for c in w))
name_word = st.text(alphabet=_LETTERS + "'-", min_size=1, max_size=10).filter(lambda w: w[0].isalpha())
names = st.lists(name_word, min_size=1, max_size=4).map(" ".join)
texts = st.lists(word, min_size=1, max_size=6).map(" ".join)
references = st.none() | st.from_regex(r"[A-Z]{2}[0-9A-Z-]{2,14}[1-9]", fullmatch=True)
amounts = st.one_of(
    st.decimals(min_value=Decimal("-9999.99"), max_value=Decimal("9999.99"), places=2),
    st.decimals(min_value=Decimal("-999999999.99"), max_value=Decimal("999999999.99"), places=2),
).filter(lambda d: d != 0)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def statements(draw: st.DrawFn) -> Statement:
    days = draw(st.lists(dates, min_size=1, max_size=4, unique=True))
    lines: list[Line] = []
    for day in sorted(days):
        for _ in range(draw(st.integers(1, 4))):  # several lines a day
            if lines and lines[-1].booked_on == day and draw(st.booleans()):
                previous = lines[-1]  # a genuine identical payment on the same day
                lines.append(Line(day, previous.amount, previous.counterparty, previous.text, previous.reference,
                                  None if previous.bank_id is None else f"{previous.bank_id}B"))
                continue
            bank_id = draw(st.none() | st.from_regex(r"[A-Z0-9]{6,12}", fullmatch=True))
            lines.append(Line(day, draw(amounts), draw(names), draw(texts), draw(references),
                              None if bank_id is None else f"{bank_id}{len(lines)}"))
    currency = draw(st.sampled_from(["EUR", "USD", "CHF", "GBP"]))
    opening = draw(st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2))
    return Statement(currency, tuple(lines), opening)


# -- writers ------------------------------------------------------------------
def _closing(s: Statement) -> Decimal:
    return s.opening + sum((ln.amount for ln in s.lines), Decimal(0))


def write_ofx_sgml(s: Statement) -> bytes:
    """OFX 1.02: SGML header, unclosed leaves, CRLF, Windows-1252, dates with a time zone suffix."""
    rows = "".join(
        f"<STMTTRN>\n<TRNTYPE>{'CREDIT' if ln.amount > 0 else 'DEBIT'}\n"
        f"<DTPOSTED>{ln.booked_on:%Y%m%d}120000[+1:CET]\n<TRNAMT>{ln.amount}\n"
        + (f"<FITID>{ln.bank_id}\n" if ln.bank_id else "")
        + (f"<REFNUM>{ln.reference}\n" if ln.reference else "")
        + f"<NAME>{escape(ln.counterparty, quote=False)}\n<MEMO>{escape(ln.text, quote=False)}\n</STMTTRN>\n"
        for ln in s.lines)
    end = max(ln.booked_on for ln in s.lines)
    text = ("OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
            "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX>\n"
            "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><LANGUAGE>FRA</SONRS></SIGNONMSGSRSV1>\n"
            "<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>\n"
            f"<STMTRS><CURDEF>{s.currency}<BANKACCTFROM><BANKID>30006<BRANCHID>00001<ACCTID>ACC123"
            f"<ACCTTYPE>CHECKING</BANKACCTFROM>\n<BANKTRANLIST>\n{rows}</BANKTRANLIST>\n"
            f"<LEDGERBAL><BALAMT>{_closing(s)}<DTASOF>{end:%Y%m%d}</LEDGERBAL>\n"
            "</STMTRS></STMTTRNRS></BANKMSGSRSV1>\n</OFX>\n")
    return text.replace("\n", "\r\n").encode("cp1252")


def write_ofx_xml(s: Statement) -> bytes:
    """OFX 2.x: XML declaration and processing instruction, every element closed, UTF-8."""
    rows = "".join(
        f"<STMTTRN><TRNTYPE>{'CREDIT' if ln.amount > 0 else 'DEBIT'}</TRNTYPE>"
        f"<DTPOSTED>{ln.booked_on:%Y%m%d}</DTPOSTED><TRNAMT>{ln.amount}</TRNAMT>"
        + (f"<FITID>{ln.bank_id}</FITID>" if ln.bank_id else "")
        + (f"<REFNUM>{ln.reference}</REFNUM>" if ln.reference else "")
        + f"<NAME>{escape(ln.counterparty)}</NAME><MEMO>{escape(ln.text)}</MEMO></STMTTRN>\n"
        for ln in s.lines)
    end = max(ln.booked_on for ln in s.lines)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n'
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
        "<LANGUAGE>FRA</LANGUAGE></SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID>"
        "<STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
        f"<STMTRS><CURDEF>{s.currency}</CURDEF><BANKACCTFROM><BANKID>30006</BANKID><ACCTID>ACC123</ACCTID>"
        f"<ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM><BANKTRANLIST>\n{rows}</BANKTRANLIST>"
        f"<LEDGERBAL><BALAMT>{_closing(s)}</BALAMT><DTASOF>{end:%Y%m%d}</DTASOF></LEDGERBAL>"
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
    ).encode()


def _camt_balance(code: str, amount: Decimal, currency: str, on: date) -> str:
    return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"{currency}\">{abs(amount)}</Amt>"
            f"<CdtDbtInd>{'CRDT' if amount >= 0 else 'DBIT'}</CdtDbtInd><Dt><Dt>{on.isoformat()}</Dt></Dt></Bal>\n")


def write_camt053(s: Statement) -> bytes:
    """camt.053.001.02 with opening and closing balances; the bank's id (AcctSvcrRef) when the line has one."""
    entries = []
    for ln in s.lines:
        credit = ln.amount > 0
        party = "Dbtr" if credit else "Cdtr"
        strd = f"<Strd><CdtrRefInf><Ref>{ln.reference}</Ref></CdtrRefInf></Strd>" if ln.reference else ""
        entries.append(
            f"<Ntry><Amt Ccy=\"{s.currency}\">{abs(ln.amount)}</Amt><CdtDbtInd>{'CRDT' if credit else 'DBIT'}"
            f"</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>{ln.booked_on.isoformat()}</Dt></BookgDt>"
            + (f"<AcctSvcrRef>{ln.bank_id}</AcctSvcrRef>" if ln.bank_id else "")
            + f"<NtryDtls><TxDtls><RltdPties><{party}><Nm>{escape(ln.counterparty)}</Nm></{party}></RltdPties>"
            f"<RmtInf><Ustrd>{escape(ln.text)}</Ustrd>{strd}</RmtInf></TxDtls></NtryDtls></Ntry>\n")
    first, last = s.lines[0].booked_on, s.lines[-1].booked_on
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-01-01T00:00:00</CreDtTm></GrpHdr>\n"
        f"<Stmt><Id>S1</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>{s.currency}</Ccy></Acct>\n"
        + _camt_balance("OPBD", s.opening, s.currency, first)
        + _camt_balance("CLBD", _closing(s), s.currency, last)
        + "".join(entries)
        + "</Stmt></BkToCstmrStmt></Document>\n"
    ).encode()


def _french_amount(value: Decimal) -> str:
    sign = "-" if value < 0 else ""
    whole, _, cents = format(abs(value), "f").partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return sign + " ".join([whole, *groups]) + "," + cents


def write_csv(s: Statement, french: bool) -> bytes:
    """A French bank's CSV (semicolons, day-first dates, '1 234,56') or an English one (commas, ISO dates)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if french else ",", lineterminator="\r\n")
    writer.writerow(["Date", "Libellé", "Contrepartie", "Référence", "Montant", "Devise"] if french
                    else ["Booking date", "Description", "Counterparty", "Reference", "Amount", "Currency"])
    for ln in s.lines:
        writer.writerow([
            ln.booked_on.strftime("%d/%m/%Y") if french else ln.booked_on.isoformat(),
            ln.text, ln.counterparty, ln.reference or "",
            _french_amount(ln.amount) if french else format(ln.amount, "f"), s.currency,
        ])
    return out.getvalue().encode("utf-8-sig" if french else "utf-8")


# -- the property -------------------------------------------------------------
def _seen(parsed: ParsedFile) -> list[tuple[object, ...]]:
    assert len(parsed.statements) == 1
    return [(ln.booked_on, ln.amount, ln.currency, ln.counterparty, ln.text, ln.reference)
            for ln in parsed.statements[0].lines]


def _expected(s: Statement, ofx: bool = False) -> list[tuple[object, ...]]:
    # OFX has no separate remittance field: lettrage's text of an OFX line is NAME then MEMO.
    return [(ln.booked_on, ln.amount, s.currency, ln.counterparty,
             join_text(ln.counterparty, ln.text) if ofx else ln.text, ln.reference) for ln in s.lines]


def _ids_are_distinct_and_stable(data: bytes, name: str, parsed: ParsedFile) -> None:
    refs = [ln.bank_ref for ln in parsed.statements[0].lines]
    assert len(set(refs)) == len(refs), "two lines of one statement share an id"
    assert [ln.bank_ref for ln in parse_file(data, name).statements[0].lines] == refs


SETTINGS = settings(database=None, max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(statements())
def test_ofx_sgml_roundtrip(s: Statement) -> None:
    data = write_ofx_sgml(s)
    parsed = parse_file(data, "releve.ofx")
    assert parsed.format == "ofx"
    assert _seen(parsed) == _expected(s, ofx=True)
    assert parsed.statements[0].closing_balance == _closing(s)
    _ids_are_distinct_and_stable(data, "releve.ofx", parsed)


@SETTINGS
@given(statements())
def test_ofx_xml_roundtrip(s: Statement) -> None:
    data = write_ofx_xml(s)
    parsed = parse_file(data, "releve.ofx")
    assert parsed.format == "ofx"
    assert _seen(parsed) == _expected(s, ofx=True)
    _ids_are_distinct_and_stable(data, "releve.ofx", parsed)


@SETTINGS
@given(statements())
def test_camt053_roundtrip(s: Statement) -> None:
    data = write_camt053(s)
    parsed = parse_file(data, "releve.xml")
    assert parsed.format == "camt.053"
    assert _seen(parsed) == _expected(s)
    st0 = parsed.statements[0]
    assert (st0.account, st0.opening_balance, st0.closing_balance) == (IBAN, s.opening, _closing(s))
    assert not parsed.warnings  # the balances reconcile
    _ids_are_distinct_and_stable(data, "releve.xml", parsed)


@SETTINGS
@given(statements(), st.booleans())
def test_csv_roundtrip(s: Statement, french: bool) -> None:
    data = write_csv(s, french)
    parsed = parse_file(data, "releve.csv")
    assert parsed.format == "csv"
    assert _seen(parsed) == _expected(s)
    _ids_are_distinct_and_stable(data, "releve.csv", parsed)

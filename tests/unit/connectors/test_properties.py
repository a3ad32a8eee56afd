"""Properties: exact Decimal round-trips of CSV amounts, never a float, and a 20,000-line OFX."""
from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from connectors_fixtures import ABSENT, FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors import registry
from connectors.csvfile import parse_amount
from connectors.errors import ConnectorError
from connectors.ofx import OfxParser


def _group(digits: str, sep: str) -> str:
    out = ""
    while len(digits) > 3:
        out = sep + digits[-3:] + out
        digits = digits[:-3]
    return digits + out


def render(value: Decimal, style: str) -> str:
    """``value`` written the way one bank or another writes amounts."""
    sign = "-" if value < 0 else ""
    whole, _, frac = format(abs(value), "f").partition(".")
    styles = {
        "plain-dot": (whole, "."), "plain-comma": (whole, ","),
        "space-comma": (_group(whole, " "), ","), "nbsp-comma": (_group(whole, "\u00a0"), ","),
        "narrow-nbsp-comma": (_group(whole, "\u202f"), ","), "dot-comma": (_group(whole, "."), ","),
        "comma-dot": (_group(whole, ","), "."), "space-comma-eur": (_group(whole, " "), ","),
    }
    body, dec = styles[style]
    text = f"{sign}{body}{dec + frac if frac else ''}"
    return text + " EUR" if style.endswith("-eur") else text


STYLES = ["plain-dot", "plain-comma", "space-comma", "nbsp-comma", "narrow-nbsp-comma", "dot-comma",
          "comma-dot", "space-comma-eur"]
amounts = st.decimals(min_value=Decimal("-99999999.9999"), max_value=Decimal("99999999.9999"),
                      allow_nan=False, allow_infinity=False, places=2) | st.builds(
    lambda n, p: Decimal(n).scaleb(-p), st.integers(-10**12, 10**12), st.integers(0, 4))


@settings(database=None)
@given(amounts, st.sampled_from(STYLES))
def test_csv_amounts_round_trip_exactly(value: Decimal, style: str) -> None:
    text = render(value, style)
    decimal_sep = "." if style in ("plain-dot", "comma-dot") else ","
    parsed = parse_amount(text, decimal_hint=decimal_sep)
    assert parsed == value, text
    assert parsed is not None and parsed.as_tuple().exponent == value.as_tuple().exponent, text
    assert isinstance(parsed, Decimal)


def _no_float(obj: object, where: str) -> None:
    assert not isinstance(obj, float), where
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            _no_float(getattr(obj, f.name), f"{where}.{f.name}")
    elif isinstance(obj, tuple | list):
        for i, item in enumerate(obj):
            _no_float(item, f"{where}[{i}]")


def test_parsing_never_returns_float() -> None:
    if not FIXTURES.is_dir():
        pytest.skip(ABSENT)
    checked = 0
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file() or path.name == "SOURCES.md":
            continue
        try:
            pf = registry.parse_file(path.read_bytes(), path.name)
        except ConnectorError:
            continue
        _no_float(pf, path.name)
        for s in pf.statements:
            for ln in s.lines:
                assert type(ln.amount) is Decimal
        checked += 1
    assert checked >= 50


def test_twenty_thousand_transaction_sgml_ofx() -> None:
    n = 20_000
    start = date(2025, 1, 1)
    parts = [("OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nCHARSET:1252\r\n\r\n<OFX><BANKMSGSRSV1><STMTTRNRS>"
             "<STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>30006<ACCTID>98765<ACCTTYPE>CHECKING</BANKACCTFROM>"
             "<BANKTRANLIST><DTSTART>20250101")]
    total = Decimal(0)
    for i in range(n):
        amount = Decimal(i % 997 - 498).scaleb(-2) * 7
        total += amount
        day = (start + timedelta(days=i % 365)).strftime("%Y%m%d")
        parts.append(f"\r\n<STMTTRN><TRNTYPE>OTHER<DTPOSTED>{day}120000[+1:CET]<TRNAMT>{amount}"
                     f"<FITID>F{i:06d}<NAME>Client {i % 50}<MEMO>Facture {i}</STMTTRN>")
    parts.append(f"\r\n</BANKTRANLIST><LEDGERBAL><BALAMT>{total}<DTASOF>20251231</LEDGERBAL></STMTRS>"
                 "</STMTTRNRS></BANKMSGSRSV1></OFX>\r\n")
    data = "".join(parts).encode("cp1252")
    (stmt,) = OfxParser().parse(data, "big.ofx").statements
    assert len(stmt.lines) == n
    assert sum((ln.amount for ln in stmt.lines), Decimal(0)) == total == stmt.closing_balance
    assert stmt.lines[12_345].bank_ref == "F012345" and stmt.lines[12_345].text == "Client 45 Facture 12345"
    assert stmt.lines[-1].booked_on == start + timedelta(days=(n - 1) % 365)
    assert len({ln.bank_ref for ln in stmt.lines}) == n

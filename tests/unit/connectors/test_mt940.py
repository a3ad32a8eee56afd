"""MT940 through mt-940 behind the clean-up step: every fixture, :86: splitting, detection, round-trip."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from connectors_fixtures import fixture_bytes
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors import registry
from connectors.model import ParsedFile, ParsedLine
from connectors.mt940 import _SLASH_TAGS, Mt940Parser, read_details

D = Decimal
OCA = "mt940/oca-bank-statement-import/"
WOLPH = "mt940/wolph-mt940/"


def parse(relative: str) -> ParsedFile:
    return Mt940Parser().parse(fixture_bytes(relative), relative.rsplit("/", 1)[-1])


def lines(pf: ParsedFile) -> list[ParsedLine]:
    return [ln for st in pf.statements for ln in st.lines]


# file -> (statements, lines, sum of amounts); counts from SOURCES.md (upstream snapshots / tests)
EXPECTED = {
    OCA + "Voorbeeld MT-940.mt940": (1, 21, "-1350.26"),
    OCA + "test-ing.940": (1, 8, "-97.88"),
    OCA + "test-sns.940": (3, 8, "-1715.68"),  # = Σ(closing - opening) of statements 1-2 + last lines
    OCA + "test-wrong-file.940": (1, 1, "400.00"),
    WOLPH + "jejik/abnamro.sta": (2, 10, "-345.93"),
    WOLPH + "jejik/ing.sta": (1, 7, "-45.59"),
    WOLPH + "jejik/rabobank.sta": (4, 5, "-1589.09"),
    WOLPH + "jejik/postfinance.sta": (2, 4, "159.4"),
    WOLPH + "betterplace/sepa_mt9401.sta": (26, 97, None),
    WOLPH + "betterplace/sepa_snippet_broken.sta": (1, 1, "50990.05"),
    WOLPH + "betterplace/with_binary_character.sta": (2, 4, None),
    WOLPH + "cmxl/mt940.sta": (3, 16, None),
    WOLPH + "mBank/mt940.sta": (1, 3, "0.03"),
    WOLPH + "sberbank/171011_01234945.sta": (1, 3, "-9437.00"),
    WOLPH + "self-provided/raiffeisen-cmi.sta": (1, 7, "-1012213.50"),
    WOLPH + "self-provided/sparkassen.sta": (1, 1, "30.00"),
    WOLPH + "self-provided/february_30.sta": (1, 1, "-6.00"),
}


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_every_fixture_imports_with_the_expected_lines(relative: str) -> None:
    statements, count, total = EXPECTED[relative]
    pf = parse(relative)
    assert pf.format == "mt940"
    assert (len(pf.statements), pf.line_count) == (statements, count)
    if total is not None:
        assert sum((ln.amount for ln in lines(pf)), D(0)) == D(total)
    refs = [ln.bank_ref for ln in lines(pf)]
    assert len(set(refs)) == len(refs)
    assert all(type(ln.amount) is Decimal and ln.currency for ln in lines(pf))


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_registry_detects_mt940(relative: str) -> None:
    data = fixture_bytes(relative)
    if "sparkassen" in relative:  # a bare :61:/:86: snippet, no :20:, no framing: not claimed
        return
    assert registry.detect(data, relative).format == "mt940"


def test_mollie_balances_reconcile_and_slash_fields_split() -> None:
    (stmt,) = parse(OCA + "Voorbeeld MT-940.mt940").statements
    assert (stmt.account, stmt.currency, stmt.statement_id) == ("NL30ABNA000000000000", "EUR", "940A160901/245/1")
    assert (stmt.opening_balance, stmt.closing_balance, stmt.closing_on) == (D("0.00"), D("-1350.26"),
                                                                             date(2016, 9, 1))
    first, last = stmt.lines[0], stmt.lines[-1]
    assert (first.booked_on, first.amount, first.text, first.counterparty, first.counterparty_iban,
            first.end_to_end_id) == (date(2016, 8, 31), D("29.93"), "Order 123", "V. Oornaam",
                                     "NL30ABNA000000000000", "tr_XXXXXXXXX")
    # "/NAME/M" wrapped to "ollie B.V." on the next line; NOTPROVIDED is no end-to-end id
    assert (last.amount, last.counterparty, last.text, last.end_to_end_id) == (
        D("-14.69"), "Mollie B.V.", "Factuurnummer 2016.00000", None)


def test_ing_swift_blocks_wrapped_28c_and_structured_86() -> None:
    (stmt,) = parse(OCA + "test-ing.940").statements
    assert (stmt.account, stmt.statement_id) == ("NL77INGB0574908765", "P140220000000001/00000")
    assert (stmt.opening_balance, stmt.closing_balance) == (D("662.23"), D("564.35"))
    assert stmt.opening_balance + sum(ln.amount for ln in stmt.lines) == stmt.closing_balance
    assert {ln.booked_on for ln in stmt.lines} == {date(2014, 2, 20)}
    a, b, c = stmt.lines[0], stmt.lines[1], stmt.lines[6]
    assert (a.bank_ref, a.amount, a.counterparty, a.counterparty_iban, a.end_to_end_id, a.text) == (
        "00000000001005", D("1.56"), "ING BANK NV INZAKE WEB", "NL32INGB0000012345", "EV12341REP1231456T1234",
        "EV10001REP1000000T1000")
    assert (b.bank_ref, b.amount, b.counterparty, b.text) == ("00000000001006", D("-1.57"), None, "TOTAAL 1 VZ")
    assert (c.amount, c.reference, c.counterparty) == (D("32.00"), "9001123412341234", "J.Janssen")
    assert stmt.lines[5].text == "CONTRIBUTIE FEB 2014"  # "/REM" + "I/USTD//CO" + "NTRIBUTIE..." rejoined


def test_sns_three_statements_iban_as_customer_reference_and_padded_86() -> None:
    pf = parse(OCA + "test-sns.940")
    ids = [s.statement_id for s in pf.statements]
    assert ids == ["0000000000/361/1", "0000000000/362/1", "0000000000/363/1"]
    first = pf.statements[0]
    assert (first.opening_balance, first.closing_balance) == (D("3026.96"), D("2264.52"))
    assert pf.statements[1].closing_balance == D("2253.57")
    assert pf.statements[2].closing_balance is None  # the last message stops before :62F:
    ln = first.lines[0]
    assert (ln.amount, ln.counterparty_iban, ln.counterparty) == (
        D("-713.13"), "NL49RABO0166416932", "gerrits glas en schilderwerk")
    assert ln.text == "NL49RABO0166416932 gerrits glas en schilderwerk Factuur 17227/248/20"
    assert ln.bank_ref.startswith("mt940:")
    card = first.lines[1]
    assert (card.bank_ref, card.counterparty_iban) == ("228ohu/972795", None)
    # the padded 65-column lines are joined; a full line cut inside a word is joined without a space
    assert "VNKlantnr 00000000000" in first.lines[2].text


def test_wrong_file_is_parsed_with_its_junk_first_line_reported() -> None:
    """Decision: parse it. Only the first line (":9401:") is not MT940; what follows is a complete statement
    whose balances reconcile (4433.52 + 400.00 = 4833.52), so rejecting it would throw away good data.
    The ignored line is reported in the file's warnings."""
    pf = parse(OCA + "test-wrong-file.940")
    (stmt,) = pf.statements
    (ln,) = stmt.lines
    assert pf.warnings == ("1 line(s) before the first tag ignored",)
    assert (stmt.opening_balance, stmt.closing_balance) == (D("4433.52"), D("4833.52"))  # zero padding gone
    assert (ln.booked_on, ln.amount, ln.counterparty, ln.text) == (
        date(2014, 1, 2), D("400.00"), "R. SMITH", "Test money paid by other partner:")
    assert stmt.account == "NL34RABO0142623393"


def test_german_subfields_and_other_banks() -> None:
    ln = parse(WOLPH + "betterplace/sepa_mt9401.sta").statements[1].lines[0]
    assert (ln.bank_ref, ln.amount, ln.counterparty_iban, ln.end_to_end_id) == (
        "0724710290621954", D("15000.05"), "DE42100100100043921105", "EndToEndIdTFNR2000400001")
    assert ln.counterparty == "Richter Renate 70 Zeichen Beginn Fuellzeichen xxxxxxxx"
    feb = parse(WOLPH + "self-provided/february_30.sta").statements[0]
    assert (feb.lines[0].value_on, feb.lines[0].booked_on, feb.lines[0].text) == (
        date(2016, 2, 29), date(2016, 3, 1), "Pauschalen")
    spark = parse(WOLPH + "self-provided/sparkassen.sta")
    assert spark.statements[0].warnings == ("no :60:/:62: balance gives the currency; EUR assumed",)
    assert spark.statements[0].lines[0].text == "Test"
    cmxl = parse(WOLPH + "cmxl/mt940.sta")
    assert [s.currency for s in cmxl.statements] == ["DEM", "EUR", "PLN"]
    assert [ln.bank_ref for ln in cmxl.statements[1].lines] == ["55555", "55555/2"]  # same bank ref twice
    mbank = parse(WOLPH + "mBank/mt940.sta").statements[0]
    assert (mbank.account, mbank.opening_balance, mbank.closing_balance) == (
        "PL29114010810000267002001002", D("0.40"), D("0.43"))
    assert mbank.lines[0].bank_ref == "MB170119012058"


FRENCH = "VIR SEPA RECU /DE SARL ALPHA /MOTIF FACTURE 9 /REF E2E-9"


@pytest.mark.parametrize(("raw", "text", "name", "iban", "ref", "e2e"), [
    ("/EREF/E2E-1//CNTP/FR7630006000011234567890189/AGRIFRPP/SARL DUPONT///REMI/USTD//FACTURE F-12/",
     "FACTURE F-12", "SARL DUPONT", "FR7630006000011234567890189", None, "E2E-1"),
    ("/REMI/STRD/CUR/RF18539007547034/", "RF18539007547034", None, None, "RF18539007547034", None),
    ("166?00GUTSCHRIFT?20EREF+ABC-1?21SVWZ+Rechnung 4711?30BANKDEFF?31DE89370400440532013000?32Max Mu?33ster",
     "Rechnung 4711", "Max Muster", "DE89370400440532013000", None, "ABC-1"),
    (FRENCH, FRENCH, "SARL ALPHA", None, None, "E2E-9"),
    ("FRAIS TENUE DE COMPTE", "FRAIS TENUE DE COMPTE", None, None, None, None),
])
def test_86_details(raw: str, text: str, name: str | None, iban: str | None, ref: str | None,
                    e2e: str | None) -> None:
    d = read_details(raw)
    assert (d.text, d.counterparty, d.iban, d.reference, d.end_to_end_id) == (text, name, iban, ref, e2e)


def test_not_mt940_is_a_clear_error() -> None:
    from connectors.errors import ParseError

    with pytest.raises(ParseError, match="no MT940 statement"):
        Mt940Parser().parse(b"hello\nworld\n", "x.sta")


def _mt_amount(value: Decimal) -> str:
    return format(abs(value), "f").replace(".", ",")


words = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-", min_size=1, max_size=30).map(str.strip).filter(
    bool).map(lambda s: " ".join(s.split())).filter(lambda s: s not in _SLASH_TAGS)  # "/BIC/" would be a field
tx = st.tuples(st.integers(0, 400), st.decimals(min_value=Decimal("-999999.99"), max_value=Decimal("999999.99"),
                                                places=2, allow_nan=False, allow_infinity=False),
               words, st.booleans(), st.booleans())


@settings(database=None, max_examples=100, deadline=None)
@given(st.lists(tx, min_size=0, max_size=15), st.sampled_from(["plain", "swift", "crlf", "pad"]),
       st.decimals(min_value=Decimal("-99999.99"), max_value=Decimal("99999.99"), places=2, allow_nan=False,
                   allow_infinity=False))
def test_lines_written_as_mt940_parse_back(rows: list[tuple[int, Decimal, str, bool, bool]], style: str,
                                           opening: Decimal) -> None:
    start = date(2025, 1, 1)
    out = [":20:STMT1", ":25:FR7630006000011234567890189", ":28C:1/1",
           f":60F:{'C' if opening >= 0 else 'D'}{start:%y%m%d}EUR{_mt_amount(opening)}"]
    expected = []
    for i, (offset, amount, text, with_ref, structured) in enumerate(rows):
        day = start + timedelta(days=offset)
        mark = "C" if amount >= 0 else "D"
        ref = f"//BQ{i:06d}" if with_ref else ""
        out.append(f":61:{day:%y%m%d}{day:%m%d}{mark}{_mt_amount(amount)}NTRFNONREF{ref}")
        out.append(f":86:/EREF/E{i}//REMI/USTD//{text}/" if structured else f":86:{text}")
        expected.append((day, amount, text, f"BQ{i:06d}" if with_ref else None, f"E{i}" if structured else None))
    closing = opening + sum((r[1] for r in rows), Decimal(0))
    out.append(f":62F:{'C' if closing >= 0 else 'D'}{start:%y%m%d}EUR{_mt_amount(closing)}")
    if style == "pad":
        out = [ln.ljust(65) if ln.startswith(":86:") else ln for ln in out]
    body = ("\r\n" if style == "crlf" else "\n").join(out)
    if style == "swift":
        body = "{1:F01BANKFRPPAXXX0000000000}{2:O940BANKFRPPXXXXN}{4:\n" + body + "\n-}"
    data = body.encode("cp1252")
    assert registry.detect(data, "gen.sta").format == "mt940"
    (stmt,) = Mt940Parser().parse(data, "gen.sta").statements
    got = [(ln.booked_on, ln.amount, ln.text, None if ln.bank_ref.startswith("mt940:") else ln.bank_ref,
            ln.end_to_end_id) for ln in stmt.lines]
    assert got == expected
    assert (stmt.opening_balance, stmt.closing_balance, stmt.account) == (opening, closing,
                                                                          "FR7630006000011234567890189")
    assert len({ln.bank_ref for ln in stmt.lines}) == len(rows)


def test_bare_transaction_fragment_is_detected() -> None:
    """SOURCES.md: sparkassen.sta, 1 transaction, no :20:/:60F: (a fragment) - found by the registry too."""

    pf = registry.parse_file(fixture_bytes("mt940/wolph-mt940/self-provided/sparkassen.sta"), "sparkassen.sta")
    assert pf.format == "mt940" and pf.line_count == 1



def _one_86(*lines: str) -> ParsedLine:
    """The line read from a one-transaction statement whose :86: is written as ``lines`` (the first after the tag)."""
    body = [":20:WRAP", ":25:FR7630006000011234567890189", ":28C:1/1", ":60F:C260331EUR0,00",
            ":61:2604010401C100,00NTRFNONREF//BQ1", ":86:" + lines[0], *lines[1:], ":62F:C260401EUR100,00", "-"]
    (stmt,) = Mt940Parser().parse("\r\n".join(body).encode("cp1252"), "wrap.sta").statements
    return stmt.lines[0]


def _full(head: str, tail: str) -> str:
    """``head``, filler and ``tail`` filling the 65 columns exactly: the wrap falls right after ``tail``."""
    assert len(head) + len(tail) < 65
    return head + "X" * (65 - len(head) - len(tail)) + tail


@pytest.mark.parametrize(("lines", "expected"), [
    # the next line starts with the space the wrap fell on
    ((_full("VIR SEPA RECU /DE ", " RUE DE LIÈGE"), " MARS 2026 FA-2026-0190"), "RUE DE LIÈGE MARS 2026"),
    # the full line ends with it (already kept), or the wrap cut a word (joined)
    ((_full("VIR SEPA RECU /DE ", " RUE DE LIÈGE "), "MARS 2026"), "RUE DE LIÈGE MARS 2026"),
    ((_full("VIR SEPA RECU /DE ", " RUE DE LIÈ"), "GE MARS 2026"), "RUE DE LIÈGE MARS 2026"),
])
def test_free_text_86_keeps_the_space_a_wrap_fell_on(lines: tuple[str, ...], expected: str) -> None:
    assert expected in _one_86(*lines).text


@pytest.mark.parametrize("lines", [
    (_full("/TRTP/SEPA", "/EREF/E-1/REMI/USTD//LOYER RUE DE LIÈGE"), " MARS 2026"),
    (_full("/TRTP/SEPA", "/EREF/E-1/REMI/USTD//LOYER RUE DE LIÈGE "), "MARS 2026"),
    (_full("/TRTP/SEPA", "/EREF/E-1/REMI/USTD//LOYER RUE DE LIÈGE "), " MARS 2026"),  # both: one space
])
def test_slash_coded_86_keeps_the_space_a_wrap_fell_on(lines: tuple[str, ...]) -> None:
    line = _one_86(*lines)
    assert (line.text, line.end_to_end_id) == ("LOYER RUE DE LIÈGE MARS 2026", "E-1")


@pytest.mark.parametrize("lines", [
    # the space inside the ?20 sub-field ends the full line, or starts the next one
    (_full("166?00", "?20EREF+RE-0190?21SVWZ+Rechnung "), "FA-2026-0190?32Schreinerei Muller"),
    (_full("166?00", "?20EREF+RE-0190?21SVWZ+Rechnung"), " FA-2026-0190?32Schreinerei Muller"),
    # sub-fields restarting on the next line, even with their ?xx cut by the wrap, get no space of their own
    (_full("166?00", "?20EREF+RE-0190?21SVWZ+Re"), "chnung FA-2026-0190?32Schrein", "?33erei Muller"),
    (_full("166?00", "?20EREF+RE-0190?21SVWZ+Rechnung FA-2026-0190?"), "32Schreinerei M", "uller"),
])
def test_subfield_86_keeps_the_space_a_wrap_fell_on(lines: tuple[str, ...]) -> None:
    line = _one_86(*lines)
    assert (line.text, line.counterparty, line.end_to_end_id) == ("Rechnung FA-2026-0190", "Schreinerei Muller",
                                                                 "RE-0190")

"""CSV/TSV parser against the shared fixtures, plus unit checks of amounts, dates and derived ids."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from connectors_fixtures import fixture_bytes

from connectors.csvfile import CsvParser, normalise_header, parse_amount, parse_date
from connectors.errors import ParseError
from connectors.model import ParsedFile, ParsedLine

D = Decimal
GOLDEN = json.loads((Path(__file__).parent / "golden" / "csv_kledg.json").read_text(encoding="utf-8"))
GOLDEN.pop("_comment")


def parse(relative: str) -> ParsedFile:
    return CsvParser().parse(fixture_bytes(relative), relative.rsplit("/", 1)[-1])


def lines(pf: ParsedFile) -> list[ParsedLine]:
    return [ln for st in pf.statements for ln in st.lines]


@pytest.mark.parametrize("relative", sorted(GOLDEN))
def test_kledg_bank_exports(relative: str) -> None:
    got = [[ln.booked_on.isoformat(), str(ln.amount), ln.text] for ln in lines(parse(relative))]
    assert got == GOLDEN[relative]


def test_qonto_skips_processing_row_with_warning_and_keeps_bank_refs() -> None:
    pf = parse("csv/kledg/qonto.csv")
    first = lines(pf)[0]
    assert (first.bank_ref, first.reference, first.counterparty) == (
        "org-1-transaction-101", "Facture D-88", "Fournisseur Delta")
    assert any("processing" in w for w in pf.warnings)


def test_qonto_fr_counterparty_iban_and_datetime_dates() -> None:
    first = lines(parse("csv/kledg/qonto-fr.csv"))[0]
    assert (first.counterparty_iban, first.value_on, first.bank_ref) == (
        "FR7630000000000000000000000", date(2026, 3, 3), "org-1-transaction-101")


def test_revolut_pending_skipped() -> None:
    pf = parse("csv/kledg/revolut-business.csv")
    assert len(lines(pf)) == 2 and any("pending" in w for w in pf.warnings)


def test_bpce_value_date_and_reference() -> None:
    first = lines(parse("csv/kledg/bpce.csv"))[0]
    assert (first.value_on, first.reference) == (date(2026, 3, 3), "REF0001")


def test_generic_tsv_cp1252_legitimate_duplicate_gets_its_own_id() -> None:
    a, b, c = lines(parse("csv/kledg/generic.tsv"))
    assert a.value_on == date(2026, 3, 2)
    assert a.bank_ref.startswith("csv:") and len(a.bank_ref) == len("csv:") + 24
    assert len({a.bank_ref, b.bank_ref, c.bank_ref}) == 3
    assert [ln.row for ln in (a, b, c)] == [4, 5, 6]
    # an identical (date, amount, text) twice in one file: occurrence 0 and 1
    data = "Date;Libellé;Montant\n02/03/2026;Frais;-3,50\n02/03/2026;Frais;-3,50\n".encode()
    first, second = lines(CsvParser().parse(data, "dup.csv"))
    assert first.bank_ref != second.bank_ref


def test_derived_ids_survive_an_overlapping_reimport() -> None:
    text = fixture_bytes("csv/kledg/generic.tsv").decode("cp1252")
    head, r1, r2, r3 = text.rstrip("\n").rsplit("\n", 3)
    full = lines(CsvParser().parse(text.encode("cp1252"), "a.tsv"))
    overlap = lines(CsvParser().parse(f"{head}\n{r2}\n{r3}\n".encode("cp1252"), "b.tsv"))
    assert [ln.bank_ref for ln in overlap] == [ln.bank_ref for ln in full[1:]]
    reordered = lines(CsvParser().parse(f"{head}\n{r3}\n{r2}\n{r1}\n".encode("cp1252"), "c.tsv"))
    assert {ln.bank_ref for ln in reordered} == {ln.bank_ref for ln in full}


def test_preamble_account_numbers() -> None:
    assert parse("csv/kledg/societe-generale.csv").statements[0].account == "00012345678"
    assert parse("csv/kledg/credit-agricole.csv").statements[0].account == "12345678901"
    assert parse("csv/kledg/la-banque-postale.csv").statements[0].account == "0123456A020"
    assert parse("csv/kledg/bnp-paribas.csv").statements[0].account is None  # masked ****1234
    assert parse("csv/oca-bank-statement-import/meta_data_separated_credit_debit.csv").statements[0].account \
        == "08088804068"


def test_bad_rows_are_reported_with_physical_line_and_count() -> None:
    with pytest.raises(ParseError) as err:
        parse("csv/kledg/bad-amount.csv")
    assert err.value.filename == "bad-amount.csv" and err.value.row == 3
    assert "'douze euros'" in err.value.reason and "... and 1 more bad row" in err.value.reason


def test_impossible_date_is_a_bad_row() -> None:
    data = "Date;Libellé;Montant\n01/03/2026;OK;-10,00\n31/02/2026;DATE FAUSSE;5,00\n".encode()
    with pytest.raises(ParseError) as err:
        CsvParser().parse(data, "d.csv")
    assert err.value.row == 3 and "invalid date '31/02/2026'" in err.value.reason
    assert str(err.value).startswith("d.csv: row 3: ")


def test_oca_english_exports_month_first_dates_and_thousands_commas() -> None:
    bal = lines(parse("csv/oca-bank-statement-import/balance.csv"))
    assert [(ln.booked_on, ln.amount, ln.counterparty) for ln in bal] == [
        (date(2018, 12, 15), D("-33.50"), "John Doe"), (date(2018, 12, 15), D("1533.50"), "Azure Interior")]
    (orig,) = lines(parse("csv/oca-bank-statement-import/original_currency.csv"))
    assert (orig.amount, orig.currency) == (D("1525.00"), "EUR")


def test_debit_means_money_out_whatever_the_sign() -> None:
    got = [ln.amount for ln in lines(parse("csv/oca-bank-statement-import/debit_credit_amount.csv"))]
    assert got == [D("20.00"), D("13.50"), D("-33.50"), D("-1500.00")]


def test_metadata_preamble_and_balance_footer() -> None:
    pf = parse("csv/oca-bank-statement-import/meta_data_separated_credit_debit.csv")
    got = [(ln.booked_on, ln.amount, ln.text, ln.bank_ref) for ln in lines(pf)]
    # SOURCES.md: Odoo gives LABEL 1 +50 (credit - debit on a negative debit); a debit is money out.
    assert got[0] == (date(2020, 4, 1), D("-50.00"), "LABEL 1", "UNIQUE OP 1")
    assert got[3] == (date(2020, 4, 2), D("1300.00"), "LABEL 4", "UNIQUE OP 4")
    assert len(got) == 4 and any("balance/total" in w for w in pf.warnings)


def test_credit_mutuel_latin9_synthetic_export() -> None:
    got = lines(parse("csv/vrischmann-beancount-importers/00000000001.csv"))
    assert len(got) == 24
    assert {ln.booked_on.day for ln in got} == {3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 18, 22, 24, 25, 26, 30}
    assert {ln.booked_on.month for ln in got} == {11}
    by_text = {ln.text: ln.amount for ln in got}
    assert by_text["PRLV SEPA ACME TELECOM VOTRE ABONNEMENT MOBILE: 06XXXX"] == D("-26.99")
    assert by_text["VIR GAMMA CONSULTING PP000000000004"] == D("2950.00")
    assert "ECH PRET CAP 01000 000000 10 UTILISATION N°001" in by_text
    assert D("8377.58") + sum(ln.amount for ln in got) == D("6591.46")  # opening + lines = final Solde


@pytest.mark.parametrize(("raw", "expected"), [
    ("1 200,00", "1200.00"), ("1\u00a0200,00", "1200.00"), ("1\u202f200,00", "1200.00"),
    ("-1.234,56", "-1234.56"), ("1,533.50", "1533.50"), ("2 400,00 EUR", "2400.00"), ("-84,20", "-84.20"),
    ("+12.5", "12.5"), ("€12,50", "12.50"), ("(3.50)", "-3.50"), ("12,50-", "-12.50"), ("1718.70", "1718.70"),
    ('="-10,00"', "-10.00"), ("0,0001", "0.0001"), ("1.000.000", "1000000"),
])
def test_amount_formats(raw: str, expected: str) -> None:
    value = parse_amount(raw)
    assert value is not None and str(value) == expected


@pytest.mark.parametrize("raw", ["douze euros", "", "$", "1,2,3.4.5", "1 2,00", "12,", "1.2.3,4,5", "--5", "12a"])
def test_not_amounts(raw: str) -> None:
    assert parse_amount(raw) is None


def test_lone_separator_with_three_digits_follows_the_file_hint() -> None:
    assert parse_amount("1,500") == D("1.500")
    assert parse_amount("1,500", decimal_hint=".") == D("1500")
    assert parse_amount("1.500", decimal_hint=",") == D("1500")


@pytest.mark.parametrize(("raw", "dayfirst", "expected"), [
    ("05/03/2026", True, date(2026, 3, 5)), ("01/03/26", True, date(2026, 3, 1)),
    ("2026-03-04", True, date(2026, 3, 4)), ("03-03-2026 09:12:45", True, date(2026, 3, 3)),
    ("2026-03-03 09:12:45", True, date(2026, 3, 3)), ("05.03.2026", True, date(2026, 3, 5)),
    ("12/15/2018", False, date(2018, 12, 15)), ("31/02/2026", True, None), ("hier", True, None),
])
def test_dates(raw: str, dayfirst: bool, expected: date | None) -> None:
    assert parse_date(raw, dayfirst) == expected


def test_header_normalisation() -> None:
    assert normalise_header("Montant(EUROS)") == "montant"
    assert normalise_header("Débit Euros") == "debit"
    assert normalise_header("Date de l’opération (UTC)") == "date de l'operation"
    assert normalise_header("Montant operation en euro") == "montant operation"


def test_utf8_bom_and_comma_delimiter() -> None:
    data = "\ufeffDate,Description,Amount,Currency\n2026-01-05,Coffee,-3.20,USD\n".encode()
    pf = CsvParser().parse(data, "bom.csv")
    (st,) = pf.statements
    assert (st.currency, st.lines[0].amount, st.lines[0].text) == ("USD", D("-3.20"), "Coffee")


def test_no_header_is_a_clear_error() -> None:
    with pytest.raises(ParseError) as err:
        CsvParser().parse(b"hello;world\n1;2\n", "x.csv")
    assert "no header row" in err.value.reason

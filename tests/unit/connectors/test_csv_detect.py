"""The CSV layout detector (connectors/csv_detect.py): every CSV of ../shared read without any profile, and the
layouts of the issue (no header row, German, Italian, Swiss, Revolut in French, dates with times), refused where a
person could not tell either.

The shared files are read where they are (never copied) and the test skips when ../shared is absent; the expected
values are in tests/unit/connectors/golden/csv_detect_shared.json, written from the files and SOURCES.md.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from connectors_fixtures import FIXTURES, fixture_bytes

from connectors.csv_detect import Detection, detect_layout, guess_encoding, rows_for
from connectors.csv_profiles import load_profiles, profile_name
from connectors.csvfile import CsvParser
from connectors.errors import ParseError
from connectors.model import ParsedFile, ParsedLine
from connectors.registry import parse_file

D = Decimal
GOLDEN_FILE = Path(__file__).parent / "golden" / "csv_detect_shared.json"
GOLDEN = json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))
GOLDEN.pop("_comment")


def lines(pf: ParsedFile) -> list[ParsedLine]:
    return [ln for st in pf.statements for ln in st.lines]


def detector_only(data: bytes, name: str) -> ParsedFile:
    """The CSV reader with no built-in profile, the generic one included: the detector alone."""
    return CsvParser(builtin=False).parse(data, name)


@pytest.mark.parametrize("relative", sorted(GOLDEN))
def test_every_shared_csv_reads_without_a_profile_or_is_refused_clearly(relative: str) -> None:
    expected = GOLDEN[relative]
    data = fixture_bytes(relative)
    name = relative.rsplit("/", 1)[-1]
    if "refused" in expected:
        with pytest.raises(ParseError) as err:
            detector_only(data, name)
        message = str(err.value)
        assert message.startswith(f"{name}: ") and "\n" not in message
        assert err.value.row == expected["refused"]["row"]
        for words in expected["refused"]["words"]:
            assert words in message
        return
    pf = detector_only(data, name)
    assert profile_name(pf.warnings) == "inferred" and "layout detected, confidence" in pf.warnings[0]
    got = lines(pf)
    assert len(got) == expected["count"]
    assert sum((ln.amount for ln in got), D(0)) == D(expected["sum"])
    assert {ln.currency for ln in got} == {expected["currency"]}
    shown = [[ln.booked_on.isoformat(), str(ln.amount), ln.text] for ln in got]
    if "lines" in expected:
        assert shown == expected["lines"]
    for line in expected.get("some_lines", ()):
        assert line in shown
    if "account" in expected:
        assert {st.account for st in pf.statements} == {expected["account"]}
    if "skipped" in expected:
        assert any(f"status {expected['skipped']!r} skipped" in w for w in pf.warnings)


def test_the_golden_file_covers_every_shared_csv() -> None:
    """A CSV added to ../shared/fixtures gets its expected values here, or this fails."""
    if not (FIXTURES / "csv").is_dir():
        pytest.skip("../shared/fixtures/statements/csv not found")
    present = {str(p.relative_to(FIXTURES)) for p in (FIXTURES / "csv").rglob("*") if p.is_file()}
    assert present == set(GOLDEN)


def test_the_registry_sends_an_unknown_layout_to_the_detector() -> None:
    data = "Datum,Empfänger,Verwendungszweck,Betrag (EUR)\n2026-03-02,Stadtwerke,Strom März,-84.20\n".encode()
    pf = parse_file(data, "n26.csv")
    assert profile_name(pf.warnings) == "inferred"


def test_postfinance_french_export_with_preamble_footer_and_currency_in_the_headers() -> None:
    """Written after the PostFinance French export's layout (preamble of `Label:;="value"` lines, `Crédit en CHF` /
    `Débit en CHF`, debits negative, a disclaimer after the rows); our own lines."""
    data = ('Date de début:;="01.09.2025"\nDate de fin:;="30.09.2025"\nCompte:;="CH5609000000123456789"\n'
            'Monnaie:;="CHF"\n\n'
            "Date;Type de transaction;Texte de notification;Crédit en CHF;Débit en CHF;Label;Catégorie\n"
            '30.09.2025;Paiement;"ACHAT/SERVICE DU 29.09.2025 MIGROS LAUSANNE";;-25.50;;Alimentation\n'
            '15.09.2025;Virement;"VIREMENT DE CLIENT SA FACTURE 2025-88";1250.00;;;Revenus\n\n'
            'Disclaimer:\n"Ce document n\'est pas un extrait de compte officiel."\n').encode()
    pf = detector_only(data, "export_postfinance.csv")
    (statement,) = pf.statements
    assert (statement.account, statement.currency) == ("CH5609000000123456789", "CHF")
    assert [(ln.booked_on, ln.amount) for ln in statement.lines] == [
        (date(2025, 9, 30), D("-25.50")), (date(2025, 9, 15), D("1250.00"))]
    (profile,) = load_profiles(detect_layout(data, "p.csv").to_toml("postfinance-fr", "PostFinance"))
    assert profile.file_currency == "CHF"
    (again,) = CsvParser(profiles=[profile]).parse(data, "p.csv").statements
    assert again.currency == "CHF" and again.lines == statement.lines
    with pytest.raises(ValueError, match="'currency' must be a three-letter currency code"):
        load_profiles(detect_layout(data, "p.csv").to_toml("x", "y").replace('currency = "CHF"', 'currency = "chf"'))


def test_ubs_french_export_with_apostrophes_times_and_three_descriptions() -> None:
    """Written after the UBS French export's layout (account preamble, booking and value dates, a time column,
    `Sous-montant` and `Solde` beside `Débit`/`Crédit`, Description1-3); our own lines."""
    data = ("Numéro de compte:;0230 00123456.01;\nIBAN:;CH93 0023 0230 1234 5601 A;\nSolde initial:;5'000.00;\n\n"
            "Date de transaction;Heure de transaction;Date de comptabilisation;Date de valeur;Monnaie;Débit;Crédit;"
            "Sous-montant;Solde;N° de transaction;Description1;Description2;Description3;Notes de bas de page;\n"
            "2025-09-30;14:32:10;2025-09-30;2025-09-30;CHF;-25.50;;;4'974.50;9930273TI5559301;Coop;Paiement carte;;;\n"
            "2025-09-15;09:00:00;2025-09-15;2025-09-16;CHF;;2'500.00;;7'474.50;9925858TI5551234;Client SA;Virement;"
            "Facture 2025-88;;\n").encode()
    det = detect_layout(data, "ubs.csv")
    assert det.name("date") == "Date de comptabilisation" and det.name("bank_ref") == "N° de transaction"
    got = lines(detector_only(data, "ubs.csv"))
    assert [(ln.booked_on, ln.value_on, ln.amount, ln.currency, ln.text, ln.bank_ref) for ln in got] == [
        (date(2025, 9, 30), date(2025, 9, 30), D("-25.50"), "CHF", "Coop Paiement carte", "9930273TI5559301"),
        (date(2025, 9, 15), date(2025, 9, 16), D("2500.00"), "CHF", "Client SA Virement Facture 2025-88",
         "9925858TI5551234")]


# -- layouts of the issue -----------------------------------------------------------------------------------------
HEADERLESS = (
    "02/10/2025;PRLV SEPA EDF CLIENTS PARTICULIERS ECH 021025;-84,20;\n"
    "03/10/2025;VIR SEPA RECU DE SARL EXEMPLE FACTURE 2025-114;1 200,00;\n"
    "06/10/2025;CB BOULANGERIE DU PARC 04/10;-4,80;\n"
    "13/10/2025;VIR SEPA RECU DE SAS DEMO F-0042;2 400,00;\n"
).encode("cp1252")


def test_a_french_export_without_a_header_row() -> None:
    det = detect_layout(HEADERLESS, "E0790170.csv")
    assert det.sure and det.header_line is None and det.data_line == 1
    assert det.columns == {"date": 0, "amount": 2} and det.labels == (1,)
    assert (det.decimal, det.date_format, det.encoding) == (",", "%d/%m/%Y", "utf-8")
    pf = detector_only(HEADERLESS, "E0790170.csv")
    assert [(ln.booked_on, ln.amount, ln.row) for ln in lines(pf)] == [
        (date(2025, 10, 2), D("-84.20"), 1), (date(2025, 10, 3), D("1200.00"), 2),
        (date(2025, 10, 6), D("-4.80"), 3), (date(2025, 10, 13), D("2400.00"), 4)]
    assert "no header row" in pf.warnings[0]


def test_a_headerless_file_with_a_preamble_and_a_running_balance() -> None:
    data = ("Numéro de compte : 12345678901;;;\n;;;\n"
            "01/10/2025;SOLDE REPORTE ET FRAIS;-10,00;990,00\n"
            "02/10/2025;VIR RECU CLIENT ALPHA;250,00;1 240,00\n"
            "03/10/2025;PRLV URSSAF;-1 000,00;240,00\n").encode()
    det = detect_layout(data, "HistoriqueOperations_12345678901_du_01_10_2025_au_03_10_2025.csv")
    assert det.sure, det.ambiguities
    assert det.columns["amount"] == 2 and any("running balance" in r for r in det.reasons)
    pf = detector_only(data, "h.csv")
    assert [ln.amount for ln in lines(pf)] == [D("-10.00"), D("250.00"), D("-1000.00")]
    assert pf.statements[0].account == "12345678901"


def test_headerless_debit_and_credit_columns_told_apart_by_their_signs() -> None:
    data = b"05.10.2025;Miete Oktober;-950,00;\n06.10.2025;Rechnung 17;;1.200,00\n07.10.2025;Gebuehr;-3,50;\n"
    det = detect_layout(data, "x.csv")
    assert det.sure and det.columns == {"date": 0, "debit": 2, "credit": 3} and not det.debit_positive
    assert [ln.amount for ln in lines(detector_only(data, "x.csv"))] == [D("-950.00"), D("1200.00"), D("-3.50")]


def test_headerless_debit_and_credit_both_positive_is_refused() -> None:
    data = b"05/10/2025;Loyer;950,00;\n06/10/2025;Facture 17;;1 200,00\n"
    det = detect_layout(data, "x.csv")
    assert not det.sure and "which is money out cannot be told" in det.ambiguities[0]
    with pytest.raises(ParseError) as err:
        detector_only(data, "x.csv")
    assert str(err.value).startswith("x.csv: CSV layout not recognised for sure (")
    assert "lettrage statements profile x.csv" in str(err.value)


def test_german_n26_export() -> None:
    data = ('"Datum","Empfänger","Kontonummer","Transaktionstyp","Verwendungszweck","Betrag (EUR)",'
            '"Betrag (Fremdwährung)","Fremdwährung","Wechselkurs"\n'
            '"2025-09-01","Stadtwerke München","DE89370400440532013000","Lastschrift","Strom 09/2025","-84.2","","",""\n'
            '"2025-09-03","Kunde GmbH","DE02120300000000202051","Gutschrift","RE-2025-17","1250.0","","",""\n').encode()
    det = detect_layout(data, "n26.csv")
    assert det.sure and det.name("amount") == "Betrag (EUR)" and det.name("counterparty") == "Empfänger"
    assert det.name("cp_iban") == "Kontonummer" and det.labels == (4,)
    got = lines(detector_only(data, "n26.csv"))
    assert [(ln.amount, ln.counterparty, ln.counterparty_iban, ln.text) for ln in got] == [
        (D("-84.2"), "Stadtwerke München", "DE89370400440532013000", "Strom 09/2025"),
        (D("1250.0"), "Kunde GmbH", "DE02120300000000202051", "RE-2025-17")]


def test_revolut_export_with_french_headers() -> None:
    data = ("Type,Produit,Date de début,Date de fin,Description,Montant,Frais,Devise,État,Solde\n"
            "CARD_PAYMENT,Actuel,2025-09-29 10:12:01,2025-09-30 08:00:00,Boulangerie,-4.80,0.00,EUR,TERMINÉ,95.20\n"
            "TRANSFER,Actuel,2025-09-30 11:00:00,2025-09-30 11:00:02,Client Zeta,1500.00,0.00,EUR,TERMINÉ,1595.20\n"
            "CARD_PAYMENT,Actuel,2025-10-01 09:00:00,,Café,-3.50,0.00,EUR,EN ATTENTE,\n").encode()
    pf = detector_only(data, "revolut.csv")
    assert [(ln.booked_on, ln.amount, ln.text) for ln in lines(pf)] == [
        (date(2025, 9, 30), D("-4.80"), "Boulangerie"), (date(2025, 9, 30), D("1500.00"), "Client Zeta")]
    assert any("'en attente' skipped" in w for w in pf.warnings)


def test_date_completed_utc_written_day_first() -> None:
    """Issue 21: "invalid date '30/09/2025' in column 'Date completed (UTC)'" from a Revolut Business export."""
    data = (b"Date started (UTC),Date completed (UTC),ID,Type,State,Description,Reference,Payer,Orig currency,"
            b"Orig amount,Payment currency,Amount,Total amount,Fee,Balance\n"
            b"29/09/2025,30/09/2025,a1,TRANSFER,COMPLETED,Client Zeta,INV-9,,EUR,1500.00,EUR,1500.00,1500.00,0.00,"
            b"2500.00\n")
    for parser in (CsvParser(), CsvParser(builtin=False)):
        (line,) = lines(parser.parse(data, "revolut-business.csv"))
        assert (line.booked_on, line.amount, line.bank_ref) == (date(2025, 9, 30), D("1500.00"), "a1")


def test_italian_export_with_date_times_and_dot_thousands() -> None:
    data = (b"Data contabile;Data valuta;Descrizione;Importo;Divisa\n"
            b"01.10.2025 00:00;02.10.2025 00:00;Bonifico da Rossi SRL;1.234,50;EUR\n"
            b"15.10.2025 00:00;15.10.2025 00:00;Addebito utenza;-56,10;EUR\n")
    det = detect_layout(data, "it.csv")
    assert det.sure and det.date_format == "%d.%m.%Y %H:%M" and det.thousands.count(".") == 1
    got = lines(detector_only(data, "it.csv"))
    assert [(ln.booked_on, ln.value_on, ln.amount) for ln in got] == [
        (date(2025, 10, 1), date(2025, 10, 2), D("1234.50")), (date(2025, 10, 15), date(2025, 10, 15), D("-56.10"))]


def test_swiss_apostrophe_and_narrow_no_break_space_thousands() -> None:
    data = ("Date de transaction;Description;Débit;Crédit;Solde\n"
            "02.10.2025;Loyer bureau;1'250.00;;18'750.00\n"
            "03.10.2025;Client SA;;12\u202f000.00;30'750.00\n").encode()
    det = detect_layout(data, "ubs.csv")
    assert det.sure and det.decimal == "." and det.debit_positive and "'" in det.thousands
    assert [ln.amount for ln in lines(detector_only(data, "ubs.csv"))] == [D("-1250.00"), D("12000.00")]


def test_every_amount_like_1_500_is_refused() -> None:
    data = b"Date;Libelle;Montant\n01/10/2025;A;-1,500\n02/10/2025;B;2,250\n"
    det = detect_layout(data, "x.csv")
    assert not det.sure and "cannot be told apart" in det.ambiguities[0]


def test_month_first_or_day_first_unsettled_in_an_english_file_is_refused() -> None:
    data = b"Date,Description,Amount\n03/04/2025,Coffee,-3.20\n05/06/2025,Refund,10.00\n"
    det = detect_layout(data, "x.csv")
    assert not det.sure and "day and month could be swapped" in det.ambiguities[0]
    settled = detect_layout(b"Date,Description,Amount\n03/04/2025,Coffee,-3.20\n05/16/2025,Refund,10.00\n", "y.csv")
    assert settled.sure and settled.date_format == "%m/%d/%Y"


def test_a_single_column_of_positive_amounts_is_refused() -> None:
    data = b"01/10/2025;Loyer;950,00\n02/10/2025;Facture;1 200,00\n"
    assert "cannot be told apart" in detect_layout(data, "x.csv").ambiguities[0]


def test_text_without_dates_is_not_a_table() -> None:
    det = detect_layout(b"hello;world\nfoo;bar\n", "x.csv")
    assert not det.found_table and not det.sure
    assert not CsvParser(builtin=False).detect(b"hello;world\nfoo;bar\n", "x.csv")


@pytest.mark.parametrize(("data", "encoding"), [
    ("Libellé;Montant\n".encode("utf-8-sig"), "utf-8-sig"), ("Libellé;Montant\n".encode(), "utf-8"),
    ("Libellé;Montant – €\n".encode("cp1252"), "cp1252"), ("Libellé;Montant €\n".encode("iso-8859-15"), "iso-8859-15"),
    ("Libellé;Montant\n".encode("utf-16"), "utf-16"),
])
def test_encodings(data: bytes, encoding: str) -> None:
    assert guess_encoding(data)[0] == encoding


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_delimiters(delimiter: str) -> None:
    rows = [["Date", "Label", "Amount"], ["2025-10-01", "A, B", "-1.50"], ["2025-10-02", "C", "2.00"]]
    data = "\n".join(delimiter.join(f'"{c}"' if delimiter in c else c for c in r) for r in rows).encode()
    det = detect_layout(data, "x.csv")
    assert det.delimiter == delimiter and det.sure


def test_every_row_check_names_the_row_and_the_column() -> None:
    data = "Date;Libellé;Montant;Devise\n01/10/2025;A;-1,00;EUR\n02/10/2025;B;;EUR\n03/10/2025;C;2,00;euro\n".encode()
    with pytest.raises(ParseError) as err:
        CsvParser(builtin=False).parse(data, "x.csv")
    assert err.value.row == 3 and "'Montant'" in err.value.reason and "1 more bad row" in err.value.reason
    data = "Date;Libellé;Montant;Devise\n01/10/2025;A;-1,00;EUR\n03/10/2025;C;2,00;euro\n".encode()
    with pytest.raises(ParseError) as err:
        CsvParser().parse(data, "x.csv")
    assert err.value.row == 3 and "in column 'Devise'" in err.value.reason


def test_the_proposed_profile_is_valid_toml_and_reads_the_file_again() -> None:
    data = ("Date opération;Date valeur;Libellé;Débit;Crédit;Solde\n"
            "01/10/2025;02/10/2025;Frais \"tenue\";3,50;;996,50\n"
            "02/10/2025;02/10/2025;Remise chèque;;150,00;1 146,50\n").encode("cp1252")
    det = detect_layout(data, "x.csv")
    assert det.sure
    (profile,) = load_profiles(det.to_toml("ma-banque", "Ma Banque"))
    assert (profile.encoding, profile.debit, profile.credit, profile.debit_positive) == ("cp1252", "Débit", "Crédit",
                                                                                        True)
    pf = CsvParser(profiles=[profile]).parse(data, "x.csv")
    assert profile_name(pf.warnings) == "ma-banque"
    assert [ln.amount for ln in lines(pf)] == [D("-3.50"), D("150.00")]
    with pytest.raises(ValueError, match="without a header row"):
        detect_layout(HEADERLESS, "E.csv").to_toml("x", "y")


def test_rows_for_shows_what_was_read() -> None:
    det = detect_layout(HEADERLESS, "E.csv")
    first = rows_for(det, 2)
    assert [(r["date"], r["amount"]) for r in first] == [("2025-10-02", "-84.20"), ("2025-10-03", "1200.00")]


def test_an_8_mb_line_is_refused_quickly() -> None:
    det = detect_layout(b"Date;Montant\n01/03/2026;1,00;" + b"a;" * 300_000, "wide.csv")
    assert isinstance(det, Detection) and not det.sure

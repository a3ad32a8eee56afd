"""CSV mapping profiles: built-in bank profiles, detection by header signature, user TOML profiles."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from connectors_fixtures import fixture_bytes

from connectors.csv_profiles import CsvProfile, ProfileError, builtin_profiles, load_profiles, profile_name
from connectors.csvfile import CsvParser
from connectors.errors import ParseError
from connectors.model import ParsedFile, ParsedLine

D = Decimal


def lines(pf: ParsedFile) -> list[ParsedLine]:
    return [ln for st in pf.statements for ln in st.lines]


@pytest.mark.parametrize(("relative", "profile"), [
    ("csv/kledg/bnp-paribas.csv", "bnp-paribas"),
    ("csv/kledg/societe-generale.csv", "societe-generale"),
    ("csv/kledg/credit-agricole.csv", "credit-agricole"),
    ("csv/kledg/bpce.csv", "bpce"),
    ("csv/kledg/credit-mutuel-montant.csv", "credit-mutuel-montant"),
    ("csv/kledg/la-banque-postale.csv", "la-banque-postale"),
    ("csv/kledg/boursobank.csv", "boursobank"),
    ("csv/kledg/shine.csv", "shine"),
    ("csv/kledg/qonto.csv", "qonto-en"),
    ("csv/kledg/qonto-fr.csv", "qonto-fr"),
    ("csv/kledg/revolut-business.csv", "revolut-business"),
    ("csv/kledg/generic.tsv", "generic"),
    ("csv/vrischmann-beancount-importers/00000000001.csv", "credit-mutuel-debit-credit"),
    ("csv/oca-bank-statement-import/balance.csv", "generic"),
    ("csv/oca-bank-statement-import/meta_data_separated_credit_debit.csv", "generic"),
])
def test_detection_picks_the_bank_profile(relative: str, profile: str) -> None:
    pf = CsvParser().parse(fixture_bytes(relative), relative)
    assert profile_name(pf.warnings) == profile
    assert pf.warnings[0].startswith(f"read with CSV profile {profile} (")


def test_builtin_profiles_cover_the_french_banks_and_end_with_generic() -> None:
    profiles = builtin_profiles()
    banks = " | ".join(p.bank for p in profiles)
    for bank in ("BNP Paribas", "Société Générale", "Crédit Agricole", "LCL", "Crédit Mutuel / CIC", "BPCE",
                 "La Banque Postale", "BoursoBank", "Qonto", "Shine", "Revolut Business"):
        assert bank in banks
    assert {"qonto-en", "qonto-fr"} <= {p.name for p in profiles}
    assert profiles[-1].generic and not any(p.generic for p in profiles[:-1])
    assert all(p.source for p in profiles)
    (lcl,) = [p for p in profiles if p.name == "lcl"]
    assert "untested" in lcl.source.lower()


def test_profile_fields_are_read_from_the_bank_columns() -> None:
    sg = lines(CsvParser().parse(fixture_bytes("csv/kledg/societe-generale.csv"), "sg.csv"))
    assert [(ln.amount, ln.counterparty) for ln in sg] == [
        (D("-12.50"), None), (D("2400.00"), "SAS DÉMO"), (D("-1234.56"), "URSSAF")]
    shine = lines(CsvParser().parse(fixture_bytes("csv/kledg/shine.csv"), "shine.csv"))
    assert (shine[0].bank_ref, shine[0].counterparty, shine[0].value_on) == (
        "shn_tx_001", "Logiciel Démo", date(2026, 3, 3))
    bourso = CsvParser().parse(fixture_bytes("csv/kledg/boursobank.csv"), "b.csv")
    assert bourso.statements[0].account == "00040123456"
    rev = lines(CsvParser().parse(fixture_bytes("csv/kledg/revolut-business.csv"), "r.csv"))
    assert (rev[1].bank_ref, rev[1].reference) == ("6601a1b2-0000-4000-8000-000000000002", "INV-2026-5")


def test_lcl_documented_layout() -> None:
    data = ("Date;Montant;Type;Libellé\n"
            "02/03/2026;-12,50;Carte;CB BOULANGERIE\n"
            "03/03/2026;1 250,00;Virement;VIR SEPA RECU DE SARL ALPHA FACTURE 77\n").encode("cp1252")
    pf = CsvParser().parse(data, "lcl.csv")
    assert profile_name(pf.warnings) == "lcl"
    assert [(ln.amount, ln.text, ln.counterparty) for ln in lines(pf)] == [
        (D("-12.50"), "CB BOULANGERIE", None),
        (D("1250.00"), "VIR SEPA RECU DE SARL ALPHA FACTURE 77", "SARL ALPHA")]


MADE_UP = '''
[[profile]]
name = "banque-imaginaire"
bank = "Banque Imaginaire"
source = "made-up export for the tests"
encoding = "cp1252"
delimiter = "|"
decimal = ","
thousands = "."
date_formats = ["%Y%m%d"]
skip_rows = 1
header = ["Jour", "Sortie", "Entrée", "Intitulé", "Tiers", "Etat"]
debit_positive = true
not_booked = ["prévu"]

[profile.columns]
date = "Jour"
debit = "Sortie"
credit = "Entrée"
label = ["Intitulé"]
counterparty = "Tiers"
status = "Etat"
'''


def test_user_toml_profile_reads_a_made_up_bank_export() -> None:
    (profile,) = load_profiles(MADE_UP)
    assert (profile.delimiter, profile.thousands, profile.skip_rows, profile.debit_positive) == ("|", ".", 1, True)
    data = ("Export Banque Imaginaire|compte 42\n"
            "Jour|Sortie|Entrée|Intitulé|Tiers|Etat\n"
            "20260302|1.234,56||Loyer bureau|SCI Été|passé\n"
            "20260303||99,90|Règlement F-12|Client Œuf|passé\n"
            "20260304|5,00||Frais|Banque|prévu\n").encode("cp1252")
    parser = CsvParser(profiles=[profile])
    assert parser.detect(data, "export.txt")
    pf = parser.parse(data, "export.txt")
    assert profile_name(pf.warnings) == "banque-imaginaire"
    assert [(ln.booked_on, ln.amount, ln.text, ln.counterparty) for ln in lines(pf)] == [
        (date(2026, 3, 2), D("-1234.56"), "Loyer bureau", "SCI Été"),
        (date(2026, 3, 3), D("99.90"), "Règlement F-12", "Client Œuf")]
    assert any("prévu" in w for w in pf.warnings)
    # without the user profile no built-in profile recognises this layout; the layout detector reads it alike
    detected = CsvParser().parse(data, "export.txt")
    assert profile_name(detected.warnings) == "inferred"
    assert [(ln.booked_on, ln.amount, ln.text) for ln in lines(detected)] == [
        (ln.booked_on, ln.amount, ln.text) for ln in lines(pf)]


def test_user_profile_wins_over_a_builtin_with_the_same_signature() -> None:
    text = MADE_UP.replace('"banque-imaginaire"', '"ma-bnp"').replace(
        'header = ["Jour", "Sortie", "Entrée", "Intitulé", "Tiers", "Etat"]',
        'header = ["Date operation", "Libelle court", "Type operation", "Libelle operation", '
        '"Montant operation en euro"]').replace("skip_rows = 1\n", "").replace('encoding = "cp1252"\n', "")
    text = text.replace('delimiter = "|"', 'delimiter = ";"').replace('date_formats = ["%Y%m%d"]',
                                                                      'date_formats = ["%d/%m/%Y"]')
    text = text.replace('date = "Jour"', 'date = "Date operation"').replace('debit = "Sortie"\ncredit = "Entrée"', 'amount = "Montant operation en euro"')
    text = text.replace('label = ["Intitulé"]', 'label = ["Libelle court"]').replace('thousands = "."',
                                                                                      'thousands = " "')
    (mine,) = load_profiles(text)
    pf = CsvParser(profiles=[mine]).parse(fixture_bytes("csv/kledg/bnp-paribas.csv"), "bnp.csv")
    assert profile_name(pf.warnings) == "ma-bnp"
    assert [ln.text for ln in lines(pf)] == ["PRLV SEPA", "VIR SEPA RECU", "FACTURE CARTE"]


def test_fixed_encoding_that_does_not_fit_is_a_clear_error() -> None:
    (profile,) = load_profiles(MADE_UP.replace('encoding = "cp1252"', 'encoding = "ascii"'))
    data = "x|y\nJour|Sortie|Entrée|Intitulé|Tiers|Etat\n20260302|1,00||A|B|passé\n".encode("cp1252")
    with pytest.raises(ParseError) as err:
        CsvParser(profiles=[profile]).parse(data, "e.csv")
    assert "expects ascii" in err.value.reason and "banque-imaginaire" in err.value.reason


def test_wrong_debit_sign_or_separator_is_a_bad_row_naming_the_profile() -> None:
    data = "Date;Libellé;Débit Euros;Crédit Euros;\n06/03/2026;A;-19,99;;\n06/03/2026;B;1.5.0;;\n".encode()
    with pytest.raises(ParseError) as err:
        CsvParser().parse(data, "ca.csv")
    assert err.value.row == 2 and "wrong sign" in err.value.reason and "credit-agricole" in err.value.reason
    assert "1 more bad row" in err.value.reason


def test_date_not_in_the_profile_formats_names_them() -> None:
    data = "Date;Date de valeur;Montant;Libellé;Solde\n2026-03-02;02/03/2026;-1,00;X;0\n".encode()
    with pytest.raises(ParseError) as err:
        CsvParser().parse(data, "cm.csv")
    assert err.value.row == 2 and "'2026-03-02'" in err.value.reason and "%d/%m/%Y" in err.value.reason


@pytest.mark.parametrize(("change", "key"), [
    (('name = "banque-imaginaire"\n', ""), "name"),
    (('bank = "Banque Imaginaire"\n', ""), "bank"),
    (('decimal = ","', 'decimal = ";"'), "decimal"),
    (('thousands = "."', 'thousands = ","'), "thousands"),
    (('date_formats = ["%Y%m%d"]', 'date_formats = ["%Y"]'), "date_formats"),
    (('skip_rows = 1', 'skip_rows = -1'), "skip_rows"),
    (('debit_positive = true', 'debit_positive = "oui"'), "debit_positive"),
    (('encoding = "cp1252"', 'encoding = "klingon"'), "encoding"),
    (('delimiter = "|"', 'delimiter = "::"'), "delimiter"),
    (('header = ["Jour", "Sortie", "Entrée", "Intitulé", "Tiers", "Etat"]', 'header = []'), "header"),
    (('date = "Jour"', 'date = "Datum"'), "columns.date"),
    (('date = "Jour"\n', ""), "columns.date"),
    (('debit = "Sortie"\n', ""), "columns.amount"),
    (('label = ["Intitulé"]', 'libelle = ["Intitulé"]'), "columns.libelle"),
    (('not_booked', 'not_boked'), "not_boked"),
])
def test_bad_profiles_name_the_key(change: tuple[str, str], key: str) -> None:
    text = MADE_UP.replace(*change)
    assert text != MADE_UP
    with pytest.raises(ValueError, match=f"key '{key}'") as err:
        load_profiles(text)
    assert isinstance(err.value, ProfileError)


def test_bad_toml_and_duplicate_names() -> None:
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profiles("[[profile]\nname=")
    with pytest.raises(ProfileError, match="key 'profile' is missing"):
        load_profiles("")
    with pytest.raises(ProfileError, match="key 'name' is used twice"):
        load_profiles(MADE_UP + MADE_UP)


def test_profile_amounts_follow_the_separators() -> None:
    p = CsvProfile(name="t", bank="t", header=("a",), thousands=" .", decimal=",")
    assert p.parse_amount("1 234,56") == D("1234.56") and p.parse_amount("-1.234,56") == D("-1234.56")
    assert p.parse_amount("1\u202f234,5 EUR") == D("1234.5") and p.parse_amount("12,50-") == D("-12.50")
    assert p.parse_amount("1,234.56") is None and p.parse_amount("12 34,00") is None
    assert p.parse_amount("douze") is None and p.parse_amount("") is None


def test_qonto_french_and_english_exports_both_read_the_note() -> None:
    fr = ("Statut;Date de la valeur (UTC);Date de l'opération (UTC);Montant total (TTC);Devise;Nom de la contrepartie;"
          "Note;Identifiant de transaction\n"
          "Exécuté;29-04-2026 12:01:44;29-04-2026 12:01:44;-1 812,00;EUR;Bois & Scieries du Jura;"
          "Plateaux chêne 40 mm;tx-1\n").encode()
    en = ("Status,Settlement date (UTC),Operation date (UTC),Total amount (incl. VAT),Currency,Counterparty name,"
          "Note,Transaction ID\n"
          "settled,2026-04-29 12:01:44,2026-04-29 12:01:44,-1812.00,EUR,Bois & Scieries du Jura,"
          "Plateaux chêne 40 mm,tx-1\n").encode()
    read = [(profile_name(pf.warnings), lines(pf)[0].text, lines(pf)[0].counterparty)
            for pf in (CsvParser().parse(fr, "fr.csv"), CsvParser().parse(en, "en.csv"))]
    assert read == [("qonto-fr", "Bois & Scieries du Jura Plateaux chêne 40 mm", "Bois & Scieries du Jura"),
                    ("qonto-en", "Bois & Scieries du Jura Plateaux chêne 40 mm", "Bois & Scieries du Jura")]


CREDIT_MUTUEL = ("Date;Date de valeur;Débit;Crédit;Libellé;Solde\r\n"
                 "30/04/2026;30/04/2026;-25,00;;FRAIS CARTE 25 € PAR AN;1 975,00\r\n")


@pytest.mark.parametrize("encoding", ["iso-8859-15", "utf-8", "utf-8-sig"])
def test_credit_mutuel_euro_sign_in_iso_8859_15_and_in_utf8(encoding: str) -> None:
    """The export is ISO-8859-15, whose euro sign (byte A4) Windows-1252 reads as "¤"; the same file re-saved
    as UTF-8 (with or without BOM) still reads the same."""
    pf = CsvParser().parse(CREDIT_MUTUEL.encode(encoding), "ccm.csv")
    assert profile_name(pf.warnings) == "credit-mutuel-debit-credit"
    assert [(ln.amount, ln.text) for ln in lines(pf)] == [(D("-25.00"), "FRAIS CARTE 25 € PAR AN")]

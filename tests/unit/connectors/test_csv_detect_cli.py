"""``lettrage statements profile FILE``: what the detector read, as a table or JSON, and ``--write`` adding the
profile to the company's configuration without losing a line of it (worker/statements/csv_profile_file.py)."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from connectors.csv_profiles import load_profiles
from connectors.csvfile import CsvParser
from worker.cli.main import cli, register_commands
from worker.company_config import parse_company_config
from worker.errors import ConfigurationError
from worker.settings import get_settings, settings_in_use
from worker.statements.csv_profile_file import add_csv_profile, with_profiles_file

EXPORT = ("Relevé;Compte 42\n\nDate opération;Date valeur;Libellé;Débit;Crédit\n"
          "01/10/2025;02/10/2025;Frais;3,50;\n02/10/2025;02/10/2025;Remise chèque;;150,00\n").encode("cp1252")
TOML = """[[profile]]
name = "ma-banque"
bank = "Ma Banque"
header = ["Date", "Montant"]

[profile.columns]
date = "Date"
amount = "Montant"
"""


def run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    register_commands()
    with settings_in_use(replace(get_settings(), companies_dir=tmp_path)):
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_profile_json_then_write_then_import_with_it(tmp_path: Path) -> None:
    export = tmp_path / "releve.csv"
    export.write_bytes(EXPORT)
    company = tmp_path / "acme.toml"
    company.write_text("# the firm's settings\n[csv]  # CSV\n\n[import]\nfuture_days = 1\n", encoding="utf-8")
    code, out, _err = run(tmp_path, "statements", "profile", str(export), "--json")
    shown = json.loads(out)
    assert code == 0 and shown["sure"] and shown["written"] is None
    assert shown["columns"] == {"date": "Date opération", "value": "Date valeur", "debit": "Débit", "credit": "Crédit"}
    assert [(r["date"], r["amount"]) for r in shown["rows"]] == [("2025-10-01", "-3.50"), ("2025-10-02", "150.00")]
    code, out, _err = run(tmp_path, "statements", "profile", str(export), "--company", "acme", "--write", "--json",
                          "--name", "ma-banque", "--bank", "Ma Banque")
    written = json.loads(out)["written"]
    assert code == 0 and written["profiles_file"] == str(tmp_path / "acme.csv_profiles.toml")
    text = company.read_text(encoding="utf-8")
    assert text.startswith("# the firm's settings\n[csv]  # CSV\nprofiles_file = \"acme.csv_profiles.toml\"")
    assert text.endswith("[import]\nfuture_days = 1\n")
    (profile,) = load_profiles((tmp_path / "acme.csv_profiles.toml").read_text(encoding="utf-8"))
    pf = CsvParser(profiles=[profile]).parse(EXPORT, "releve.csv")
    assert pf.warnings[0].startswith("read with CSV profile ma-banque (Ma Banque)")
    code, _out, err = run(tmp_path, "statements", "profile", str(export), "--company", "acme", "--write",
                          "--name", "ma-banque")
    assert code == 1 and "already named 'ma-banque'" in err and err.count("\n") == 1


def test_write_refuses_an_unsure_layout_and_a_file_without_header(tmp_path: Path) -> None:
    unsure = tmp_path / "u.csv"
    unsure.write_bytes(b"05/10/2025;Loyer;950,00;\n06/10/2025;Facture 17;;1 200,00\n")
    code, out, err = run(tmp_path, "statements", "profile", str(unsure))
    assert code == 0 and "NOT sure" in out and "which is money out cannot be told" in err
    code, _out, err = run(tmp_path, "statements", "profile", str(unsure), "--company", "acme", "--write")
    assert code == 1 and "nothing to write" in err and not (tmp_path / "acme.toml").exists()
    headerless = tmp_path / "E0790170.csv"
    headerless.write_bytes(b"02/10/2025;PRLV EDF;-84,20\n03/10/2025;VIR CLIENT;1 200,00\n")
    code, _out, err = run(tmp_path, "statements", "profile", str(headerless), "--company", "acme", "--write")
    assert code == 1 and "no header row" in err and not (tmp_path / "acme.toml").exists()


def test_writer_appends_and_creates_files(tmp_path: Path) -> None:
    done = add_csv_profile(tmp_path, "new", TOML, "ma-banque")
    assert done.company_file == tmp_path / "new.toml"
    config = parse_company_config(done.company_file.read_text(encoding="utf-8"), done.company_file)
    assert config.csv_profiles_file == tmp_path / "new.csv_profiles.toml"
    second = TOML.replace("ma-banque", "autre")
    again = add_csv_profile(tmp_path, "new", second, "autre")
    assert again.company_file is None
    assert [p.name for p in load_profiles(again.profiles_file.read_text(encoding="utf-8"))] == ["ma-banque", "autre"]
    with pytest.raises(ConfigurationError, match="would not read back"):
        add_csv_profile(tmp_path, "new", "[[profile]]\nname = \"x\"\n", "x")


def test_an_existing_profiles_file_is_kept_and_a_broken_one_is_not_touched(tmp_path: Path) -> None:
    (tmp_path / "acme.toml").write_text('[csv]\nprofiles_file = "banks.toml"\n', encoding="utf-8")
    banks = tmp_path / "banks.toml"
    banks.write_text("# mine\n" + TOML.replace("ma-banque", "mienne"), encoding="utf-8")
    add_csv_profile(tmp_path, "acme", TOML, "ma-banque")
    assert banks.read_text(encoding="utf-8").startswith("# mine\n[[profile]]\nname = \"mienne\"")
    banks.write_text("[[profile]]\nname = 1\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="fix it before"):
        add_csv_profile(tmp_path, "acme", TOML.replace("ma-banque", "z"), "z")
    assert banks.read_text(encoding="utf-8") == "[[profile]]\nname = 1\n"


def test_profiles_file_inserted_under_an_existing_csv_table_or_appended() -> None:
    assert with_profiles_file("[csv]\n", "p.toml").startswith('[csv]\nprofiles_file = "p.toml"')
    assert with_profiles_file("[import]\nfuture_days = 1", "p.toml").startswith("[import]\nfuture_days = 1\n\n[csv]\n")
    assert with_profiles_file("", "p.toml").startswith("[csv]\n")

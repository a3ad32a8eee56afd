"""A company's statement sources from its TOML: validation, building, and `lettrage sync` end to end."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from connectors.sources import InboxSource, SftpSource
from tests.integration.test_sftp import PASSWORD, USER, SftpServer, statement
from worker.company_config import SOURCE_KEYS, parse_company_config
from worker.errors import ConfigurationError
from worker.settings import Settings
from worker.statements.sources import SOURCE_TYPES, build_sources

SFTP = """
[[sources]]
type = "sftp"
host = "sftp.banque.example"
username = "atelier"
password = "x"
host_key = "SHA256:abc"
"""


def test_every_configurable_type_has_a_builder() -> None:
    assert set(SOURCE_TYPES) == set(SOURCE_KEYS)


@pytest.mark.parametrize(("text", "message"), [
    ("[[sources]]\ntype = 'ftp'", "sources[0].type must be one of inbox, sftp, not 'ftp'"),
    ("[[sources]]\ntype = 'inbox'\nfolder = 'x'", "sources[0] (inbox): unknown key(s) folder"),
    ("[[sources]]\ntype = 'inbox'\nsettle_seconds = -1", "sources[0] (inbox): settle_seconds must be a number"),
    ("[[sources]]\ntype = 'inbox'\npath = ''", "sources[0] (inbox): path must be a non-empty string"),
    (SFTP.replace('host = "sftp.banque.example"\n', ""), "sources[0] (sftp): missing key host"),
    (SFTP + "port = 70000", "sources[0] (sftp): port must be a port number between 1 and 65535"),
    (SFTP + "port = '22'", "sources[0] (sftp): port must be a port number"),
    (SFTP.replace('password = "x"\n', ""), "sources[0] (sftp): set password, password_file or private_key_path"),
    (SFTP.replace('host_key = "SHA256:abc"\n', ""), "sources[0] (sftp): set host_key or known_hosts"),
    (SFTP.replace('host_key = "SHA256:abc"\n', "insecure_accept_any_host_key = false\n"),
     "sources[0] (sftp): set host_key or known_hosts"),
    (SFTP.replace('host_key = "SHA256:abc"\n', "insecure_accept_any_host_key = 'yes'\n"),
     "sources[0] (sftp): insecure_accept_any_host_key must be true or false"),
    (SFTP + "delete_after_import = true\narchive_folder = '/done'",
     "delete_after_import = true and archive_folder exclude each other"),
    (SFTP + SFTP, "sources[1]: another source is already named 'sftp:sftp.banque.example'"),
    ("sources = 3", "sources must be a list"),
])
def test_source_errors_name_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_company_config(text, Path("acme.toml"))
    assert str(info.value).startswith("acme.toml: ") and message in str(info.value)


def test_build_sources_defaults_and_relative_paths(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", inbox_dir=tmp_path / "var" / "inbox",
                        companies_dir=tmp_path / "companies")
    (default,) = build_sources(settings, "acme", parse_company_config(""))
    assert isinstance(default, InboxSource) and default.root == tmp_path / "var" / "inbox" / "acme"
    assert default.root.is_dir()
    secret = tmp_path / "companies" / "secret"
    secret.parent.mkdir()
    secret.write_text("pa55\n", encoding="utf-8")
    config = parse_company_config(SFTP.replace('password = "x"', 'password_file = "secret"') + """
name = "banque"
[[sources]]
type = "inbox"
path = "drop"
settle_seconds = 0
""", tmp_path / "companies" / "acme.toml")
    sftp, inbox = build_sources(settings, "acme", config)
    assert isinstance(sftp, SftpSource) and isinstance(inbox, InboxSource)
    assert (sftp.name, sftp.password, sftp.port, sftp.delete_after_import, sftp.archive_folder) == (
        "banque", "pa55", 22, False, None)
    assert sftp.state_dir == tmp_path / "var" / "sources" / "acme"
    assert inbox.root == tmp_path / "companies" / "drop" and inbox.settle_seconds == 0
    assert not inbox.root.exists()  # a configured folder is not created: a missing mount is reported


def _drop(folder: Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    then = time.time() - 60  # dropped a minute ago: settled
    os.utime(folder / name, (then, then))


def test_lettrage_sync_reads_an_inbox_and_an_sftp_source(cli: Any, tmp_path: Path, server: SftpServer) -> None:
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True)
    (companies / "sftp-password").write_text(PASSWORD + "\n", encoding="utf-8")
    (companies / "default.toml").write_text(f"""
[[sources]]
type = "inbox"

[[sources]]
type = "sftp"
name = "banque-sftp"
host = "127.0.0.1"
port = {server.port}
username = "{USER}"
password_file = "sftp-password"
host_key = "{server.host_key_line}"
remote_folder = "/out"
pattern = "*.xml"
timeout = 3
""", encoding="utf-8")
    inbox = tmp_path / "var" / "inbox" / "default"
    _drop(inbox, "releve-inbox.xml", statement("IN-1"))
    server.put("out/releve-sftp.xml", statement("SF-1"))
    server.put("out/lisez-moi.txt", b"not a statement")

    first = cli.json("sync", "--as-of", "2026-10-06", "--no-send")
    assert {(f["file"], f["status"]) for f in first["files"]} == {("releve-inbox.xml", "imported"),
                                                                  ("releve-sftp.xml", "imported")}
    assert first["source_errors"] == [] and first["lines_added"] == 2
    assert any((inbox / "archive").rglob("releve-inbox.xml"))
    assert (server.root / "out" / "releve-sftp.xml").exists()  # nothing deleted remotely by default
    assert (tmp_path / "var" / "sources" / "default" / "banque-sftp.json").is_file()

    again = cli.json("sync", "--as-of", "2026-10-06", "--no-send")
    assert again["files"] == [] and again["source_errors"] == []

    # The bank's server goes down: the inbox is still read and the run still matches.
    server.stop()
    _drop(inbox, "releve-2.xml", statement("IN-2"))
    result = cli("sync", "--as-of", "2026-10-06", "--no-send", "--json", ok=False)
    assert result.exit_code == 1 and "error: source banque-sftp: sftp 127.0.0.1" in result.stderr
    down = json.loads(result.stdout)
    assert [(f["file"], f["status"]) for f in down["files"]] == [("releve-2.xml", "imported")]
    (failure,) = down["source_errors"]
    assert failure["source"] == "banque-sftp"
    assert failure["error"].startswith(f"sftp 127.0.0.1:{server.port}: cannot connect")
    assert "matching" in down and "reminders" in down


def test_lettrage_sync_refuses_a_bad_source_configuration(cli: Any, tmp_path: Path) -> None:
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True)
    (companies / "default.toml").write_text(SFTP.replace('host_key = "SHA256:abc"\n', ""), encoding="utf-8")
    result = cli("sync", "--no-send", ok=False)
    assert result.exit_code != 0
    assert "sources[0] (sftp): set host_key or known_hosts" in result.stdout + result.stderr


def test_company_csv_profile_reads_its_bank_export(cli: Any, tmp_path: Path) -> None:
    """A bank no built-in profile knows: the company declares its layout, and the export imports."""
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    (companies / "default.toml").write_text('[csv]\nprofiles_file = "banks.toml"\n', encoding="utf-8")
    (companies / "banks.toml").write_text('''
[[profile]]
name = "banque-imaginaire"
bank = "Banque Imaginaire"
encoding = "cp1252"
delimiter = "|"
decimal = ","
thousands = "."
date_formats = ["%Y%m%d"]
header = ["Jour", "Sortie", "Entrée", "Intitulé", "Tiers"]
debit_positive = true

[profile.columns]
date = "Jour"
debit = "Sortie"
credit = "Entrée"
label = ["Intitulé"]
counterparty = "Tiers"
''', encoding="utf-8")
    export = tmp_path / "export.txt"
    export.write_bytes(("Jour|Sortie|Entrée|Intitulé|Tiers\n20260302|1.234,56||Loyer bureau|SCI Été\n"
                        "20260303||99,90|Règlement F-12|Client Œuf\n").encode("cp1252"))
    [outcome] = cli.json("statements", "import", str(export), "--account", "FR7630006000011234567890189")
    assert (outcome["format"], outcome["status"], outcome["lines_added"]) == ("csv", "imported", 2)
    amounts = sorted(line["amount"] for line in cli.json("statements", "list"))
    assert amounts == ["-1234.56", "99.90"]
    (companies / "banks.toml").write_text("[[profile]]\nname = 'x'\n", encoding="utf-8")
    result = cli("statements", "import", str(export), ok=False)
    assert result.exit_code == 1 and "banks.toml" in result.stderr

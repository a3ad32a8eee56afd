"""The database, the settings file and the data folder do not depend on the current folder (issue 16, item 6).

Run from another folder (cron, systemd), lettrage used to create a new empty database under ``./var`` and to
ignore ``.env``. The settings file is now the one ``LETTRAGE_ENV_FILE`` names, else ``./.env``, else
``<XDG_CONFIG_HOME>/lettrage/.env``; its relative paths are read from its own folder; without
``LETTRAGE_DATA_DIR`` the data folder is ``<XDG_DATA_HOME>/lettrage``. SQLite only: this is about files.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import TEST_NOW
from worker.errors import ConfigurationError
from worker.settings import load_settings

# Every LETTRAGE_ setting the machine or the suite may have set is removed for these runs (None unsets it).
UNSET = ("LETTRAGE_DATABASE_URL", "LETTRAGE_DATA_DIR", "LETTRAGE_INBOX_DIR", "LETTRAGE_OUTPUT_DIR",
         "LETTRAGE_COMPANIES_DIR", "LETTRAGE_ENV_FILE", "LETTRAGE_BROKER_URL", "LETTRAGE_SMTP_URL")


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """A user's folders of their own: nothing of the machine's ~/.config or ~/.local/share is read."""
    return {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "home" / "config"),
            "XDG_DATA_HOME": str(tmp_path / "home" / "data")}


def run(env: dict[str, str], *args: str) -> Any:
    from worker.cli.main import cli, register_commands
    from worker.settings import get_settings

    register_commands()
    get_settings.cache_clear()
    full: dict[str, str | None] = {**dict.fromkeys(UNSET), "LETTRAGE_NOW": TEST_NOW, **env}
    result = CliRunner().invoke(cli, list(args), env=full, catch_exceptions=False)
    get_settings.cache_clear()
    return result


def test_without_a_settings_file_the_database_is_the_users_from_any_folder(
        tmp_path: Path, home: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    monkeypatch.chdir(tmp_path / "one")
    first = run(home, "companies", "add", "acme")
    assert first.exit_code == 0, first.output
    database = Path(home["XDG_DATA_HOME"]) / "lettrage" / "lettrage.db"
    assert f"note: new database {database}" in first.stderr  # never silently
    monkeypatch.chdir(tmp_path / "two")  # a cron job starts elsewhere
    listed = run(home, "companies", "list", "--json")
    assert [c["ref"] for c in json.loads(listed.stdout)] == ["acme"] and "note:" not in listed.stderr
    assert not (tmp_path / "one" / "var").exists() and not (tmp_path / "two" / "var").exists()
    status = json.loads(run(home, "status", "--json").stdout)
    assert status["settings_file"] is None and status["database_file"] == str(database)
    assert status["database_exists"] is True and status["data_dir"] == str(database.parent)


def test_the_settings_file_named_by_lettrage_env_file_is_read_from_anywhere(
        tmp_path: Path, home: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    deploy = tmp_path / "srv" / "lettrage"
    deploy.mkdir(parents=True)
    settings_file = deploy / "lettrage.env"
    settings_file.write_text("LETTRAGE_DATA_DIR=var\nLETTRAGE_COMPANIES_DIR=companies\n", encoding="utf-8")
    env = {**home, "LETTRAGE_ENV_FILE": str(settings_file)}
    monkeypatch.chdir(tmp_path)
    assert run(env, "companies", "add", "acme").exit_code == 0
    monkeypatch.chdir(deploy)
    assert [c["ref"] for c in json.loads(run(env, "companies", "list", "--json").stdout)] == ["acme"]
    status = json.loads(run(env, "status", "--json").stdout)
    assert status["settings_file"] == str(settings_file) and status["settings_file_from"] == "LETTRAGE_ENV_FILE"
    assert status["database_file"] == str(deploy / "var" / "lettrage.db")  # beside the file, not the folder
    assert status["companies_dir"] == str(deploy / "companies")
    missing = run({**home, "LETTRAGE_ENV_FILE": str(tmp_path / "nowhere.env")}, "companies", "list")
    assert missing.exit_code == 1
    assert missing.stderr.strip() == f"error: LETTRAGE_ENV_FILE names '{tmp_path / 'nowhere.env'}', which is not a file"


def test_which_settings_file_wins(tmp_path: Path, home: dict[str, str]) -> None:
    """LETTRAGE_ENV_FILE (asked for by name) over ./.env (today's behaviour) over the user's config folder."""
    user = Path(home["XDG_CONFIG_HOME"]) / "lettrage" / ".env"
    user.parent.mkdir(parents=True)
    user.write_text("LETTRAGE_DATA_DIR=/srv/user\n", encoding="utf-8")
    cwd = tmp_path / "work"
    cwd.mkdir()
    named = tmp_path / "named.env"
    named.write_text("LETTRAGE_DATA_DIR=/srv/named\n", encoding="utf-8")
    assert load_settings(home, cwd=cwd).data_dir == Path("/srv/user")
    assert load_settings(home, cwd=cwd).env_file_origin == "user config folder"
    (cwd / ".env").write_text("LETTRAGE_DATA_DIR=here\n", encoding="utf-8")
    local = load_settings(home, cwd=cwd)
    assert local.data_dir == cwd / "here" and local.env_file == cwd / ".env"
    assert local.env_file_origin == "current folder"
    chosen = load_settings({**home, "LETTRAGE_ENV_FILE": str(named)}, cwd=cwd)
    assert chosen.data_dir == Path("/srv/named") and chosen.env_file_origin == "LETTRAGE_ENV_FILE"
    # the environment still wins over any file, key by key; its relative paths are read from the current folder
    mixed = load_settings({**home, "LETTRAGE_DATA_DIR": "mine"}, cwd=cwd)
    assert mixed.data_dir == cwd / "mine" and mixed.env_file == cwd / ".env"
    assert load_settings(home, env_file=None, cwd=cwd).data_dir == Path(home["XDG_DATA_HOME"]) / "lettrage"


def test_every_path_is_absolute(tmp_path: Path, home: dict[str, str]) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "x.env").write_text("LETTRAGE_DATABASE_URL=sqlite:///db/lettrage.db?timeout=5\n"
                                  "LETTRAGE_TEMPLATES_DIR=templates\nLETTRAGE_EINVOICING_RULES_DIR=/opt/rules\n",
                                  encoding="utf-8")
    settings = load_settings({**home, "LETTRAGE_INBOX_DIR": "inbox"}, env_file=folder / "x.env", cwd=tmp_path / "cwd")
    assert settings.database_url == f"sqlite:///{folder}/db/lettrage.db?timeout=5"
    assert not settings.database_is_default
    assert settings.templates_dir == folder / "templates"
    assert settings.einvoicing_rules_dir == Path("/opt/rules")
    assert settings.inbox_dir == tmp_path / "cwd" / "inbox"
    for url in ("sqlite:////abs/x.db", "sqlite://", "postgresql+psycopg://u:p@h:5432/db"):
        assert load_settings({**home, "LETTRAGE_DATABASE_URL": url}, env_file=None).database_url == url
    defaulted = load_settings(home, env_file=None)
    assert defaulted.database_is_default
    assert defaulted.database_url == f"sqlite:///{home['XDG_DATA_HOME']}/lettrage/lettrage.db"
    with pytest.raises(ConfigurationError):
        load_settings({**home, "LETTRAGE_ENV_FILE": "missing.env"}, cwd=tmp_path)


def test_a_cron_job_started_in_another_folder_uses_the_same_database(tmp_path: Path, home: dict[str, str]) -> None:
    """The installed command, as a separate process, started from / with only LETTRAGE_ENV_FILE."""
    deploy = tmp_path / "deploy"
    deploy.mkdir()
    (deploy / ".env").write_text("LETTRAGE_DATA_DIR=var\n", encoding="utf-8")
    lettrage = Path(sys.executable).parent / "lettrage"
    if not lettrage.exists():
        pytest.skip("the lettrage command is not installed beside this Python")
    env = {"PATH": "/usr/bin:/bin", **home, "LETTRAGE_NOW": TEST_NOW}
    subprocess.run([str(lettrage), "companies", "add", "acme"], cwd=deploy, env=env, check=True,
                   capture_output=True, timeout=120)
    done = subprocess.run([str(lettrage), "companies", "list", "--json"], cwd="/",
                          env={**env, "LETTRAGE_ENV_FILE": str(deploy / ".env")}, check=True, capture_output=True,
                          text=True, timeout=120)
    assert [c["ref"] for c in json.loads(done.stdout)] == ["acme"]
    assert (deploy / "var" / "lettrage.db").is_file()

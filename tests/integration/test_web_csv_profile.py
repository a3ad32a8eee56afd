"""The CSV profile page over HTTP, on SQLite and PostgreSQL: an uploaded bank export read by the layout detector
(columns, formats, confidence, the first rows), its profile saved by the same function as `lettrage statements
profile --write` (refused when the name is taken or the layout unsure), the file imported and matched; CSRF, roles,
the upload limit, and nothing read but the upload."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from connectors.csv_profiles import load_profiles
from tests.integration.test_web_pages import client, csrf_of, signed_in
from tests.integration.web_book import ACCOUNTANT, VIEWER, Book, build_book, cheap_hashing, web_settings

PAGE = "/companies/acme/statements/csv-profile"
EXPORT = ("Relevé;Compte 42\n\nDate opération;Date valeur;Libellé;Débit;Crédit\n"
          "01/10/2025;02/10/2025;Frais;3,50;\n02/10/2025;02/10/2025;Remise chèque;;150,00\n").encode("cp1252")
UNSURE = b"a;b\n1;2\n"


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(*cheap_hashing())


@pytest.fixture
def book(db_url: str) -> Book:
    return build_book(db_url)


@pytest.fixture
def app(book: Book, tmp_path: Path) -> Iterator[Any]:
    from worker.api.app import create_app
    from worker.settings import settings_in_use

    settings = web_settings(book.db_url, tmp_path / "var")
    with settings_in_use(settings):  # the import reads the company's profiles from the process's settings
        yield create_app(settings)


@pytest.fixture
def alice(app: Any) -> Iterator[TestClient]:
    with signed_in(app, ACCOUNTANT) as c:
        yield c


def post(c: TestClient, action: str, data: bytes = EXPORT, name: str = "releve.csv", htmx: bool = False,
         **fields: str) -> Any:
    form = {"csrf_token": csrf_of(c, PAGE), "action": action, **fields}
    return c.post(PAGE, data=form, files={"file": (name, data, "text/csv")},
                  headers={"HX-Request": "true"} if htmx else {})


def test_read_save_then_import_a_bank_export(alice: TestClient, tmp_path: Path) -> None:
    page = alice.get(PAGE)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text and 'id="csv-save"' in page.text
    read = post(alice, "read")
    assert read.status_code == 200, read.text
    assert 'data-sure="true"' in read.text and "<html" in read.text  # without htmx: the page again
    for shown in ("Date opération", "Débit", "Crédit", "%d/%m/%Y", "2025-10-01", "-3.50", "150.00", "Frais",
                  "a debit and a credit column", "[[profile]]"):
        assert shown in read.text, shown
    assert len(re.findall(r'<tr class="csv-row"', read.text)) == 2
    partial = post(alice, "read", htmx=True)
    assert partial.status_code == 200 and "<html" not in partial.text and 'id="csv-profile"' in partial.text

    saved = post(alice, "save", htmx=True, name="Ma Banque.csv", bank="Ma Banque")
    assert saved.status_code == 200, saved.text
    assert 'id="csv-written"' in saved.text and "ma-banque" in saved.text
    companies = tmp_path / "var" / "companies"
    (profile,) = load_profiles((companies / "acme.csv_profiles.toml").read_text(encoding="utf-8"))
    assert (profile.name, profile.bank, profile.debit, profile.credit) == ("ma-banque", "Ma Banque", "Débit",
                                                                          "Crédit")
    assert 'profiles_file = "acme.csv_profiles.toml"' in (companies / "acme.toml").read_text(encoding="utf-8")
    again = post(alice, "save", htmx=True, name="Ma Banque.csv")  # the CLI's refusal, one line
    assert again.status_code == 422 and "a profile is already named &#39;ma-banque&#39;" in again.text

    imported = post(alice, "import", htmx=True, name="Ma Banque.csv")
    assert imported.status_code == 200, imported.text
    assert 'data-status="imported"' in imported.text, imported.text
    assert "Ma Banque.csv: lines added 2" in imported.text and "read with CSV profile ma-banque" in imported.text
    twice = post(alice, "import", htmx=True, name="Ma Banque.csv")
    assert twice.status_code == 200 and "lines added 0, already there 2" in twice.text, twice.text  # each line once


def test_refusals_roles_csrf_and_limits(app: Any, alice: TestClient, tmp_path: Path) -> None:
    unsure = post(alice, "save", data=UNSURE, name="odd.csv", htmx=True)
    assert unsure.status_code == 422 and 'id="csv-error"' in unsure.text
    assert not (tmp_path / "var" / "companies" / "acme.csv_profiles.toml").exists()
    assert post(alice, "delete").status_code == 422
    no_token = alice.post(PAGE, data={"action": "read"}, files={"file": ("r.csv", EXPORT, "text/csv")})
    assert no_token.status_code == 403
    # a name that is a path is only a name: nothing is read from the disk
    secret = tmp_path / "secret.csv"
    secret.write_bytes(EXPORT)
    named = post(alice, "read", data=b"x", name=str(secret))
    assert named.status_code == 200 and "Frais" not in named.text
    with signed_in(app, VIEWER) as viewer:
        assert post(viewer, "read").status_code == 200  # reading changes nothing
        assert post(viewer, "save").status_code == 403 and post(viewer, "import").status_code == 403
        assert 'id="csv-save"' not in viewer.get(PAGE).text
        viewer.post("/language", data={"language": "fr", "csrf_token": csrf_of(viewer, PAGE), "next_path": "/"})
        french = post(viewer, "read")
        assert "Les premières lignes telles que lues" in french.text and "Colonnes" in french.text
    assert client(app).get(PAGE).status_code == 303  # anonymous: to the login page
    big = b"x" * (20 * 1024 * 1024 + 100 * 1024)
    too_big = alice.post(PAGE, data={"csrf_token": csrf_of(alice, PAGE), "action": "read"},
                         files={"file": ("big.csv", big, "text/csv")})
    assert too_big.status_code == 413

"""Collective proceedings as a customer's state (issue 19 item 4), through the command line and the API on SQLite
and PostgreSQL: the claims born before the opening judgment are held with the reason and never reminded, the
worklist asks for the declaration by its deadline until it is recorded, a BODACC export sets them by SIREN, the
déclaration de créance is generated, and clearing them resumes the dunning."""
from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter

from tests.integration.api_helpers import app_client, token
from tests.sender_identity import give_identity

HEADER = "number,customer_ref,customer_name,customer_email,amount,issued_on,due_on,customer_address,customer_siren"
ROWS = [
    ("FA-1,C100,Bâti Rhône SARL,compta@bati.example.fr,1200.00,2026-03-02,2026-04-01,4 quai Perrache|69002 Lyon,"
     "552 100 554"),
    "FA-2,C100,Bâti Rhône SARL,compta@bati.example.fr,500.00,2026-05-20,2026-06-19,4 quai Perrache|69002 Lyon,",
    "FA-3,C100,Bâti Rhône SARL,compta@bati.example.fr,300.00,2026-07-01,2026-07-31,4 quai Perrache|69002 Lyon,",
]
SET = ["customers", "proceedings", "set", "C100", "--kind", "redressement_judiciaire", "--opened-on", "2026-06-10",
       "--court", "Tribunal de commerce de Lyon", "--published-on", "2026-06-19", "--representative",
       "SELARL MJ Synergie", "--representative-address", "1 rue Emile Zola", "--representative-address", "69002 Lyon"]


def book(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "invoices.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    cli("invoices", "import", str(path))


def test_prior_claims_are_held_with_the_reason_and_later_ones_dunned(cli: Any, tmp_path: Path) -> None:
    """C. com. L622-7 (no payment of a claim born before the opening judgment), L622-21 (stay of individual actions:
    no reminder, penalty or formal notice) and L622-17 (a claim born after it is paid at its due date): FA-1 and
    FA-2, issued before the judgment of 10 June 2026, are held with the reason; FA-3, issued after it, is reminded."""
    book(cli, tmp_path)
    assert cli.json("customers", "siren", "C100")["siren"] == "552100554"  # from the billing export
    data = cli.json(*SET)
    assert (data["declaration_deadline"], data["set_by"], data["active"]) == ("2026-08-19", "cli", True)
    held = {h["invoice"]: h for h in cli.json("reminders", "plan", "--held")}
    assert set(held) == {"FA-1", "FA-2"}
    assert "L622-7, L622-21, L622-28" in held["FA-1"]["reason"] and held["FA-1"]["held_until"] is None
    assert "mandataire judiciaire by 2026-08-19" in held["FA-1"]["reason"]
    assert {n for row in cli.json("reminders", "plan") for n in row["invoices"]} == {"FA-3"}


def test_the_declaration_task_ends_when_recorded_and_clearing_resumes_dunning(cli: Any, tmp_path: Path) -> None:
    """C. com. R622-24: the claim is declared within two months of the BODACC publication (19 June 2026: by
    19 August 2026); the worklist asks for it on the prior open invoices until the declaration is recorded with its
    author; once cleared (plan adopted), the held invoices are dunned again."""
    book(cli, tmp_path)
    cli(*SET)
    [task] = [i for i in cli.json("worklist", "--as-of", "2026-07-15") if i["action"] == "declare_claim"]
    assert task["invoices"] == ["FA-1", "FA-2"]
    assert task["reason"].startswith("declare the claim to the mandataire judiciaire SELARL MJ Synergie by "
                                     "2026-08-19")
    late = [i for i in cli.json("worklist") if i["action"] == "declare_claim"]
    assert "relevé de forclusion" in late[0]["reason"]  # 25 November: the period ran out (L622-26)
    declared = cli.json("customers", "proceedings", "declared", "C100", "--on", "2026-07-20", "--by", "m.durand")
    assert (declared["declared_on"], declared["declared_by"]) == ("2026-07-20", "m.durand")
    assert not [i for i in cli.json("worklist", "--as-of", "2026-07-21") if i["action"] == "declare_claim"]
    cleared = cli.json("customers", "proceedings", "clear", "C100", "--reason", "plan_adopted")
    assert (cleared["active"], cleared["clear_reason"], cleared["cleared_by"]) == (False, "plan_adopted", "cli")
    assert cli.json("reminders", "plan", "--held") == []
    assert {n for row in cli.json("reminders", "plan") for n in row["invoices"]} >= {"FA-1", "FA-3"}
    listed = cli.json("customers", "proceedings", "list", "--all")
    assert [(r["customer_ref"], r["active"]) for r in listed] == [("C100", False)]
    kinds = [e["kind"] for e in cli.json("customers", "history", "C100")]
    assert {"customer.proceedings_set", "customer.claim_declared", "customer.proceedings_cleared"} <= set(kinds)


def _notice(**fields: object) -> dict[str, object]:
    judgment = {"famille": "Jugement d'ouverture", "date": "2026-06-10",
                "nature": "Jugement d'ouverture d'une procédure de redressement judiciaire",
                "complementJugement": "Jugement prononçant l'ouverture d'une procédure de redressement judiciaire, "
                                      "désignant mandataire judiciaire SELARL MJ Synergie 1 rue Emile Zola 69002 "
                                      "Lyon. Les créances sont à déclarer dans les deux mois."}
    return {"id": "A202601151234", "publicationavis": "A", "parution": "20260115", "dateparution": "2026-06-19",
            "numeroannonce": 1234, "typeavis": "annonce", "familleavis": "collective",
            "tribunal": "TRIBUNAL DE COMMERCE DE LYON", "commercant": "BATI RHONE", "registre": "552 100 554,552100554",
            "jugement": json.dumps(judgment), **fields}


def test_a_bodacc_export_sets_the_proceedings_of_the_customers_it_names_by_siren(cli: Any, tmp_path: Path) -> None:
    """C. com. R621-8: the opening judgment's BODACC notice gives the debtor's registration number, the court and
    the mandataire; R622-24: the two months run from its publication. A notice naming no customer is counted, a
    closure is listed and not applied (clearing stays a person's decision), a file imported again adds nothing."""
    book(cli, tmp_path)
    other = _notice(id="A9", registre="443061841")
    closure = _notice(id="A3", dateparution="2026-06-25",
                      jugement=json.dumps({"famille": "Jugement de clôture", "date": "2026-06-24",
                                           "nature": "Jugement de clôture pour insuffisance d'actif"}))
    path = tmp_path / "annonces-commerciales.json"
    path.write_text(json.dumps([_notice(), other, closure]), encoding="utf-8")
    dry = cli.json("customers", "proceedings", "import-bodacc", str(path), "--dry-run")
    assert [a["customer_ref"] for a in dry["applied"]] == ["C100"] and cli.json("customers", "proceedings",
                                                                                 "list") == []
    result = cli.json("customers", "proceedings", "import-bodacc", str(path))
    assert result["unmatched"] == 1 and [r["notice"] for r in result["not_applied"]] == ["A3"]
    [row] = cli.json("customers", "proceedings", "list")
    assert (row["kind"], row["opened_on"], row["bodacc_published_on"], row["source"]) == (
        "redressement_judiciaire", "2026-06-10", "2026-06-19", "bodacc")
    assert row["representative"] == {"title": "mandataire judiciaire", "name": "SELARL MJ Synergie",
                                     "address": ["1 rue Emile Zola", "69002 Lyon"]}
    assert (row["court"], row["declaration_deadline"]) == ("Tribunal de commerce de Lyon", "2026-08-19")
    again = cli.json("customers", "proceedings", "import-bodacc", str(path))
    assert again["applied"] == [] and "already recorded" in again["not_applied"][0]["reason"]
    # C. com. L631-15 II, L641-1 II: converted to liquidation, a liquidateur designated; the claims to declare are
    # still those born before the first opening (its date and publication are kept)
    conversion = _notice(id="A5", dateparution="2026-09-18", jugement=json.dumps({
        "famille": "Jugement prononçant", "date": "2026-09-09",
        "nature": "Jugement de conversion en liquidation judiciaire de la procédure de redressement judiciaire",
        "complementJugement": "Jugement prononçant la liquidation judiciaire, désignant liquidateur Maître Anne "
                              "Roux 8 place Bellecour 69002 Lyon."}))
    path.write_text(json.dumps([_notice(), conversion]), encoding="utf-8")
    assert [a["notice"] for a in cli.json("customers", "proceedings", "import-bodacc", str(path))["applied"]] == ["A5"]
    [row] = cli.json("customers", "proceedings", "list")
    assert (row["kind"], row["opened_on"], row["bodacc_published_on"]) == (
        "liquidation_judiciaire", "2026-06-10", "2026-06-19")
    assert row["representative"] == {"title": "liquidateur judiciaire", "name": "Maître Anne Roux",
                                     "address": ["8 place Bellecour", "69002 Lyon"]}


def test_a_bad_siren_is_refused_by_the_import_and_the_command(cli: Any, tmp_path: Path) -> None:
    """A SIREN is 9 digits with a Luhn check digit (INSEE; python-stdnum fr.siren): a wrong one is refused."""
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "\n" + ROWS[0].replace("552 100 554", "552100555") + "\n", encoding="utf-8")
    out = cli("invoices", "import", str(path), ok=False)
    assert out.exit_code != 0 and "customer_siren" in out.stdout + out.stderr
    book(cli, tmp_path)
    refused = cli("customers", "siren", "C100", "123456789", ok=False)
    assert refused.exit_code != 0 and "not valid" in refused.stdout + refused.stderr


def test_the_claim_declaration_over_the_api(cli: Any, tmp_path: Path) -> None:
    """C. com. L622-25 and R622-23 (the declaration: principal, penalties stopped the day before the judgment,
    L622-28, the indemnity of D441-5, the sums to fall due, certified sincere) through the API: set, declaration
    as JSON, text and PDF; refused without the creditor's identity (R123-237)."""
    client = app_client(cli, tmp_path)
    book(cli, tmp_path)
    headers = token(cli, "desk", "reminders:read", "reminders:write")
    body = {"kind": "redressement_judiciaire", "opened_on": "2026-06-10", "court": "Tribunal de commerce de Lyon",
            "published_on": "2026-06-19", "representative": "SELARL MJ Synergie",
            "representative_address": ["1 rue Emile Zola", "69002 Lyon"]}
    made = client.put("/api/customers/C100/proceedings", headers=headers, json=body)
    assert made.status_code == 200 and made.json()["declaration_deadline"] == "2026-08-19"
    refused = client.get("/api/customers/C100/proceedings/claim?as_of=2026-07-02", headers=headers)
    assert refused.status_code == 422 and "company.name" in refused.text
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])
    blank = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.write(blank)
    uploaded = client.put("/api/invoices/FA-1/document", content=blank.getvalue(),
                          headers={**token(cli, "billing", "invoices:write"), "Content-Type": "application/pdf"})
    assert uploaded.status_code < 300, uploaded.text
    claim = client.get("/api/customers/C100/proceedings/claim?as_of=2026-07-02&pdf=true", headers=headers).json()
    assert [(line["invoice"], line["principal"], line["penalties"], line["indemnity"], line["to_fall_due"])
            for line in claim["lines"]] == [("FA-1", "1200.00", "27.56", "40.00", False),
                                            ("FA-2", "500.00", "0.00", "0.00", True)]
    assert (claim["due_total"], claim["to_fall_due_total"], claim["total"]) == ("1267.56", "500.00", "1767.56")
    assert "Atelier Lumière" in claim["text"] and "certifie sincère" in claim["text"]
    pages = PdfReader(io.BytesIO(base64.b64decode(claim["pdf"]))).pages
    assert "DÉCLARATION DE CRÉANCE" in pages[0].extract_text() and pages[-1].extract_text() == ""  # the exhibit
    assert client.get("/api/customers/C999/proceedings", headers=headers).status_code == 404
    declared = client.post("/api/customers/C100/proceedings/declared", headers=headers,
                           json={"declared_on": "2026-07-03"}).json()
    assert declared["declared_on"] == "2026-07-03" and declared["declared_by"] != "cli"
    cleared = client.post("/api/customers/C100/proceedings/clear", headers=headers, json={"reason": "closed"})
    assert cleared.json()["active"] is False
    assert client.get("/api/customers/proceedings", headers=headers).json() == []


def test_a_message_planned_before_the_judgment_is_recorded_drops_the_prior_invoices(cli: Any, tmp_path: Path) -> None:
    """C. com. L622-21: the stay of individual actions applies from the judgment, even to a message planned before
    it was known: the last check before a message leaves (ContextBuilder.recheck) drops the prior invoices with the
    reason and keeps the one born after the judgment."""
    from datetime import date
    from decimal import Decimal

    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.reminder_tables import ReminderOutbox
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.dunning.reminder_context import ContextBuilder
    from worker.reminder_policy import company_policy

    book(cli, tmp_path)
    cli(*SET)
    engine = make_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, None))
            ids = {i.number: i.id or 0 for i in repo.invoices()}
            row = ReminderOutbox(key="k/email", message_key="k", customer_id=repo.customers()[0].id or 0,
                                 level="first_reminder", channel="email",
                                 invoice_ids=[ids["FA-1"], ids["FA-3"]], invoice_numbers=["FA-1", "FA-3"],
                                 advances=["first_reminder", "first_reminder"], amount_due=Decimal(0), currency="EUR",
                                 planned_on=date(2026, 11, 25))
            builder = ContextBuilder(repo, date(2026, 11, 25), None, company_policy(repo.company), row.invoice_ids,
                                     customer_id=row.customer_id)
            keep, dropped = builder.recheck(row)
            session.rollback()
    finally:
        engine.dispose()
    assert keep == [(ids["FA-3"], "first_reminder")]
    assert len(dropped) == 1 and dropped[0].startswith("FA-1: collective proceedings") and "L622-21" in dropped[0]


def test_a_customer_is_found_by_the_buyer_siren_of_its_e_invoices(cli: Any, tmp_path: Path) -> None:
    """A customer known from the billing export without a SIREN is still found in a BODACC notice by the buyer's
    SIREN (BT-47, EN 16931) of its e-invoices; R622-24: its declaration's deadline runs from the publication."""
    import pytest

    from einvoicing.builders.cii import build_cii
    from einvoicing.builders.samples import sample_spec

    rules = Path(__file__).resolve().parents[3] / "shared" / "standards" / "fnfe-france-rfe"
    if not (rules / "CII").is_dir():
        pytest.skip("the official artefacts (../shared/standards/fnfe-france-rfe) are absent")
    cli.env["LETTRAGE_EINVOICING_RULES_DIR"] = str(rules)
    path = tmp_path / "invoices.csv"
    path.write_text(f"{HEADER}\nFA-0,C-PORT,Brasserie du Port SAS,compta@port.example.fr,100.00,2026-05-04,"
                    "2026-06-03,4 quai Rambaud|69002 Lyon,\n", encoding="utf-8")
    cli("invoices", "import", str(path))
    (tmp_path / "FA-2026-0201.xml").write_bytes(build_cii(sample_spec("FA-2026-0201")))  # buyer SIREN 552100554
    cli("invoices", "import", str(tmp_path / "FA-2026-0201.xml"))
    assert cli.json("customers", "siren", "C-PORT")["siren"] is None
    notice = tmp_path / "bodacc.json"
    notice.write_text(json.dumps([_notice()]), encoding="utf-8")
    applied = cli.json("customers", "proceedings", "import-bodacc", str(notice))["applied"]
    assert [(a["customer_ref"], a["declaration_deadline"]) for a in applied] == [("C-PORT", "2026-08-19")]

"""Buyers' lifecycle statuses (CDAR files through `lettrage einvoicing statuses import`) steer the reminder plan.

Every file is built by tests/einvoice_cdar_files.py and checked against the official CDAR XSD and the fatal
BR-FR-CDV rules by the import itself (LETTRAGE_EINVOICING_RULES_DIR points at ../shared).
"""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session

from tests.conftest import table_counts
from tests.einvoice_cdar_files import RULES_DIR, Status, cdar
from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv

ISSUED, DUE = date(2026, 9, 1), date(2026, 10, 1)
INVOICES = [InvoiceSpec("FA-2026-00001", "C001", "1200.00", ISSUED, DUE, customer_name="ACME SARL",
                        customer_email="compta@acme.example"),
            InvoiceSpec("FA-2026-00002", "C002", "600.00", ISSUED, DUE, customer_name="BETA SAS",
                        customer_email="compta@beta.example")]


@pytest.fixture
def ecli(cli: Any, tmp_path: Path) -> Any:
    """The CLI with the official artefacts configured and the two overdue invoices imported."""
    if not (RULES_DIR / "CDAR").is_dir():
        pytest.skip("the official artefacts (../shared/standards/fnfe-france-rfe) are absent")
    from worker.cli import einvoicing_incoming_cmds  # noqa: F401 - registers `einvoicing statuses import`

    cli.env["LETTRAGE_EINVOICING_RULES_DIR"] = str(RULES_DIR)
    path = tmp_path / "invoices.csv"
    path.write_bytes(invoices_csv(INVOICES))
    cli("invoices", "import", str(path))
    return cli


def write(tmp_path: Path, name: str, statuses: list[Status], message_id: str | None = None, **kw: Any) -> str:
    path = tmp_path / name
    path.write_bytes(cdar(statuses, message_id or name.removesuffix(".xml"), **kw))
    return str(path)


def planned(cli: Any, day: str) -> dict[str, str]:
    """Invoice number -> amount due of the message that lists it, in `reminders plan --as-of DAY --json`."""
    out: dict[str, str] = {}
    for message in cli.json("reminders", "plan", "--as-of", day):
        for number in message["invoices"]:
            out[number] = message["amount_due"]
    return out


def engine_of(cli: Any) -> Any:
    from sqlalchemy import create_engine

    return create_engine(cli.env["LETTRAGE_DATABASE_URL"])


def test_dispute_pauses_and_approval_brings_back(ecli: Any, tmp_path: Path, db_url: str) -> None:
    assert set(planned(ecli, "2026-10-06")) == {"FA-2026-00001", "FA-2026-00002"}
    dispute = write(tmp_path, "cdv-207.xml", [Status("FA-2026-00001", "207", datetime(2026, 10, 5, 9, 30), ISSUED,
                                                     "TX_TVA_ERR", "Taux de TVA erroné", "NIN", "Avoir attendu")])
    taken = ecli.json("einvoicing", "statuses", "import", dispute)
    assert (taken["received"], taken["unchanged"]) == (1, 0)
    [status] = taken["statuses"]
    assert (status["invoice"], status["code"], status["label"]) == ("FA-2026-00001", "207", "En litige")
    assert status["effect"].startswith("reminders paused (einvoice_disputed: TX_TVA_ERR Taux de TVA erroné")
    assert set(planned(ecli, "2026-10-06")) == {"FA-2026-00002"}

    from worker.db.reminder_tables import DunningPause

    engine = engine_of(ecli)
    with Session(engine) as session:
        [pause] = session.execute(select(DunningPause)).scalars().all()
        assert (pause.reason, pause.until, pause.lifted_at) == ("einvoice_disputed", None, None)
        assert pause.note == "TX_TVA_ERR Taux de TVA erroné; Avoir attendu"

    # The same file again: nothing added anywhere.
    counts = table_counts(db_url)
    again = ecli.json("einvoicing", "statuses", "import", dispute)
    assert (again["received"], again["unchanged"]) == (0, 1)
    assert table_counts(db_url) == counts

    approval = write(tmp_path, "cdv-205.xml", [Status("FA-2026-00001", "205", datetime(2026, 10, 7, 11, 0))])
    [lifted] = ecli.json("einvoicing", "statuses", "import", approval)["statuses"]
    assert lifted["effect"] == "pause lifted (einvoice_disputed): invoice approved"
    assert set(planned(ecli, "2026-10-08")) == {"FA-2026-00001", "FA-2026-00002"}
    with Session(engine) as session:
        [pause] = session.execute(select(DunningPause)).scalars().all()
        assert pause.lifted_at is not None and pause.lifted_by == "einvoicing:cdv-205"

    # Both statuses are in the customer's history and in the audit log, with what they did.
    history = [e for e in ecli.json("customers", "history", "C001") if e["kind"] == "einvoice.status_received"]
    assert [(e["data"]["code"], e["data"]["invoice"]) for e in history] == [("207", "FA-2026-00001"),
                                                                           ("205", "FA-2026-00001")]
    assert "« En litige » received for FA-2026-00001: reminders paused" in history[0]["summary"]
    engine.dispose()


def test_suspension_and_several_statuses_in_one_file(ecli: Any, tmp_path: Path) -> None:
    both = write(tmp_path, "multi.xml", [
        Status("FA-2026-00001", "208", datetime(2026, 10, 5, 9, 0), reason_code="JUSTIF_ABS",
               reason="Bon de livraison manquant"),
        Status("FA-2026-00002", "207", datetime(2026, 10, 5, 9, 5), reason_code="QTE_ERR", reason="3 au lieu de 2"),
    ], grouped=True)
    taken = ecli.json("einvoicing", "statuses", "import", both)
    assert [(s["message_id"], s["code"]) for s in taken["statuses"]] == [("multi/1", "208"), ("multi/2", "207")]
    assert planned(ecli, "2026-10-06") == {}
    # A 205 for the suspended one only.
    ecli.json("einvoicing", "statuses", "import",
              write(tmp_path, "ok.xml", [Status("FA-2026-00001", "205", datetime(2026, 10, 6, 8, 0))]))
    assert set(planned(ecli, "2026-10-06")) == {"FA-2026-00001"}


def test_payment_sent_postpones_by_business_days(ecli: Any, tmp_path: Path) -> None:
    # Tuesday 10 November 2026; 11 November is a public holiday: three business days later is Monday 16.
    sent = write(tmp_path, "cdv-211.xml", [Status("FA-2026-00001", "211", datetime(2026, 11, 10, 15, 0),
                                                  amounts=[("MPA", "1200.00", None)])])
    [status] = ecli.json("einvoicing", "statuses", "import", sent)["statuses"]
    assert status["effect"] == ("payment announced (1200.00); reminders postponed until 2026-11-16 "
                                "(3 business days)")
    assert set(planned(ecli, "2026-11-16")) == {"FA-2026-00002"}
    assert set(planned(ecli, "2026-11-17")) == {"FA-2026-00001", "FA-2026-00002"}


def test_payment_sent_delay_from_the_company_setting(ecli: Any, tmp_path: Path) -> None:
    companies = Path(ecli.env["LETTRAGE_DATA_DIR"]) / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    (companies / "default.toml").write_text("[einvoicing]\nannounced_payment_days = 1\n", encoding="utf-8")
    sent = write(tmp_path, "cdv-211.xml", [Status("FA-2026-00001", "211", datetime(2026, 11, 10, 15, 0))])
    [status] = ecli.json("einvoicing", "statuses", "import", sent)["statuses"]
    assert status["effect"] == "payment announced; reminders postponed until 2026-11-12 (1 business days)"
    assert set(planned(ecli, "2026-11-13")) == {"FA-2026-00001", "FA-2026-00002"}


def test_partial_approval_limits_the_amount_due(ecli: Any, tmp_path: Path) -> None:
    stmt = tmp_path / "S1.xml"
    stmt.write_bytes(Camt053([Payment("P1", date(2026, 10, 2), Decimal("300.00"), "ACME SARL",
                                      "FA-2026-00001")], statement_id="S1").render())
    ecli("statements", "import", str(stmt))
    assert ecli.json("match")["auto"] == 1
    assert planned(ecli, "2026-10-06")["FA-2026-00001"] == "900.00"
    partial = write(tmp_path, "cdv-206.xml", [Status("FA-2026-00001", "206", datetime(2026, 10, 5, 10, 0),
                                                     reason_code="QTE_ERR", reason="2 jours sur 3 livrés",
                                                     amounts=[("MAPTTC", "800.00", None)])])
    [status] = ecli.json("einvoicing", "statuses", "import", partial)["statuses"]
    assert status["effect"] == "reminders limited to the approved 800.00 (QTE_ERR 2 jours sur 3 livrés)"
    assert planned(ecli, "2026-10-06") == {"FA-2026-00001": "500.00", "FA-2026-00002": "600.00"}
    # What the message itself says is due (checked again when it is sent) is limited the same way.
    from reminders.policy import STANDARD_POLICY
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.dunning.reminder_context import ContextBuilder

    engine = engine_of(ecli)
    with Session(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        ids = {i.number: i.id for i in repo.invoices()}
        builder = ContextBuilder(repo, date(2026, 10, 6), None, STANDARD_POLICY, ids.values())
        assert builder.open_amount(ids["FA-2026-00001"]) == Decimal("500.00")
        assert builder.open_amount(ids["FA-2026-00002"]) == Decimal("600.00")
    engine.dispose()
    # Approved excluding VAT at 20 %: 250.00 + 20 % = 300.00, already paid: nothing left to ask for.
    ecli.json("einvoicing", "statuses", "import", write(tmp_path, "cdv-206b.xml", [
        Status("FA-2026-00001", "206", datetime(2026, 10, 6, 10, 0), reason_code="QTE_ERR",
               amounts=[("MAP", "250.00", "20.00")])]))
    assert planned(ecli, "2026-10-07") == {"FA-2026-00002": "600.00"}
    # A later full approval: the whole open amount again.
    ecli.json("einvoicing", "statuses", "import",
              write(tmp_path, "cdv-205.xml", [Status("FA-2026-00001", "205", datetime(2026, 10, 7, 10, 0))]))
    assert planned(ecli, "2026-10-08")["FA-2026-00001"] == "900.00"


class Receiver:
    """The billing tool's webhook URL on loopback: records every request, answers 200."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.bodies.append(json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0)))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    from worker.settings import get_settings

    # the receiver runs on loopback, which the server reaches only when the operator allows it
    monkeypatch.setenv("LETTRAGE_OUTBOUND_ALLOW_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    r = Receiver()
    thread = threading.Thread(target=r.server.serve_forever, daemon=True)
    thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()
    get_settings.cache_clear()


def test_refusal_and_rejection_stop_reminders_and_tell_the_billing_tool(ecli: Any, tmp_path: Path,
                                                                        receiver: Receiver) -> None:
    from worker.access.companies import resolve_company
    from worker.db.api_tables import WebhookDelivery
    from worker.db.repository import Repository
    from worker.webhooks import webhooks

    engine = engine_of(ecli)
    with Session(engine) as session:
        webhooks.add_endpoint(Repository(session, resolve_company(session, None)), receiver.url)
        session.commit()
    refused = write(tmp_path, "cdv-210.xml", [Status("FA-2026-00001", "210", datetime(2026, 10, 5, 9, 0),
                                                     reason_code="DOUBLE_FACT", reason="Déjà facturée en août")])
    rejected = write(tmp_path, "cdv-213.xml", [Status("FA-2026-00002", "213", datetime(2026, 10, 5, 9, 1),
                                                      reason_code="DOUBLON", reason="Facture en double")])
    taken = ecli.json("einvoicing", "statuses", "import", refused, rejected)
    assert [s["effect"].split(";")[-1].strip() for s in taken["statuses"]] == [
        "billing tool told (invoice.disputed)", "billing tool told (invoice.rejected)"]
    assert planned(ecli, "2026-10-06") == {}
    assert planned(ecli, "2026-12-01") == {}

    first = webhooks.dispatch(engine, "test-secret-key")
    assert (first.created, first.delivered) == (2, 2)
    again = webhooks.dispatch(engine, "test-secret-key")
    assert (again.created, again.delivered) == (0, 0)
    events = {b["type"]: b["data"] for b in receiver.bodies}
    assert len(receiver.bodies) == 2
    assert events["invoice.disputed"]["invoice"] == "FA-2026-00001"
    assert (events["invoice.disputed"]["code"], events["invoice.disputed"]["reason_code"]) == ("210", "DOUBLE_FACT")
    assert events["invoice.rejected"]["invoice"] == "FA-2026-00002"
    assert events["invoice.rejected"]["reason"] == "Facture en double"
    with Session(engine) as session:
        rows = session.execute(select(WebhookDelivery)).scalars().all()
        assert sorted((r.event, r.status) for r in rows) == [("invoice.disputed", "delivered"),
                                                             ("invoice.rejected", "delivered")]
    # Importing the same files again tells nobody twice.
    ecli.json("einvoicing", "statuses", "import", refused, rejected)
    assert webhooks.dispatch(engine, "test-secret-key").created == 0
    engine.dispose()


def test_a_bad_file_refuses_the_whole_batch(ecli: Any, tmp_path: Path, db_url: str) -> None:
    good = write(tmp_path, "good.xml", [Status("FA-2026-00001", "207", datetime(2026, 10, 5, 9, 0),
                                               reason_code="AUTRE", reason="x")])
    no_reason = write(tmp_path, "no-reason.xml", [Status("FA-2026-00002", "207", datetime(2026, 10, 5, 9, 0))])
    unknown = write(tmp_path, "unknown.xml", [Status("FA-2026-09999", "205", datetime(2026, 10, 5, 9, 0))])
    other_date = write(tmp_path, "other-date.xml", [Status("FA-2026-00002", "205", datetime(2026, 10, 5, 9, 0),
                                                           issued_on=date(2025, 9, 1))])
    broken = tmp_path / "broken.xml"
    broken.write_bytes(cdar([Status("FA-2026-00002", "205", datetime(2026, 10, 5))], "b").replace(
        b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:Colour>blue</ram:Colour>"))
    counts = table_counts(db_url)
    cases = [(no_reason, "no-reason.xml: rule BR-FR-CDV-15_MDT-113"),
             (unknown, "unknown.xml: invoice FA-2026-09999 (205 « Approuvée ») is not an invoice of company"),
             (other_date, "other-date.xml: invoice FA-2026-00002 is dated 2025-09-01 in the status"),
             (str(broken), "broken.xml: rule XSD at line")]
    for bad, message in cases:
        result = ecli("einvoicing", "statuses", "import", good, bad, "--json", ok=False)
        assert result.exit_code == 1 and result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {tmp_path}/{message}"), lines
        assert table_counts(db_url) == counts
    assert set(planned(ecli, "2026-10-06")) == {"FA-2026-00001", "FA-2026-00002"}


def test_sent_statuses_are_in_the_customer_history(ecli: Any) -> None:
    """A 212 sent for the customer's invoice shows in `customers history`: from its audit event when there is
    one, else from the status row itself (never both)."""
    from datetime import UTC

    from worker.access.companies import resolve_company
    from worker.db.einvoice_tables import EinvoiceStatus
    from worker.db.repository import Repository

    engine = engine_of(ecli)
    with Session(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        [invoice] = repo.invoices(["FA-2026-00001"])
        for n in (1, 2):
            repo.add(EinvoiceStatus(invoice_id=invoice.id, invoice_number=invoice.number, code="212",
                                    label="Encaissée", direction="sent", key=f"212:test:{n}", message_id=f"S-{n}",
                                    at=datetime(2026, 10, n, tzinfo=UTC), state="delivered",
                                    amount=Decimal("100.00")))
        repo.audit("einvoice.status_created", subject="invoice:FA-2026-00001", code="212", message_id="S-2",
                   amount=Decimal("100.00"))
        session.commit()
    engine.dispose()
    entries = [e for e in ecli.json("customers", "history", "C001") if e["kind"].startswith("einvoice.")]
    assert [(e["kind"], e["data"]["message_id"]) for e in entries] == [("einvoice.status_sent", "S-1"),
                                                                      ("einvoice.status_created", "S-2")]
    assert entries[0]["summary"] == "status 212 « Encaissée » sent for FA-2026-00001: delivered"
    assert entries[1]["summary"] == "status 212 « Encaissée » created for FA-2026-00001: 100.00"


def test_an_approval_set_before_the_dispute_does_not_end_it(ecli: Any, tmp_path: Path) -> None:
    """Statuses act in the order the buyer set them: within a batch (sorted), and across batches (a 205 dated
    before the 207, received after it, leaves the pause)."""
    early = Status("FA-2026-00001", "205", datetime(2026, 10, 5, 8, 0))
    dispute = Status("FA-2026-00001", "207", datetime(2026, 10, 5, 9, 0), reason_code="PU_ERR", reason="Prix")
    taken = ecli.json("einvoicing", "statuses", "import", write(tmp_path, "b.xml", [dispute, early]))
    assert [s["code"] for s in taken["statuses"]] == ["205", "207"]  # in the order they were set
    assert set(planned(ecli, "2026-10-06")) == {"FA-2026-00002"}
    [late] = ecli.json("einvoicing", "statuses", "import", write(
        tmp_path, "late.xml", [Status("FA-2026-00001", "205", datetime(2026, 10, 5, 8, 30))]))["statuses"]
    assert late["effect"] == "invoice approved"
    assert set(planned(ecli, "2026-10-06")) == {"FA-2026-00002"}
    ecli.json("einvoicing", "statuses", "import", write(
        tmp_path, "after.xml", [Status("FA-2026-00001", "205", datetime(2026, 10, 5, 9, 1))]))
    assert set(planned(ecli, "2026-10-06")) == {"FA-2026-00001", "FA-2026-00002"}


def test_a_status_about_another_sellers_invoice_is_refused(ecli: Any, tmp_path: Path, db_url: str) -> None:
    companies = Path(ecli.env["LETTRAGE_DATA_DIR"]) / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    status = write(tmp_path, "s.xml", [Status("FA-2026-00001", "205", datetime(2026, 10, 5, 9, 0))])
    (companies / "default.toml").write_text('[einvoicing]\nsiren = "552100554"\n', encoding="utf-8")
    counts = table_counts(db_url)
    result = ecli("einvoicing", "statuses", "import", status, ok=False)
    assert result.exit_code == 1 and table_counts(db_url) == counts
    assert result.stderr.strip() == (f"error: {status}: invoice FA-2026-00001 was issued by 100000009 (MDT-129), "
                                     "not by this company (SIREN 552100554)")
    (companies / "default.toml").write_text('[einvoicing]\nsiren = "100000009"\n', encoding="utf-8")
    assert ecli.json("einvoicing", "statuses", "import", status)["received"] == 1

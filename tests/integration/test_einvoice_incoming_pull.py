"""`lettrage sync` pulls the buyers' statuses from the company's platform (a fake PA on loopback), once each."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select
from sqlmodel import Session

from tests.einvoice_cdar_files import Status, cdar
from tests.integration.fake_pa import FakePA, fake_pa  # noqa: F401 - the fixture
from tests.integration.test_einvoice_incoming import ecli, planned  # noqa: F401 - the fixture


def configure(cli: Any, **keys: str) -> None:
    companies = Path(cli.env["LETTRAGE_DATA_DIR"]) / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    lines = "".join(f'{k} = "{v}"\n' for k, v in keys.items())
    (companies / "default.toml").write_text(f"[einvoicing]\n{lines}", encoding="utf-8")


def counts(cli: Any) -> tuple[int, int, Any]:
    from worker.db.einvoice_incoming_tables import EinvoiceStatusPull
    from worker.db.einvoice_tables import EinvoiceStatus
    from worker.db.tables import AuditEvent

    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])
    with Session(engine) as session:
        statuses = session.execute(select(func.count()).select_from(EinvoiceStatus)).scalar_one()
        refused = session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.kind == "einvoice.status_refused")).scalar_one()
        pull = session.execute(select(EinvoiceStatusPull)).scalar_one()
        until = pull.pulled_until.isoformat()[:19] if pull.pulled_until else None
        state = (until, pull.messages, pull.last_error)
    engine.dispose()
    return statuses, refused, state


def test_each_sync_takes_what_is_new_once(ecli: Any, fake_pa: FakePA) -> None:  # noqa: F811
    configure(ecli, **fake_pa.settings())
    fake_pa.add_incoming(cdar([Status("FA-2026-00001", "207", datetime(2026, 10, 5, 9, 30), reason_code="PU_ERR",
                                      reason="Prix unitaire erroné")], "PA-207"), "2026-10-05T09:30:00+00:00")
    fake_pa.add_incoming(cdar([Status("FA-2026-00002", "207", datetime(2026, 10, 5, 9, 31))], "PA-BAD"),
                         "2026-10-05T09:31:00+00:00")
    fake_pa.add_incoming(cdar([Status("FA-2026-00002", "211", datetime(2026, 10, 5, 9, 32))], "PA-211"),
                         "2026-10-05T09:32:00+00:00")
    first = ecli.json("sync", "--as-of", "2026-10-06", "--no-send")["einvoice_statuses"]
    assert (first["received"], first["unchanged"], first["error"]) == (2, 0, None)
    [refused] = first["refused"]
    assert refused.startswith("platform message ") and "BR-FR-CDV-15_MDT-113" in refused
    # FA-1 disputed, FA-2's payment announced on Monday 5 October: out until Thursday 8.
    assert planned(ecli, "2026-10-06") == {}
    assert set(planned(ecli, "2026-10-09")) == {"FA-2026-00002"}
    assert counts(ecli) == (2, 1, ("2026-10-05T09:32:00", 3, None))

    again = ecli.json("sync", "--as-of", "2026-10-06", "--no-send")["einvoice_statuses"]
    assert (again["received"], again["refused"], again["error"]) == (0, [], None)
    assert counts(ecli)[:2] == (2, 1)

    fake_pa.add_incoming(cdar([Status("FA-2026-00001", "205", datetime(2026, 10, 6, 8, 0))], "PA-205"),
                         "2026-10-06T08:00:00+00:00")
    third = ecli.json("sync", "--as-of", "2026-10-09", "--no-send")["einvoice_statuses"]
    assert (third["received"], third["error"]) == (1, None)
    assert set(planned(ecli, "2026-10-09")) == {"FA-2026-00001", "FA-2026-00002"}
    assert counts(ecli)[2][:2] == ("2026-10-06T08:00:00", 4)


def test_an_unreachable_platform_does_not_stop_the_sync(ecli: Any) -> None:  # noqa: F811
    configure(ecli, pa_url="http://127.0.0.1:9", pa_client_id="lettrage", pa_client_secret="x")
    ecli.env["LETTRAGE_OUTBOUND_ALLOW_HOSTS"] = "127.0.0.1"  # reachable for the server, but nobody listens
    summary = ecli.json("sync", "--as-of", "2026-10-06", "--no-send")
    assert summary["einvoice_statuses"]["error"].startswith("platform: platform unreachable")
    assert set(planned(ecli, "2026-10-06")) == {"FA-2026-00001", "FA-2026-00002"}
    assert counts(ecli)[2][:2] == (None, 0) and counts(ecli)[2][2].startswith("platform unreachable")


def test_a_status_that_came_before_its_invoice_is_taken_once_the_invoice_is_imported(
        ecli: Any, fake_pa: FakePA, tmp_path: Path) -> None:  # noqa: F811
    """The platform sends a dispute about an invoice the billing tool has not exported yet: refused at first
    (kept with its content), taken by the first pull after the invoice is imported, and only once."""
    from tests.factories import InvoiceSpec, invoices_csv
    from tests.integration.test_einvoice_incoming import DUE, ISSUED

    configure(ecli, **fake_pa.settings())
    fake_pa.add_incoming(cdar([Status("FA-2026-00003", "207", datetime(2026, 10, 5, 9, 30), reason_code="PU_ERR",
                                      reason="Prix unitaire erroné")], "PA-EARLY"), "2026-10-05T09:30:00+00:00")
    first = ecli.json("sync", "--as-of", "2026-10-06", "--no-send")["einvoice_statuses"]
    assert first["received"] == 0 and len(first["refused"]) == 1
    late = tmp_path / "late.csv"
    late.write_bytes(invoices_csv([InvoiceSpec("FA-2026-00003", "C003", "300.00", ISSUED, DUE,
                                               customer_name="GAMMA SARL", customer_email="compta@gamma.example")]))
    ecli("invoices", "import", str(late))
    assert "FA-2026-00003" in planned(ecli, "2026-10-06")  # remindable until the dispute is taken
    second = ecli.json("sync", "--as-of", "2026-10-06", "--no-send")["einvoice_statuses"]
    assert (second["received"], second["refused"]) == (1, [])
    assert set(planned(ecli, "2026-10-06")) == {"FA-2026-00001", "FA-2026-00002"}  # FA-3 is disputed now
    third = ecli.json("sync", "--as-of", "2026-10-06", "--no-send")["einvoice_statuses"]
    assert (third["received"], third["unchanged"], third["refused"]) == (0, 0, [])
    assert counts(ecli)[:2] == (1, 1)

"""Qonto as the company's e-invoicing platform (``einvoicing.platform = "qonto"``), against a local fake of its
Business API (tests/integration/fake_qonto_platform.py, after https://docs.qonto.com/guides/invoicing/e-invoicing,
https://docs.qonto.com/api-reference/business-api/invoicing/client-invoices/list-client-invoices and
https://docs.qonto.com/get-started/general/pagination): the buyer's lifecycle statuses Qonto records on the client
invoices steer the reminders as the AFNOR platform's do (XP Z12-012 annex A: 207 « En litige », 205 « Approuvée »,
211 « Paiement transmis », 220 « Annulée »), once each, through ``lettrage sync``; paging, a paging loop, 401, 429,
and a status about an invoice lettrage does not have yet. Run through the CLI, on SQLite and on the real
PostgreSQL; the clock is the tests' (25 November 2026), the days the plan is asked for are given."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlmodel import Session

from einvoicing.platforms.errors import PlatformError
from tests.factories import InvoiceSpec, invoices_csv
from tests.integration.fake_qonto_platform import FakeQontoPlatform, fake_qonto_platform  # noqa: F401 - the fixture
from tests.integration.fake_server import loopback_allowed
from tests.integration.test_einvoice_incoming import DUE, INVOICES, ISSUED, planned


@pytest.fixture
def qcli(cli: Any, tmp_path: Path, fake_qonto_platform: FakeQontoPlatform) -> Any:  # noqa: F811
    """The CLI with the two overdue invoices imported and the company's platform set to the fake Qonto."""
    path = tmp_path / "invoices.csv"
    path.write_bytes(invoices_csv(INVOICES))
    cli("invoices", "import", str(path))
    configure(cli, fake_qonto_platform.table())
    cli.env.update(fake_qonto_platform.environ())
    return cli


def configure(cli: Any, toml: str) -> None:
    companies = Path(cli.env["LETTRAGE_DATA_DIR"]) / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    (companies / "default.toml").write_text(toml, encoding="utf-8")


def sync(cli: Any, day: str) -> dict[str, Any]:
    summary: dict[str, Any] = cli.json("sync", "--as-of", day, "--no-send")["einvoice_statuses"]
    return summary


def held(cli: Any, day: str) -> dict[str, str]:
    """Invoice number -> why its reminders are held, in `reminders plan --held --as-of DAY --json`."""
    return {h["invoice"]: h["reason"] for h in cli.json("reminders", "plan", "--held", "--as-of", day)}


def stored(cli: Any) -> int:
    from worker.db.einvoice_tables import EinvoiceStatus

    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])
    with Session(engine) as session:
        count = session.execute(select(func.count()).select_from(EinvoiceStatus)).scalar_one()
    engine.dispose()
    return int(count)


def test_a_dispute_pauses_reminders_and_the_approval_lifts_it(qcli: Any,
                                                              fake_qonto_platform: FakeQontoPlatform) -> None:  # noqa: F811
    """207 « En litige » then 205 « Approuvée » (XP Z12-012 annex A), as Qonto's ``einvoicing_lifecycle_events``
    record them (https://docs.qonto.com/api-reference/business-api/invoicing/client-invoices/
    send-a-client-invoice-by-e-invoice, « Tracking and observability »); the same events read again are stored
    once."""
    fake = fake_qonto_platform
    first = fake.add_invoice("FA-2026-00001", "1200.00")
    fake.add_event(first, "200", "2026-09-01T08:00:00Z")
    fake.add_event(first, "201", "2026-09-01T08:00:05Z")
    fake.add_event(first, "207", "2026-10-05T07:30:00Z", reason="TX_TVA_ERR", reason_message="Taux de TVA erroné")
    taken = sync(qcli, "2026-10-06")
    assert (taken["received"], taken["unchanged"], taken["refused"], taken["error"]) == (3, 0, [], None)
    assert set(planned(qcli, "2026-10-06")) == {"FA-2026-00002"}
    assert held(qcli, "2026-10-06")["FA-2026-00001"] == "paused (einvoice_disputed): TX_TVA_ERR Taux de TVA erroné"
    # the invoice is listed again (updated after the pull point less its overlap): nothing new is stored
    again = sync(qcli, "2026-10-06")
    assert (again["received"], again["unchanged"], again["refused"]) == (0, 3, [])
    assert stored(qcli) == 3
    assert "filter%5Bupdated_at_from%5D=2026-10-05T07%3A29%3A59Z" in fake.list_calls()[-1]

    fake.add_event(first, "205", "2026-10-07T09:00:00Z")
    lifted = sync(qcli, "2026-10-08")
    assert (lifted["received"], lifted["unchanged"]) == (1, 3)
    assert set(planned(qcli, "2026-10-08")) == {"FA-2026-00001", "FA-2026-00002"}
    history = [e for e in qcli.json("customers", "history", "C001") if e["kind"] == "einvoice.status_received"]
    assert [(e["data"]["code"], e["data"]["effect"].split(" (")[0]) for e in history][-2:] == [
        ("207", "reminders paused"), ("205", "pause lifted")]


def test_a_payment_sent_holds_reminders_for_the_announced_days(qcli: Any,
                                                               fake_qonto_platform: FakeQontoPlatform) -> None:  # noqa: F811
    """211 « Paiement transmis » set on Monday 5 October 2026 at 09:32 in Paris: reminders wait the company's
    ``announced_payment_days`` (3 business days: until Thursday 8) — XP Z12-012 annex A, status 211."""
    fake = fake_qonto_platform
    second = fake.add_invoice("FA-2026-00002", "600.00", client="BETA SAS")
    fake.add_event(second, "211", "2026-10-05T07:32:00Z")
    taken = sync(qcli, "2026-10-06")
    assert (taken["received"], taken["refused"], taken["error"]) == (1, [], None)
    assert held(qcli, "2026-10-06")["FA-2026-00002"] == ("paused (einvoice_payment_sent) until 2026-10-08: payment "
                                                         "announced on 2026-10-05")
    assert set(planned(qcli, "2026-10-06")) == {"FA-2026-00001"}
    assert set(planned(qcli, "2026-10-09")) == {"FA-2026-00001", "FA-2026-00002"}


def test_paid_and_canceled_invoices_and_events_read_one_by_one(qcli: Any,
                                                               fake_qonto_platform: FakeQontoPlatform) -> None:  # noqa: F811
    """The invoice's own status: ``canceled`` is 220 « Annulée » (reminders stop), ``paid`` 212 « Encaissée »
    (recorded); when the list gives the invoices without their events, each is read with ``GET
    /v2/client_invoices/{id}`` (https://docs.qonto.com/api-reference/business-api/expense-management/
    client-quotes-notes/client-invoices/retrieve-a-client-invoice)."""
    fake = fake_qonto_platform
    first = fake.add_invoice("FA-2026-00001", "1200.00")
    second = fake.add_invoice("FA-2026-00002", "600.00", client="BETA SAS")
    fake.add_event(first, "203", "2026-09-01T08:10:00Z")
    fake.set_status(first, "canceled", "2026-10-02T15:00:00Z")
    fake.set_status(second, "paid", "2026-10-03T10:00:00Z")
    fake.state.events_in_list = False
    taken = sync(qcli, "2026-10-06")
    assert (taken["received"], taken["refused"], taken["error"]) == (3, [], None)
    # FA-1 cancelled; FA-2's 212 is recorded: it stays open in lettrage until its payment is booked from the bank
    assert set(planned(qcli, "2026-10-06")) == {"FA-2026-00002"}
    reads = [c for c in fake.state.calls if c.startswith("GET /v2/client_invoices/")]
    assert sorted(c.split("/")[-1] for c in reads) == sorted([first, second])
    from worker.db.einvoice_tables import EinvoiceStatus

    engine = create_engine(qcli.env["LETTRAGE_DATABASE_URL"])
    with Session(engine) as session:
        rows = {(r.invoice_number, r.code): r for r in session.execute(select(EinvoiceStatus)).scalars()}
    engine.dispose()
    assert set(rows) == {("FA-2026-00001", "203"), ("FA-2026-00001", "220"), ("FA-2026-00002", "212")}
    assert rows[("FA-2026-00002", "212")].amounts == [{"type": "MEN", "rate": "", "amount": "600.00"}]
    assert rows[("FA-2026-00002", "212")].details["effect"] == "recorded"


def test_a_status_about_an_unknown_invoice_is_taken_once_the_invoice_is_imported(
        qcli: Any, fake_qonto_platform: FakeQontoPlatform, tmp_path: Path) -> None:  # noqa: F811
    """Qonto has a dispute about an invoice the billing tool has not exported yet: refused and kept, taken by the
    first pull after the invoice is imported, only once."""
    fake = fake_qonto_platform
    third = fake.add_invoice("FA-2026-00003", "300.00", client="GAMMA SARL")
    fake.add_event(third, "207", "2026-10-05T07:30:00Z", reason="PU_ERR", reason_message="Prix unitaire erroné")
    first = sync(qcli, "2026-10-06")
    [refused] = first["refused"]
    assert first["received"] == 0 and "FA-2026-00003" in refused and "is not an invoice of company" in refused
    late = tmp_path / "late.csv"
    late.write_bytes(invoices_csv([InvoiceSpec("FA-2026-00003", "C003", "300.00", ISSUED, DUE,
                                               customer_name="GAMMA SARL", customer_email="compta@gamma.example")]))
    qcli("invoices", "import", str(late))
    assert "FA-2026-00003" in planned(qcli, "2026-10-06")
    second = sync(qcli, "2026-10-06")
    assert (second["received"], second["refused"]) == (1, [])
    assert "FA-2026-00003" not in planned(qcli, "2026-10-06")
    third_pull = sync(qcli, "2026-10-06")
    assert (third_pull["received"], third_pull["refused"]) == (0, [])
    assert stored(qcli) == 1


def test_a_bad_key_is_one_clear_error_and_a_short_429_is_waited_out(qcli: Any,
                                                                    fake_qonto_platform: FakeQontoPlatform) -> None:  # noqa: F811
    """401: the organisation's key refused (https://docs.qonto.com/get-started/business-api/authentication/api-key),
    reported in one line, the pull point unmoved; 429 (https://docs.qonto.com/get-started/general/rate-limitations)
    with a short Retry-After: waited, then read; with a long one: reported, the next sync tries again."""
    fake = fake_qonto_platform
    first = fake.add_invoice("FA-2026-00001", "1200.00")
    fake.add_event(first, "207", "2026-10-05T07:30:00Z", reason="QTE_ERR", reason_message="3 au lieu de 2")
    qcli.env["LETTRAGE_QONTO_SECRET_KEY"] = "not-the-key"
    refused = sync(qcli, "2026-10-06")
    assert refused["received"] == 0
    assert refused["error"].startswith("platform: qonto: GET /v2/client_invoices: access refused (401)")
    assert "not-the-key" not in refused["error"]
    qcli.env.update(fake.environ())
    fake.fail_next(1, 429, "120")
    late = sync(qcli, "2026-10-06")
    assert late["received"] == 0 and "rate limit reached (the provider asks to wait 120 s)" in late["error"]
    fake.fail_next(1, 429, "0")
    calls = len(fake.list_calls())
    taken = sync(qcli, "2026-10-06")
    assert (taken["received"], taken["error"]) == (1, None)
    assert len(fake.list_calls()) == calls + 2  # the 429, then the page
    assert set(planned(qcli, "2026-10-06")) == {"FA-2026-00002"}


def test_every_page_is_read_and_a_paging_loop_is_refused(fake_qonto_platform: FakeQontoPlatform,  # noqa: F811
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Page-number paging through ``meta.next_page`` (https://docs.qonto.com/get-started/general/pagination: at
    most 100 a page); a next page pointing back is refused, not followed forever; a refused key is not transient."""
    from worker.einvoices.platform_qonto import QontoPlatform
    from worker.json_api import FeedHttp
    from worker.outbound import OutboundClient
    from worker.settings import get_settings

    fake = fake_qonto_platform
    for i in range(230):
        ident = fake.add_invoice(f"FA-2026-{i + 1:05d}", "100.00")
        fake.add_event(ident, "200", f"2026-09-{1 + i % 28:02d}T08:00:00Z")
    with loopback_allowed(monkeypatch):
        outbound = OutboundClient.for_settings(get_settings())
    credentials = {"login": fake.state.login, "secret_key": fake.state.secret_key}
    client = QontoPlatform.build(FeedHttp("qonto", fake.url, outbound), credentials)
    flows = client.fetch_statuses(datetime.fromisoformat("2026-08-01T00:00:00+00:00"))
    assert len(flows) == 230 and len({f.flow_id for f in flows}) == 230
    assert [f.updated_at for f in flows] == sorted(f.updated_at for f in flows)
    assert {f.syntax for f in flows} == {"qonto"}
    assert [c.split("page=")[-1] for c in fake.list_calls()] == ["1", "2", "3"]
    assert all("per_page=100" in c and "sort_by=created_at%3Aasc" in c for c in fake.list_calls())
    fake.loop_pages()
    with pytest.raises(PlatformError, match="the pages loop") as loop:
        client.fetch_statuses(None)
    assert loop.value.transient is False
    bad = QontoPlatform.build(FeedHttp("qonto", fake.url, outbound), {**credentials, "secret_key": "wrong"})
    with pytest.raises(PlatformError, match=r"access refused \(401\)") as refused:
        bad.fetch_statuses(None)
    assert (refused.value.transient, refused.value.status) == (False, 401)
    fake.fail_next(5, 503)
    with pytest.raises(PlatformError, match="answered 503") as down:
        client.fetch_statuses(None)
    assert down.value.transient is True


def test_a_bad_qonto_table_is_named(qcli: Any, fake_qonto_platform: FakeQontoPlatform) -> None:  # noqa: F811
    """A mistyped key or an unset credential variable: the sync says which, in one line, and goes on."""
    configure(qcli, fake_qonto_platform.table('secret_kye_env = "LETTRAGE_X"\n'))
    assert "einvoicing.qonto.secret_kye_env" in sync(qcli, "2026-10-06")["error"]
    configure(qcli, fake_qonto_platform.table().replace("LETTRAGE_QONTO_LOGIN", "LETTRAGE_QONTO_LOGIN_UNSET"))
    assert sync(qcli, "2026-10-06")["error"] == ("einvoicing.qonto: credentials missing: set "
                                                  "LETTRAGE_QONTO_LOGIN_UNSET")

"""Pennylane as the company's platform: `lettrage sync` pulls its customer invoices' e-invoicing statuses from a
fake Pennylane on loopback (tests/integration/fake_pennylane_platform.py), and its signed webhook takes them at once.

Sources: the changelog endpoints and their paging (https://pennylane.readme.io/docs/tracking-data-changes-with-
pennylane-api), the customer invoice's ``e_invoicing`` object (https://pennylane.readme.io/changelog/customer-
supplier-invoices-exposing-e-invoicing-status-in-the-response), the e-invoicing statuses
(https://pennylane.readme.io/reference/customer_invoicee_invoicing_status_updated), the rate limit
(https://pennylane.readme.io/docs/rate-limiting-1), the webhook subscription's secret
(https://pennylane.readme.io/docs/quickstart).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select
from sqlmodel import Session

from tests.integration.api_helpers import app_client
from tests.integration.fake_pennylane_platform import FakePennylane, fake_pennylane  # noqa: F401 - the fixture
from tests.integration.test_einvoice_incoming import ecli, planned  # noqa: F401 - the fixture

TOKEN, SECRET = "pl-token", "pl-webhook-secret"


def configure(cli: Any, fake: FakePennylane, **extra: str) -> None:
    companies = Path(cli.env["LETTRAGE_DATA_DIR"]) / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    table = "".join(f'{k} = "{v}"\n' for k, v in {**fake.settings(), **extra}.items())
    (companies / "default.toml").write_text(f'[einvoicing]\nplatform = "pennylane"\n\n[einvoicing.pennylane]\n{table}',
                                            encoding="utf-8")
    cli.env.update({"LETTRAGE_PENNYLANE_TOKEN": TOKEN, "LETTRAGE_PENNYLANE_WEBHOOK_SECRET": SECRET,
                    "LETTRAGE_OUTBOUND_ALLOW_HOSTS": "127.0.0.1"})


def sync(cli: Any, day: str = "2026-10-06") -> Any:
    return cli.json("sync", "--as-of", day, "--no-send")["einvoice_statuses"]


def pauses(cli: Any) -> list[tuple[str, str | None, bool]]:
    """(reason, note, lifted) of every pause a received status set, oldest first."""
    from worker.db.reminder_tables import DunningPause

    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])
    with Session(engine) as session:
        rows = session.execute(select(DunningPause).order_by(DunningPause.id)).scalars().all()
        found = [(p.reason, p.note, p.lifted_at is not None) for p in rows if p.created_by.startswith("einvoicing:")]
    engine.dispose()
    return found


def test_each_sync_takes_the_statuses_once_page_after_page(ecli: Any, fake_pennylane: FakePennylane) -> None:  # noqa: F811
    """The changelog read page by page (its cursor); a dispute pauses FA-1's reminders until its approval, a
    payment sent holds FA-2's for announced_payment_days (3 business days); a second sync takes nothing again."""
    configure(ecli, fake_pennylane)
    fake_pennylane.state.page_size = 1
    fa1, fa2 = fake_pennylane.invoice("FA-2026-00001"), fake_pennylane.invoice("FA-2026-00002", "600.00")
    fake_pennylane.set_status(fa1, "in_dispute", "2026-10-05T09:30:00+02:00", reason="incorrect_unit_prices")
    fake_pennylane.set_status(fa2, "submitted", "2026-10-05T09:31:00+02:00")
    fake_pennylane.set_status(fa2, "payment_sent", "2026-10-05T09:32:00+02:00")
    first = sync(ecli)
    assert (first["received"], first["unchanged"], first["refused"], first["error"]) == (2, 0, [], None)
    assert sum("cursor=" in r for r in fake_pennylane.state.requests) == 2  # three changes, one a page
    assert planned(ecli, "2026-10-06") == {}  # FA-1 disputed; FA-2's payment announced on Monday 5 October
    assert set(planned(ecli, "2026-10-09")) == {"FA-2026-00002"}  # ...held until Thursday 8
    assert pauses(ecli)[0] == ("einvoice_disputed", "PU_ERR incorrect unit prices", False)
    assert pauses(ecli)[1][0] == "einvoice_payment_sent"

    again = sync(ecli)
    assert (again["received"], again["refused"], again["error"]) == (0, [], None)

    fake_pennylane.set_status(fa1, "approved", "2026-10-06T08:00:00+02:00")
    third = sync(ecli, "2026-10-09")
    assert (third["received"], third["error"]) == (1, None)
    assert set(planned(ecli, "2026-10-09")) == {"FA-2026-00001", "FA-2026-00002"}
    assert pauses(ecli)[0][2] is True  # the dispute's pause lifted by the approval

    # the invoice edited in Pennylane, its state the same: nothing new; then disputed again, for the same reason
    # as before: a new dispute, the reminders paused again
    fake_pennylane.set_status(fa1, "approved", "2026-10-08T10:00:00+02:00")
    fourth = sync(ecli, "2026-10-09")
    assert (fourth["received"], fourth["error"]) == (0, None)
    fake_pennylane.set_status(fa1, "in_dispute", "2026-10-09T09:00:00+02:00", reason="incorrect_unit_prices")
    fifth = sync(ecli, "2026-10-09")
    assert (fifth["received"], fifth["error"]) == (1, None)
    assert set(planned(ecli, "2026-10-09")) == {"FA-2026-00002"}
    assert [(reason, lifted) for reason, _, lifted in pauses(ecli)] == [
        ("einvoice_disputed", True), ("einvoice_payment_sent", False), ("einvoice_disputed", False)]


def test_a_refused_token_is_one_clear_error_and_a_429_is_waited_out(
        ecli: Any, fake_pennylane: FakePennylane) -> None:  # noqa: F811
    """401: one line saying the token was refused, nothing taken, the next sync tries again; 429 with
    ``retry-after`` (https://pennylane.readme.io/docs/rate-limiting-1): waited, then the answer taken."""
    configure(ecli, fake_pennylane)
    fa1 = fake_pennylane.invoice("FA-2026-00001")
    fake_pennylane.set_status(fa1, "refused", "2026-10-05T09:30:00+02:00", reason="duplicate_invoice")
    ecli.env["LETTRAGE_PENNYLANE_TOKEN"] = "revoked"
    refused = sync(ecli)
    assert refused["received"] == 0
    assert refused["error"].startswith("platform: pennylane: GET /changelogs/customer_invoices: access refused (401)")
    assert "einvoicing.pennylane.token_env" in refused["error"] and "revoked" not in refused["error"]

    ecli.env["LETTRAGE_PENNYLANE_TOKEN"] = TOKEN
    fake_pennylane.fail_next(429, retry_after="0", times=2)
    taken = sync(ecli)
    assert (taken["received"], taken["error"]) == (1, None)
    assert sum(r.startswith("GET /api/external/v2/changelogs/") for r in fake_pennylane.state.requests) == 4
    assert pauses(ecli) == [("einvoice_refused", "DOUBLE_FACT duplicate invoice", False)]


def test_a_status_about_an_unknown_invoice_is_taken_once_the_invoice_exists(
        ecli: Any, fake_pennylane: FakePennylane, tmp_path: Path) -> None:  # noqa: F811
    """Refused at first (kept), taken by the first sync after the invoice is imported, and only once; then a
    pull point older than the four weeks Pennylane keeps (422) is asked again from the oldest change kept."""
    from tests.factories import InvoiceSpec, invoices_csv
    from tests.integration.test_einvoice_incoming import DUE, ISSUED

    configure(ecli, fake_pennylane)
    fa3 = fake_pennylane.invoice("FA-2026-00003", "300.00")
    fake_pennylane.set_status(fa3, "in_dispute", "2026-10-05T09:30:00+02:00", reason="delivery_issue")
    first = sync(ecli)
    assert first["received"] == 0 and len(first["refused"]) == 1
    assert "FA-2026-00003" in first["refused"][0] and "is not an invoice of company" in first["refused"][0]
    late = tmp_path / "late.csv"
    late.write_bytes(invoices_csv([InvoiceSpec("FA-2026-00003", "C003", "300.00", ISSUED, DUE,
                                               customer_name="GAMMA SARL", customer_email="compta@gamma.example")]))
    ecli("invoices", "import", str(late))
    second = sync(ecli)
    assert (second["received"], second["refused"]) == (1, [])
    assert "FA-2026-00003" not in planned(ecli, "2026-10-06")
    third = sync(ecli)
    assert (third["received"], third["refused"]) == (0, [])

    fake_pennylane.state.kept_from = "2026-10-07T00:00:00+02:00"  # the pull point (5 October) is gone
    fa1 = fake_pennylane.invoice("FA-2026-00001")
    fake_pennylane.set_status(fa1, "partially_collected", "2026-10-08T10:00:00+02:00", remaining="200.00")
    fourth = sync(ecli, "2026-10-09")
    assert (fourth["received"], fourth["error"]) == (1, None)
    assert any("start_date" not in r and "changelogs" in r for r in fake_pennylane.state.requests[-3:])


def test_a_signed_webhook_takes_the_status_once_and_others_are_refused(
        ecli: Any, fake_pennylane: FakePennylane, tmp_path: Path) -> None:  # noqa: F811
    """``POST /api/platforms/pennylane/webhook/default``: 401 without the company's signature, with another
    secret, a changed body or a time more than five minutes away; signed, the invoice is fetched from the API
    (never taken from the payload) and its status taken once: the same call again, and the next pull, say
    "already received"."""
    configure(ecli, fake_pennylane)
    fa1 = fake_pennylane.invoice("FA-2026-00001")
    fake_pennylane.set_status(fa1, "in_dispute", "2026-10-05T09:30:00+02:00", reason="incorrect_vat_rate")
    client = app_client(ecli, tmp_path)
    now = int(client.app.state.settings.clock.now().timestamp())
    url = "/api/platforms/pennylane/webhook/default"
    body, header = fake_pennylane.webhook(SECRET, fa1, now)
    _, forged = fake_pennylane.webhook("another-secret", fa1, now)
    _, stale = fake_pennylane.webhook(SECRET, fa1, now - 301)
    for headers, content in (({}, body), ({"X-Pennylane-Signature": forged}, body),
                             ({"X-Pennylane-Signature": stale}, body),
                             ({"X-Pennylane-Signature": header}, body.replace(b"987654", b"987655")),
                             ({"X-Pennylane-Signature": "t=1,v1=zz"}, body)):
        answer = client.post(url, content=content, headers=headers)
        assert answer.status_code == 401, answer.text
    assert client.post("/api/platforms/pennylane/webhook/nobody", content=body,
                       headers={"X-Pennylane-Signature": header}).status_code == 401
    assert "FA-2026-00001" in planned(ecli, "2026-10-06")  # nothing taken

    taken = client.post(url, content=body, headers={"X-Pennylane-Signature": header})
    assert taken.status_code == 200, taken.text
    assert (taken.json()["received"], taken.json()["unchanged"]) == (1, 0)
    assert "FA-2026-00001" not in planned(ecli, "2026-10-06")
    replay = client.post(url, content=body, headers={"X-Pennylane-Signature": header}).json()
    assert (replay["received"], replay["unchanged"]) == (0, 1)
    pulled = sync(ecli)
    assert (pulled["received"], pulled["unchanged"], pulled["error"]) == (0, 1, None)
    assert pauses(ecli) == [("einvoice_disputed", "TX_TVA_ERR incorrect vat rate", False)]

    other, _ = fake_pennylane.webhook(SECRET, fa1, now)
    other = other.replace(b"customer_invoice.e_invoicing_status_updated", b"customer_invoice.created")
    from worker.einvoices.platform_pennylane import sign

    ignored = client.post(url, content=other, headers={"X-Pennylane-Signature": sign(SECRET, other, now)})
    assert ignored.status_code == 200 and ignored.json()["taken"] is False

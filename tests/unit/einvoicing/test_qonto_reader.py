"""einvoicing/platforms/qonto.py: a Qonto client invoice's statuses read into the reform's codes (XP Z12-012 annex A),
after https://docs.qonto.com/guides/invoicing/e-invoicing and
https://docs.qonto.com/api-reference/business-api/expense-management/client-quotes-notes/client-invoices/retrieve-a-client-invoice
(``einvoicing_lifecycle_events``: ``status_code``, ``reason``, ``reason_message``, ``timestamp``; ``status``: draft,
unpaid, paid, canceled); and worker/einvoices/platform_qonto.py's ``[einvoicing.qonto]`` table."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from einvoicing.platforms.errors import PlatformMessageError
from einvoicing.platforms.qonto import SYNTAX, QontoFlow, invoice_flows, read_qonto
from einvoicing.platforms.readers import read_message


def invoice(**changes: Any) -> dict[str, Any]:
    """A client invoice as ``GET /v2/client_invoices/{id}`` gives it (the fields the reader looks at)."""
    base: dict[str, Any] = {
        "id": "4d5418bb-bd0d-4df4-865c-c07afab8bb48", "number": "FA-2026-00001", "status": "unpaid",
        "issue_date": "2026-09-01", "due_date": "2026-10-01", "created_at": "2026-09-01T10:00:00+02:00",
        "finalized_at": "2026-09-01T10:00:00+02:00", "paid_at": "", "currency": "EUR",
        "total_amount": {"value": "1200.00", "currency": "EUR"}, "total_amount_cents": 120000,
        "client": {"name": "ACME SARL"}, "organization": {"legal_number": "552100554", "legal_name": "Atelier"},
        "items": [{"title": "Plastic tables"}], "einvoicing_status": "submitted", "einvoicing_lifecycle_events": [
            {"status_code": "200", "timestamp": "2026-09-01T08:00:00Z"},
            {"status_code": "207", "reason": "TX_TVA_ERR", "reason_message": "Taux de TVA  erroné",
             "timestamp": "2026-10-05T09:30:00+02:00"}]}
    return {**base, **changes}


def statuses(flows: list[QontoFlow]) -> list[Any]:
    return [s for f in flows for s in read_qonto(f.content, f"platform message {f.flow_id}").statuses]


def test_each_lifecycle_event_is_one_status_with_a_stable_id() -> None:
    """A lifecycle ``status_code`` is the reform's own code (200 « Déposée », 207 « En litige », XP Z12-012 annex A);
    the reason code and text are MDT-113 / MDT-114; the buyer sets 207 (issuer role BY)."""
    flows = invoice_flows(invoice())
    assert [f.flow_id for f in flows] == ["4d5418bb-bd0d-4df4-865c-c07afab8bb48/200/2026-09-01T08:00:00Z",
                                          "4d5418bb-bd0d-4df4-865c-c07afab8bb48/207/2026-10-05T07:30:00Z"]
    assert [f.updated_at for f in flows] == ["2026-09-01T08:00:00Z", "2026-10-05T07:30:00Z"]
    deposited, disputed = statuses(flows)
    assert (deposited.code, deposited.label, deposited.issuer_role, deposited.details) == ("200", "Déposée", "WK", ())
    assert (disputed.code, disputed.label, disputed.issuer_role, disputed.issuer_name) == ("207", "En litige", "BY",
                                                                                           "ACME SARL")
    assert (disputed.reason_code, disputed.reason) == ("TX_TVA_ERR", "Taux de TVA erroné")
    assert (disputed.invoice_number, disputed.invoice_issued_on, disputed.seller_ids) == (
        "FA-2026-00001", date(2026, 9, 1), ("552100554",))
    assert disputed.at == datetime(2026, 10, 5, 9, 30)  # Paris time, as the pipeline dates a CDAR's
    assert disputed.message_id == "qonto:4d5418bb-bd0d-4df4-865c-c07afab8bb48:207:2026-10-05T07:30:00Z"
    # the same event again, the invoice changed elsewhere (items, amounts): the same id, the same message
    again = invoice_flows(invoice(items=[], einvoicing_status="declined"))
    assert [(f.flow_id, f.content) for f in again] == [(f.flow_id, f.content) for f in flows]
    assert b"Plastic tables" not in flows[0].content


def test_the_registry_reads_qonto_messages() -> None:
    flow = invoice_flows(invoice())[1]
    message = read_message(SYNTAX, flow.content, "platform message x", None)
    assert [s.code for s in message.statuses] == ["207"] and message.validated is False


@pytest.mark.parametrize("code, role", [("205", "BY"), ("210", "BY"), ("211", "BY"), ("212", "SE"), ("213", "WK"),
                                        ("214", "BY"), ("209", "SE"), ("201", "WK")])
def test_every_documented_code_is_read_as_the_reform_s(code: str, role: str) -> None:
    """Qonto's events carry the lifecycle codes 200 to 214 (XP Z12-012 annex A; Qonto: « for example 201 for Issued
    by the platform »)."""
    flows = invoice_flows(invoice(einvoicing_lifecycle_events=[{"status_code": code,
                                                                "timestamp": "2026-10-05T10:00:00Z"}]))
    [status] = statuses(flows)
    assert (status.code, status.issuer_role) == (code, role)


def test_paid_and_canceled_invoices_are_212_and_220() -> None:
    """The invoice's own ``status``: ``paid`` is 212 « Encaissée » with the total as the amount received (MEN,
    einvoicing.codes.AMOUNT_RECEIVED_TYPE), ``canceled`` 220 « Annulée »; ``draft`` has no status."""
    paid = invoice_flows(invoice(status="paid", paid_at="2026-10-03T12:00:00+02:00", einvoicing_lifecycle_events=[]))
    [status] = statuses(paid)
    assert (status.code, status.label, status.at) == ("212", "Encaissée", datetime(2026, 10, 3, 12, 0))
    assert status.amounts() == [{"type": "MEN", "rate": "", "amount": "1200.00"}]
    assert status.characteristics[0].amount == Decimal("1200.00")
    assert status.message_id == "qonto:4d5418bb-bd0d-4df4-865c-c07afab8bb48:paid"
    # no cancellation time is documented: the invoice's last change, else its finalisation
    canceled = invoice_flows(invoice(status="canceled", updated_at="2026-10-02T15:00:00Z",
                                     einvoicing_lifecycle_events=[]))
    [status] = statuses(canceled)
    assert (status.code, status.at, status.issuer_role) == ("220", datetime(2026, 10, 2, 17, 0), "SE")
    older = invoice_flows(invoice(status="canceled", einvoicing_lifecycle_events=[]))
    assert statuses(older)[0].at == datetime(2026, 9, 1, 10, 0)
    assert invoice_flows(invoice(status="draft")) == []
    assert invoice_flows(invoice(einvoicing_lifecycle_events=None)) == []


def test_a_siret_gives_its_siren_and_anything_else_none() -> None:
    [_, status] = statuses(invoice_flows(invoice(organization={"legal_number": "55210055400013"})))
    assert status.seller_ids == ("552100554",)
    [_, status] = statuses(invoice_flows(invoice(organization={"legal_number": "HRB12345B"})))
    assert status.seller_ids == ()


@pytest.mark.parametrize("event, error", [
    ({"status_code": "206", "timestamp": "2026-10-05T10:00:00Z"}, "gives no approved amount"),
    ({"status_code": "299", "timestamp": "2026-10-05T10:00:00Z"}, "unknown lifecycle status code '299'"),
    ({"status_code": "207", "timestamp": "yesterday"}, "timestamp 'yesterday' is not an ISO 8601 time"),
    ({"status_code": "207"}, "no timestamp"),
])
def test_a_message_that_cannot_be_taken_is_refused_in_one_line(event: dict[str, str], error: str) -> None:
    """A 206 « Approuvée partiellement » needs the approved amount (BR-FR-CDV: MDT-207/MDT-215), which Qonto's
    events do not carry; an unknown code or time is refused, naming the message."""
    [flow] = invoice_flows(invoice(einvoicing_lifecycle_events=[event]))
    with pytest.raises(PlatformMessageError, match=error) as refused:
        read_qonto(flow.content, f"platform message {flow.flow_id}")
    assert str(refused.value).startswith(f"platform message {flow.flow_id}: ")


def test_what_is_not_a_qonto_message_is_refused() -> None:
    with pytest.raises(PlatformMessageError, match="not JSON"):
        read_qonto(b"<xml/>", "platform message m")
    with pytest.raises(PlatformMessageError, match="invoice and event expected"):
        read_qonto(b"[]", "platform message m")
    no_number = json.dumps({"invoice": {"id": "x"}, "event": {"status_code": "207"}}).encode()
    with pytest.raises(PlatformMessageError, match="has no number"):
        read_qonto(no_number, "platform message m")
    with pytest.raises(PlatformMessageError, match="no id"):
        invoice_flows({"number": "FA-1"})


# -- [einvoicing.qonto] ----------------------------------------------------------------------------------------------
def settings(table: dict[str, Any], base: Path | None = None) -> Any:
    from worker.company_sections import parse_einvoicing

    return parse_einvoicing({"platform": "qonto", "qonto": table}, "default.toml", base)


def test_the_qonto_table_defaults_to_the_feed_s_variables() -> None:
    from worker.einvoices.platform_qonto import BASE_URL, parse_qonto

    config = parse_qonto(settings({}))
    assert config.base_url == BASE_URL == "https://thirdparty.qonto.com"
    assert config.credentials({"LETTRAGE_QONTO_LOGIN": "acme-1", "LETTRAGE_QONTO_SECRET_KEY": " s3cret \n"}) == {
        "login": "acme-1", "secret_key": "s3cret"}


def test_a_secret_key_file_is_read_from_the_company_s_folder(tmp_path: Path) -> None:
    from worker.einvoices.platform_qonto import parse_qonto
    from worker.errors import ConfigurationError

    (tmp_path / "qonto.key").write_text("s3cret\n", encoding="utf-8")
    config = parse_qonto(settings({"secret_key_file": "qonto.key"}, tmp_path))
    assert config.credentials({"LETTRAGE_QONTO_LOGIN": "acme-1"}) == {"login": "acme-1", "secret_key": "s3cret"}
    (tmp_path / "qonto.key").write_text("  \n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"einvoicing.qonto.secret_key_file .*qonto.key: empty"):
        config.credentials({"LETTRAGE_QONTO_LOGIN": "acme-1"})
    missing = parse_qonto(settings({"secret_key_file": "/nowhere/key"}))
    with pytest.raises(ConfigurationError, match="einvoicing.qonto.secret_key_file /nowhere/key: no such file"):
        missing.credentials({"LETTRAGE_QONTO_LOGIN": "acme-1"})


@pytest.mark.parametrize("table, error", [
    ({"secret_kye_env": "LETTRAGE_X"}, "unknown key(s) einvoicing.qonto.secret_kye_env"),
    ({"login_env": "QONTO_LOGIN"}, "einvoicing.qonto.login_env must name a LETTRAGE_* variable"),
    ({"secret_key_env": "LETTRAGE_K", "secret_key_file": "/k"}, ("give einvoicing.qonto.secret_key_env or "
                                                                  "einvoicing.qonto.secret_key_file, not both")),
    ({"base_url": "ftp://qonto"}, "einvoicing.qonto.base_url must be an http:// or https:// URL"),
])
def test_a_bad_qonto_table_names_the_key(table: dict[str, Any], error: str) -> None:
    from worker.einvoices.platform_qonto import parse_qonto
    from worker.errors import ConfigurationError

    with pytest.raises(ConfigurationError) as bad:
        parse_qonto(settings(table))
    assert error in str(bad.value)

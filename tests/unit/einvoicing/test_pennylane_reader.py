"""einvoicing/platforms/pennylane.py: a Pennylane customer invoice (API v2) read into the reform's statuses.

Sources: the ``e_invoicing.status`` values of https://pennylane.readme.io/reference/customer_invoicee_invoicing_status_updated,
the buyer's actions and reasons of https://pennylane.readme.io/changelog/supplier-invoice-update-supplier-e-invoice-status,
the ``e_invoicing`` object of https://pennylane.readme.io/changelog/customer-supplier-invoices-exposing-e-invoicing-status-in-the-response;
the codes of XP Z12-012 annex A (einvoicing/codes.py) and the reason codes BR-FR-CDV-CL-09 lists.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from einvoicing.platforms.errors import PlatformMessageError
from einvoicing.platforms.pennylane import read_pennylane
from einvoicing.platforms.readers import read_message


def invoice(e_status: str | None, reason: str | None = None, **extra: Any) -> bytes:
    data = {"id": 42, "invoice_number": "FA-2026-00001", "date": "2026-09-01", "amount": "1200.00",
            "currency": "EUR", "remaining_amount_with_tax": "1200.00", "status": "late",
            "updated_at": "2026-10-05T07:30:00Z",
            "e_invoicing": None if e_status is None else {"status": e_status, "reason": reason}, **extra}
    return json.dumps(data).encode()


@pytest.mark.parametrize(("value", "code", "role"), [
    ("submitted", "200", "WK"), ("sent", "201", "WK"), ("approved", "205", "BY"), ("accepted", "205", "BY"),
    ("in_dispute", "207", "BY"), ("disputed", "207", "BY"), ("refused", "210", "BY"), ("rejected", "213", "WK"),
    ("collected", "212", "SE"), ("partially_collected", "212", "SE"), ("payment_sent", "211", "BY"),
])
def test_every_status_pennylane_documents_has_its_code(value: str, code: str, role: str) -> None:
    [status] = read_pennylane(invoice(value), "m").statuses
    assert (status.code, status.issuer_role, status.invoice_number) == (code, role, "FA-2026-00001")
    assert status.invoice_issued_on == date(2026, 9, 1)
    assert status.at == datetime(2026, 10, 5, 9, 30)  # 07:30 UTC is 09:30 in Paris, kept naive as CDAR's


def test_a_dispute_keeps_the_reform_reason_code_and_pennylane_words() -> None:
    """Pennylane's ``incorrect_vat_rate`` is the reform's TX_TVA_ERR (MDT-113); an unlisted reason is AUTRE."""
    [status] = read_pennylane(invoice("in_dispute", "incorrect_vat_rate"), "m").statuses
    assert (status.reason_code, status.reason) == ("TX_TVA_ERR", "incorrect vat rate")
    assert status.message_id == "pennylane:customer_invoice:42:in_dispute:incorrect_vat_rate@2026-10-05T09:30:00"
    assert (status.slot, status.state) == ("pennylane:customer_invoice:42:e_invoicing", "in_dispute:incorrect_vat_rate")
    [other] = read_pennylane(invoice("refused", "something_new"), "m").statuses
    assert (other.reason_code, other.reason) == ("AUTRE", "something new")


def test_the_same_state_has_the_same_slot_and_state_whenever_it_is_read() -> None:
    """Pennylane gives states, not events: the id is the state at the invoice's update time (the pull and a webhook
    of the same update agree), the state and its slot are what the pipeline compares (a later edit of a disputed
    invoice is the same state; a new dispute after an approval is a new state of the slot)."""
    first = read_pennylane(invoice("in_dispute", "delivery_issue"), "m").statuses[0]
    again = read_pennylane(invoice("in_dispute", "delivery_issue"), "m").statuses[0]
    later = read_pennylane(invoice("in_dispute", "delivery_issue", updated_at="2026-10-09T08:00:00+02:00"),
                           "m").statuses[0]
    approved = read_pennylane(invoice("approved"), "m").statuses[0]
    assert first.message_id == again.message_id != later.message_id
    assert (first.slot, first.state) == (later.slot, later.state)
    assert approved.slot == first.slot and approved.state != first.state


def test_a_partial_collection_carries_what_was_collected() -> None:
    [status] = read_pennylane(invoice("partially_collected", remaining_amount_with_tax="200.00"), "m").statuses
    assert status.amounts() == [{"type": "MEN", "rate": "", "amount": "1000.00"}]
    assert status.characteristics[0].amount == Decimal("1000.00")
    assert status.state == "partially_collected:1000.00"


def test_payment_sent_is_flagged_undocumented_and_a_cancelled_invoice_is_220() -> None:
    [sent] = read_pennylane(invoice("payment_sent"), "m").statuses
    assert "undocumented" in sent.reason
    [cancelled] = read_pennylane(invoice(None, status="cancelled"), "m").statuses
    assert (cancelled.code, cancelled.label) == ("220", "Annulée")


def test_an_invoice_without_a_buyer_status_gives_none() -> None:
    """``paid``, ``late``... are the seller's bookkeeping in Pennylane: no status from the buyer."""
    assert read_pennylane(invoice(None, status="paid"), "m").statuses == ()


@pytest.mark.parametrize(("data", "words"), [
    (b"<xml/>", "not JSON"), (b"[]", "JSON object"), (invoice("lost"), "'lost' is not one lettrage reads"),
    (invoice("approved", invoice_number=""), "no invoice_number"),
    (invoice("approved", updated_at="yesterday"), "updated_at 'yesterday'"),
    (invoice("partially_collected", remaining_amount_with_tax="1500.00"), "is not between 0 and the amount"),
])
def test_what_cannot_be_read_is_refused_in_one_line_naming_the_message(data: bytes, words: str) -> None:
    with pytest.raises(PlatformMessageError, match="^platform message 7: .*") as caught:
        read_message("pennylane", data, "platform message 7", None)
    assert words in str(caught.value) and "\n" not in str(caught.value)

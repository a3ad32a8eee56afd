"""einvoicing.ereporting_scope: whose receipts the payment e-reporting covers, which VAT categories, no zero part."""
from __future__ import annotations

from decimal import Decimal

import pytest

from einvoicing.ereporting_scope import Buyer, buyer_scope, no_zero_parts, reportable_parts
from einvoicing.vat_split import RatePart

D = Decimal


@pytest.mark.parametrize("buyer, scope", [
    (Buyer("consumer"), "consumer"),
    (Buyer("consumer", siren="732829320"), "consumer"),  # the customer's kind comes first
    (Buyer("business"), "domestic"),  # no e-invoice data: never a consumer for that alone
    (Buyer("business", siren="732829320", einvoiced=True), "domestic"),
    (Buyer("business", vat_id="FR32732829320", einvoiced=True), "domestic"),
    (Buyer("business", vat_id="BE0403170701", country="BE", einvoiced=True), "international"),
    (Buyer("business", country="FR", einvoiced=True), "domestic"),
    (Buyer("business", country="BE", einvoiced=True), "consumer"),  # no SIREN, VAT number nor French address
    (Buyer("business", einvoiced=True), "consumer"),
])
def test_buyer_scope(buyer: Buyer, scope: str) -> None:
    """CGI art. 290 A I: the e-reporting covers operations with persons other than taxable persons established in
    France (consumers: flow 10.4; foreign businesses: flow 10.2); art. 289 bis covers French businesses by
    e-invoice, whose cash the 212 « Encaissée » reports (XP Z12-012 annex A, status 212)."""
    assert buyer_scope(buyer) == scope


def test_reverse_charged_and_exempt_categories_are_left_out() -> None:
    """XP Z12-012 / EN 16931 BT-118 (UNTDID 5305): AE reverse charge (CGI art. 283-2), K intra-community supply,
    G export, E exempt, O outside the scope: no French VAT due on receipt, so nothing to e-report for them
    (CGI art. 290 A covers the VAT due on receipt)."""
    breakdown = [{"category": "S", "rate": "20.00", "base": "100.00", "tax": "20.00"},
                 {"category": "AE", "rate": "0.00", "base": "100.00", "tax": "0.00"}]
    assert reportable_parts(D("110.00"), breakdown) == [RatePart("20.00", D("60.00"))]
    for category in ("AE", "K", "G", "O", "E"):
        assert reportable_parts(D("50.00"), [{"category": category, "rate": "0.00", "base": "50.00",
                                              "tax": "0.00"}]) == []
    standard = [{"category": "S", "rate": "20.00", "base": "100.00", "tax": "20.00"}]
    assert reportable_parts(D("120.00"), standard) == [RatePart("20.00", D("120.00"))]


def test_no_part_of_zero() -> None:
    """Flow 10 (annex 7, TG-37/TG-34): an amount per rate received; a rate whose share rounds to 0.00 received
    nothing and is not written."""
    breakdown = [{"category": "S", "rate": "20.00", "base": "1000.00", "tax": "200.00"},
                 {"category": "S", "rate": "5.50", "base": "0.01", "tax": "0.00"}]
    assert reportable_parts(D("10.00"), breakdown) == [RatePart("20.00", D("10.00"))]
    assert no_zero_parts([("20.00", D("5.00")), ("5.50", D("0.00"))]) == (("20.00", D("5.00")),)

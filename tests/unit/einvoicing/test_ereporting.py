"""Payment e-reporting (flow 10.2 / 10.4): periods, the arrangement of receipts, and the XML against the flow 10
XSD and business rules shipped by pyfrctc."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from einvoicing.ereporting import (
    DayTotal,
    EreportingError,
    InvoicePayment,
    PaymentReport,
    Receipt,
    arrange,
    check,
    period_bounds,
    report_xml,
)

D = Decimal


def test_periods() -> None:
    assert period_bounds("2026-11") == (date(2026, 11, 1), date(2026, 11, 30))
    assert period_bounds("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert period_bounds("2026-11", "bimonthly") == (date(2026, 11, 1), date(2026, 12, 31))
    for bad, length in (("2026-10", "quarterly"), ("2026-11", "quarterly"), ("2026-12", "bimonthly"), ("2026/11", "monthly"),
                        ("2026-13", "monthly"), ("2026-11", "weekly")):
        with pytest.raises(EreportingError):
            period_bounds(bad, length)


def test_receipts_arranged_per_invoice_and_per_day() -> None:
    receipts = [
        Receipt(date(2026, 11, 3), (("20.00", D("120.00")),), "FA-1", date(2026, 10, 1)),
        Receipt(date(2026, 11, 3), (("20.00", D("30.00")), ("5.50", D("10.55"))), "FA-2", date(2026, 10, 2)),
        Receipt(date(2026, 11, 3), (("20.00", D("50.00")),)),  # unmatched
        Receipt(date(2026, 11, 5), (("20.00", D("60.00")), ("5.50", D("10.55"))), "EX-1", date(2026, 9, 1),
                international=True),
        Receipt(date(2026, 11, 5), (("20.00", D("40.00")),), "EX-1", date(2026, 9, 1), international=True),
    ]
    invoices, days = arrange(receipts)
    assert invoices == (InvoicePayment("EX-1", date(2026, 9, 1), date(2026, 11, 5),
                                       (("20.00", D("100.00")), ("5.50", D("10.55")))),)
    assert days == (DayTotal(date(2026, 11, 3), (("20.00", D("200.00")), ("5.50", D("10.55"))), ("FA-1", "FA-2"),
                             D("50.00")),)


def report(**kw: object) -> PaymentReport:
    invoices, days = arrange([
        Receipt(date(2026, 11, 3), (("20.00", D("150.00")), ("5.50", D("10.55"))), "FA-1", date(2026, 10, 1)),
        Receipt(date(2026, 11, 4), (("20.00", D("60.00")), ("10.00", D("0.05"))), "EX-1", date(2026, 9, 1),
                international=True),
    ])
    values: dict[str, object] = {"report_id": "732829320-PAY-202611-1", "type_code": "IN",
                                     "written_at": datetime(2026, 12, 1, 9, 0), "start": date(2026, 11, 1),
                                     "end": date(2026, 11, 30), "declarant_siren": "732829320",
                                     "declarant_name": "Atelier Lumière SARL", "platform_id": "0042",
                                     "invoices": invoices, "days": days}
    values.update(kw)
    return PaymentReport(**values)  # type: ignore[arg-type]


def test_the_xml_passes_the_flow_10_schema_and_rules() -> None:
    xml = report_xml(report())
    result = check(xml)
    assert result.ok, result
    text = xml.decode()
    assert "<TypeCode>IN</TypeCode>" in text and '<Id schemeId="0238">0042</Id>' in text
    assert "<InvoiceID>EX-1</InvoiceID>" in text and "<TaxPercent>5.5</TaxPercent>" in text
    assert "<Amount>150.00</Amount>" in text and "<Date>20261103</Date>" in text
    assert report().totals() == {"20.00": D("210.00"), "10.00": D("0.05"), "5.50": D("10.55")}


def test_the_rules_catch_what_is_wrong() -> None:
    xml = report_xml(report(type_code="XX", platform_id="42"))
    result = check(xml)
    assert not result.ok
    assert any("G8.01" in r for r in result.rules) and any("G6.22" in r for r in result.rules)


def test_negative_amounts_are_refused() -> None:
    bad = report(days=(DayTotal(date(2026, 11, 3), (("20.00", D("-1.00")),)),))
    with pytest.raises(EreportingError):
        report_xml(bad)

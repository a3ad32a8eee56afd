"""The plan's limitation warnings count from the supply (issue 19 item 3): the delivery or the completion of the
service (BT-72), else the end of the invoicing period (BT-74), else the issue date; never the due date
(C. civ. 2224; Cass. com. 26-02-2020 n°18-25.036; Cass. 1re civ. 19-05-2021 n°20-12.520; Cass. 3e civ.
01-03-2023 n°21-23.176). The import reads the two dates and warns of a delivery after the issue."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

import pytest

from reminders.model import DueInvoice
from worker.dunning.limitation_warnings import limitation_warnings
from worker.invoices.invoice_files import validate_record
from worker.workflows.invoice_import import late_delivery_warning

UNPAID = DueInvoice(id=1, number="FA-2021-0001", customer_id=7, customer_ref="C7", amount=Decimal("600.00"),
                    open_amount=Decimal("600.00"), currency="EUR", issued_on=date(2021, 3, 1),
                    due_on=date(2021, 4, 30))
NO_REPO: Any = cast(Any, None)  # an invoice without payments reads nothing from the database


def warnings(due: DueInvoice, as_of: date, consumers: frozenset[int] = frozenset(),
             publics: frozenset[int] = frozenset()) -> dict[str, str]:
    return limitation_warnings(NO_REPO, [due], set(consumers), as_of, set(publics))


def first_warned(due: DueInvoice, since: date, **kinds: Any) -> date:
    """The first day from ``since`` on which the plan warns of ``due``'s limitation."""
    day = since
    while not warnings(due, day, **kinds):
        day += timedelta(days=1)
        assert day < since + timedelta(days=800), "never warned"
    return day


def test_a_delivery_45_days_before_the_issue_warns_45_days_earlier() -> None:
    """C. com. L110-4 (5 years between traders) from the delivery (C. civ. 2224; Cass. com. 26-02-2020
    n°18-25.036): delivered 45 days before the invoice, the period ends 45 days earlier, and so does the warning
    (90 days before the end)."""
    delivered = replace(UNPAID, delivered_on=UNPAID.issued_on - timedelta(days=45))
    from_issue = first_warned(UNPAID, date(2025, 6, 1))
    from_delivery = first_warned(delivered, date(2025, 6, 1))
    assert from_issue - from_delivery == timedelta(days=45)
    assert from_issue == date(2026, 3, 1) - timedelta(days=90)
    assert warnings(delivered, from_delivery)["FA-2021-0001"] == (
        "limitation period ends in 90 days, on 2026-01-15 (5 years after the delivery date 2021-01-15, Code de "
        "commerce L110-4): act before then (court claim or acknowledgement of the debt)")
    assert warnings(delivered, date(2026, 1, 16))["FA-2021-0001"].startswith("time-barred since 2026-01-15 ")


def test_the_end_of_the_service_period_else_the_issue_date() -> None:
    """The service completed at the end of the invoicing period BG-14 (Cass. 3e civ. 01-03-2023 n°21-23.176):
    the period runs from BT-74 when no delivery date is given; the delivery wins when both are; without either,
    the issue date stands for the delivery (an invoice is issued at it at the latest, C. com. L441-9)."""
    period = replace(UNPAID, service_period_end=date(2021, 2, 28))
    assert "5 years after the end of the service period date 2021-02-28" in warnings(period, date(2026, 2, 1))[
        "FA-2021-0001"]
    both = replace(period, delivered_on=date(2021, 2, 10))
    assert "5 years after the delivery date 2021-02-10" in warnings(both, date(2026, 2, 1))["FA-2021-0001"]
    assert warnings(UNPAID, date(2026, 2, 1))["FA-2021-0001"].startswith(
        "limitation period ends in 28 days, on 2026-03-01 (5 years after the issue date 2021-03-01,")
    assert warnings(UNPAID, date(2025, 11, 30)) == {}  # 91 days left: the 90-day window opens on 1 December


def test_a_consumer_counts_two_years_from_the_delivery() -> None:
    """C. consommation L218-2: two years against a consumer, from the delivery of the goods or the service
    (Cass. 1re civ. 19-05-2021 n°20-12.520)."""
    delivered = replace(UNPAID, issued_on=date(2024, 12, 2), due_on=date(2025, 1, 1), delivered_on=date(2024, 10, 18))
    assert warnings(delivered, date(2026, 10, 19), consumers=frozenset({7}))["FA-2021-0001"] == (
        "time-barred since 2026-10-18 (2 years after the delivery date 2024-10-18, Code de la consommation L218-2) "
        "unless the period was interrupted")
    assert warnings(replace(delivered, delivered_on=None), date(2026, 10, 19), consumers=frozenset({7}))[
        "FA-2021-0001"].startswith("limitation period ends in 44 days, on 2026-12-02 (2 years after the issue date")


def test_a_public_body_counts_from_1_january_after_the_delivery_year() -> None:
    """Loi n° 68-1250, art. 1: four years from 1 January after the year the right was acquired, the service done:
    delivered in December 2021 and invoiced in January 2022, the claim ends on 31 December 2025, a year before
    the issue date would say."""
    delivered = replace(UNPAID, issued_on=date(2022, 1, 10), due_on=date(2022, 2, 9), delivered_on=date(2021, 12, 20))
    warned = warnings(delivered, date(2025, 12, 1), publics=frozenset({7}))["FA-2021-0001"]
    assert warned.startswith("limitation period ends in 30 days, on 2025-12-31 (four years from 1 January after "
                             "the delivery date 2021-12-20, "), warned
    assert warnings(replace(delivered, delivered_on=None), date(2025, 12, 1), publics=frozenset({7})) == {}


def record(**extra: str) -> dict[str, str]:
    return {"number": "FA-2026-0001", "customer_ref": "C1", "amount": "100.00", "issued_on": "2026-03-10",
            "due_on": "2026-04-09", **extra}


def test_the_import_reads_both_dates_and_refuses_one_that_is_not_a_date() -> None:
    row = validate_record(record(delivered_on="2026-03-02", service_period_end="28/02/2026"), 2)
    assert (row.delivered_on, row.service_period_end) == (date(2026, 3, 2), date(2026, 2, 28))
    assert (validate_record(record(), 2).delivered_on, validate_record(record(), 2).service_period_end) == (None, None)
    with pytest.raises(ValueError, match="delivered_on '2026-02-30' is not a date"):
        validate_record(record(delivered_on="2026-02-30"), 2)
    with pytest.raises(ValueError, match="service_period_end 'fin mars' is not a date"):
        validate_record(record(service_period_end="fin mars"), 2)


def test_a_delivery_after_the_issue_is_kept_with_a_warning() -> None:
    """C. com. L441-9 I and CGI 289 I-3: the invoice is issued at the delivery or the service's completion at the
    latest, so a delivery dated after it is most likely an error: said, not refused."""
    assert late_delivery_warning("FA-1", date(2026, 3, 10), date(2026, 3, 10)) is None
    assert late_delivery_warning("FA-1", date(2026, 3, 10), date(2026, 3, 2)) is None
    assert late_delivery_warning("FA-1", date(2026, 3, 10), None) is None
    warned = late_delivery_warning("FA-1", date(2026, 3, 10), date(2026, 3, 12))
    assert warned is not None and warned.startswith("invoice FA-1: delivered_on 2026-03-12 is after issued_on "
                                                    "2026-03-10") and "L441-9" in warned


def test_the_one_reader_of_bt72_and_bt74_reads_cii_and_ubl() -> None:
    """BT-72 (CII ActualDeliverySupplyChainEvent, UBL ActualDeliveryDate) and BG-14 (BT-73/BT-74), read by
    einvoicing.supply, which the duplicata and the e-invoice import share."""
    from einvoicing.builders.cii import build_cii
    from einvoicing.builders.samples import sample_spec
    from einvoicing.builders.ubl import build_ubl
    from einvoicing.reader import read_document
    from einvoicing.supply import SupplyDates, supply_dates
    from worker.documents import einvoice_lines

    assert einvoice_lines.supply_dates is supply_dates
    cii = read_document(build_cii(sample_spec("FA-1", delivered_on=date(2026, 9, 21))), None, check=False)
    ubl = read_document(build_ubl(sample_spec("FA-2", delivered_on=date(2026, 9, 14))), None, check=False)
    assert supply_dates(cii) == SupplyDates(date(2026, 9, 21), None, None)
    assert supply_dates(ubl) == SupplyDates(date(2026, 9, 14), None, None)
    period = ubl.xml.replace(b"<cac:Delivery>", b"<cac:InvoicePeriod><cbc:StartDate>2026-09-01</cbc:StartDate>"
                             b"<cbc:EndDate>2026-09-30</cbc:EndDate></cac:InvoicePeriod><cac:Delivery>")
    assert period != ubl.xml
    assert supply_dates(replace(ubl, xml=period)) == SupplyDates(date(2026, 9, 14), date(2026, 9, 1),
                                                                 date(2026, 9, 30))

"""The reasons of an invoice's discount and retention read in French on the pages (worker/web/labels_reasons.py)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from matching.discount import DISCOUNT_VAT, InvoiceTerms, read_payment
from reminders.law.retention import Retention
from worker.web.labels_reasons import translate_reason

D = Decimal
BOTH = InvoiceTerms(discount=D("24.00"), discount_rate=D("2"), discount_until=date(2026, 3, 11),
                    retention=D("600.00"), retention_release_on=date(2027, 3, 1))
RETENTION = Retention(D("600.00"), date(2027, 3, 1))


def _reasons() -> list[str]:
    within = read_payment(D("10576.00"), D("11200.00"), BOTH, date(2026, 3, 10), D("1.00"))
    late = read_payment(D("10576.00"), D("11200.00"), BOTH, date(2026, 3, 20), D("1.00"))
    kept = read_payment(D("10600.00"), D("11200.00"), BOTH, date(2026, 3, 20))
    assert within is not None and late is not None and kept is not None
    return [within.reason, late.reason, kept.reason, RETENTION.hold_reason("FA-1"),
            RETENTION.released_task("FA-1", D("600.00"), date(2027, 3, 2)) or "",
            f"early-payment discount 24.00 granted on FA-1 (paid 2026-03-10): {DISCOUNT_VAT}"]


@pytest.mark.parametrize("index", range(6))
def test_each_reason_has_its_french(index: int) -> None:
    """The law's words stay (loi n° 71-584, C. com. L441-9 I, CGI art. 267 II-1° and 272-1); nothing else is left
    in English, and dates and amounts are written the French way."""
    french = translate_reason(_reasons()[index], "fr")
    for english in (" paid ", " the ", " discount ", "retention ", " released ", "-03-"):
        assert english not in french, french
    assert "€" in french

"""einvoicing.payment_terms: the due date an e-invoice's terms (BT-20) give when it has no due date (BT-9)."""
from __future__ import annotations

from datetime import date

import pytest

from einvoicing.payment_terms import due_date

ISSUED = date(2026, 10, 10)


@pytest.mark.parametrize("terms, due", [
    ("30 jours", date(2026, 11, 9)),
    ("Paiement à 30 jours date de facture", date(2026, 11, 9)),
    ("60 jours net", date(2026, 12, 9)),
    ("45 jours fin de mois", date(2026, 11, 30)),  # 10-10 + 45 days = 11-24, then the end of that month
    ("Paiement a 30 jours fin de mois", date(2026, 11, 30)),
    ("fin de mois", date(2026, 10, 31)),
    ("Fin de mois + 15 jours", date(2026, 11, 15)),
    ("Paiement comptant", ISSUED),
    ("À réception de facture", ISSUED),
    ("Net 30", date(2026, 11, 9)),
    ("30 jours. Pénalités de retard : 3 fois le taux d'intérêt légal ; indemnité forfaitaire 40 EUR", date(2026, 11, 9)),
])
def test_terms_read(terms: str, due: date) -> None:
    """EN 16931 BR-CO-25 (a due date or payment terms) and C. com. L441-10 I ("45 jours fin de mois", read by
    the DGCCRF as 45 days then the end of that month; "N jours" from the invoice's date)."""
    assert due_date(terms, ISSUED) == due


@pytest.mark.parametrize("terms", [None, "", "selon nos CGV", "30 jours ou 60 jours", "paiement par virement"])
def test_unclear_terms_give_no_date(terms: str | None) -> None:
    """C. com. L441-10 I: penalties run from the agreed due date; a term that cannot be read is not guessed."""
    assert due_date(terms, ISSUED) is None

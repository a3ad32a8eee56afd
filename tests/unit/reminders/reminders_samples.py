"""Sample data shared by the reminders tests (a uniquely named module, safe to import by name)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from reminders.context import Company, Customer, InvoiceLine, ReminderContext

AS_OF = date(2026, 11, 25)


def make_context(
    *,
    customer_name: str = "Boulangerie Martin",
    is_business: bool = True,
    invoices: tuple[InvoiceLine, ...] | None = None,
    as_of: date = AS_OF,
) -> ReminderContext:
    return ReminderContext(
        company=Company(
            "Atelier Dupont & Fils",
            ("12 rue des Lilas", "75011 Paris"),
            email="compta@dupont.example",
            phone="01 23 45 67 89",
            iban="FR76 3000 6000 0112 3456 7890 189",
            bic="AGRIFRPP",
        ),
        customer=Customer(
            "C001",
            customer_name,
            ("3 place du Marché", "69002 Lyon"),
            emails=("élodie.martin@boulangerie.example",),
            phone="+33 4 78 00 00 00",
            is_business=is_business,
        ),
        invoices=invoices
        or (
            InvoiceLine("FA-2026-0012", date(2026, 10, 10), date(2026, 11, 9), Decimal("1500.00"),
                        Decimal("1234.50")),
            InvoiceLine("FA-2026-0013", date(2026, 10, 12), date(2026, 11, 11), Decimal("99.90"),
                        Decimal("99.90")),
        ),
        as_of=as_of,
    )


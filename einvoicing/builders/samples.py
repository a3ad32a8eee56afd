"""Sample parties and invoices, valid against the official rules, for the tests and the demo."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from einvoicing.builders import InvoiceSpec, LineSpec, PartySpec

SELLER = PartySpec("Atelier Lumiere SARL", "100000009", vat_id="FR88100000009", street="35 rue de la Verrerie",
                   postcode="75004", city="Paris")
SELLER_IBAN = "FR7630006000011234567890189"
BUYER = PartySpec("Brasserie du Port SAS", "552100554", vat_id="FR61552100554", identifier="C-PORT",
                  email="compta@brasserie-du-port.example.fr", street="4 quai Rambaud", postcode="69002",
                  city="Lyon")


def rf_reference(body: str) -> str:
    """An ISO 11649 creditor reference (``RF`` + check digits + ``body``), as payment reference BT-83."""
    body = "".join(c for c in body.upper() if c.isalnum())
    check = 98 - int("".join(str(int(c, 36)) for c in body + "RF00")) % 97
    return f"RF{check:02d}{body}"


def sample_spec(number: str = "FA-2026-0101", **changes: Any) -> InvoiceSpec:
    """A services invoice of two lines at 20 % and 5.5 %, VAT on receipt, payable by transfer with the RF
    reference of its number; ``changes`` replace any field of the spec."""
    spec = InvoiceSpec(
        number=number, issued_on=date(2026, 10, 1), due_on=date(2026, 10, 31), seller=SELLER, buyer=BUYER,
        lines=(LineSpec("Etude d'eclairage", Decimal(3), Decimal("450.00")),
               LineSpec("Guide de maintenance", Decimal(2), Decimal("18.40"), rate=Decimal("5.50"))),
        framework="S1", vat_point="receipt", payment_terms="Paiement a 30 jours fin de mois",
        payment_reference=rf_reference(number), payee_iban=SELLER_IBAN,
    )
    return replace(spec, **changes)

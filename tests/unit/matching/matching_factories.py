"""Small builders for matcher test data: sensible defaults, override what the test is about.

Named matching_factories (not factories) because pytest puts every test folder on sys.path:
a second factories.py in another package's tests would shadow this one.
"""
from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from matching.model import BankLine, Customer, OpenInvoice

_ids = itertools.count(1000)

# Valid IBANs (published examples; schwifty accepts them).
IBAN_FR = "FR7630006000011234567890189"
IBAN_DE = "DE89370400440532013000"
IBAN_GB = "GB82WEST12345698765432"
IBAN_BE = "BE68539007547034"
IBAN_NL = "NL91ABNA0417164300"
VALID_IBANS = (IBAN_FR, IBAN_DE, IBAN_GB, IBAN_BE, IBAN_NL)

# RF creditor references with correct check digits (ISO 11649 examples and computed ones).
RF_GOOD = "RF18539007547034"


def rf_for(body: str) -> str:
    """A valid ISO 11649 reference for ``body`` (computes the two check digits)."""
    digits = "".join(str(int(c, 36)) for c in body + "RF00")
    return f"RF{98 - int(digits) % 97:02d}{body}"


def dec(value: str | int) -> Decimal:
    return Decimal(str(value))


def customer(id: int | None = None, name: str = "Dupont SARL", *, ref: str | None = None,
             ibans: tuple[str, ...] = (), aliases: tuple[str, ...] = ()) -> Customer:
    cid = next(_ids) if id is None else id
    return Customer(id=cid, ref=ref or f"C{cid:03d}", name=name, ibans=frozenset(ibans), aliases=aliases)


def invoice(number: str = "FA-2026-00123", *, customer_id: int = 1, amount: str | Decimal = "1200.00",
            open_amount: str | Decimal | None = None, currency: str = "EUR", id: int | None = None,
            due_on: date = date(2026, 3, 31), payment_reference: str | None = None) -> OpenInvoice:
    total = dec(amount) if not isinstance(amount, Decimal) else amount
    still = total if open_amount is None else (dec(open_amount) if isinstance(open_amount, str) else open_amount)
    return OpenInvoice(id=next(_ids) if id is None else id, number=number, customer_id=customer_id,
                       amount=total, open_amount=still, currency=currency,
                       issued_on=due_on - timedelta(days=30), due_on=due_on,
                       payment_reference=payment_reference)


def line(amount: str | Decimal = "1200.00", text: str = "", *, id: int | None = None, currency: str = "EUR",
         counterparty: str | None = None, iban: str | None = None, reference: str | None = None,
         booked_on: date = date(2026, 4, 2)) -> BankLine:
    value = dec(amount) if not isinstance(amount, Decimal) else amount
    return BankLine(id=next(_ids) if id is None else id, booked_on=booked_on, amount=value, currency=currency,
                    counterparty=counterparty, counterparty_iban=iban, text=text, reference=reference)


def iban_de(account: int, blz: str = "37040044") -> str:
    """A valid German IBAN for ``account`` (check digits computed), to make many distinct payers."""
    bban = f"{blz}{account:010d}"
    digits = "".join(str(int(c, 36)) for c in bban + "DE00")
    return f"DE{98 - int(digits) % 97:02d}{bban}"

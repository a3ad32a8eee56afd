"""What a reminder says: the company, the customer, the invoices; French formatting of amounts and dates."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"  # no-break space: thousands separator and before the currency sign (Latin-1, PDF-safe)
CURRENCY_SIGNS = {"EUR": "€", "USD": "$", "GBP": "£"}
RECOVERY_INDEMNITY = Decimal("40.00")  # per invoice, art. L441-10 / D441-5 du code de commerce
DEFAULT_PENALTY_TERMS = (
    "au taux prévu par nos conditions générales de vente, qui ne peut être inférieur "
    "à trois fois le taux d'intérêt légal"
)


def format_amount(amount: Decimal, currency: str = "EUR") -> str:
    """French style: ``1 234,50 €`` (no-break spaces), two decimals, half-up rounding."""
    quantized = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if quantized < 0 else ""
    units, cents = f"{abs(quantized):.2f}".split(".")
    groups: list[str] = []
    while len(units) > 3:
        groups.insert(0, units[-3:])
        units = units[:-3]
    groups.insert(0, units)
    return f"{sign}{NBSP.join(groups)},{cents}{NBSP}{CURRENCY_SIGNS.get(currency, currency)}"


def format_date(value: date) -> str:
    """French style: ``25/11/2026``."""
    return value.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class Company:
    """The creditor: who sends the reminder and where to pay."""

    name: str
    address_lines: tuple[str, ...] = ()
    email: str = ""
    phone: str = ""
    iban: str = ""
    bic: str = ""
    legal_id: str = ""  # SIREN/SIRET, shown on letters
    late_penalty_terms: str = DEFAULT_PENALTY_TERMS


@dataclass(frozen=True)
class Customer:
    """The debtor. ``is_business``: a professional, to whom the 40 € recovery indemnity applies."""

    ref: str
    name: str
    address_lines: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phone: str = ""
    is_business: bool = True
    contact_name: str = ""


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice as the reminder shows it."""

    number: str
    issued_on: date
    due_on: date
    amount: Decimal
    open_amount: Decimal


@dataclass(frozen=True)
class ReminderContext:
    """Everything a template may use; derived values are properties so templates stay simple."""

    company: Company
    customer: Customer
    invoices: tuple[InvoiceLine, ...]
    as_of: date
    currency: str = "EUR"
    payment_reference: str = ""  # defaults to the invoice numbers
    notice_days: int = 8  # deadline of a formal notice
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        """Sum of the open amounts."""
        return sum((inv.open_amount for inv in self.invoices), Decimal("0.00"))

    @property
    def reference(self) -> str:
        """What the customer should write on the transfer."""
        return self.payment_reference or " ".join(inv.number for inv in self.invoices)

    @property
    def invoice_numbers(self) -> tuple[str, ...]:
        """The numbers, in the context's order."""
        return tuple(inv.number for inv in self.invoices)

    @property
    def deadline(self) -> date:
        """``as_of`` plus ``notice_days``: the date a formal notice asks payment by."""
        return self.as_of + timedelta(days=self.notice_days)

    @property
    def max_days_overdue(self) -> int:
        """Days since the oldest due date (negative when nothing is due yet)."""
        return max((self.days_overdue(inv) for inv in self.invoices), default=0)

    @property
    def recovery_indemnity(self) -> Decimal:
        """40 € per invoice for business customers, nothing otherwise."""
        if not self.customer.is_business:
            return Decimal("0.00")
        return RECOVERY_INDEMNITY * len(self.invoices)

    def days_overdue(self, invoice: InvoiceLine) -> int:
        """``as_of - due_on`` in days (negative: due in that many days)."""
        return (self.as_of - invoice.due_on).days

"""What a reminder says: the company, the customer, the invoices, penalties; French and English formatting."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from reminders.model import UnallocatedPayment

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


def format_amount_en(amount: Decimal, currency: str = "EUR") -> str:
    """English style: ``€1,234.50`` (sign first, comma thousands), two decimals, half-up rounding."""
    quantized = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if quantized < 0 else ""
    return f"{sign}{CURRENCY_SIGNS.get(currency, currency + ' ')}{abs(quantized):,.2f}"


_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")


def format_date_en(value: date) -> str:
    """English style: ``25 November 2026``."""
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, the month's last day when it has no such day (31 Jan + 1: 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


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
    # the sender's mentions (C. com. R123-237, R123-238; CGI art. 242 nonies A): the [company] section
    legal_form: str = ""
    capital: str = ""  # "10000.00"
    siren: str = ""
    rcs_city: str = ""
    vat_number: str = ""
    signatory_name: str = ""
    signatory_title: str = ""
    logo: str = ""  # a data: URI of the company's logo, printed on its letters

    @property
    def mentions(self) -> str:
        """The registration mentions in one line, in French: « SAS au capital de 10 000,00 € — RCS Lyon
        732 829 320 — TVA FR44732829320 » (C. com. R123-237: legal form and capital, RCS city and SIREN)."""
        form = self.legal_form
        if self.capital:
            form = f"{form} au capital de {format_amount(Decimal(self.capital))}".strip()
        siren = " ".join((self.siren[:3], self.siren[3:6], self.siren[6:])) if len(self.siren) == 9 else self.siren
        rcs = f"RCS {self.rcs_city} {siren}".strip() if self.rcs_city else (f"SIREN {siren}" if siren else "")
        vat = f"TVA {self.vat_number}" if self.vat_number else ""
        return " — ".join(part for part in (form, rcs, vat) if part)

    @property
    def signatory(self) -> str:
        """Who signs, with the title: « Marie Martin, gérante »."""
        return ", ".join(part for part in (self.signatory_name, self.signatory_title) if part)


@dataclass(frozen=True)
class Customer:
    """The debtor. ``is_business``: a professional, to whom the 40 € recovery indemnity applies; ``is_public``: a
    public body (B2G, also ``is_business``: not a consumer), owing intérêts moratoires and the 40 € indemnity of the
    Code de la commande publique (L2192-13) instead of the Code de commerce's penalties."""

    ref: str
    name: str
    address_lines: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phone: str = ""
    is_business: bool = True
    contact_name: str = ""
    is_public: bool = False


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice as the reminder shows it."""

    number: str
    issued_on: date
    due_on: date
    amount: Decimal
    open_amount: Decimal


@dataclass(frozen=True)
class PenaltyLine:
    """Late-payment penalties owed on one invoice on the reminder's date (from reminders.law)."""

    number: str
    amount: Decimal
    days: int
    basis: str  # e.g. "taux BCE 2,15 % + 10 points" (the rate table and article applied)


@dataclass(frozen=True)
class HistoryLine:
    """One earlier exchange with the customer, for the legal file and the call script."""

    day: date
    level: str
    channel: str
    outcome: str
    proof: str = ""  # Message-ID, file written


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
    language: str = "fr"  # fr | en: which templates and formats
    penalties: tuple[PenaltyLine, ...] = ()  # B2B late-payment penalties (L441-10), none for consumers
    indemnity: Decimal | None = None  # recovery indemnity (D441-5) as computed by reminders.law
    instalments: int = 3  # payment plan offer: monthly instalments
    history: tuple[HistoryLine, ...] = ()
    # the customer's money received and not yet allocated (listed: which invoices does it pay?), and the part of
    # it deducted from what this message asks (reminders.netting: imputed to its invoices)
    unallocated: tuple[UnallocatedPayment, ...] = ()
    netted: Decimal = Decimal("0.00")
    # the late-payment rate applied, in words (reminders.law.wording): "taux BCE 2,15 % + 10 points = 12,15 %", and
    # with its preposition ("au taux BCE …") to follow "pénalités de retard"; empty when no penalty is computed
    penalty_rate: str = ""
    penalty_rate_terms: str = ""
    claims_penalties: bool = True  # False: a level whose templates show no penalties (no claim table on its letter)

    @property
    def penalties_total(self) -> Decimal:
        """Sum of the late-payment penalties."""
        return sum((p.amount for p in self.penalties), Decimal("0.00"))

    @property
    def claim_total(self) -> Decimal:
        """What is claimed: the open amounts, the penalties and the recovery indemnity."""
        return self.total + self.penalties_total + self.recovery_indemnity

    @property
    def instalment_schedule(self) -> tuple[tuple[date, Decimal], ...]:
        """The payment plan offer: ``instalments`` monthly payments of the open total, from the deadline;
        equal amounts in cents, the last one taking the remainder so that they add up exactly."""
        n = max(self.instalments, 1)
        share = (self.total / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        amounts = [share] * (n - 1) + [self.total - share * (n - 1)]
        return tuple((add_months(self.deadline, i), amount) for i, amount in enumerate(amounts))

    @property
    def open_total(self) -> Decimal:
        """Sum of the invoices' open amounts."""
        return sum((inv.open_amount for inv in self.invoices), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        """What is asked: the open amounts less the money received not yet allocated netted here, never below 0."""
        return max(self.open_total - self.netted, Decimal("0.00"))

    @property
    def unallocated_total(self) -> Decimal:
        """The customer's money received and not yet allocated, in the reminder's currency."""
        return sum((p.amount for p in self.unallocated if p.currency == self.currency), Decimal("0.00"))

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
        """``indemnity`` when computed by reminders.law; else 40 € per invoice for business customers
        (D441-5 code de commerce), nothing for consumers."""
        if not self.customer.is_business:
            return Decimal("0.00")
        if self.indemnity is not None:
            return self.indemnity
        return RECOVERY_INDEMNITY * len(self.invoices)

    def days_overdue(self, invoice: InvoiceLine) -> int:
        """``as_of - due_on`` in days (negative: due in that many days)."""
        return (self.as_of - invoice.due_on).days

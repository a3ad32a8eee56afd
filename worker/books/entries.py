"""Entries from decisions (pure: frozen facts in, entries out; no database, clock or network).

Every decision lettrage keeps becomes a balanced entry with a stable number derived from the decision's id:

- ``F<invoice id>``, sales journal: an invoice (debit the customer's 411, credit sales) or a credit note
  (the reverse), when ``[books] sales_entries`` is on;
- ``R<allocation id>``, bank journal: a live allocation of a bank line to an invoice (debit 512, credit the
  customer's 411 with the invoice number as the line's piece, its write-off on its account);
- ``C<credit id>``, bank journal: money kept on account (411 or 4191), to refund (467), or not a customer's;
- ``S<line id>``, bank journal: a receipt nobody has identified yet, on the suspense account 471. Once exported
  it stays: a later allocation of that line debits 471 instead of 512 (miscellaneous journal), which clears it.

A credit note's allocation makes no entry (both sales entries are on 411 already): the credit note's 411 line
takes the invoice's letter code (``ledger.letter``).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from worker.books_chart import BooksChart

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

ACCOUNT_LABELS = (  # the longest prefix wins
    ("4191", "Clients - avances et acomptes reçus"), ("411", "Clients"), ("41", "Clients et comptes rattachés"),
    ("467", "Autres comptes débiteurs ou créditeurs"), ("471", "Compte d'attente"), ("47", "Compte d'attente"),
    ("512", "Banque"), ("51", "Banques"), ("627", "Services bancaires et assimilés"),
    ("658", "Charges diverses de gestion courante"), ("665", "Escomptes accordés"),
    ("706", "Prestations de services"), ("70", "Ventes"), ("758", "Produits divers de gestion courante"),
)


def account_label(account: str) -> str:
    for prefix, label in ACCOUNT_LABELS:
        if account.startswith(prefix):
            return label
    return "Compte " + account


@dataclass(frozen=True)
class InvoiceFact:
    id: int
    number: str
    kind: str  # invoice | credit_note
    amount: Decimal  # a credit note's is negative
    issued_on: date
    customer_ref: str
    customer_name: str
    currency: str = "EUR"
    cancelled: bool = False


@dataclass(frozen=True)
class LineFact:
    """A bank statement line (a receipt when its amount is positive)."""

    id: int
    bank_ref: str
    booked_on: date
    amount: Decimal
    bank_account: str  # the identifier of the company's bank account
    counterparty: str = ""
    currency: str = "EUR"


@dataclass(frozen=True)
class AllocationFact:
    id: int
    line_id: int
    invoice_id: int
    amount: Decimal
    write_off: Decimal = ZERO
    write_off_kind: str | None = None
    undone_on: date | None = None


@dataclass(frozen=True)
class CreditFact:
    """A person's decision on a payment that settles no invoice (``CustomerCredit``)."""

    id: int
    line_id: int
    kind: str  # on_account | refund_due | not_customer
    amount: Decimal
    customer_ref: str | None = None
    customer_name: str = ""
    note: str = ""


@dataclass(frozen=True)
class CreditNoteFact:
    """Part of a credit note allocated to an invoice (``CreditNoteAllocation``), live from ``decided_on``."""

    credit_note_id: int
    invoice_id: int
    amount: Decimal
    decided_on: date
    undone_on: date | None = None


@dataclass(frozen=True)
class Facts:
    """What the entries are made from: the company's decisions, as the database holds them now."""

    invoices: Mapping[int, InvoiceFact]
    lines: Mapping[int, LineFact]
    allocations: tuple[AllocationFact, ...] = ()
    credits: tuple[CreditFact, ...] = ()
    credit_notes: tuple[CreditNoteFact, ...] = ()
    unidentified: tuple[int, ...] = ()  # receipts (line ids) neither allocated nor decided


@dataclass(frozen=True)
class EntryLine:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    aux: str = ""  # the customer's auxiliary code (CompAuxNum)
    aux_label: str = ""
    invoice_id: int | None = None  # the invoice this 411 line letters with (not printed)
    piece_ref: str = ""  # the line's own piece, when not the entry's (the invoice number on 411)

    def reversed(self) -> EntryLine:
        return EntryLine(self.account, self.credit, self.debit, self.aux, self.aux_label, self.invoice_id,
                         self.piece_ref)

    def as_json(self) -> dict[str, object]:
        return {"account": self.account, "debit": str(self.debit), "credit": str(self.credit), "aux": self.aux,
                "aux_label": self.aux_label, "invoice_id": self.invoice_id, "piece_ref": self.piece_ref}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> EntryLine:
        invoice_id = data.get("invoice_id")
        return cls(str(data["account"]), Decimal(str(data["debit"])), Decimal(str(data["credit"])),
                   str(data.get("aux", "")), str(data.get("aux_label", "")),
                   int(str(invoice_id)) if invoice_id is not None else None, str(data.get("piece_ref", "")))


@dataclass(frozen=True)
class Entry:
    """One balanced entry (EcritureNum): what the export writes, with its letter codes added when written."""

    number: str
    journal: str
    on: date  # EcritureDate
    piece_ref: str
    piece_date: date
    label: str
    lines: tuple[EntryLine, ...] = field(default=())
    currency: str = "EUR"

    @property
    def debit(self) -> Decimal:
        return sum((x.debit for x in self.lines), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((x.credit for x in self.lines), ZERO)

    def content(self) -> dict[str, object]:
        """What the entry says, date and number aside: two versions of an entry compare by this."""
        return {"journal": self.journal, "piece_ref": self.piece_ref, "piece_date": self.piece_date.isoformat(),
                "label": self.label, "currency": self.currency, "lines": [x.as_json() for x in self.lines]}

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "on": self.on.isoformat(), **self.content()}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Entry:
        lines = data["lines"]
        assert isinstance(lines, list)
        return cls(str(data["number"]), str(data["journal"]), date.fromisoformat(str(data["on"])),
                   str(data["piece_ref"]), date.fromisoformat(str(data["piece_date"])), str(data["label"]),
                   tuple(EntryLine.from_json(x) for x in lines), str(data.get("currency", "EUR")))


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def _customer_line(chart: BooksChart, inv: InvoiceFact, debit: Decimal, credit: Decimal) -> EntryLine:
    account, aux = chart.customer(inv.customer_ref)
    return EntryLine(account, _money(debit), _money(credit), aux, inv.customer_name if aux else "", inv.id,
                     inv.number)


def sales_entry(chart: BooksChart, inv: InvoiceFact) -> Entry:
    """The invoice's sales entry (amount including tax: lettrage does not know the VAT split)."""
    amount = abs(inv.amount)
    what = "Facture" if inv.kind == "invoice" else "Avoir"
    if inv.amount >= 0:
        lines = (_customer_line(chart, inv, amount, ZERO), EntryLine(chart.sales_account, debit=ZERO,
                                                                      credit=_money(amount)))
    else:
        lines = (EntryLine(chart.sales_account, debit=_money(amount)), _customer_line(chart, inv, ZERO, amount))
    return Entry(f"F{inv.id:07d}", chart.sales_journal, inv.issued_on, inv.number, inv.issued_on,
                 f"{what} {inv.number} {inv.customer_name}"[:100], lines, inv.currency)


def _receiving(chart: BooksChart, line: LineFact, cleared: bool) -> tuple[str, str]:
    """The journal and the account the money comes into: the bank, or the suspense account it waited on."""
    if cleared:
        return chart.misc_journal, chart.suspense_account
    bank = chart.bank(line.bank_account)
    return bank.journal, bank.account


def allocation_entry(chart: BooksChart, a: AllocationFact, line: LineFact, inv: InvoiceFact,
                     cleared: bool = False) -> Entry:
    journal, account = _receiving(chart, line, cleared)
    lines = [EntryLine(account, debit=_money(a.amount))]
    if a.write_off > 0:
        lines.append(EntryLine(chart.write_off_account(a.write_off_kind), debit=_money(a.write_off)))
    elif a.write_off < 0:
        lines.append(EntryLine(chart.write_off_account(a.write_off_kind, False), credit=_money(-a.write_off)))
    lines.append(_customer_line(chart, inv, ZERO, a.amount + a.write_off))
    return Entry(f"R{a.id:07d}", journal, line.booked_on, line.bank_ref[:60], line.booked_on,
                 f"Règlement {inv.number} {inv.customer_name}"[:100], tuple(lines), line.currency)


def credit_entry(chart: BooksChart, c: CreditFact, line: LineFact, cleared: bool = False) -> Entry | None:
    journal, account = _receiving(chart, line, cleared)
    amount = _money(c.amount)
    if c.kind == "not_customer":
        credit = EntryLine(chart.not_customer_account, credit=amount)
        label = f"Hors clients {c.note or line.counterparty}"
    elif c.kind == "refund_due":
        credit = EntryLine(chart.refund_due_account, credit=amount, aux=c.customer_ref or "",
                           aux_label=c.customer_name if c.customer_ref else "")
        label = f"À rembourser {c.customer_name}"
    else:  # on_account: stays on the customer's account (or 4191, advances)
        customer, aux = chart.customer(c.customer_ref or "")
        target = chart.on_account_account or customer
        credit = EntryLine(target, credit=amount, aux=aux, aux_label=c.customer_name if aux else "")
        label = f"Acompte {c.customer_name}"
    if credit.account == account and not credit.aux:
        return None  # from the suspense account to itself: nothing moves
    return Entry(f"C{c.id:07d}", journal, line.booked_on, line.bank_ref[:60], line.booked_on, label.strip()[:100],
                 (EntryLine(account, debit=amount), credit), line.currency)


def suspense_entry(chart: BooksChart, line: LineFact) -> Entry:
    bank = chart.bank(line.bank_account)
    amount = _money(line.amount)
    return Entry(f"S{line.id:07d}", bank.journal, line.booked_on, line.bank_ref[:60], line.booked_on,
                 f"À identifier {line.counterparty}".strip()[:100],
                 (EntryLine(bank.account, debit=amount), EntryLine(chart.suspense_account, credit=amount)),
                 line.currency)


def derive_entries(facts: Facts, chart: BooksChart, parked: Iterable[int] = ()) -> tuple[dict[str, Entry],
                                                                                         dict[str, date]]:
    """Every entry the decisions make now, by number, and the day each undone or cancelled decision stopped.

    ``parked``: the lines whose suspense entry was exported: it stays, and what identifies them later clears it.
    """
    parked_lines = set(parked)
    entries: dict[str, Entry] = {}
    stopped: dict[str, date] = {}
    if chart.sales_entries:
        for inv in facts.invoices.values():
            if not inv.cancelled:
                entry = sales_entry(chart, inv)
                entries[entry.number] = entry
    for a in facts.allocations:
        if a.undone_on is not None:
            stopped[f"R{a.id:07d}"] = a.undone_on
            continue
        entry = allocation_entry(chart, a, facts.lines[a.line_id], facts.invoices[a.invoice_id],
                                 a.line_id in parked_lines)
        entries[entry.number] = entry
    for c in facts.credits:
        made = credit_entry(chart, c, facts.lines[c.line_id], c.line_id in parked_lines)
        if made is not None:
            entries[made.number] = made
    for line_id in sorted(parked_lines | set(facts.unidentified)):
        entry = suspense_entry(chart, facts.lines[line_id])
        entries[entry.number] = entry
    return entries, stopped

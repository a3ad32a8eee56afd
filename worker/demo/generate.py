"""Demo data for lettrage: the invoices of "Atelier Lumière SARL" and three bank statements.

``generate_demo(dest, today)`` writes

* ``factures.csv``: ~300 invoices issued in the 150 days before ``today``;
* ``releve-YYYY-MM.ofx``, ``camt053-YYYY-MM.xml``, ``export-banque.csv``: the
  company's account over the 90 days before ``today``, in three consecutive,
  non-overlapping periods (oldest in the OFX, newest in the CSV);

and returns, with the paths, the *truth*: what each payment really settles.
Same ``seed`` and ``today`` give byte-identical files; nothing reads the clock
or the environment.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from worker.demo.customers import COMPANY_IBAN, COMPANY_NAME, make_customers
from worker.demo.invoices import DemoInvoice, make_invoices, write_invoices
from worker.demo.payments import Movement, make_debits, periods
from worker.demo.plan import plan_payments
from worker.demo.statements import booked_total, write_camt, write_csv, write_ofx

OPENING_BALANCE = Decimal("48215.37")

#: What each key of the truth means; kept in the truth itself for whoever reads it.
DEFINITIONS = {
    "paid": "paid in full by exactly one payment that cites this invoice alone (number in any form, or its RF ref)",
    "grouped": "lists of invoices of one customer paid by one transfer citing all their numbers",
    "batch": "invoices paid by the CAMT batch entry (one TxDtls each, with its own amount and reference)",
    "instalments": "invoice -> amount still open after a partial payment citing it",
    "fee_short": "invoice -> bank fee missing from a payment citing it (the invoice counts as settled)",
    "overpaid": "invoice -> excess received over its amount",
    "third_party": "invoices paid by a holding company citing the number",
    "typo": "invoice -> the mistyped number the payer wrote (no such invoice exists)",
    "ambiguous": "paid without any reference while another invoice of the same amount was open too; the invoice "
                 "is the one the payment settles in law (Code civil art. 1342-10: the payer's oldest due invoice "
                 "of that amount that no other payment names)",
    "unreferenced": "paid without any reference; no other open invoice had that amount",
    "pending": "invoice of the PDNG camt entry (to be skipped); it is booked again, for real, in the CSV",
    "unpaid": "no money received at all",
}


@dataclass
class DemoFiles:
    """Where the demo files are, and what should come out of reconciling them."""

    invoices: Path
    statements: list[Path]
    truth: dict[str, Any]


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _classify_no_reference(credits: list[Movement], invoices: list[DemoInvoice]) -> tuple[list[str], list[str]]:
    """Splits the payments without reference into ambiguous (same amount open elsewhere) and not."""
    first_paid: dict[str, date] = {}
    for m in credits:
        if not m.pending:
            for number in m.allocations:
                first_paid[number] = min(first_paid.get(number, m.booked_on), m.booked_on)
    ambiguous: list[str] = []
    unique: list[str] = []
    for m in credits:
        if m.kind != "no_reference":
            continue
        (number,) = m.allocations
        rivals = [
            inv for inv in invoices
            if inv.number != number and inv.amount == m.amount and inv.issued_on <= m.booked_on
            and first_paid.get(inv.number, date.max) >= m.booked_on
        ]
        (ambiguous if rivals else unique).append(number)
    return sorted(ambiguous), sorted(unique)


def generate_demo(dest: Path, today: date, seed: int = 2026) -> DemoFiles:
    """Writes the demo invoices and statements into ``dest`` (created if missing)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    customers = make_customers(rng, today)
    invoices = make_invoices(rng, customers, today)
    credits, cats = plan_payments(rng, invoices, today)

    invoice_path = write_invoices(dest / "factures.csv", invoices)
    spans = periods(today)
    writers = (
        (f"releve-{spans[0][1]:%Y-%m}.ofx", write_ofx),
        (f"camt053-{spans[1][1]:%Y-%m}.xml", write_camt),
        ("export-banque.csv", write_csv),
    )
    balance = OPENING_BALANCE
    statements: list[Path] = []
    payments: list[dict[str, Any]] = []
    files_truth: dict[str, Any] = {}
    for (name, writer), (lo, hi) in zip(writers, spans):
        moves = [m for m in credits if lo <= m.booked_on <= hi] + make_debits(rng, lo, hi)
        moves.sort(key=lambda m: (m.booked_on, m.pending, -m.amount, m.payer, m.text))
        path = dest / name
        ids = writer(path, moves, lo, hi, balance)
        statements.append(path)
        booked = [m for m in moves if not m.pending]
        files_truth[name] = {
            "from": lo.isoformat(), "to": hi.isoformat(),
            "lines": len(moves), "booked": len(booked), "pending": len(moves) - len(booked),
            "credits": sum(1 for m in booked if m.amount > 0), "debits": sum(1 for m in booked if m.amount < 0),
            "opening": _money(balance), "closing": _money(balance + booked_total(moves)),
        }
        balance += booked_total(moves)
        for m, bank_ref in zip(moves, ids):
            if m.amount <= 0 or m.pending:
                continue
            payments.append({
                "file": name, "bank_ref": bank_ref, "booked_on": m.booked_on.isoformat(),
                "amount": _money(m.amount), "kind": m.kind, "payer": m.payer, "text": m.text, "rf": m.rf,
                "allocations": {k: _money(v) for k, v in sorted(m.allocations.items())},
                "parts": [{"amount": _money(p.amount), "text": p.text, "rf": p.rf} for p in m.parts],
            })

    counts: dict[str, int] = {}
    for p in payments:
        for number in p["allocations"]:
            counts[number] = counts.get(number, 0) + 1
    simple = {"reference", "rf"}
    paid = sorted(p_number for p in payments if p["kind"] in simple
                  for p_number in p["allocations"] if counts[p_number] == 1)
    ambiguous, unreferenced = _classify_no_reference(credits, invoices)
    truth: dict[str, Any] = {
        "company": {"name": COMPANY_NAME, "iban": COMPANY_IBAN},
        "today": today.isoformat(),
        "seed": seed,
        "definitions": DEFINITIONS,
        "invoice_count": len(invoices),
        "paid": paid,
        "grouped": cats["grouped"],
        "batch": cats["batch"],
        "instalments": {k: _money(v) for k, v in sorted(cats["instalments"].items())},
        "fee_short": {k: _money(v) for k, v in sorted(cats["fee_short"].items())},
        "overpaid": {k: _money(v) for k, v in sorted(cats["overpaid"].items())},
        "third_party": cats["third_party"],
        "typo": dict(sorted(cats["typo"].items())),
        "ambiguous": ambiguous,
        "unreferenced": unreferenced,
        "pending": cats["pending"],
        "unpaid": sorted(inv.number for inv in invoices if inv.number not in counts),
        "payments": payments,
        "files": files_truth,
    }
    return DemoFiles(invoices=invoice_path, statements=statements, truth=truth)

"""100,000 statement lines against 100,000 open invoices, with the truth known (project issue 4, speed).

``write_scale_case(dest)`` writes the billing tool's invoice export (``factures.csv``: 20,000 customers,
five invoices each) and one CAMT.053 of 100,000 lines, and returns the truth: which invoices each
payment settles. The payments are the patterns of a real account, at scale:

* 55 % name their invoice in the text, in the ways payers retype numbers, half of them from the
  customer's known IBAN;
* 5 % pay two invoices of one customer and name both;
* 15 % name nothing and come from the customer's known IBAN with the exact amount of one invoice
  (subscription customers, one in ten, owe five identical amounts: the law designates the oldest due);
* 5 % name nothing and carry only the customer's name as the bank prints it;
* 15 % are other credits (refunds, transfers between own accounts, cheques) whose amounts match nothing;
* 5 % are debits.

``python -m benchmarks.scale DB_URL DIR`` runs one reconciliation in a process of its own (so that its peak
memory is its own): migrate, import the invoices (reported apart), then the timed part, the statement
import (``import_statement_file``) and ``run_matching``, each in its unit of work, and prints JSON.
"""
from __future__ import annotations

import json
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.data import ACTIVITIES, LEGAL_FORMS, NOISE_TEXTS, SURNAMES, fr_iban, reference_text
from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv

TOWNS = ("Lyon", "Paris", "Marseille", "Toulouse", "Nantes", "Strasbourg", "Bordeaux", "Lille", "Rennes", "Reims",
         "Dijon", "Angers", "Nîmes", "Brest", "Tours", "Limoges", "Amiens", "Annecy", "Perpignan", "Metz",
         "Besançon", "Orléans", "Rouen", "Caen", "Nancy", "Avignon", "Poitiers", "Pau", "Calais", "Cannes")
START = date(2025, 12, 1)
SLOTS = 5  # invoices per customer


@dataclass
class ScaleCase:
    invoices_path: Path
    statement_path: Path
    lines: int
    credits: int
    truth: dict[str, set[str]] = field(default_factory=dict)  # E2E id of a payment -> invoice numbers
    kinds: dict[str, str] = field(default_factory=dict)  # E2E id -> pattern


def scale_name(c: int) -> str:
    """30,000 distinct company names: activity, family name, town, and a legal form."""
    activity = ACTIVITIES[c % len(ACTIVITIES)]
    surname = SURNAMES[(c // len(ACTIVITIES)) % len(SURNAMES)]
    town = TOWNS[(c // (len(ACTIVITIES) * len(SURNAMES))) % len(TOWNS)]
    form = LEGAL_FORMS[c % len(LEGAL_FORMS)]
    return f"{form} {activity} {surname} {town}".strip()


def _bank(name: str) -> str:
    return name.upper().translate(str.maketrans("ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜ'", "AAACEEEEIIOOUUU "))


def write_scale_case(dest: Path, n_lines: int = 100_000, n_customers: int = 20_000, seed: int = 2026) -> ScaleCase:
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    specs: list[InvoiceSpec] = []
    subscription = {c for c in range(n_customers) if c % 10 == 3}
    for s in range(SLOTS):
        for c in range(n_customers):
            i = s * n_customers + c
            issued = START + timedelta(days=30 * s + c % 28)
            cents = 8990 if c in subscription else 2 * (5_000 + 97 * i + (i * 7919) % 89)  # even cents
            specs.append(InvoiceSpec(number=f"FA-2026-{i + 1:06d}", customer_ref=f"C{c:05d}",
                                     customer_name=scale_name(c), customer_iban=fr_iban(c),
                                     amount=str(Decimal(cents).scaleb(-2)), issued_on=issued,
                                     due_on=issued + timedelta(days=30)))
    by_customer: dict[int, list[InvoiceSpec]] = {}
    for k, spec in enumerate(specs):
        by_customer.setdefault(k % n_customers, []).append(spec)

    payments: list[Payment] = []
    case = ScaleCase(dest / "factures.csv", dest / "camt053-100k.xml", n_lines, 0)

    def pay(kind: str, invs: list[InvoiceSpec], text: str, payer: str, iban: str, extra: int = 0) -> None:
        ref = f"E2E{len(payments):07d}"
        booked = max(i.due_on for i in invs) + timedelta(days=rng.randrange(-10, 20) + extra)
        amount = sum((Decimal(i.amount) for i in invs), Decimal(0))
        payments.append(Payment(ref=ref, booked_on=booked, amount=amount, payer=payer, payer_iban=iban, text=text))
        case.truth[ref] = {i.number for i in invs}
        case.kinds[ref] = kind

    # Each customer's invoices are paid in order (slot 0 first): the law's oldest-due imputation and
    # the payers' intention agree, as for a customer paying every month.
    order = [(c, s) for s in range(SLOTS) for c in range(n_customers)]
    plan = ["reference"] * 55 + ["grouped"] * 5 + ["iban"] * 15 + ["name"] * 5
    budget = {"reference": n_lines * 55 // 100, "grouped": n_lines * 5 // 100, "iban": n_lines * 15 // 100,
              "name": n_lines * 5 // 100}
    done = dict.fromkeys(budget, 0)
    next_slot = dict.fromkeys(range(n_customers), 0)
    k = 0
    for c, s in order:
        if next_slot[c] != s:
            continue  # already paid with the previous slot (grouped)
        can_group = s + 1 < SLOTS and c not in subscription
        kind = None
        for _ in range(len(plan)):
            option = plan[k % len(plan)]
            k += 1
            if done[option] < budget[option] and (option != "grouped" or can_group):
                kind = option
                break
        if kind is None:
            break
        done[kind] += 1
        inv = by_customer[c][s]
        name = _bank(scale_name(c))
        next_slot[c] = s + 1
        if kind == "grouped":
            pair = [inv, by_customer[c][s + 1]]
            pay(kind, pair, f"REGLT FACTURES {pair[0].number} ET {pair[1].number}", name, "")
            next_slot[c] = s + 2
        elif kind == "reference":
            pay(kind, [inv], f"VIR SEPA RECU /DE {name[:30]} /MOTIF {reference_text(inv.number, k)}", name,
                fr_iban(c) if k % 2 else "")
        elif kind == "iban":
            pay(kind, [inv], rng.choice(("VIREMENT", "PAIEMENT", "", "VIR SEPA")), name, fr_iban(c))
        else:
            pay(kind, [inv], "VIR SEPA RECU", name, "")
    n_other = n_lines - len(payments)
    for j in range(n_other):
        ref = f"E2E{len(payments):07d}"
        booked = START + timedelta(days=rng.randrange(200))
        odd = Decimal(2 * rng.randrange(500, 900_000) + 1).scaleb(-2)  # odd cents: equal to no invoice
        if j % 4 == 3:
            payments.append(Payment(ref=ref, booked_on=booked, amount=-odd, payer=f"FOURNISSEUR {j % 97}",
                                    text=f"PRLV SEPA FOURNISSEUR {j % 97}"))
        else:
            payments.append(Payment(ref=ref, booked_on=booked, amount=odd, payer="ORGANISME TIERS",
                                    text=NOISE_TEXTS[j % len(NOISE_TEXTS)].format(card=1000 + j % 9000)))
            case.kinds[ref] = "noise"
    rng.shuffle(payments)
    payments.sort(key=lambda p: p.booked_on)
    case.credits = sum(1 for p in payments if p.amount > 0)
    case.invoices_path.write_bytes(invoices_csv(specs))
    case.statement_path.write_bytes(Camt053(payments=payments, statement_id="SCALE-100K").render())
    return case


def _high_water_mb() -> float:
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith("VmHWM:"):
            return int(row.split()[1]) / 1024
    return 0.0


def run(url: str, folder: Path) -> dict[str, Any]:
    """One reconciliation of the case in ``folder`` into the empty database at ``url``."""
    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine, migrate
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.reconciliation.matching import run_matching
    from worker.statements.statements import import_statement_file
    from worker.workflows.invoice_import import import_invoice_file

    engine = make_engine(url)
    migrate(engine)
    t0 = time.perf_counter()
    with unit_of_work(engine) as session:
        counts = import_invoice_file(Repository(session, resolve_company(session, None)),
                                     (folder / "factures.csv").read_bytes(), "factures.csv")
    t1 = time.perf_counter()
    with unit_of_work(engine) as session:
        outcome = import_statement_file(Repository(session, resolve_company(session, None)),
                                        folder / "camt053-100k.xml")
    t2 = time.perf_counter()
    with unit_of_work(engine) as session:
        matched = run_matching(Repository(session, resolve_company(session, None)))
    t3 = time.perf_counter()
    engine.dispose()
    return {"invoices_imported": counts.imported, "invoice_import_s": t1 - t0, "status": outcome.status,
            "lines_added": outcome.lines_added, "statement_import_s": t2 - t1, "matching_s": t3 - t2,
            "import_and_match_s": t3 - t1, "auto": matched.auto, "review": matched.review,
            "unmatched": matched.unmatched, "peak_mb": _high_water_mb()}


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1], Path(sys.argv[2]))))

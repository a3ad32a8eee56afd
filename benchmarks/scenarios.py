"""Reconciliation scenarios with the truth known, and a scorer of what lettrage made of them.

A scenario is the demo company of ``worker.demo`` (invoices, OFX/CAMT/CSV statements with
messy payments) generated for one ``seed`` and ``today``, then run through the same services
as ``worker.workflows.demo.run_demo`` (which has no seed parameter): ``add_company``,
``import_invoice_file``, ``sync(..., send=False)`` from an inbox, into a fresh SQLite file.

The scorer compares the database with the generator's ``truth``:

* per bank line: automatic allocations right or wrong; noise lines (debits, or credits that
  pay no invoice) allocated automatically;
* per truth payment: fully and correctly auto-matched, waiting in review, or unmatched;
* per invoice: believed settled while the truth says unpaid or partially paid; settled in
  truth yet planned for a reminder on ``today`` (false reminder); overdue and unpaid in
  truth yet neither planned nor held (missed reminder; the database is fresh, so no level
  was sent before).
"""
from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from connectors.sources.inbox import InboxSource
from worker.access.companies import add_company, resolve_company
from worker.db.engine import make_engine, migrate
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.demo.customers import bank_name
from worker.demo.generate import generate_demo
from worker.dunning.reminders import plan_reminders
from worker.invoices.invoices import invoice_views
from worker.settings import load_settings
from worker.workflows.invoice_import import import_invoice_file
from worker.workflows.sync import sync

COMPANY = "atelier-lumiere"
SEEDS = (2026, 1, 7, 42, 314)
TODAY = date(2026, 11, 25)

#: figure -> (comparison, target), printed next to each figure.
TARGETS: dict[str, tuple[str, float]] = {
    "precision": (">=", 0.998),
    "auto_rate": (">=", 0.92),
    "review_rate": ("<=", 0.06),
    "noise_auto": ("==", 0),
    "false_reminders": ("==", 0),
    "missed_reminders": ("==", 0),
    "wrongly_settled": ("==", 0),
}


def run_scenario(root: Path, seed: int, today: date = TODAY) -> tuple[dict[str, Any], Engine]:
    """Generates the demo for ``seed`` under ``root`` and reconciles it; returns (truth, engine)."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    files = generate_demo(root / "files", today, seed=seed)
    engine = make_engine(f"sqlite:///{root / 'lettrage.db'}")
    migrate(engine)
    with unit_of_work(engine) as session:
        company = add_company(session, COMPANY, "Atelier Lumière SARL")
        company.settings = {"amount_tolerance": "5.00"}  # as run_demo: fees kept by the payer's bank
        session.add(company)
        repo = Repository(session, resolve_company(session, COMPANY))
        import_invoice_file(repo, files.invoices.read_bytes(), files.invoices.name, actor="bench")
    inbox = root / "inbox" / COMPANY
    inbox.mkdir(parents=True)
    for path in files.statements:
        shutil.copy2(path, inbox / path.name)
    settings = load_settings({"LETTRAGE_DATA_DIR": str(root / "var")}, env_file=None)
    settings = settings.with_overrides(inbox_dir=root / "inbox", output_dir=root / "out")
    sync(engine, settings, COMPANY, as_of=today, send=False, sources=[InboxSource(inbox, settle_seconds=0)])
    # The import refuses lines booked after the real clock's tomorrow: a ``today`` in the future
    # would quarantine statements and the score would measure nothing. Fail loudly instead.
    quarantined = sorted((inbox / "quarantine").glob("*.error.txt")) if (inbox / "quarantine").exists() else []
    if quarantined:
        raise RuntimeError("statements quarantined: " + "; ".join(p.read_text().strip() for p in quarantined))
    return files.truth, engine


@dataclass
class Score:
    seed: int
    auto_lines: int = 0
    auto_correct: int = 0
    payments: int = 0
    payments_auto: int = 0
    payments_review: int = 0
    payments_unmatched: int = 0
    noise_auto: int = 0
    wrongly_settled: int = 0
    false_reminders: int = 0
    missed_reminders: int = 0
    overdue_unpaid: int = 0
    held_unpaid: int = 0  # overdue unpaid invoices held back (a payment of theirs-or-not in review)
    wrong: list[str] = field(default_factory=list)  # details of every hard failure
    not_auto_kinds: Counter[str] = field(default_factory=Counter)  # truth kind of payments not auto-matched
    missed_detail: list[str] = field(default_factory=list)
    false_detail: list[str] = field(default_factory=list)  # reminders for money that arrived (reported)

    @property
    def precision(self) -> float:
        return self.auto_correct / self.auto_lines if self.auto_lines else 1.0

    @property
    def auto_rate(self) -> float:
        return self.payments_auto / self.payments if self.payments else 0.0

    @property
    def review_rate(self) -> float:
        return self.payments_review / self.payments if self.payments else 0.0

    @property
    def unmatched_rate(self) -> float:
        return self.payments_unmatched / self.payments if self.payments else 0.0

    def __add__(self, other: Score) -> Score:
        total = Score(seed=-1)
        for name in ("auto_lines", "auto_correct", "payments", "payments_auto", "payments_review",
                     "payments_unmatched", "noise_auto", "wrongly_settled", "false_reminders",
                     "missed_reminders", "overdue_unpaid", "held_unpaid"):
            setattr(total, name, getattr(self, name) + getattr(other, name))
        total.wrong = self.wrong + other.wrong
        total.not_auto_kinds = self.not_auto_kinds + other.not_auto_kinds
        total.missed_detail = self.missed_detail + other.missed_detail
        total.false_detail = self.false_detail + other.false_detail
        return total


def _csv_line(p: dict[str, Any], candidates: list[Any], used: set[int]) -> Any | None:
    """The CSV line of truth payment ``p``: the CSV export has no bank id, so date, amount and label tell."""
    text = " ".join(p["text"].split())
    payer = bank_name(p["payer"]) if p["payer"] else ""

    def fit(line: Any) -> tuple[bool, bool]:
        return (text in line.text, bool(payer) and payer in line.text)

    free = [line for line in candidates if line.id not in used]
    return max(free, key=fit, default=None)


def score(truth: dict[str, Any], engine: Engine, today: date = TODAY) -> Score:
    """Compares what the database holds after the sync with the generator's truth."""
    s = Score(seed=int(truth["seed"]))
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, COMPANY))
        all_lines = repo.lines()
        lines = {line.id: line for line in all_lines}
        by_ref = {line.bank_ref: line.id for line in all_lines if not line.bank_ref.startswith("csv:")}
        csv_lines: dict[tuple[str, Decimal], list[Any]] = {}
        for line in all_lines:
            if line.bank_ref.startswith("csv:"):
                csv_lines.setdefault((line.booked_on.isoformat(), Decimal(line.amount)), []).append(line)
        allocations = [a for a in repo.live_allocations() if a.status == "auto"]
        invoices = repo.invoices_by_id(a.invoice_id for a in allocations)
        auto: dict[int, set[str]] = {}
        for a in allocations:
            auto.setdefault(a.line_id, set()).add(invoices[a.invoice_id].number)
        views = {v.invoice.number: v for v in invoice_views(repo)}
        plan = plan_reminders(repo, today)
        planned = {n for p in plan.planned for n in p.invoice_numbers}
        held = {h.number for h in plan.held}

    expected: dict[int, set[str]] = {}  # line id -> invoice numbers it really settles
    units: list[tuple[str, list[int | None]]] = []  # truth payment (kind) -> its line ids (None: not stored)
    received: dict[str, Decimal] = {}
    used: set[int] = set()
    for p in truth["payments"]:
        for number, amount in p["allocations"].items():
            received[number] = received.get(number, Decimal(0)) + Decimal(amount)
        parts = p.get("parts") or []
        if not parts:
            if p["bank_ref"]:
                line_id = by_ref.get(p["bank_ref"])
            else:
                found = _csv_line(p, csv_lines.get((p["booked_on"], Decimal(p["amount"])), []), used)
                line_id = found.id if found is not None else None
            if line_id is not None:
                used.add(line_id)
                expected[line_id] = set(p["allocations"])
            units.append((p["kind"], [line_id]))
            continue
        ids: list[int | None] = []
        for i, part in enumerate(parts, 1):  # a batch entry is stored as one line per transfer
            numbers = [n for n, amount in p["allocations"].items() if amount == part["amount"]]
            line_id = by_ref.get(f'{p["bank_ref"]}/{i}')
            if line_id is not None:
                expected[line_id] = set(numbers[:1])
            ids.append(line_id)
        units.append((p["kind"], ids))

    for key, got in auto.items():
        want = expected.get(key)
        if want is None:
            s.noise_auto += 1
            s.wrong.append(f"seed {s.seed}: noise line {lines[key].bank_ref} {lines[key].text!r} auto-matched to {sorted(got)}")
            continue
        s.auto_lines += 1
        if got == want:
            s.auto_correct += 1
        else:
            s.wrong.append(f"seed {s.seed}: line {lines[key].bank_ref} {lines[key].text!r} auto-matched to {sorted(got)}, truth {sorted(want)}")

    for kind, keys in units:
        s.payments += 1
        states = [lines[k].state if k is not None else "missing" for k in keys]
        if all(k is not None and auto.get(k) == expected[k] for k in keys):
            s.payments_auto += 1
            continue
        s.not_auto_kinds[kind] += 1
        if "review" in states:
            s.payments_review += 1
        elif not any(k in auto for k in keys):
            s.payments_unmatched += 1

    fee_short = {n: Decimal(v) for n, v in truth["fee_short"].items()}
    for number, view in views.items():
        if view.invoice.kind != "invoice":
            continue
        got_money = received.get(number, Decimal(0)) + fee_short.get(number, Decimal(0))
        settled = got_money >= view.invoice.amount
        if view.status in ("paid", "overpaid") and not settled:
            s.wrongly_settled += 1
            s.wrong.append(f"seed {s.seed}: invoice {number} is {view.status}, truth received {got_money}")
        if settled and number in planned:
            s.false_reminders += 1
            s.false_detail.append(f"seed {s.seed}: invoice {number} paid in truth but planned for a reminder")
        if not settled and view.invoice.due_on < today:
            s.overdue_unpaid += 1
            if number in held:
                s.held_unpaid += 1
            elif number not in planned:
                s.missed_reminders += 1
                s.missed_detail.append(f"seed {s.seed}: {number} ({view.status}, open {view.open})")
    return s


def _fmt(name: str, value: float, count: str) -> str:
    op, target = TARGETS[name]
    if op == "==":
        ok = value == target
        return f"{count:>14}  (target 0: {'met' if ok else 'MISSED'})"
    ok = value >= target if op == ">=" else value <= target
    return f"{value:8.2%} {count:>14}  (target {op} {target:.1%}: {'met' if ok else 'MISSED'})"


def table(scores: list[Score]) -> str:
    """The quality table: one block per seed and one for the total."""
    total = scores[0]
    for extra in scores[1:]:
        total = total + extra
    out = []
    for sc in [*scores, total]:
        label = "TOTAL" if sc.seed == -1 else f"seed {sc.seed}"
        out.append(f"== {label} ({sc.payments} invoice payments, {sc.auto_lines + sc.noise_auto} auto-matched lines)")
        out.append(f"  precision          {_fmt('precision', sc.precision, f'{sc.auto_correct}/{sc.auto_lines}')}")
        out.append(f"  auto rate          {_fmt('auto_rate', sc.auto_rate, f'{sc.payments_auto}/{sc.payments}')}")
        out.append(f"  review rate        {_fmt('review_rate', sc.review_rate, f'{sc.payments_review}/{sc.payments}')}")
        out.append(f"  unmatched rate     {sc.unmatched_rate:8.2%} {f'{sc.payments_unmatched}/{sc.payments}':>14}")
        out.append(f"  noise auto-matched {_fmt('noise_auto', sc.noise_auto, str(sc.noise_auto))}")
        out.append(f"  wrongly settled    {_fmt('wrongly_settled', sc.wrongly_settled, str(sc.wrongly_settled))}")
        out.append(f"  false reminders    {_fmt('false_reminders', sc.false_reminders, str(sc.false_reminders))}")
        out.append(f"  missed reminders   {_fmt('missed_reminders', sc.missed_reminders, str(sc.missed_reminders))}"
                   f"  [{sc.overdue_unpaid} overdue unpaid, {sc.held_unpaid} held]")
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(sc.not_auto_kinds.items()))
        out.append(f"  not auto-matched by truth kind: {kinds or '-'}")
    return "\n".join(out)

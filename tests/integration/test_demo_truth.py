"""The demo company against the truth its generator records: the product's promise, measured.

No automatic allocation may be wrong; every payment that names its invoice is
matched; no invoice whose money arrived is ever planned for a reminder.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from worker.access.companies import resolve_company
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.demo.generate import generate_demo
from worker.dunning.reminders import plan_reminders
from worker.settings import load_settings
from worker.workflows.demo import DEMO_COMPANY, run_demo

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("demo")
    settings = load_settings({"LETTRAGE_DATA_DIR": str(root / "var"), "LETTRAGE_NOW": TODAY.isoformat()},
                             env_file=None)
    report, engine = run_demo(settings, TODAY)
    truth = generate_demo(root / "truth", TODAY).truth
    expected: dict[str, set[str]] = {}
    kinds: dict[str, str] = {}
    for p in truth["payments"]:
        key = p["bank_ref"] or f'csv|{p["booked_on"]}|{p["amount"]}'
        kinds[key] = p["kind"]
        expected[key] = set(p["allocations"])
        for i, part in enumerate(p.get("parts") or [], 1):
            numbers = [n for n, amount in p["allocations"].items() if amount == part["amount"]]
            expected[f"{key}/{i}"], kinds[f"{key}/{i}"] = set(numbers[:1]), p["kind"]
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, DEMO_COMPANY))

        def key(line: Any) -> str:
            if line.bank_ref.startswith("csv:"):
                return f"csv|{line.booked_on.isoformat()}|{line.amount}"
            return str(line.bank_ref)

        allocations = repo.live_allocations()
        lines = repo.lines_by_id(a.line_id for a in allocations)
        invoices = repo.invoices_by_id(a.invoice_id for a in allocations)
        auto: dict[str, set[str]] = {}
        for a in allocations:
            auto.setdefault(key(lines[a.line_id]), set()).add(invoices[a.invoice_id].number)
        credits = [key(line) for line in repo.lines(credits_only=True)]
        planned = {n for p in plan_reminders(repo, TODAY).planned for n in p.invoice_numbers}
        waited = _waited_past_hold(repo)
    engine.dispose()
    return {"report": report, "truth": truth, "expected": expected, "kinds": kinds, "auto": auto,
            "credits": credits, "planned": planned, "waited": waited}


def _waited_past_hold(repo: Repository) -> set[str]:
    """Invoices whose pending payment's hold ended before TODAY, the decision on the worklist (issue 15: a
    payment awaiting a decision holds its invoices 10 business days at most, then they are reminded)."""
    from reminders.behaviour import BehaviourRules
    from worker.dunning.worklist import build_worklist
    from worker.reconciliation.holds import payment_holds

    ended = [h for h in payment_holds(repo) if not h.active_on(TODAY)]
    numbers = {i: inv.number for i, inv in repo.invoices_by_id(h.invoice_id for h in ended).items()}
    waiting = {n for w in build_worklist(repo, TODAY, BehaviourRules()) if w.action in ("review", "identify_payment")
               for n in w.invoices}
    return {numbers[h.invoice_id] for h in ended} & waiting


def test_no_automatic_match_is_wrong(demo: dict[str, Any]) -> None:
    wrong = {ref: (got, demo["expected"].get(ref)) for ref, got in demo["auto"].items()
             if got != demo["expected"].get(ref)}
    assert wrong == {}
    assert len(demo["auto"]) >= 150


def test_every_referenced_payment_is_matched(demo: dict[str, Any]) -> None:
    referenced = [ref for ref in demo["credits"]
                  if demo["kinds"].get(ref) in ("reference", "rf", "grouped", "batch", "fee", "third_party")]
    matched = [ref for ref in referenced if ref in demo["auto"]]
    assert len(referenced) >= 100
    assert len(matched) / len(referenced) >= 0.97


def test_no_reminder_for_money_that_arrived(demo: dict[str, Any]) -> None:
    truth = demo["truth"]
    settled = set(truth["paid"]) | {n for group in truth["grouped"] for n in group} | set(truth["batch"])
    settled |= set(truth["fee_short"]) | set(truth["third_party"]) | set(truth["overpaid"])
    # Paid without a reference: the line waits in review, and its candidates are held back (for 10 business
    # days at most: later they are reminded, the review still on the worklist, ``waited``).
    settled |= set(truth["ambiguous"]) | set(truth["unreferenced"])
    assert settled and demo["planned"]
    assert settled & demo["planned"] - demo["waited"] == set()
    unpaid_overdue = set(truth["unpaid"]) & demo["planned"]
    assert unpaid_overdue, "unpaid invoices must still be chased"

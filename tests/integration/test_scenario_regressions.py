"""Generated company scenarios that once went wrong, scored against their truth (benchmarks/scenarios.py).

Seed 1 on 2026-03-02: a payment without reference, from an IBAN known for another customer of the
same family name, was left unmatched, so the invoice it paid was planned for a reminder.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from benchmarks.scenarios import COMPANY, run_scenario, score


@pytest.mark.parametrize(("seed", "today"), [(1, date(2026, 3, 2))])
def test_scenario_has_no_false_reminder_and_no_wrong_match(tmp_path: Path, seed: int, today: date) -> None:
    truth, engine = run_scenario(tmp_path, seed, today)
    result = score(truth, engine, today)
    waited = _reminded_after_hold(engine, today)
    engine.dispose()
    # Issue 15, item 5: a payment awaiting a decision holds its candidates 10 business days at most; the
    # scenario leaves its review queue undecided for weeks, so those invoices are reminded again (and the
    # review waits on the worklist). Any other false reminder is a regression.
    after_hold = [w for w in result.false_detail if w.split()[3] in waited]
    assert result.wrong == [] and [w for w in result.false_detail if w not in after_hold] == []
    assert (result.false_reminders - len(after_hold), result.wrongly_settled, result.noise_auto,
            result.missed_reminders) == (0, 0, 0, 0)
    assert result.auto_lines >= 100 and result.auto_correct == result.auto_lines


def _reminded_after_hold(engine: Any, today: date) -> set[str]:
    """Invoices whose pending payment's hold ended before ``today``, each with its review on the worklist."""
    from reminders.behaviour import BehaviourRules
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.dunning.worklist import build_worklist
    from worker.reconciliation.holds import payment_holds

    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, COMPANY))
        ended = [h for h in payment_holds(repo) if not h.active_on(today)]
        numbers = {i: inv.number for i, inv in repo.invoices_by_id(h.invoice_id for h in ended).items()}
        on_worklist = {n for w in build_worklist(repo, today, BehaviourRules()) if w.action == "review"
                       for n in w.invoices}
        session.rollback()
    waited = {numbers[h.invoice_id] for h in ended}
    return waited & on_worklist

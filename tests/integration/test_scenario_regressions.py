"""Generated company scenarios that once went wrong, scored against their truth (benchmarks/scenarios.py).

Seed 1 on 2026-03-02: a payment without reference, from an IBAN known for another customer of the
same family name, was left unmatched, so the invoice it paid was planned for a reminder.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from benchmarks.scenarios import run_scenario, score


@pytest.mark.parametrize(("seed", "today"), [(1, date(2026, 3, 2))])
def test_scenario_has_no_false_reminder_and_no_wrong_match(tmp_path: Path, seed: int, today: date) -> None:
    truth, engine = run_scenario(tmp_path, seed, today)
    result = score(truth, engine, today)
    engine.dispose()
    assert result.wrong == []
    assert (result.false_reminders, result.wrongly_settled, result.noise_auto, result.missed_reminders) == (0, 0, 0, 0)
    assert result.auto_lines >= 100 and result.auto_correct == result.auto_lines

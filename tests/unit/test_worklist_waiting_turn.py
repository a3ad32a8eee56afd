"""The worklist shows an overdue invoice whose own level waits its turn too long (issue 15, item 5: every overdue
unpaid invoice is planned, held with a reason and an end date, or on the worklist)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from reminders.model import HeldInvoice
from worker.dunning.worklist import WAITING_TURN_DAYS, _waiting_turn


class _Rows:
    def __init__(self, views: dict[int, Any]) -> None:
        self.views, self.rows = views, []

    def add(self, customer_id: int, views: list[Any], action: str, reason: str, **_: Any) -> None:
        self.rows.append((customer_id, [v.invoice.number for v in views], action, reason))


def _view(id_: int, number: str, customer_id: int) -> Any:
    return SimpleNamespace(invoice=SimpleNamespace(id=id_, number=number, customer_id=customer_id))


def _held(id_: int, number: str, since: date | None, until: date | None) -> HeldInvoice:
    return HeldInvoice(id_, number, "C1", Decimal("100.00"), "EUR", "waits its turn", hold_until=until,
                       waiting_since=since)


def test_an_invoice_waiting_its_turn_a_week_is_on_the_worklist_with_the_day_it_comes() -> None:
    day = date(2026, 7, 6)
    b = _Rows({1: _view(1, "FA-1", 7), 2: _view(2, "FA-2", 7), 3: _view(3, "FA-3", 8), 4: _view(4, "FA-4", 8)})
    plan = SimpleNamespace(held=[
        _held(1, "FA-1", date(2026, 6, 26), date(2026, 7, 10)),  # 10 days: shown
        _held(2, "FA-2", date(2026, 7, 1), date(2026, 7, 10)),  # 5 days: not yet
        _held(3, "FA-3", None, date(2026, 7, 10)),  # held for another reason
        _held(4, "FA-4", date(2026, 6, 29), date(2026, 7, 15)),  # 7 days: shown
    ])
    _waiting_turn(b, day, plan)  # type: ignore[arg-type]
    assert WAITING_TURN_DAYS == 7
    assert [(c, n, a) for c, n, a, _ in b.rows] == [(7, ["FA-1"], "waiting_turn"), (8, ["FA-4"], "waiting_turn")]
    assert "due since 2026-06-26" in b.rows[0][3] and "by 2026-07-10 at the latest" in b.rows[0][3]

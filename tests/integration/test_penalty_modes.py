"""Penalty modes of a company and a customer, the rate printed in words, provisional rates refused (issue 19)."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.sender_identity import give_identity

AS_OF = "2026-11-04"  # a Wednesday: FA-10, due 1 October 2026, is 34 days late (2026-H2)


def _setup(cli: Any, tmp_path: Path) -> None:
    rows = [{"number": "FA-10", "customer_ref": "C1", "customer_name": "Client Un SARL",
             "customer_email": "compta@client-un.example", "amount": "1000.00", "currency": "EUR",
             "issued_on": "2026-09-01", "due_on": "2026-10-01"}]
    invoices = tmp_path / "factures.json"
    invoices.write_text(json.dumps(rows), encoding="utf-8")
    cli.json("invoices", "import", str(invoices))
    policy = tmp_path / "notice.toml"
    policy.write_text('[[levels]]\ncode = "formal_notice"\noffset_days = 30\nchannels = ["email"]\n', encoding="utf-8")
    cli("reminders", "policy", "--set", str(policy))
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])


def _store(cli: Any, penalties: dict[str, Any] | None = None, customer: dict[str, Any] | None = None) -> None:
    """The company's stored ``[penalties]`` settings, and customer C1's own overrides."""
    from sqlmodel import select

    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.reminder_tables import CustomerDunning
    from worker.db.tables import Customer
    from worker.db.uow import unit_of_work

    engine = make_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with unit_of_work(engine) as session:
            company = resolve_company(session, None)
            if penalties is not None:
                company.settings = {**(company.settings or {}), "penalties": penalties}
                session.add(company)
            if customer is not None:
                c1 = session.exec(select(Customer).where(Customer.ref == "C1")).one()
                row = session.exec(select(CustomerDunning).where(CustomerDunning.customer_id == c1.id)).first()
                row = row or CustomerDunning(company_id=company.id, customer_id=c1.id)
                row.overrides = {**(row.overrides or {}), **customer}
                session.add(row)
    finally:
        engine.dispose()


def _notice(cli: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """The formal notice of C1 as it would leave on AS_OF (worker.dunning.reminder_preview: the sending path)."""
    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.dunning.reminder_preview import preview
    from worker.settings import get_settings

    for key, value in cli.env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    engine = make_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, None))
            shown = preview(repo, date.fromisoformat(AS_OF), None, customer="C1", level="formal_notice")
            return shown.message.text
    finally:
        engine.dispose()
        get_settings.cache_clear()


def test_a_contract_rate_below_the_floor_is_raised_to_it_and_printed(cli: Any, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """C. com. L441-10 II al. 1: the contract rate "ne peut être inférieur à trois fois le taux d'intérêt légal":
    a company's fixed 5 % is raised to 3 x 2.62 % = 7.86 % and the notice says so; it no longer fails."""
    from reminders.context import format_amount
    from reminders.law import late_penalty

    _setup(cli, tmp_path)
    _store(cli, {"mode": "fixed", "rate": "5.00"})
    text = _notice(cli, monkeypatch)
    assert ("pénalités de retard au taux contractuel de 5,00 % porté au minimum légal de trois fois le taux "
            "d'intérêt légal (3 × 2,62 % = 7,86 %)") in text
    assert "conditions générales de vente" not in text
    floor = late_penalty(Decimal("1000.00"), date(2026, 10, 1), date(2026, 11, 4), mode="three_times_legal").amount
    assert f"s'élèvent à {format_amount(floor)}" in text


def test_the_customer_mode_wins_over_the_company_mode(cli: Any, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """C. com. L441-10 II: the rate is the one agreed with this customer (its contract), else the statutory one
    (ECB rate of 1 July + 10 points); C. monétaire et financier L313-2: three times the legal rate of the half-year."""
    _setup(cli, tmp_path)
    assert "pénalités de retard au taux BCE 2,15 % + 10 points = 12,15 %" in _notice(cli, monkeypatch)
    _store(cli, customer={"penalty_mode": "three_times_legal"})
    assert ("pénalités de retard à trois fois le taux d'intérêt légal (3 × 2,62 % = 7,86 %)"
            in _notice(cli, monkeypatch))


def test_a_formal_notice_on_a_provisional_rate_is_refused_until_confirmed(cli: Any, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """C. com. L441-10 II (the ECB rate in force on 1 July) and C. monétaire et financier L313-2 (the arrêté of
    June): a formal notice claims penalties at the rates of 2026-H2, provisional in reminders/law/data, only once
    the operator has confirmed them; the plan says which half-years are provisional."""
    from reminders.law import RateNotKnown

    _setup(cli, tmp_path)
    cli.env["LETTRAGE_RATES_FILE"] = ""  # this deployment has confirmed nothing
    monkeypatch.delenv("LETTRAGE_RATES_FILE", raising=False)
    planned = cli("reminders", "plan", "--as-of", AS_OF, "--json")
    assert [r["provisional_rates"] for r in json.loads(planned.stdout)] == [["2026-H2"]]
    assert "rates of 2026-H2 are provisional" in planned.stderr
    with pytest.raises(RateNotKnown, match=r"formal_notice not composed: .*FA-10.*provisional rates of 2026-H2"):
        _notice(cli, monkeypatch)
    _store(cli, {"confirm": {"2026-H2": {"ecb": "2.15"}}})
    assert [r["provisional_rates"] for r in cli.json("reminders", "plan", "--as-of", AS_OF)] == [[]]
    assert "taux BCE 2,15 % + 10 points = 12,15 %" in _notice(cli, monkeypatch)
    assert "(provisoire)" not in _notice(cli, monkeypatch)


def test_the_invoice_payment_note_is_a_suggestion_never_applied(cli: Any, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """C. com. L441-9 I: the invoice states the penalty rate (EN 16931 BT-20, note PMD); when it names another mode
    than the one configured, the plan suggests it and the notice keeps the configured rate (L441-10 II)."""
    from sqlmodel import select

    from worker.access.companies import resolve_company
    from worker.db.einvoice_tables import EinvoiceData
    from worker.db.engine import make_engine
    from worker.db.tables import Invoice
    from worker.db.uow import unit_of_work

    _setup(cli, tmp_path)
    assert [r["penalty_suggestion"] for r in cli.json("reminders", "plan", "--as-of", AS_OF)] == [None]
    engine = make_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with unit_of_work(engine) as session:
            company = resolve_company(session, None)
            invoice = session.exec(select(Invoice).where(Invoice.number == "FA-10")).one()
            session.add(EinvoiceData(company_id=company.id, invoice_id=invoice.id, syntax="cii", content_hash="0" * 64,
                                     notes={"PMD": ["Pénalités de retard : trois fois le taux d'intérêt légal"]}))
    finally:
        engine.dispose()
    planned = cli("reminders", "plan", "--as-of", AS_OF, "--json")
    [row] = json.loads(planned.stdout)
    assert "FA-10: the invoice's payment note (BT-20/PMD) suggests penalty mode three_times_legal" in (
        row["penalty_suggestion"] or "")
    assert "statutory is configured and applied" in row["penalty_suggestion"]
    assert "suggestion: " in planned.stderr
    assert "au taux BCE 2,15 % + 10 points = 12,15 %" in _notice(cli, monkeypatch)
    _store(cli, {"mode": "three_times_legal"})  # the operator follows it: no suggestion left
    assert [r["penalty_suggestion"] for r in cli.json("reminders", "plan", "--as-of", AS_OF)] == [None]


def test_status_warns_when_the_day_rates_are_not_confirmed(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """C. com. L441-10 II and C. monétaire et financier L313-2: rates fixed per half-year; the operator is told,
    at the clock's day (LETTRAGE_NOW), that the tables carry this half-year provisionally."""
    assert cli.json("status")["rates_warning"] is None  # the suite's deployment confirmed 2026-H2
    cli.env["LETTRAGE_RATES_FILE"] = ""
    monkeypatch.delenv("LETTRAGE_RATES_FILE", raising=False)
    assert "the rates of 2026-H2 are provisional" in cli.json("status")["rates_warning"]
    assert "warning: the rates of 2026-H2 are provisional" in cli("status").stderr


def test_a_bad_penalties_setting_fails_the_notice_with_one_line(cli: Any, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """C. com. L441-10 II: a fixed mode is the contract's rate, which must be given; without it the formal notice
    is not composed (one line naming the setting), and the plan is still shown with that line."""
    from reminders.law import LawError

    _setup(cli, tmp_path)
    _store(cli, {"mode": "fixed"})
    with pytest.raises(LawError, match=r"^company default: penalties\.mode: mode fixed needs rate"):
        _notice(cli, monkeypatch)
    planned = cli("reminders", "plan", "--as-of", AS_OF, "--json")
    assert [r["level"] for r in json.loads(planned.stdout)] == ["formal_notice"]
    assert "penalties.mode: mode fixed needs rate" in planned.stderr

"""`lettrage forecast` on a generated history stored in a real database (SQLite and PostgreSQL).

The history (tests/unit/test_forecast_backtest.generate: customers with known habits) is imported
as the billing tool and the bank would hand it over (an invoice CSV, a CAMT.053 statement whose
payments cite the invoice numbers) and matched. The forecast is then run through the CLI every
Sunday, as the scheduler would, each time with ``--as-of`` that Sunday: each run stores its week's
snapshot. The last run reports the forecast's error; the test recomputes it from the generator's
truth and the snapshots as they were printed, and checks the stored forecasts are exactly those the
pure backtest makes from the truth.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from reminders.forecast import Forecast, ForecastWeek, backtest
from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv
from tests.unit.test_forecast_backtest import Truth, generate, recompute
from worker.access.companies import add_company, resolve_company
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.reconciliation.matching import run_matching
from worker.statements.statements import import_statement
from worker.workflows.invoice_import import import_invoice_file

HISTORY_START, HISTORY_END = date(2026, 1, 5), date(2026, 9, 27)
FIRST_SUNDAY = date(2026, 5, 3)


def small_truth() -> Truth:
    return generate(seed=11, customers=8, start=HISTORY_START, end=HISTORY_END - timedelta(days=40),
                    instalments=False)


def load_history(db_url: str, truth: Truth, company_ref: str = "acme", today: date = HISTORY_END) -> None:
    """The truth's invoices and payments, imported and matched as a company's would be."""
    specs = [InvoiceSpec(i.number, i.customer_ref, f"{i.amount:.2f}", i.issued_on, i.due_on,
                         customer_name=f"Atelier {i.customer_ref} SARL") for i in truth.invoices]
    customer_of = {i.number: i.customer_ref for i in truth.invoices}
    payments = [Payment(f"BQ-{n:05d}", p.paid_on, p.amount, f"ATELIER {customer_of[p.invoice_number]} SARL",
                        f"VIR FACTURE {p.invoice_number}")
                for n, p in enumerate(sorted(truth.payments, key=lambda p: (p.paid_on, p.invoice_number)))
                if p.paid_on <= today]
    with unit_of_work(engine_for(db_url)) as session:
        company = add_company(session, company_ref, "Atelier Acme SARL")
        repo = Repository(session, company)
        import_invoice_file(repo, invoices_csv(specs), "factures.csv")
        import_statement(repo, Camt053(payments, statement_id="HIST-1").render(), "hist.xml", today=today)
        counts = run_matching(repo)
    assert counts.auto == len(payments), counts


def _forecast_of(data: dict[str, Any]) -> Forecast:
    weeks = tuple(ForecastWeek(date.fromisoformat(w["week_start"]), Decimal(w["expected"]), Decimal(w["low"]),
                               Decimal(w["high"])) for w in data["weeks"])
    return Forecast(date.fromisoformat(data["as_of"]), data["currency"], weeks, Decimal(data["open_total"]),
                    Decimal(data["beyond"]), Decimal(data["doubtful"]), data["invoices"], data["basis"])


@pytest.fixture
def forecast_cli(cli: Any) -> Any:
    from worker.cli import forecast_cmds  # noqa: F401 - registers `lettrage forecast` for the in-process CLI

    return cli


def test_replayed_every_sunday_the_reported_error_is_the_recomputed_one(forecast_cli: Any, db_url: str) -> None:
    cli = forecast_cli
    truth = small_truth()
    load_history(db_url, truth)
    printed = []
    day = FIRST_SUNDAY
    while day <= HISTORY_END:
        data = cli.json("--company", "acme", "forecast", "--as-of", day.isoformat())
        assert data["recorded"] is True and len(data["weeks"]) == 13
        printed.append(data)
        day += timedelta(weeks=1)
    again = cli.json("--company", "acme", "forecast", "--as-of", HISTORY_END.isoformat())
    assert again["recorded"] is False and again["weeks"] == printed[-1]["weeks"]  # the week's snapshot is kept
    final = cli.json("--company", "acme", "forecast", "--as-of", HISTORY_END.isoformat(), "--no-record")
    error = final["error"]
    assert error["snapshots"] == len(printed)
    snapshots = [_forecast_of(d) for d in printed]
    want = recompute(snapshots, truth, HISTORY_END, 13)
    for h in error["horizons"]:
        got = {k: h[k] for k in ("forecasts", "wape", "mape", "bias", "in_range")}
        expected = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in want[h["weeks_ahead"]].items()}
        assert got == expected, h["weeks_ahead"]
    overall = {k: error["overall"][k] for k in ("forecasts", "wape", "mape", "bias", "in_range")}
    assert overall == {k: (str(v) if isinstance(v, Decimal) else v) for k, v in want[-1].items()}
    assert error["overall"]["forecasts"] > 100 and error["overall"]["wape"] is not None

    # The stored forecasts are those the pure backtest makes from the truth itself.
    replayed, per_horizon, _ = backtest(truth.invoices, [p for p in truth.payments if p.paid_on <= HISTORY_END],
                                        FIRST_SUNDAY, HISTORY_END)
    assert [(s.as_of, s.weeks, s.open_total) for s in replayed] == [(s.as_of, s.weeks, s.open_total)
                                                                     for s in snapshots]
    assert [str(e.wape) if e.wape is not None else None for e in per_horizon] == [h["wape"]
                                                                                  for h in error["horizons"]]


def test_human_output_and_a_company_without_history(forecast_cli: Any, db_url: str) -> None:
    cli = forecast_cli
    with unit_of_work(engine_for(db_url)) as session:
        resolve_company(session, None)
    result = cli("forecast", "--as-of", "2026-11-25")
    assert "Cash-in forecast on 2026-11-25" in result.stdout and "2026-11-23" in result.stdout
    assert "No stored forecast has a week that ended yet" in result.stdout
    data = json.loads(cli("forecast", "--as-of", "2026-11-25", "--json").stdout)
    assert data["open_total"] == "0.00" and data["recorded"] is False  # the week's snapshot exists already
    assert data["error"]["overall"] == {"forecasts": 0, "expected": "0.00", "actual": "0.00", "abs_error": "0.00",
                                        "wape": None, "mape": None, "bias": None, "in_range": None}
    bad = cli("forecast", "--as-of", "2026-13-01", ok=False)
    assert bad.exit_code == 2

"""Payment behaviour and profile moves through the command line, on SQLite and PostgreSQL.

The history goes in as a user puts it (invoice CSV, a CAMT statement, `match`, promises recorded with
`customers pause --reason promise`); each figure is checked exactly against the hand-built history.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv

AS_OF = "2026-11-20"
SINCE = "2020-01-01"
# (number, customer, name, amount, issued, due, paid on or None)
HISTORY = [
    # C1 always pays 10 days late.
    ("FA-2026-0101", "C1", "Garage Dix", "300.00", date(2026, 6, 1), date(2026, 7, 1), date(2026, 7, 11)),
    ("FA-2026-0102", "C1", "Garage Dix", "500.00", date(2026, 7, 1), date(2026, 7, 31), date(2026, 8, 10)),
    ("FA-2026-0103", "C1", "Garage Dix", "200.00", date(2026, 8, 1), date(2026, 8, 31), date(2026, 9, 10)),
    # C2 breaks its promises (see PROMISES).
    ("FA-2026-0201", "C2", "Bistrot Promesse", "400.00", date(2026, 7, 1), date(2026, 7, 31), date(2026, 9, 5)),
    ("FA-2026-0202", "C2", "Bistrot Promesse", "600.00", date(2026, 8, 1), date(2026, 8, 31), None),
    # C3 pays 20 days late every time: a chronic late payer.
    ("FA-2026-0301", "C3", "Chronique SA", "100.00", date(2026, 5, 31), date(2026, 6, 30), date(2026, 7, 20)),
    ("FA-2026-0302", "C3", "Chronique SA", "100.00", date(2026, 7, 1), date(2026, 7, 31), date(2026, 8, 20)),
    ("FA-2026-0303", "C3", "Chronique SA", "100.00", date(2026, 8, 1), date(2026, 8, 31), date(2026, 9, 20)),
    # C4 pays on time.
    ("FA-2026-0401", "C4", "Fidele SARL", "250.00", date(2026, 6, 1), date(2026, 7, 1), date(2026, 6, 28)),
    ("FA-2026-0402", "C4", "Fidele SARL", "250.00", date(2026, 7, 1), date(2026, 7, 31), date(2026, 7, 31)),
    ("FA-2026-0403", "C4", "Fidele SARL", "250.00", date(2026, 8, 1), date(2026, 8, 31), date(2026, 8, 29)),
    # C5 improves: 30 days late before, 5 days late in the last 90 days.
    ("FA-2026-0501", "C5", "Progres SAS", "1000.00", date(2026, 5, 11), date(2026, 6, 10), date(2026, 7, 10)),
    ("FA-2026-0502", "C5", "Progres SAS", "1000.00", date(2026, 8, 16), date(2026, 9, 15), date(2026, 9, 20)),
]
PROMISES = [("C2", "FA-2026-0201", "2026-08-20"),  # paid on 5 September: broken
            ("C2", "FA-2026-0202", "2026-09-30")]  # never paid: broken
BEHAVIOUR_TOML = "[behaviour]\nreliable_min_paid_invoices = 3\n"


def load_book(cli: Any, tmp_path: Path, extra: list[InvoiceSpec] | None = None) -> None:
    """The history above (and ``extra`` open invoices), matched; C4's reliability needs 3 paid invoices
    (the company's [behaviour] section)."""
    from worker.cli import worklist_cmds  # noqa: F401 - registers `lettrage worklist`, `customers behaviour`

    specs = [InvoiceSpec(n, c, a, i, d, customer_name=name, customer_since=SINCE) for n, c, name, a, i, d, _ in HISTORY]
    (tmp_path / "factures.csv").write_bytes(invoices_csv(specs + (extra or [])))
    cli.json("invoices", "import", str(tmp_path / "factures.csv"))
    payments = [Payment(f"BQ-{n}", paid, Decimal(a), name.upper(), f"Facture {n}")
                for n, _c, name, a, _i, _d, paid in HISTORY if paid is not None]
    (tmp_path / "camt.xml").write_bytes(Camt053(payments, statement_id="S-2026").render())
    cli.json("statements", "import", str(tmp_path / "camt.xml"))
    assert cli.json("match")["auto"] == len(payments)
    for ref, invoice, until in PROMISES:
        cli("customers", "pause", ref, "--reason", "promise", "--until", until, "--invoice", invoice)
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    (companies / "default.toml").write_text(BEHAVIOUR_TOML, encoding="utf-8")


def figures(cli: Any, *args: str) -> dict[str, dict[str, Any]]:
    return {r["customer_ref"]: r for r in cli.json("customers", "behaviour", *args, "--as-of", AS_OF)}


def test_figures_per_customer(cli: Any, tmp_path: Path) -> None:
    load_book(cli, tmp_path)
    rows = figures(cli)
    assert sorted(rows) == ["C1", "C2", "C3", "C4", "C5"]
    c1 = rows["C1"]
    assert (c1["weighted_days_late"], c1["share_late"], c1["paid_invoices"], c1["paid_late"]) == ("10.0", "100.0", 3, 3)
    assert (c1["recent_days_late"], c1["previous_days_late"], c1["trend_days_late"]) == ("10.0", "10.0", "0.0")
    assert (c1["current_exposure"], c1["highest_exposure"], c1["highest_exposure_on"]) == ("0.00", "800.00", "2026-07-01")  # 300 + 500 open that day
    assert c1["chronic"] is False and c1["profile"] == "auto" and c1["behaviour_profile"] == "auto"
    c2 = rows["C2"]
    assert (c2["promises"], c2["broken_promises"], c2["chronic"]) == (2, 2, True)
    assert (c2["current_exposure"], c2["overdue"], c2["max_days_overdue"]) == ("600.00", "600.00", 81)
    assert (c2["highest_exposure"], c2["highest_exposure_on"]) == ("1000.00", "2026-08-01")
    assert c2["weighted_days_late"] == "36.0" and c2["behaviour_profile"] == "new"
    assert c2["risk"] == "4.20"  # 1 + 100/100 + 36/30 + 0.5 x 2
    c3 = rows["C3"]
    assert (c3["weighted_days_late"], c3["share_late"], c3["chronic"]) == ("20.0", "100.0", True)
    assert "20.0 days late" in c3["chronic_reasons"][0]
    c4 = rows["C4"]
    assert (c4["weighted_days_late"], c4["share_late"], c4["behaviour_profile"]) == ("0.0", "0.0", "loyal")
    c5 = rows["C5"]
    assert (c5["previous_days_late"], c5["recent_days_late"], c5["trend_days_late"]) == ("30.0", "5.0", "-25.0")
    assert c5["weighted_days_late"] == "17.5" and c5["chronic"] is False  # two paid invoices: too few to judge
    assert figures(cli, "C5")["C5"] == c5
    unknown = cli("customers", "behaviour", "C99", ok=False)
    assert unknown.exit_code == 1 and "no customer 'C99'" in unknown.stderr and "Traceback" not in unknown.stderr
    human = cli("customers", "behaviour", "--as-of", AS_OF).stdout
    assert "Payment behaviour on 2026-11-20 (5)" in human and "C5" in human


def test_reminders_before_payment_count_the_levels_sent(cli: Any, tmp_path: Path) -> None:
    from sqlalchemy import create_engine
    from sqlmodel import Session, select

    from worker.db.tables import Invoice, Reminder, ReminderInvoice

    load_book(cli, tmp_path)
    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])
    with Session(engine) as session:
        invoice = session.exec(select(Invoice).where(Invoice.number == "FA-2026-0101")).one()
        for level, channel, day in [("first_reminder", "email", date(2026, 7, 2)),
                                    ("second_reminder", "email", date(2026, 7, 9)),
                                    ("second_reminder", "letter", date(2026, 7, 9)),  # same level: once
                                    ("formal_notice", "letter", date(2026, 7, 20))]:  # after payment
            reminder = Reminder(company_id=invoice.company_id, customer_id=invoice.customer_id, level=level,
                                channel=channel, status="sent", invoice_numbers=[invoice.number],
                                amount_due=invoice.amount, planned_on=day)
            session.add(reminder)
            session.flush()
            session.add(ReminderInvoice(company_id=invoice.company_id, reminder_id=reminder.id, invoice_id=invoice.id,
                                        level=level, channel=channel, open_amount=invoice.amount))
        session.commit()
    engine.dispose()
    assert figures(cli, "C1")["C1"]["reminders_before_payment"] == "0.67"  # (2 + 0 + 0) / 3


def test_sync_moves_profiles_records_why_and_a_person_wins(cli: Any, tmp_path: Path) -> None:
    load_book(cli, tmp_path)
    cli.json("sync", "--as-of", AS_OF, "--no-send")
    moves = {m["customer_ref"]: m for m in cli.json("customers", "moves")}
    assert sorted(moves) == ["C2", "C3", "C4"]
    assert (moves["C2"]["from_profile"], moves["C2"]["to_profile"]) == ("auto", "new")
    assert "2 broken promises" in moves["C2"]["reasons"][0] and moves["C2"]["figures"]["broken_promises"] == 2
    assert (moves["C3"]["to_profile"], moves["C4"]["to_profile"]) == ("new", "loyal")
    assert moves["C3"]["moved_on"] == AS_OF and moves["C3"]["figures"]["weighted_days_late"] == "20.0"
    # The planner follows the move: C2's overdue invoice is reminded on the strict ("new") schedule.
    plan = cli.json("reminders", "plan", "--as-of", AS_OF)
    assert {p["profile"] for p in plan if p["customer_ref"] == "C2"} == {"new"}
    assert "customer.profile_moved" in [e["kind"] for e in cli.json("customers", "history", "C3")]
    # Running again moves nothing more.
    cli.json("sync", "--as-of", AS_OF, "--no-send")
    assert len(cli.json("customers", "moves")) == 3
    # A person sets C2's profile: it wins over the behaviour, and the moves leave C2 alone.
    cli("customers", "profile", "C2", "--profile", "standard")
    assert {p["profile"] for p in cli.json("reminders", "plan", "--as-of", AS_OF) if p["customer_ref"] == "C2"} \
        == {"standard"}
    cli.json("sync", "--as-of", AS_OF, "--no-send")
    assert len(cli.json("customers", "moves", "C2")) == 1
    c2 = figures(cli, "C2")["C2"]
    assert (c2["profile"], c2["profile_source"], c2["behaviour_profile"]) == ("standard", "person", "new")
    # Given back to the rules, it keeps the profile its behaviour chose.
    cli("customers", "profile", "C2", "--profile", "auto")
    assert figures(cli, "C2")["C2"]["profile_source"] == "behaviour"


def test_moves_back_and_settings(cli: Any, tmp_path: Path) -> None:
    load_book(cli, tmp_path)
    moved = cli.json("customers", "behaviour", "C4", "--apply", "--as-of", AS_OF)
    assert moved[0]["profile"] == "loyal" and moved[0]["profile_source"] == "behaviour"
    assert [m["customer_ref"] for m in cli.json("customers", "moves")] == ["C4"]  # REF only
    # The company now asks for 4 paid invoices: C4 (3) is no longer reliable, back to the policy's own rules.
    (tmp_path / "var" / "companies" / "default.toml").write_text("[behaviour]\nreliable_min_paid_invoices = 4\n",
                                                                 encoding="utf-8")
    cli.json("customers", "behaviour", "--apply", "--as-of", AS_OF)
    c4_moves = cli.json("customers", "moves", "C4")
    assert [(m["from_profile"], m["to_profile"]) for m in c4_moves] == [("auto", "loyal"), ("loyal", "auto")]
    assert "no behaviour rule applies" in c4_moves[1]["reasons"][0]
    (tmp_path / "var" / "companies" / "default.toml").write_text("[behaviour]\nmoves = false\n", encoding="utf-8")
    cli.json("customers", "behaviour", "--apply", "--as-of", AS_OF)
    assert len(cli.json("customers", "moves")) == 4  # C2, C3, C4 twice: nothing more
    (tmp_path / "var" / "companies" / "default.toml").write_text("[behaviour]\nchronic_days_late = \"x\"\n",
                                                                 encoding="utf-8")
    bad = cli("customers", "behaviour", ok=False)
    assert bad.exit_code == 1 and "behaviour.chronic_days_late must be a number" in bad.stderr

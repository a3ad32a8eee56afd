"""Credit notes netted, through the CLI on SQLite and PostgreSQL: a credit note is allocated to the invoice it
names (else to the customer's oldest open debt), and reminders, the aged balance and the formal notice's
penalties ask only what is really owed."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlmodel import Session, select

from tests.factories import Camt053, Payment, fresh_bank_data
from tests.integration.smtp_server import Collector
from tests.sender_identity import give_identity


def _invoice(number: str, customer: str, amount: str, issued: str, due: str, **extra: str) -> dict[str, str]:
    names = {"C1": ("Dubois SARL", "compta@dubois.example"), "C2": ("Morel Traiteur", "morel@example.fr")}
    name, email = names[customer]
    return {"number": number, "customer_ref": customer, "customer_name": name, "customer_email": email,
            "customer_since": "2025-06-01", "customer_address": "1 rue Neuve|75001 Paris", "amount": amount,
            "issued_on": issued, "due_on": due, **extra}


def _write(tmp_path: Path, name: str, rows: list[dict[str, str]]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(rows), encoding="utf-8")
    return str(path)


def _allocations(cli: Any) -> list[tuple[str, str, Decimal, list[str], bool]]:
    """(credit note, invoice, amount, reasons, live) of every credit-note allocation, oldest first."""
    from worker.db.credit_note_tables import CreditNoteAllocation
    from worker.db.tables import Invoice

    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])
    with Session(engine) as session:
        numbers = {i.id: i.number for i in session.exec(select(Invoice)).all()}
        rows = session.exec(select(CreditNoteAllocation).order_by(CreditNoteAllocation.id)).all()  # type: ignore[arg-type]
        out = [(numbers[a.credit_note_id], numbers[a.invoice_id], a.amount, list(a.reasons), a.undone_at is None)
               for a in rows]
    engine.dispose()
    return out


FA10 = _invoice("FA-10", "C1", "1000.00", "2026-09-01", "2026-10-01")
AV12 = _invoice("AV-12", "C1", "-200.00", "2026-09-20", "2026-09-20", kind="credit_note", credit_note_for="FA-10")


def test_a_credit_note_naming_its_invoice_nets_the_reminder_and_the_aged_balance(cli: Any, tmp_path: Path) -> None:
    from worker.cli import reports_cmds  # noqa: F401 - registers `lettrage reports` for the in-process CLI

    first = cli.json("invoices", "import", _write(tmp_path, "factures.json", [FA10, AV12]))
    assert first == {"imported": 2, "updated": 0, "unchanged": 0}
    assert _allocations(cli) == [("AV-12", "FA-10", Decimal("200.00"), ["credit note AV-12 names FA-10"], True)]

    [planned] = cli.json("reminders", "plan", "--as-of", "2026-11-25")  # a Wednesday, FA-10 55 days late
    assert (planned["customer_ref"], planned["invoices"], planned["amount_due"]) == ("C1", ["FA-10"], "800.00")

    aged = cli.json("reports", "aged-balance", "--as-of", "2026-11-25")
    [c1] = aged["customers"]
    assert (c1["customer_ref"], c1["31-60"], c1["total"], c1["invoices"]) == ("C1", "800.00", "800.00", 1)
    assert aged["totals"][0]["total"] == "800.00"
    listed = {r["number"]: r for r in cli.json("invoices", "list")}
    assert (listed["FA-10"]["open"], listed["FA-10"]["status"]) == ("800.00", "partially_paid")
    assert (listed["AV-12"]["open"], listed["AV-12"]["status"]) == ("0.00", "credit_note")  # fully allocated

    # the same export again, then a matching run: nothing is allocated twice
    again = cli.json("invoices", "import", _write(tmp_path, "factures.json", [FA10, AV12]))
    assert again == {"imported": 0, "updated": 0, "unchanged": 2}
    cli.json("match")
    assert len(_allocations(cli)) == 1
    assert cli.json("reminders", "plan", "--as-of", "2026-11-25")[0]["amount_due"] == "800.00"


def test_a_payment_net_of_the_credit_note_settles_the_invoice(cli: Any, tmp_path: Path) -> None:
    cli.json("invoices", "import", _write(tmp_path, "factures.json", [FA10, AV12]))
    camt = Camt053([Payment("BQ-1", date(2026, 10, 2), Decimal("800.00"), "DUBOIS SARL", "Facture FA-10")])
    (tmp_path / "camt.xml").write_bytes(camt.render())
    cli.json("statements", "import", str(tmp_path / "camt.xml"))
    assert cli.json("match")["auto"] == 1  # 800 is exactly what FA-10 asks once AV-12 is deducted
    listed = {r["number"]: r for r in cli.json("invoices", "list")}
    assert (listed["FA-10"]["open"], listed["FA-10"]["status"]) == ("0.00", "paid")
    assert cli.json("reminders", "plan", "--as-of", "2026-11-25") == []


def test_a_credit_note_naming_nothing_goes_to_the_oldest_open_invoice(cli: Any, tmp_path: Path) -> None:
    """Code civil art. 1342-10: failing the debtor's indication, imputation goes to the debts that are due,
    among them the oldest; the credit note's remainder past that invoice goes to the next oldest."""
    from worker.cli import reports_cmds  # noqa: F401 - registers `lettrage reports` for the in-process CLI

    rows = [_invoice("FA-20", "C1", "300.00", "2026-09-15", "2026-10-15"),
            _invoice("FA-21", "C1", "500.00", "2026-08-01", "2026-09-01"),  # the oldest due date
            _invoice("FA-30", "C2", "900.00", "2026-07-01", "2026-08-01")]  # older, but another customer
    cli.json("invoices", "import", _write(tmp_path, "factures.json", rows))
    assert _allocations(cli) == []
    note = _invoice("AV-22", "C1", "-600.00", "2026-10-20", "2026-10-20", kind="credit_note")
    assert cli.json("invoices", "import", _write(tmp_path, "avoir.json", [note]))["imported"] == 1
    rule = "oldest open invoice of the customer (C. civ. art. 1342-10)"
    assert _allocations(cli) == [
        ("AV-22", "FA-21", Decimal("500.00"), [f"{rule}: FA-21 due 2026-09-01"], True),
        ("AV-22", "FA-20", Decimal("100.00"), [f"{rule}: FA-20 due 2026-10-15"], True)]
    plan = {p["customer_ref"]: p for p in cli.json("reminders", "plan", "--as-of", "2026-11-25")}
    assert (plan["C1"]["invoices"], plan["C1"]["amount_due"]) == (["FA-20"], "200.00")
    assert plan["C2"]["amount_due"] == "900.00"
    aged = {c["customer_ref"]: c for c in cli.json("reports", "aged-balance", "--as-of", "2026-11-25")["customers"]}
    assert (aged["C1"]["total"], aged["C1"]["invoices"]) == ("200.00", 1)

    # a second run (matching, a re-import) allocates nothing more
    cli.json("match")
    cli.json("invoices", "import", _write(tmp_path, "avoir.json", [note]))
    assert len(_allocations(cli)) == 2


def test_a_payment_net_of_an_unnamed_credit_note_moves_it_onto_the_invoice_paid(cli: Any, tmp_path: Path) -> None:
    """Code civil art. 1342-10 al. 1: the debtor of several debts indicates, when paying, which one it settles;
    the rule of the oldest debt applies only failing that indication. A credit note naming no invoice went by
    rule to FA-2026-0041 (the oldest); the customer then pays FA-2026-0042 less exactly that credit note, naming FA-2026-0042: the
    credit note moves to FA-2026-0042 (settled, never reminded), and FA-2026-0041 is owed in full again. The 100,000-invoice
    promise run reminded such paid invoices for the credit note's amount."""
    rows = [_invoice("FA-2026-0041", "C1", "400.00", "2026-08-01", "2026-09-01"),
            _invoice("FA-2026-0042", "C1", "1000.00", "2026-09-10", "2026-10-10"),
            _invoice("AV-43", "C1", "-250.00", "2026-09-12", "2026-09-12", kind="credit_note")]
    cli.json("invoices", "import", _write(tmp_path, "factures.json", rows))
    assert [(n, i, a, live) for n, i, a, _, live in _allocations(cli)] == [("AV-43", "FA-2026-0041", Decimal("250.00"), True)]
    camt = Camt053([Payment("BQ-1", date(2026, 10, 9), Decimal("750.00"), "DUBOIS SARL", "Facture FA-2026-0042")])
    (tmp_path / "camt.xml").write_bytes(camt.render())
    cli.json("statements", "import", str(tmp_path / "camt.xml"))
    assert cli.json("match")["auto"] == 1
    moved = _allocations(cli)
    assert [(n, i, a, live) for n, i, a, _, live in moved] == [
        ("AV-43", "FA-2026-0041", Decimal("250.00"), False), ("AV-43", "FA-2026-0042", Decimal("250.00"), True)]
    assert "C. civ. art. 1342-10 al. 1" in moved[1][3][0] and "FA-2026-0042" in moved[1][3][0]
    listed = {r["number"]: r for r in cli.json("invoices", "list")}
    assert (listed["FA-2026-0042"]["open"], listed["FA-2026-0042"]["status"]) == ("0.00", "paid")
    assert listed["FA-2026-0041"]["open"] == "400.00"
    [planned] = cli.json("reminders", "plan", "--as-of", "2026-11-25")
    assert (planned["invoices"], planned["amount_due"]) == (["FA-2026-0041"], "400.00")

    # again: nothing moves twice; a payment leaving another amount open moves nothing
    cli.json("match")
    assert len(_allocations(cli)) == 2


def test_the_oldest_invoice_paid_in_full_lets_its_credit_note_go_to_the_invoice_netted(cli: Any,
                                                                                         tmp_path: Path) -> None:
    """C. civ. art. 1342-10 al. 1, the other way round: the rule set the credit note against FA-2026-0041, the oldest;
    the customer pays FA-2026-0041 in full, naming it, then FA-2026-0042 less the credit note. The first payment says the
    credit note is not for FA-2026-0041: it is released before matching (FA-2026-0041 settled exactly, no excess left as the
    customer's credit), the rule puts it on FA-2026-0042, and the second payment settles FA-2026-0042. Nothing is reminded."""
    rows = [_invoice("FA-2026-0041", "C1", "400.00", "2026-08-01", "2026-09-01"),
            _invoice("FA-2026-0042", "C1", "1000.00", "2026-09-10", "2026-10-10"),
            _invoice("AV-43", "C1", "-250.00", "2026-09-12", "2026-09-12", kind="credit_note")]
    cli.json("invoices", "import", _write(tmp_path, "factures.json", rows))
    first = Camt053([Payment("BQ-1", date(2026, 9, 2), Decimal("400.00"), "DUBOIS SARL", "Facture FA-2026-0041")])
    (tmp_path / "camt1.xml").write_bytes(first.render())
    cli.json("statements", "import", str(tmp_path / "camt1.xml"))
    assert cli.json("match")["auto"] == 1
    assert [(n, i, live) for n, i, _, _, live in _allocations(cli)] == [
        ("AV-43", "FA-2026-0041", False), ("AV-43", "FA-2026-0042", True)]
    listed = {r["number"]: r for r in cli.json("invoices", "list")}
    assert (listed["FA-2026-0041"]["open"], listed["FA-2026-0041"]["status"]) == ("0.00", "paid")
    assert listed["FA-2026-0042"]["open"] == "750.00"
    second = Camt053([Payment("BQ-2", date(2026, 10, 9), Decimal("750.00"), "DUBOIS SARL", "Facture FA-2026-0042")],
                     opening=Decimal("1400.00"), statement_id="S2")
    (tmp_path / "camt2.xml").write_bytes(second.render())
    cli.json("statements", "import", str(tmp_path / "camt2.xml"))
    assert cli.json("match")["auto"] == 1
    assert cli.json("reminders", "plan", "--as-of", "2026-11-25") == []
    listed = {r["number"]: r for r in cli.json("invoices", "list")}
    assert [listed[n]["status"] for n in ("FA-2026-0041", "FA-2026-0042")] == ["paid", "paid"]


def test_an_unnamed_credit_note_stays_when_the_shortfall_is_another_amount(cli: Any, tmp_path: Path) -> None:
    """The indication must be unmistakable: a part payment that leaves open something other than the credit
    note's amount is a part payment, and the credit note stays where the rule put it (art. 1342-10 al. 2)."""
    rows = [_invoice("FA-2026-0041", "C1", "400.00", "2026-08-01", "2026-09-01"),
            _invoice("FA-2026-0042", "C1", "1000.00", "2026-09-10", "2026-10-10"),
            _invoice("AV-43", "C1", "-250.00", "2026-09-12", "2026-09-12", kind="credit_note")]
    cli.json("invoices", "import", _write(tmp_path, "factures.json", rows))
    camt = Camt053([Payment("BQ-1", date(2026, 10, 9), Decimal("700.00"), "DUBOIS SARL", "Facture FA-2026-0042")])
    (tmp_path / "camt.xml").write_bytes(camt.render())
    cli.json("statements", "import", str(tmp_path / "camt.xml"))
    cli.json("match")
    assert [(n, i, live) for n, i, _, _, live in _allocations(cli)] == [("AV-43", "FA-2026-0041", True)]
    listed = {r["number"]: r for r in cli.json("invoices", "list")}
    assert (listed["FA-2026-0041"]["open"], listed["FA-2026-0042"]["open"]) == ("150.00", "300.00")


def test_a_credit_note_with_nothing_to_reduce_lowers_the_customer_total(cli: Any, tmp_path: Path) -> None:
    """What no open invoice takes stays the customer's credit: a negative amount in the aged balance, in the
    bucket of its own due date, until an invoice comes that it is allocated to."""
    from worker.cli import reports_cmds  # noqa: F401 - registers `lettrage reports` for the in-process CLI

    note = _invoice("AV-40", "C2", "-150.00", "2026-11-02", "2026-11-02", kind="credit_note")
    cli.json("invoices", "import", _write(tmp_path, "avoir.json", [note]))
    aged = cli.json("reports", "aged-balance", "--as-of", "2026-11-25")
    [c2] = aged["customers"]
    assert (c2["1-30"], c2["total"], c2["invoices"]) == ("-150.00", "-150.00", 0)
    assert {r["number"]: r["open"] for r in cli.json("invoices", "list")} == {"AV-40": "-150.00"}

    later = _invoice("FA-41", "C2", "400.00", "2026-11-10", "2026-12-10")
    cli.json("invoices", "import", _write(tmp_path, "factures.json", [later]))
    assert [(a[0], a[1], a[2]) for a in _allocations(cli)] == [("AV-40", "FA-41", Decimal("150.00"))]
    aged = cli.json("reports", "aged-balance", "--as-of", "2026-11-25")
    assert (aged["customers"][0]["not_due"], aged["customers"][0]["total"]) == ("250.00", "250.00")


def test_a_cancelled_credit_note_gives_the_invoice_back(cli: Any, tmp_path: Path) -> None:
    cli.json("invoices", "import", _write(tmp_path, "factures.json", [FA10, AV12]))
    cancelled = {**AV12, "status": "cancelled"}
    assert cli.json("invoices", "import", _write(tmp_path, "factures.json", [FA10, cancelled]))["updated"] == 1
    [(_, _, _, _, live)] = _allocations(cli)
    assert live is False
    assert cli.json("reminders", "plan", "--as-of", "2026-11-25")[0]["amount_due"] == "1000.00"


def test_formal_notice_penalties_are_computed_on_the_netted_amount(cli: Any, tmp_path: Path,
                                                                  smtp: tuple[int, Collector]) -> None:
    """Code de commerce L441-10 II: late-payment penalties run on the sums due from the day after the due date;
    a credit note correcting the invoice lowers the sum due, so 800.00 of an invoice of 1,000.00 less a credit
    note of 200.00 (plus the 40 EUR indemnity of D441-5)."""
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    from reminders.context import format_amount
    from reminders.law import late_penalty

    port, collector = smtp
    cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "relances@atelier.example"})
    cli.json("invoices", "import", _write(tmp_path, "factures.json", [FA10, AV12]))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 11, 4))  # bank data fresh up to the last day sent
    policy = tmp_path / "notice.toml"
    policy.write_text('[[levels]]\ncode = "formal_notice"\noffset_days = 30\nchannels = ["email"]\n', encoding="utf-8")
    cli("reminders", "policy", "--set", str(policy))
    sent = cli.json("reminders", "send", "--as-of", "2026-11-04")  # a Wednesday, FA-10 34 days late
    assert [(r["customer_ref"], r["level"], r["status"]) for r in sent] == [("C1", "formal_notice", "sent")]
    part = collector.messages[0].get_body(preferencelist=("plain",))
    assert part is not None
    body = part.get_content()
    penalty = late_penalty(Decimal("800.00"), date(2026, 10, 1), date(2026, 11, 4)).amount
    gross = late_penalty(Decimal("1000.00"), date(2026, 10, 1), date(2026, 11, 4)).amount
    assert Decimal(0) < penalty < gross
    assert f"les pénalités de retard s'élèvent à {format_amount(penalty)}" in body
    assert f"indemnité compris : {format_amount(Decimal('840.00') + penalty)}" in body

"""An invoice never stalls after the payment plan offer (issue 15, item 6), through the command line on SQLite and
PostgreSQL: a customer of less than six months climbs the "new" ladder (payment plan at D+30, legal file at D+45),
turns standard on the way (legal file at D+60); the legal file still comes the standard spacing (15 days) after the
payment plan offer, not 29 days after it (the case of FA-2026-000297 on the promise benchmark)."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from tests.factories import fresh_bank_data
from tests.integration.smtp_server import Collector
from tests.sender_identity import give_identity

SINCE = "2025-12-15"  # "new" (less than six months) until 15 June 2026, standard from then on


def _row(number: str, amount: str, issued: str, due: str, **extra: str) -> dict[str, str]:
    return {"number": number, "customer_ref": "C7", "customer_name": "Atelier Céramique Martin",
            "customer_email": "compta@martin.example.fr", "customer_since": SINCE,
            "customer_address": "54 rue des Artisans|69008 Lyon", "amount": amount, "issued_on": issued,
            "due_on": due, **extra}


def levels(rows: list[dict[str, Any]]) -> list[tuple[str, str, list[str], str]]:
    return [(r["level"], r["channel"], r["invoices"], r["amount_due"]) for r in rows]


def test_the_legal_file_follows_the_payment_plan_when_the_customer_turns_standard_on_the_way(
        cli: Any, tmp_path: Path, smtp: tuple[int, Collector]) -> None:
    """Code de commerce L441-10: the invoice is due on its due date and late from the next day; the payment plan
    offer gives an acceptance date (notice_days after it, 8 days), after which the file for legal recovery goes
    (Code des procédures civiles d'exécution L111-2/L111-3: recovery needs the claim the formal notice stated).
    The credit note AV-1 naming FA-1 (Code civil art. 1347, compensation) lowers every claim to 484.92."""
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    port, _ = smtp
    cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "relances@atelier.example"})
    rows = [_row("FA-1", "646.56", "2026-04-01", "2026-05-01"),
            _row("AV-1", "-161.64", "2026-04-07", "2026-04-07", kind="credit_note", credit_note_for="FA-1")]
    (tmp_path / "f.json").write_text(json.dumps(rows), encoding="utf-8")
    cli.json("invoices", "import", str(tmp_path / "f.json"))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 6, 30))  # bank data fresh up to the last day sent

    # The "new" ladder, each level on its business day (the call is passed over: the export has no phone).
    for day, level in (("2026-04-27", "courteous"), ("2026-05-04", "first_reminder"),
                       ("2026-05-11", "second_reminder"), ("2026-05-21", "formal_notice"),
                       ("2026-06-01", "payment_plan")):
        sent = cli.json("reminders", "send", "--as-of", day)
        assert {r["level"] for r in sent} == {level} and all(r["status"] == "sent" for r in sent), (day, sent)
        assert {r["amount_due"] for r in sent} == {"484.92"}

    # Monday 15 June: the customer is standard now (legal file at D+60, 30 June), but the legal file comes
    # 15 days after the payment plan offer of 1 June, on Tuesday 16 June; the held reason gives that date.
    assert cli.json("reminders", "plan", "--as-of", "2026-06-15") == []
    [held] = cli.json("reminders", "plan", "--held", "--as-of", "2026-06-15")
    assert held["invoice"] == "FA-1" and held["open"] == "484.92"
    assert held["reason"].startswith("legal_file from 2026-06-16 (15 days after payment_plan, the spacing of its "
                                     "ladder since the customer's profile changed)")
    assert levels(cli.json("reminders", "plan", "--as-of", "2026-06-16")) == [
        ("legal_file", "export", ["FA-1"], "484.92")]
    sent = cli.json("reminders", "send", "--as-of", "2026-06-16")
    assert [(r["level"], r["status"]) for r in sent] == [("legal_file", "sent")]
    # the ladder is done: nothing more is planned, the invoice is not left waiting for a level
    assert cli.json("reminders", "plan", "--as-of", "2026-06-30") == []
    [done] = cli.json("reminders", "plan", "--held", "--as-of", "2026-06-30")
    assert done["reason"].startswith("every level of the policy was sent")

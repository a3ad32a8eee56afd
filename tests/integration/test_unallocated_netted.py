"""Money received and not yet allocated is netted and named in what a reminder asks, through the CLI on SQLite
and PostgreSQL (issue 15, items 4 and 5): a payment of 300.00 from the customer's known IBAN quoting nothing holds
its invoice of 1,000.00 for ten business days; then the reminder asks 700.00 and lists the 300.00, asking which
invoice it pays; kept on account, the same 700.00 is asked and the aged balance shows -300.00 on account.

The matcher puts such a payment (a recognised customer's, fitting no exact combination) in review with the
customer's open invoice as candidate (README, "Payments to identify"); refused there, it is a payment to identify,
then kept on account: netted the same way in each state."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from tests.factories import Camt053, InvoiceSpec, Payment, fresh_bank_data, invoices_csv
from tests.integration.smtp_server import Collector
from tests.sender_identity import give_identity

DUBOIS_IBAN = "FR1420041010050500013M02606"
FA1 = InvoiceSpec("FA-2026-00001", "C1", "1000.00", date(2026, 9, 1), date(2026, 10, 1),
                  customer_name="Dubois SARL", customer_email="compta@dubois.example", customer_iban=DUBOIS_IBAN)
# Monday 2 November 2026: ten French business days later (11 November is a public holiday) is Tuesday 17.
UNQUOTED = Payment("P1", date(2026, 11, 2), Decimal("300.00"), "DUBOIS SARL", "VIREMENT DUBOIS",
                   payer_iban=DUBOIS_IBAN)


SMALL = InvoiceSpec("FA-2026-00002", "C1", "250.00", date(2026, 9, 1), date(2026, 10, 1),
                    customer_name="Dubois SARL", customer_email="compta@dubois.example", customer_iban=DUBOIS_IBAN)


def _setup(cli: Any, tmp_path: Path, invoice: InvoiceSpec = FA1) -> int:
    """The invoice imported, the payment matched: in review (its id returned)."""
    (tmp_path / "invoices.csv").write_bytes(invoices_csv([invoice]))
    cli("invoices", "import", str(tmp_path / "invoices.csv"))
    (tmp_path / "S1.xml").write_bytes(Camt053([UNQUOTED], statement_id="S1").render())
    cli("statements", "import", str(tmp_path / "S1.xml"))
    assert cli.json("match") == {"auto": 0, "review": 1, "unmatched": 0}
    [item] = cli.json("review", "list")
    assert (item["bank_ref"], [c["invoice"] for c in item["candidates"]]) == ("P1", [invoice.number])
    return int(item["id"])


def _keep_on_account(cli: Any, item: int) -> int:
    """The review refused, the payment (now to identify) kept on account for C1: its line id."""
    cli.json("review", "reject", str(item))
    [listed] = cli.json("payments", "unidentified", "--as-of", "2026-11-04")
    assert (listed["bank_ref"], listed["customer_ref"], listed["state"]) == ("P1", "C1", "rejected")
    kept = cli.json("payments", "on-account", str(listed["line"]), "--customer", "C1")
    assert (kept["action"], kept["amount"]) == ("on_account", "300.00")
    return int(listed["line"])


def test_a_payment_awaiting_identification_is_netted_after_its_hold_and_named_in_the_email(
        cli: Any, tmp_path: Path, smtp: tuple[int, Collector]) -> None:
    """Code civil art. 1342-10: failing the debtor's indication, a payment goes to the debt that is due, the
    oldest first: the 300.00 received lowers what FA-2026-00001 owes to 700.00, which is all the reminder asks."""
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 11, 25))  # bank data fresh up to the last day sent
    from worker.cli import reports_cmds  # noqa: F401 - registers `lettrage reports` for the in-process CLI

    item = _setup(cli, tmp_path)
    [held] = cli.json("reminders", "plan", "--held", "--as-of", "2026-11-16")  # a Monday, within the hold
    assert (held["invoice"], held["held_until"]) == ("FA-2026-00001", "2026-11-17") and "P1" in held["reason"]
    assert cli.json("reminders", "plan", "--as-of", "2026-11-16") == []

    [planned] = cli.json("reminders", "plan", "--as-of", "2026-11-18")  # a Wednesday, the hold over
    assert (planned["invoices"], planned["level"], planned["amount_due"], planned["unallocated"]) == (
        ["FA-2026-00001"], "first_reminder", "700.00", "300.00")

    port, collector = smtp
    cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "relances@atelier.example"})
    sent = cli.json("reminders", "send", "--as-of", "2026-11-18")
    assert [(r["level"], r["amount_due"], r["status"]) for r in sent] == [("first_reminder", "700.00", "sent")]
    [message] = collector.messages
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    text = plain.get_content().replace("\r\n", "\n")
    assert "- Moins les paiements reçus non encore affectés : -300,00\u00a0€" in text
    assert "Montant restant dû : 700,00\u00a0€." in text
    assert ("Nous avons reçu les paiements suivants sans pouvoir les rattacher à une facture :\n"
            "- le 02/11/2026 : 300,00\u00a0€, référence bancaire P1") in text
    assert "Merci de nous indiquer les factures qu'ils règlent." in text
    assert "Montant demandé" in html.get_content() and "P1" in html.get_content()
    [statement] = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
    pages = " ".join(" ".join((page.extract_text() or "").replace("\u00a0", " ").split())
                     for page in PdfReader(io.BytesIO(statement.get_content())).pages)
    assert "sans pouvoir les rattacher à une facture" in pages and "P1" in pages and "300,00 €" in pages

    [work] = cli.json("worklist", "--as-of", "2026-11-18")  # the review still waits, its hold over
    assert (work["action"], work["invoices"], work["outstanding"]) == ("review", ["FA-2026-00001"], "700.00")

    _keep_on_account(cli, item)
    again = cli.json("reminders", "plan", "--as-of", "2026-11-25")  # a Wednesday, 7 days after the first
    assert {(p["level"], p["amount_due"], p["unallocated"]) for p in again} == {("second_reminder", "700.00", "300.00")}

    aged = cli.json("reports", "aged-balance", "--as-of", "2026-11-25")
    [c1] = aged["customers"]
    assert (c1["1-30"], c1["31-60"], c1["total"], c1["invoices"]) == ("-300.00", "1000.00", "700.00", 1)


def test_money_kept_on_account_covering_the_invoice_plans_nothing_and_asks_a_person(
        cli: Any, tmp_path: Path) -> None:
    """Money on account covering every open invoice: nothing is asked (never below zero), the invoice is held
    with the money named, and the worklist asks a person to allocate it; allocated, the invoice is paid (what the
    money does not use stays the payment's: 50.00 of the 300.00)."""
    line = _keep_on_account(cli, _setup(cli, tmp_path, SMALL))
    assert cli.json("reminders", "plan", "--as-of", "2026-11-04") == []
    [held] = cli.json("reminders", "plan", "--held", "--as-of", "2026-11-04")
    assert held["reason"] == ("covered by 300.00 received and not yet allocated "
                              "(payment P1 of 2026-11-02, kept on account)")
    [work] = cli.json("worklist", "--as-of", "2026-11-04")
    assert (work["action"], work["invoices"], work["outstanding"]) == ("identify_payment", ["FA-2026-00002"], "0.00")
    assert f"lettrage payments allocate {line} INVOICE" in work["reason"]

    done = cli.json("payments", "allocate", str(line), "FA-2026-00002")
    assert (done["action"], done["invoices"], done["amount"]) == ("allocated", ["FA-2026-00002"], "250.00")
    assert {r["number"]: r["status"] for r in cli.json("invoices", "list")}["FA-2026-00002"] == "paid"
    assert cli.json("reminders", "plan", "--held", "--as-of", "2026-11-04") == []

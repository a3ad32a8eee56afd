"""Each company's reminders come from that company (issue 19, item 1), through a real SMTP server on loopback:
its From, Reply-To and SMTP server, its signature with the mentions of C. com. R123-237/238; nothing leaves for
a company that does not say who it is, and the run says which company and which keys."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tests.factories import fresh_bank_data
from tests.integration.smtp_server import Collector

HEADER = "number,customer_ref,customer_name,customer_email,customer_since,customer_kind,amount,issued_on,due_on"


def book(tmp_path: Path, ref: str, customer: str, email: str) -> str:
    path = tmp_path / f"{ref}.csv"
    path.write_text(f'{HEADER}\nFA-{ref}-1,C1,"{customer}",{email},2025-06-01,business,1500.00,2026-09-01,2026-10-01\n',
                    encoding="utf-8")
    return str(path)


def identity(name: str, siren: str, sender: str, port: int) -> str:
    return (f'[company]\nname = "{name}"\nlegal_form = "SAS"\ncapital = "5000"\nsiren = "{siren}"\n'
            f'rcs_city = "Lyon"\naddress = ["1 quai Saint-Antoine", "69002 Lyon"]\nemail = "{name} <{sender}>"\n'
            f'reply_to = "compta@{sender.partition("@")[2]}"\nsignatory_name = "Paul Roche"\n'
            f'signatory_title = "président"\nsmtp_url = "smtp://127.0.0.1:{port}"\n')


def body(message: Any) -> str:
    part = message.get_body(("plain",)) if hasattr(message, "get_body") else None
    text = (part or next(p for p in message.walk() if p.get_content_type() == "text/plain")).get_payload(decode=True)
    return str(text.decode("utf-8")).replace("\u00a0", " ").replace("\r\n", "\n")


def test_each_customer_gets_its_own_companys_sender_and_signature(cli: Any, tmp_path: Path,
                                                                   smtp: tuple[int, Collector]) -> None:
    """C. com. R123-237 and R123-238: each company's emails carry its own name, legal form, capital, RCS city and
    SIREN; each is sent from its own address and SMTP server (``[company] smtp_url``), the deployment's
    (LETTRAGE_SMTP_URL, here a closed port, and LETTRAGE_MAIL_FROM) being only the default."""
    port, collector = smtp
    cli.env.update({"LETTRAGE_SMTP_URL": "smtp://127.0.0.1:9", "LETTRAGE_MAIL_FROM": "lettrage@cabinet.example"})
    cli("companies", "add", "acme", "--name", "Acme")
    cli("companies", "add", "bravo", "--name", "Bravo")
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    (companies / "acme.toml").write_text(identity("Acme Industrie", "732829320", "relances@acme.example", port))
    (companies / "bravo.toml").write_text(identity("Bravo Services", "552100554", "relances@bravo.example", port))
    cli.json("invoices", "import", book(tmp_path, "acme", "Dubois SARL", "compta@dubois.example"), "--company", "acme")
    cli.json("invoices", "import", book(tmp_path, "bravo", "Morel SAS", "ap@morel.example"), "--company", "bravo")
    # each company's bank data fresh on the day sent (reminders/freshness.py), on an account of its own
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 6), "acme")
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 6), "bravo", iban="FR7630004000031234567890143")

    for ref in ("acme", "bravo"):
        sent = cli.json("reminders", "send", "--as-of", "2026-10-06", "--company", ref)
        assert [(r["customer_ref"], r["status"]) for r in sent] == [("C1", "sent")], sent
    [dubois] = collector.to("compta@dubois.example")
    [morel] = collector.to("ap@morel.example")
    assert dubois["From"] == "Acme Industrie <relances@acme.example>" and dubois["Reply-To"] == "compta@acme.example"
    assert morel["From"] == "Bravo Services <relances@bravo.example>" and morel["Reply-To"] == "compta@bravo.example"
    assert dubois["Message-ID"].endswith("@acme.example>")
    acme, bravo = body(dubois), body(morel)
    assert "Paul Roche, président\nAcme Industrie\nSAS au capital de 5 000,00 € — RCS Lyon 732 829 320" in acme
    assert "Bravo Services\nSAS au capital de 5 000,00 € — RCS Lyon 552 100 554" in bravo
    assert "Bravo" not in acme and "Acme" not in bravo and "cabinet.example" not in acme + bravo


def test_an_incomplete_identity_sends_nothing_and_says_why(cli: Any, tmp_path: Path,
                                                           smtp: tuple[int, Collector]) -> None:
    """C. com. R123-237: no business letter or email without the sender's mentions; "Default company", the name
    lettrage gave the company it created, never reaches a customer. The run names the company and the keys."""
    port, collector = smtp
    cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "relances@atelier.example"})
    cli.json("invoices", "import", book(tmp_path, "default", "Dubois SARL", "compta@dubois.example"))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 6))  # bank data fresh up to the last day sent
    [planned] = cli.json("reminders", "plan", "--as-of", "2026-10-06")
    assert planned["warnings"] == [("FA-default-1: not sent: the sender identity of company default (Default "
                                    "company) lacks company.name for a first_reminder by email (set them in its TOML "
                                    "file's [company] section)")]
    [item] = [i for i in cli.json("worklist", "--as-of", "2026-10-06") if i["action"] == "sender_identity"]
    assert item["reason"] == planned["warnings"][0].removeprefix("FA-default-1: ")
    [result] = cli.json("reminders", "send", "--as-of", "2026-10-06")
    assert result["status"] == "skipped" and collector.messages == []
    assert result["detail"] == ("not sent: the sender identity of company default (Default company) lacks "
                                "company.name for a first_reminder by email (set them in its TOML file's "
                                "[company] section)")
    out = cli("reminders", "send", "--as-of", "2026-10-06", ok=False).stdout
    assert "company.name" in out

    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    (companies / "default.toml").write_text('[company]\nname = "Atelier Lumière"\n', encoding="utf-8")
    [sent] = cli.json("reminders", "send", "--as-of", "2026-10-06")
    assert sent["status"] == "sent" and "Atelier Lumière" in body(collector.messages[0])

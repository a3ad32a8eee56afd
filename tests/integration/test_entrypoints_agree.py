"""The entrypoints build the same reminder channels (issue 17: one composition root, worker/bootstrap.py).

Before, `POST /api/reminders/send` wired its own channels: no Reply-To on emails, no SMS, no legal-file export
(a legal-file level sent through the API failed and escalated), and the deployment's templates were ignored."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tests.factories import fresh_bank_data
from tests.integration.api_helpers import app_client, token
from tests.integration.smtp_server import Collector
from tests.sender_identity import give_identity


def _invoice(number: str) -> dict[str, str]:
    return {"number": number, "customer_ref": "C9", "customer_name": "Dubois SARL",
            "customer_email": "compta@dubois.example", "customer_since": "2025-01-01", "amount": "120.00",
            "issued_on": "2026-01-01", "due_on": "2026-01-31"}


def test_the_api_sends_through_the_company_channels_with_reply_to_and_templates(
        cli: Any, tmp_path: Path, smtp: tuple[int, Collector]) -> None:
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 3, 2))  # bank data fresh up to the last day sent
    port, collector = smtp
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "first_reminder.txt.j2").write_text("Madame, Monsieur, modèle du déploiement.\n", encoding="utf-8")
    cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "relances@atelier.example",
                    "LETTRAGE_REPLY_TO": "compta@atelier.example", "LETTRAGE_TEMPLATES_DIR": str(templates)})
    client = app_client(cli, tmp_path)
    headers = token(cli, "dunning", "reminders:read", "reminders:write", "invoices:write")
    client.post("/api/invoices", headers=headers, json={"invoices": [_invoice("FA-9001")]})
    [planned] = client.get("/api/reminders/plan?as_of=2026-03-02", headers=headers).json()["planned"]
    assert (planned["level"], planned["channel"]) == ("first_reminder", "email")
    [result] = client.post("/api/reminders/send", headers=headers, json={"as_of": "2026-03-02"}).json()
    assert result["status"] == "sent", result
    [message] = collector.messages
    assert message["Reply-To"] == "compta@atelier.example"
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
    assert "modèle du déploiement" in text.decode("utf-8")


def test_every_entrypoint_gets_every_channel(tmp_path: Path) -> None:
    from worker.bootstrap import company_channels
    from worker.settings import load_settings

    settings = load_settings({"LETTRAGE_DATA_DIR": str(tmp_path), "LETTRAGE_OUTPUT_DIR": str(tmp_path / "out")},
                             env_file=None)
    assert set(company_channels(settings, "default")) == {"email", "letter", "phone", "sms", "export", "registered"}


def test_a_scheduled_sync_keeps_to_the_sending_window_whatever_day_it_plans(
        cli: Any, engine: Any, tmp_path: Path, smtp: tuple[int, Collector]) -> None:
    """A scheduler restarted at 22:00 used to email customers at 22:00: its run names the day, and the window
    applied only to runs without a day. The messages leave now, so the window applies (emails wait; a run in the
    morning sends them)."""
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])  # a sender that may sign (tests/sender_identity.py)
    from datetime import UTC, datetime

    from tests.integration.test_dunning_e2e import book
    from worker.scheduler import _enqueue
    from worker.settings import load_settings

    port, collector = smtp
    cli.json("invoices", "import", book(tmp_path))
    fresh_bank_data(cli.env["LETTRAGE_DATABASE_URL"], date(2026, 10, 7))  # bank data fresh up to the last day sent
    env = {**cli.env, "LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{port}", "LETTRAGE_MAIL_FROM": "relances@atelier.example",
           "LETTRAGE_OUTPUT_DIR": str(tmp_path / "out")}
    night = load_settings({**env, "LETTRAGE_NOW": datetime(2026, 10, 6, 20, 0, tzinfo=UTC).isoformat()}, env_file=None)
    _enqueue(night, engine, "default", "2026-10-06")  # 22:00 in Paris
    assert collector.messages == []
    morning = load_settings({**env, "LETTRAGE_NOW": datetime(2026, 10, 7, 7, 0, tzinfo=UTC).isoformat()}, env_file=None)
    _enqueue(morning, engine, "default", "2026-10-07")  # 09:00 in Paris
    assert len(collector.messages) >= 1

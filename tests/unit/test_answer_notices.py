"""The email telling the firm of a customer's answer on its page (issue 22, worker/dunning/answer_notices.py): who
gets it, what it says in French and English, and its outbox key (one email per answer)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from worker.company_sections import parse_report_settings
from worker.dunning.answer_notice_queries import NOTICES
from worker.dunning.answer_notices import answer_key, notice_recipients, render_notice
from worker.dunning.customer_links import PageSettings, parse_page_settings
from worker.errors import ConfigurationError

OWNER, FIRM, NOTIFY = "gerant@acme.example.fr", "cabinet@dupont.example.fr", "relances@cabinet.example.fr"
BASE = {"customer_ref": "C001", "customer_name": "Plomberie Martin SARL", "invoices": ["FA-2026-00124"],
        "lines": [["FA-2026-00124", "1250.00", "EUR"]]}
ANSWERS: dict[str, dict[str, Any]] = {
    "paid": {**BASE, "paid_on": "2026-02-27", "amount": "1250.00", "until": "2026-03-16", "proof": "ab" * 32,
             "announcement": 7},
    "dispute": {**BASE, "reason": "amount", "text": "Le prix convenu était de 250 € <b>HT</b>."},
    "promise": {**BASE, "pay_on": "2026-03-20"},
    "plan": {**BASE, "total": "1250.00", "currency": "EUR",
             "instalments": [["2026-03-15", "416.67"], ["2026-04-15", "416.67"], ["2026-05-15", "416.66"]]},
}


def test_notify_is_checked_as_the_weekly_reports_addresses() -> None:
    assert parse_page_settings({}).notify == ()
    assert parse_page_settings({"notify": [NOTIFY, f" {FIRM} "]}).notify == (NOTIFY, FIRM)
    assert parse_page_settings({"notify": NOTIFY}).notify == (NOTIFY,)  # one address alone
    for bad in ({"notify": ["not an address"]}, {"notify": 3}, {"notify": [NOTIFY, 4]}):
        with pytest.raises(ConfigurationError, match="customer_page.notify"):
            parse_page_settings(bad)


def test_recipients_notify_else_the_firm_else_the_owner_else_nobody() -> None:
    both = parse_report_settings({"recipients": [OWNER], "firm_recipients": [FIRM]})
    owner = parse_report_settings({"recipients": [OWNER]})
    assert notice_recipients(PageSettings(notify=(NOTIFY,)), both) == (NOTIFY,)
    assert notice_recipients(PageSettings(), both) == (FIRM,)
    assert notice_recipients(PageSettings(), owner) == (OWNER,)
    assert notice_recipients(PageSettings(), parse_report_settings({})) == ()


def test_one_email_per_answer_its_audit_event() -> None:
    assert answer_key(42) == "answer:42" and answer_key(42) != answer_key(43)
    assert NOTICES.backoff.delay(1) == timedelta(minutes=5) and NOTICES.backoff.delay(2) == timedelta(minutes=10)
    assert NOTICES.backoff.delay(30) == timedelta(hours=6) and NOTICES.max_attempts == 12


@pytest.mark.parametrize("kind", sorted(ANSWERS))
def test_the_email_tells_the_answer_what_was_done_and_where_to_act(kind: str) -> None:
    for language in ("fr", "en"):
        notice = render_notice("Atelier Acme SARL", "acme", kind, ANSWERS[kind], language)
        for text in (notice.subject, notice.text, notice.html):
            assert "C001" in text and "Plomberie Martin SARL" in text and "Atelier Acme SARL" in text
        for text in (notice.text, notice.html):
            assert "FA-2026-00124" in text and "/companies/acme/worklist" in text
            assert "/p/" not in text and "<img" not in text and "http" not in text  # no link, no tracker
        assert notice.html.startswith("<!DOCTYPE html>") and f'lang="{language}"' in notice.html


def test_french_and_english_content() -> None:
    paid = render_notice("Atelier Acme SARL", "acme", "paid", ANSWERS["paid"], "fr")
    assert paid.subject == "Déjà payé : C001 — Plomberie Martin SARL (Atelier Acme SARL)"
    assert "Payé le : 27/02/2026" in paid.text and "Montant : 1\u202f250,00 EUR" in paid.text
    assert "jusqu'au 16/03/2026" in paid.text and "/companies/acme/announcements/7" in paid.text
    assert "ab" * 32 not in paid.text  # the proof is opened in lettrage, never named nor attached
    paid_en = render_notice("Atelier Acme SARL", "acme", "paid", ANSWERS["paid"], "en")
    assert paid_en.subject == "Already paid: C001 — Plomberie Martin SARL (Atelier Acme SARL)"
    assert "Paid on: 2026-02-27" in paid_en.text and "Amount: EUR 1,250.00" in paid_en.text
    assert "until 2026-03-16" in paid_en.text
    dispute = render_notice("Atelier Acme SARL", "acme", "dispute", ANSWERS["dispute"], "fr")
    assert "Motif : Montant erroné" in dispute.text and "250 € <b>HT</b>" in dispute.text
    assert "250 € &lt;b&gt;HT&lt;/b&gt;" in dispute.html and "<b>HT" not in dispute.html  # the customer's words escaped
    assert "lettrage customers resume C001" in dispute.text
    assert "Reason: Wrong amount" in render_notice("A", "acme", "dispute", ANSWERS["dispute"], "en").text
    promise = render_notice("Atelier Acme SARL", "acme", "promise", ANSWERS["promise"], "fr")
    assert "Paiement promis le : 20/03/2026" in promise.text and "suspendues jusqu'au 20/03/2026" in promise.text
    plan = render_notice("Atelier Acme SARL", "acme", "plan", ANSWERS["plan"], "en")
    assert "2026-03-15: EUR 416.67; 2026-04-15: EUR 416.67; 2026-05-15: EUR 416.66" in plan.text
    assert "lettrage customers plan approve C001" in plan.text and "lettrage customers plan refuse C001" in plan.text
    based = render_notice("A", "acme", "plan", ANSWERS["plan"], "fr", base_url="https://compta.example.fr/")
    assert "https://compta.example.fr/companies/acme/worklist" in based.text

"""The weekly report's settings, weeks and rendering, without a database."""
from __future__ import annotations

from datetime import date

import pytest

from worker.errors import ConfigurationError
from worker.insight.weekly_report import (
    last_complete_week,
    parse_report_settings,
    parse_week,
    render_report,
    week_name,
)


def test_settings_defaults_and_audiences() -> None:
    rs = parse_report_settings({"recipients": ["gerant@atelier.example.fr"],
                                "firm_recipients": "cabinet@dupont.example.fr", "weekday": 2, "hour": 7,
                                "language": "en"})
    assert rs.audiences == {"owner": ("gerant@atelier.example.fr",), "firm": ("cabinet@dupont.example.fr",)}
    assert (rs.weekday, rs.hour, rs.language, rs.currency) == (2, 7, "en", "EUR")
    empty = parse_report_settings({})
    assert empty.audiences == {} and (empty.weekday, empty.hour, empty.language) == (1, 8, "fr")


@pytest.mark.parametrize(("raw", "says"), [
    ({"recipient": ["a@b.fr"]}, "unknown key(s) weekly_report.recipient"),
    ({"recipients": ["not an address"]}, "not an email address"),
    ({"recipients": [3]}, "weekly_report.recipients must be a list"),
    ({"weekday": 0}, "weekday must be 1 (Monday) to 7"),
    ({"weekday": True}, "weekday must be 1 (Monday) to 7"),
    ({"hour": 24}, "hour must be 0 to 23"),
    ({"language": "de"}, "language must be fr or en"),
    ({"currency": "euro"}, "currency must be a currency code"),
])
def test_bad_settings_are_refused_naming_the_key(raw: dict, says: str) -> None:
    with pytest.raises(ConfigurationError, match=None) as caught:
        parse_report_settings(raw, "var/companies/acme.toml")
    assert says in str(caught.value) and str(caught.value).startswith("var/companies/acme.toml: ")


def test_weeks() -> None:
    assert parse_week("2026-W48") == date(2026, 11, 23) and week_name(date(2026, 11, 23)) == "2026-W48"
    assert parse_week("2026-W01") == date(2025, 12, 29) and week_name(date(2025, 12, 29)) == "2026-W01"
    assert last_complete_week(date(2026, 11, 25)) == date(2026, 11, 16)  # Wednesday: the week before
    assert last_complete_week(date(2026, 11, 23)) == date(2026, 11, 16)  # Monday: the week that just ended
    assert last_complete_week(date(2026, 11, 29)) == date(2026, 11, 16)  # Sunday: this week is not over
    for bad in ("2026-48", "2026-W54", "W48"):
        with pytest.raises(ConfigurationError):
            parse_week(bad)


FIGURES = {
    "company": "acme", "company_name": "Atelier Acme SARL", "period": "2026-W47", "from": "2026-11-16",
    "to": "2026-11-22", "currency": "EUR", "cash": {"received": "1123.45", "applied": "1000.00"},
    "matching": {"auto_matched_lines": 1, "reviewed": 0, "review_pending": 2},
    "reminders": [{"level": "first_reminder", "messages": 0, "invoices": 0, "amount": "0.00",
                   "brought_in": "1000.00"}],
    "effectiveness": [{"level": "first_reminder", "invoices": 1, "share_paid_7_days": None,
                       "share_paid_15_days": "100.0", "median_days_to_payment": "9.0"}],
    "open_receivables": "1800.00", "overdue": "1500.00",
    "worst_overdue": [{"customer_ref": "C2", "customer_name": "Traiteur Morel", "overdue": "800.00",
                       "total": "1100.00", "invoices": 2, "oldest_days": 51}],
    "due_next_week": {"from": "2026-11-23", "to": "2026-11-29", "invoices": 1, "amount": "300.00",
                      "items": [{"number": "FA-4", "customer_ref": "C2", "customer_name": "Traiteur Morel",
                                 "due_on": "2026-11-24", "open": "300.00"}]},
    "dso": {"method": "ratio", "period_days": 90, "trend": [{"month": "2026-10", "as_of": "2026-10-31", "days": None},
                                                            {"month": "2026-11", "as_of": "2026-11-22",
                                                             "days": "61.5"}]},
    "forecast": [{"week_start": "2026-11-23", "expected": "300.00", "low": "0.00", "high": "300.00"}],
}


def test_rendered_in_french_and_in_english() -> None:
    fr = render_report(FIGURES, "fr", with_pdf=False)
    assert fr.subject == "Encaissements de la semaine 2026-W47 – Atelier Acme SARL"
    assert "1\u00a0123,45\u00a0€" in fr.html and "Traiteur Morel" in fr.html and "61.5" in fr.html
    assert "Reçu sur les comptes: 1\u00a0123,45\u00a0€" in fr.text
    assert "1re relance: 0 · 0 factures · 0,00\u00a0€ · encaissé ensuite 1\u00a0000,00\u00a0€" in fr.text
    assert fr.pdf_name == "rapport-hebdomadaire-2026-W47.pdf" and fr.pdf == b""
    en = render_report(FIGURES, "en")
    assert en.subject == "Collections, week 2026-W47 – Atelier Acme SARL"
    assert "€1,123.45" in en.html and "100.0 %" in en.html and "First reminder" in en.html
    assert en.pdf.startswith(b"%PDF") and en.pdf_name == "weekly-report-2026-W47.pdf"


def test_bank_feeds_to_renew_and_stale_bank_data_are_rendered_only_when_there() -> None:
    feeds = {"bank_feeds": [{"provider": "gocardless", "accounts": ["FR7630001007941234567890185"],
                             "consent_ends": "2026-11-27", "refused": False,
                             "renew": "lettrage feeds renew --redirect https://…", "reason": "…"}],
             "bank_data": {"reason": "the bank data of FR76… ends on 2026-11-16", "max_age_business_days": 2,
                           "accounts": [{"account": "FR7630001007941234567890185", "latest": "2026-11-16",
                                         "age": 4}]}}
    fr = render_report({**FIGURES, **feeds}, "fr", with_pdf=False)
    assert "Flux bancaires à renouveler" in fr.text and "fin du consentement 2026-11-27" in fr.text
    assert "Données bancaires trop anciennes" in fr.text and "ends on 2026-11-16" in fr.text
    en = render_report({**FIGURES, **feeds, "bank_feeds": [{**feeds["bank_feeds"][0], "refused": True}]}, "en",
                       with_pdf=False)
    assert "Bank feeds to renew" in en.html and "access refused" in en.html and "Bank data stale" in en.html
    quiet = render_report({**FIGURES, "bank_feeds": [], "bank_data": None}, "en", with_pdf=False)
    assert "Bank feeds to renew" not in quiet.text and "Bank data stale" not in quiet.html

"""The weekly report to a company's owner (and its accounting firm): where collections stood last week.

Settings, in the company's TOML (``var/companies/<ref>.toml``)::

    [weekly_report]
    recipients = ["gerant@atelier.example.fr"]        # the owner(s)
    firm_recipients = ["cabinet@dupont.example.fr"]   # the accounting firm, one email per client company
    weekday = 1         # ISO day it is sent (1 = Monday ... 7 = Sunday), default 1
    hour = 8            # local hour from which it is sent that day, default 8
    language = "fr"     # or "en"
    currency = "EUR"

The report covers one ISO week (Monday to Sunday, the company's dates) and is made from what is
known when it is built; every figure is read from the records:

- **cash collected**: money received on the company's accounts (credit lines booked in the week) and,
  of it, what settled invoices (allocations of lines booked in the week);
- **matching**: statement lines matched automatically during the week (allocations decided by
  lettrage), review items an accountant decided during the week, and those still waiting;
- **reminders**: reminders sent in the week per level (invoices covered, amount due), each once however
  many channels carried it (:func:`worker.insight.reports.reminders_sent`, as ``reports reminders``), and
  what they brought in: money booked in the week on invoices whose latest reminder before the payment went out
  at most 30 days before it (counted at that reminder's level); and, over the last 90 days, each
  level's effectiveness (worker.insight.effectiveness: share paid within 7 and 15 days, median days);
- **worst overdue customers** on the week's last day (the five largest overdue amounts);
- **due next week**: open invoices whose due date falls in the following ISO week;
- **DSO** (ratio method over 90 days) at the end of each of the last six months, the last one being
  the week's Sunday; and the cash-in **forecast** for the next four weeks;
- on Sunday, the **bank feeds to renew** (consent ending within 14 days, or refused: the worklist's
  ``renew_consent`` rows, worker.statements.feeds ``consent_warnings``) and whether the **bank data is stale**
  (the freshness gate holds the automatic reminders: worker.statements.bank_freshness).

Rendered as an HTML email (``reminders/templates/weekly_report.html.j2``, text alternative
``weekly_report.txt.j2``, overridable from ``LETTRAGE_TEMPLATES_DIR``) with the same HTML as a PDF
attached (WeasyPrint, as letters). Sending is in :mod:`worker.insight.weekly_report_send`.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reminders.reports import LEVEL_ORDER, aged_balance
from worker.company_sections import (
    ReportSettings,
    parse_report_settings,  # noqa: F401 - re-exported: read from here by the tests
)
from worker.company_setup import resolve_company
from worker.db.repository import Repository
from worker.errors import ConfigurationError
from worker.insight.dashboard import dso_trend
from worker.insight.forecast import make_forecast
from worker.insight.insight_queries import credits_between
from worker.insight.reports import aged_items, reminder_records, reminders_sent, report_records
from worker.settings import Settings

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
BROUGHT_IN_DAYS = 30
EFFECTIVENESS_DAYS = 90
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def report_settings(settings: Settings, company_ref: str) -> ReportSettings:
    """The company's ``[weekly_report]`` settings (the defaults, without recipients, when it has none)."""
    return resolve_company(None, settings.companies_dir, company_ref).weekly_report


def parse_week(text: str) -> date:
    """The Monday of ``YYYY-Www``; raises ConfigurationError for anything else."""
    found = _WEEK.match(text.strip())
    if not found:
        raise ConfigurationError(f"week {text!r}: expected YYYY-Www, e.g. 2026-W47")
    try:
        return date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)
    except ValueError:
        raise ConfigurationError(f"week {text!r}: no such ISO week") from None


def week_name(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def last_complete_week(today: date) -> date:
    """The Monday of the last ISO week that ended before ``today``."""
    return today - timedelta(days=today.weekday() + 7)


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _local_day(moment: datetime | None, zone: ZoneInfo) -> date | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone).date()


def weekly_figures(repo: Repository, monday: date, currency: str = "EUR") -> dict[str, Any]:
    """Every figure of the report for the ISO week starting ``monday`` (keys documented in README.md)."""
    sunday = monday + timedelta(days=6)
    zone = ZoneInfo(repo.company.timezone or "Europe/Paris")
    records = report_records(repo)
    invoices = [i for i in records.invoices if i.issued_on <= sunday]
    payments = [p for p in records.payments if p.paid_on <= sunday]
    currencies = {i.number: i.currency for i in records.invoices}
    in_week = [p for p in payments if monday <= p.paid_on <= sunday and currencies.get(p.invoice_number) == currency]

    # matching: lines matched automatically and review items decided during the week
    auto_lines = {a.line_id for a in repo.live_allocations()
                  if a.status == "auto" and monday <= (_local_day(a.decided_at, zone) or date.min) <= sunday}
    reviewed = [r for r in repo.review_items(state=None) if r.state in ("accepted", "rejected")
                and monday <= (_local_day(r.decided_at, zone) or date.min) <= sunday]

    # reminders sent in the week, per level (each once, however many channels: reports.reminders_sent, as
    # `reports reminders` counts them), and the money they brought in
    levels: dict[str, dict[str, Any]] = {}
    for sent in reminders_sent(repo, monday, sunday):
        entry = levels.setdefault(sent.level, {"level": sent.level, "messages": 0, "invoices": set(), "amount": ZERO})
        entry["messages"] += 1
        entry["invoices"].update(sent.invoice_numbers)
        entry["amount"] += sent.amount
    reminded: dict[str, list[tuple[date, str]]] = defaultdict(list)
    for rec in reminder_records(repo, until=sunday):
        for number in rec.invoice_numbers:
            reminded[number].append((rec.sent_on, rec.level))
    brought: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for p in in_week:
        before = [(d, lvl) for d, lvl in reminded.get(p.invoice_number, [])
                  if p.paid_on - timedelta(days=BROUGHT_IN_DAYS) <= d <= p.paid_on]
        if before:
            brought[max(before)[1]] += p.amount
    def order(level: str) -> tuple[int, str]:
        return (LEVEL_ORDER.index(level), "") if level in LEVEL_ORDER else (len(LEVEL_ORDER), level)

    reminder_rows = [{"level": lvl, "messages": levels[lvl]["messages"] if lvl in levels else 0,
                      "invoices": len(levels[lvl]["invoices"]) if lvl in levels else 0,
                      "amount": _money(levels[lvl]["amount"]) if lvl in levels else "0.00",
                      "brought_in": _money(brought.get(lvl, ZERO))}
                     for lvl in sorted(set(levels) | set(brought), key=order)]

    # the state on Sunday: worst overdue customers, what falls due next week, DSO, forecast; the aged balance is
    # the one of the dashboard and `reports aged-balance` (credit notes and money on account included)
    items = [i for i in aged_items(repo, sunday, records) if i.currency == currency]
    aged = aged_balance(items, sunday)
    owed = [i for i in items if i.open_amount > 0]  # invoices; not a credit note's remainder
    oldest: dict[str, int] = {}
    for item in owed:
        days = (sunday - item.due_on).days
        if days > 0:
            oldest[item.customer_ref] = max(oldest.get(item.customer_ref, 0), days)
    worst = sorted((c for c in aged.customers if c.overdue > 0), key=lambda c: (-c.overdue, c.customer_ref))[:5]
    next_monday, next_sunday = sunday + timedelta(days=1), sunday + timedelta(days=7)
    due = [i for i in owed if next_monday <= i.due_on <= next_sunday]
    # DSO as the dashboard and `reports dso` compute it: net of credit notes
    trend = dso_trend(invoices + [c for c in records.credit_notes if c.issued_on <= sunday], payments, sunday,
                      currency, months=6)
    forecast = make_forecast(repo, sunday, currency, records=records)
    total = aged.totals[0] if aged.totals else None
    return {
        "company": repo.company.ref, "company_name": repo.company.name, "period": week_name(monday),
        "from": monday.isoformat(), "to": sunday.isoformat(), "currency": currency,
        "cash": {"received": _money(credits_between(repo, monday, sunday, currency)),
                 "applied": _money(sum((p.amount for p in in_week), ZERO))},
        "matching": {"auto_matched_lines": len(auto_lines), "reviewed": len(reviewed),
                     "review_pending": len(repo.review_items("pending"))},
        "reminders": reminder_rows,
        "effectiveness": _effectiveness(repo, sunday),
        "open_receivables": _money(total.total if total else ZERO),
        "overdue": _money(total.overdue if total else ZERO),
        "worst_overdue": [{"customer_ref": c.customer_ref, "customer_name": c.customer_name,
                           "overdue": _money(c.overdue), "total": _money(c.total), "invoices": c.invoices,
                           "oldest_days": oldest.get(c.customer_ref, 0)} for c in worst],
        "due_next_week": {"from": next_monday.isoformat(), "to": next_sunday.isoformat(), "invoices": len(due),
                          "amount": _money(sum((i.open_amount for i in due), ZERO)),
                          "items": [{"number": i.number, "customer_ref": i.customer_ref,
                                     "customer_name": i.customer_name, "due_on": i.due_on.isoformat(),
                                     "open": _money(i.open_amount)} for i in due[:10]]},
        "dso": {"method": "ratio", "period_days": 90,
                "trend": [{"month": p.month, "as_of": p.as_of.isoformat(),
                           "days": None if p.dso_days is None else str(p.dso_days)} for p in trend]},
        "forecast": [{"week_start": w.week_start.isoformat(), "expected": _money(w.expected), "low": _money(w.low),
                      "high": _money(w.high)} for w in forecast.weeks[:4]],
        **bank_warnings(repo, sunday),
    }


def bank_warnings(repo: Repository, as_of: date) -> dict[str, Any]:
    """The bank side on ``as_of`` (the week's Sunday): ``bank_feeds`` to renew (worker.statements.feeds
    ``consent_warnings``, the worklist's ``renew_consent`` rows) and ``bank_data`` when the freshness gate holds the
    automatic reminders (worker.statements.bank_freshness; None when it does not)."""
    from worker.statements.bank_freshness import bank_freshness
    from worker.statements.feeds import consent_warnings

    fresh = bank_freshness(repo, as_of)
    held = None if not fresh.held else {
        "reason": fresh.reason, "max_age_business_days": fresh.max_age,
        "accounts": [{"account": a.account, "latest": a.latest.isoformat() if a.latest else None, "age": a.age}
                     for a in fresh.stale]}
    return {"bank_feeds": [w.as_json() for w in consent_warnings(repo, as_of)], "bank_data": held}


def _effectiveness(repo: Repository, as_of: date) -> list[dict[str, Any]]:
    """Each level's effectiveness over the last 90 days (worker.insight.effectiveness, issue 8)."""
    try:
        from worker.insight.effectiveness import effectiveness_json, reminder_effectiveness
    except ImportError:  # pragma: no cover - the module ships with this one
        return []
    since = as_of - timedelta(days=EFFECTIVENESS_DAYS)
    levels: list[dict[str, Any]] = effectiveness_json(reminder_effectiveness(repo, as_of, since), as_of,
                                                      since)["levels"]
    return levels


# -- rendering --------------------------------------------------------------------------------------
LABELS = {
    "fr": {"title": "Rapport hebdomadaire des encaissements", "week": "Semaine", "cash": "Encaissements",
           "received": "Reçu sur les comptes", "applied": "dont affecté aux factures",
           "matching": "Rapprochement", "auto": "Lignes rapprochées automatiquement",
           "reviewed": "Propositions revues", "pending": "En attente de revue", "reminders": "Relances envoyées",
           "level": "Niveau", "messages": "Messages", "invoices": "Factures", "amount": "Montant",
           "brought_in": "Encaissé ensuite", "effectiveness": "Efficacité des relances (90 derniers jours)",
           "paid7": "Payées sous 7 j", "paid15": "Payées sous 15 j", "median": "Délai médian (j)",
           "worst": "Clients les plus en retard", "customer": "Client", "overdue": "Échu",
           "oldest": "Retard max. (j)", "due_next": "À échoir la semaine prochaine", "due_on": "Échéance",
           "open": "Reste dû", "dso": "DSO (méthode du ratio, 90 jours)", "month": "Mois", "days": "Jours",
           "forecast": "Prévision d'encaissements", "week_of": "Semaine du", "expected": "Attendu",
           "range": "Fourchette (P10–P90)", "none": "Aucune", "open_receivables": "Encours clients",
           "bank_feeds": "Flux bancaires à renouveler", "provider": "Fournisseur", "account": "Compte",
           "consent_ends": "Fin du consentement", "refused": "accès refusé", "renew": "Pour renouveler",
           "bank_data": "Données bancaires trop anciennes : aucune relance automatique n'est envoyée",
           "latest": "Dernier jour couvert", "age": "Ancienneté (jours ouvrés)",
           "subject": "Encaissements de la semaine {period} – {company}",
           "attachment": "rapport-hebdomadaire"},
    "en": {"title": "Weekly collections report", "week": "Week", "cash": "Cash collected",
           "received": "Received on the accounts", "applied": "of which applied to invoices",
           "matching": "Matching", "auto": "Lines matched automatically", "reviewed": "Proposals reviewed",
           "pending": "Waiting for review", "reminders": "Reminders sent", "level": "Level",
           "messages": "Messages", "invoices": "Invoices", "amount": "Amount", "brought_in": "Collected after",
           "effectiveness": "Reminder effectiveness (last 90 days)", "paid7": "Paid within 7 d",
           "paid15": "Paid within 15 d", "median": "Median days", "worst": "Worst overdue customers",
           "customer": "Customer", "overdue": "Overdue", "oldest": "Oldest (days)",
           "due_next": "Falling due next week", "due_on": "Due on", "open": "Open",
           "dso": "DSO (ratio method, 90 days)", "month": "Month", "days": "Days", "forecast": "Cash-in forecast",
           "week_of": "Week of", "expected": "Expected", "range": "Range (P10–P90)", "none": "None",
           "open_receivables": "Open receivables",
           "bank_feeds": "Bank feeds to renew", "provider": "Provider", "account": "Account",
           "consent_ends": "Consent ends", "refused": "access refused", "renew": "To renew",
           "bank_data": "Bank data stale: no reminder is sent automatically",
           "latest": "Last day covered", "age": "Age (business days)",
           "subject": "Collections, week {period} – {company}", "attachment": "weekly-report"},
}


LEVEL_NAMES = {
    "fr": {"courteous": "Rappel courtois", "first_reminder": "1re relance", "second_reminder": "2e relance",
           "call": "Appel", "formal_notice": "Mise en demeure", "payment_plan": "Échéancier proposé",
           "legal_file": "Dossier contentieux"},
    "en": {"courteous": "Courtesy email", "first_reminder": "First reminder", "second_reminder": "Second reminder",
           "call": "Call", "formal_notice": "Formal notice", "payment_plan": "Payment plan offer",
           "legal_file": "Legal file"},
}


@dataclass(frozen=True)
class RenderedReport:
    subject: str
    text: str
    html: str
    pdf: bytes
    pdf_name: str


def render_report(figures: dict[str, Any], language: str = "fr", template_dir: Path | None = None,
                  with_pdf: bool = True) -> RenderedReport:
    """The report as an email: subject, text, HTML, and the HTML as a PDF (WeasyPrint)."""
    from reminders.templating import environment

    env = environment(str(template_dir) if template_dir else None)
    labels = LABELS[language]
    money = env.filters["money_en" if language == "en" else "money"]
    variables = {"f": figures, "L": labels, "lang": language,
                 "m": lambda value: money(Decimal(value), figures["currency"]),
                 "level": lambda code: LEVEL_NAMES[language].get(code, code)}
    html = env.get_template("weekly_report.html.j2").render(variables)
    text = env.get_template("weekly_report.txt.j2").render(variables)
    subject = labels["subject"].format(period=figures["period"], company=figures["company_name"])
    pdf = b""
    if with_pdf:
        import weasyprint

        pdf = bytes(weasyprint.HTML(string=html).render().write_pdf())
    return RenderedReport(subject, text, html, pdf, f"{labels['attachment']}-{figures['period']}.pdf")

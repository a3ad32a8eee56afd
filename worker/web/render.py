"""Rendering the Jinja2 templates, with the security headers every page carries."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from reminders.reports import BUCKET_LABELS
from worker.web.i18n import FRENCH, format_date, format_money, translator
from worker.web.labels import format_actor, format_moment, format_month, format_number, label, labels
from worker.web.labels_reasons import translate_reason

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

# Scripts and styles only from this site (htmx and app.js are files of the package): no inline script,
# no CDN. Frames and other sites' forms are refused.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@lru_cache(maxsize=1)
def environment() -> Environment:
    # the templates ship with the package: read once, never checked again on disk per request (auto_reload)
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    return env


def _words(language: str, timezone: str) -> Callable[[str], str]:
    """``t``: the dictionary's French (worker/web/i18n.py), else, for a sentence of the code (a refusal's one line
    shown through ``t(message)``), the reasons' catalogue (worker/web/labels_reasons.py)."""
    base = translator(language)
    if language != "fr":
        return base
    return lambda text: base(text) if text in FRENCH else translate_reason(text, language, timezone=timezone)


def _timezone(context: dict[str, Any]) -> str:
    company = getattr(context.get("v"), "company", None)
    return str(getattr(company, "timezone", None) or "Europe/Paris")


def helpers(language: str, timezone: str) -> dict[str, Any]:
    """What the templates write codes, reasons, numbers and moments with (worker/web/labels*.py):

    ``level``, ``channel``, ``status``, ``pause``: a code in words; ``reason(text, currency)``: a reason of the
    matcher, the planner or the worklist (``reasons(list, currency)``: several, joined by « · »); ``number``: 64,6
    in French; ``figure``: a number in French, as the API gives it in English (what the English pages always showed);
    ``moment``: a time in the company's time zone; ``month``: 06/2026; ``iso_day``: an ISO date the local way;
    ``who``: who decided (``user:ada@x.fr`` is ada@x.fr); ``bucket``: an age bucket (``1-30``: 1 à 30 jours, 1–30 days)."""
    def reason(text: str | None, currency: str = "EUR", customers: Any = None) -> str:
        """``customers``: names by ref, or rows with ``customer_ref`` and ``customer_name`` (a candidate's parts)."""
        if customers is not None and not isinstance(customers, Mapping):
            customers = {p.customer_ref: p.customer_name for p in customers if getattr(p, "customer_ref", None)}
        return translate_reason(text, language, currency, customers, timezone)

    return {
        "level": lambda code: label("level", code, language),
        "channel": lambda codes: labels("channel", codes or "", language),
        "status": lambda code: label("status", code, language),
        "pause": lambda code: label("pause", code, language),
        "reason": reason,
        "reasons": lambda texts, currency="EUR": " · ".join(reason(text, currency) for text in texts or ()),
        "number": lambda value, decimals=None: format_number(value, language, decimals),
        "figure": lambda value, decimals=None: (format_number(value, language, decimals) if language == "fr"
                                                else ("" if value is None else str(value))),
        "moment": lambda value: format_moment(value, language, timezone),
        "month": lambda value: format_month(value, language),
        "iso_day": lambda value: format_date(date.fromisoformat(str(value)[:10]), language) if value else "",
        "who": lambda actor: format_actor(actor, language),
        "bucket": lambda code: FRENCH.get(code, code) if language == "fr" else BUCKET_LABELS.get(code, code),
    }


def render(template: str, status_code: int = 200, headers: dict[str, str] | None = None,
           language: str = "fr", **context: Any) -> HTMLResponse:
    """The template rendered in ``language``: ``t`` translates, ``money`` and ``day`` format the local way."""
    context.setdefault("t", _words(language, _timezone(context)))
    context.setdefault("lang", language)
    context.setdefault("money", lambda amount, currency="EUR": format_money(amount, language, currency))
    context.setdefault("day", lambda value: format_date(value, language))
    for name, helper in helpers(language, _timezone(context)).items():
        context.setdefault(name, helper)
    html = environment().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers={**SECURITY_HEADERS, **(headers or {})})

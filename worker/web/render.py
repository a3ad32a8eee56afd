"""Rendering the Jinja2 templates, with the security headers every page carries."""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import BaseLoader, Environment, FileSystemLoader, select_autoescape

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


# ``t("a literal")`` in a template: a call whose answer never changes for a language (issue 18 item 4)
_LITERAL_T = re.compile(r"""(?<![\w.])t\(\s*(?:"([^"\\]*)"|'([^'\\]*)')\s*\)""")


class _WordsLoader(FileSystemLoader):
    """The templates with each ``t("a literal")`` already in the page's language, written once when the template is
    loaded: the review page's hundred cards made some 3,000 calls to ``t`` for the same labels on every view. A
    literal the dictionary does not hold keeps its call (``t`` then asks the reasons' catalogue, at render time)."""

    def __init__(self, language: str) -> None:
        super().__init__(TEMPLATES)
        self.words = FRENCH if language == "fr" else None

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        return _LITERAL_T.sub(self._literal, source), filename, uptodate

    def _literal(self, found: re.Match[str]) -> str:
        text = found.group(1) if found.group(1) is not None else found.group(2)
        if self.words is not None and text not in self.words:
            return found.group(0)
        said = text if self.words is None else self.words[text]
        return json.dumps(said, ensure_ascii=False)  # a Jinja string literal (its escapes are Python's)


@lru_cache(maxsize=4)
def environment(language: str = "fr") -> Environment:
    """The templates of ``language``: read once, never checked again on disk per request (``auto_reload``: they
    ship with the package), with their literal labels translated when read (``_WordsLoader``)."""
    loader: BaseLoader = _WordsLoader(language) if language in ("fr", "en") else FileSystemLoader(TEMPLATES)
    return Environment(loader=loader, autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True,
                       auto_reload=False)


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
    html = environment(language).get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers={**SECURITY_HEADERS, **(headers or {})})

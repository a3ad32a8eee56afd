"""Rendering the Jinja2 templates, with the security headers every page carries."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from worker.web.i18n import format_date, format_money, translator

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
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    return env


def render(template: str, status_code: int = 200, headers: dict[str, str] | None = None,
           language: str = "fr", **context: Any) -> HTMLResponse:
    """The template rendered in ``language``: ``t`` translates, ``money`` and ``day`` format the local way."""
    context.setdefault("t", translator(language))
    context.setdefault("lang", language)
    context.setdefault("money", lambda amount, currency="EUR": format_money(amount, language, currency))
    context.setdefault("day", lambda value: format_date(value, language))
    html = environment().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers={**SECURITY_HEADERS, **(headers or {})})

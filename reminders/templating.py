"""The Jinja2 environment of the reminder templates, with the money and date filters, shared by the renderer
(``reminders.render``) and the letter channel (``reminders.channels.letter``), so neither imports the other.
"""
from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal

import jinja2
import markupsafe

from reminders.context import format_amount, format_amount_en, format_date, format_date_en


def _environment(template_dir: str | None) -> jinja2.Environment:
    package = jinja2.PackageLoader("reminders", "templates")
    loader: jinja2.BaseLoader = package
    if template_dir is not None:
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(template_dir), package])
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(money=_money, date_fr=_date_fr, money_en=format_amount_en, date_en=format_date_en,
                       css_string=css_string)
    return env


@functools.lru_cache(maxsize=16)
def environment(template_dir: str | None = None) -> jinja2.Environment:
    """The Jinja2 environment reading ``template_dir`` first (when given), then the package's templates."""
    return _environment(template_dir)


def css_string(value: str) -> markupsafe.Markup:
    """``value`` as the inside of a double-quoted CSS string (a ``content:`` in a ``<style>``): CSS escapes, not
    HTML ones, since a style element's text is never entity-decoded ("&amp;" would print as such); ``<`` is
    escaped too, so no ``</style>`` can close the element."""
    out = []
    for char in str(value):
        if char in '\\"<' or char in "\n\r\f" or ord(char) < 0x20:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return markupsafe.Markup("".join(out))


def _money(amount: Decimal, currency: str = "EUR") -> str:
    return format_amount(amount, currency)


def _date_fr(value: date) -> str:
    return format_date(value)

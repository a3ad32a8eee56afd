"""Render a reminder from the package's Jinja2 templates (French, formal "vous").

Each level ``<code>`` has three templates in ``reminders/templates/``: ``<code>.subject.j2`` (one line),
``<code>.txt.j2`` (plain text, also the body of letters and phone scripts) and ``<code>.html.j2``
(autoescaped). Templates see the :class:`~reminders.context.ReminderContext` fields and properties
as variables (``company``, ``customer``, ``invoices``, ``total``, ``deadline``...), plus ``letter``
(true when rendering the body of a paper letter, which draws the invoices as a table instead), and the
filters ``money`` (``1 234,50 €``) and ``date_fr`` (``25/11/2026``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import jinja2

from reminders.channels.base import Message
from reminders.context import ReminderContext, format_amount, format_date
from reminders.errors import TemplateError

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("reminders", "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def _money(amount: Decimal, currency: str = "EUR") -> str:
    return format_amount(amount, currency)


def _date_fr(value: date) -> str:
    return format_date(value)


_BLANK_RUNS = re.compile(r"\n{3,}")
_ENV.filters["money"] = _money
_ENV.filters["date_fr"] = _date_fr


@dataclass(frozen=True)
class Rendered:
    """A rendered reminder: one-line subject, plain text body, optional HTML body."""

    subject: str
    text: str
    html: str | None


def levels_with_templates() -> list[str]:
    """The level codes the package ships templates for."""
    return sorted(name.removesuffix(".subject.j2") for name in _ENV.list_templates() if name.endswith(".subject.j2"))


def render(level: str, context: ReminderContext, *, letter: bool = False) -> Rendered:
    """Render ``level`` for ``context``; ``letter`` renders the body of a paper letter (no HTML)."""
    if not context.invoices:
        raise TemplateError(f"{level}: a reminder needs at least one invoice")
    variables = _variables(context, letter)
    try:
        subject = _ENV.get_template(f"{level}.subject.j2").render(variables)
        text = _ENV.get_template(f"{level}.txt.j2").render(variables)
        html = None if letter else _ENV.get_template(f"{level}.html.j2").render(variables)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"{level}: no template {exc.name} (known levels: {levels_with_templates()})") from exc
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{level}: template uses a value the context lacks: {exc.message}") from exc
    text = _BLANK_RUNS.sub("\n\n", "\n".join(line.rstrip() for line in text.splitlines()))
    return Rendered(subject=" ".join(subject.split()), text=text.strip() + "\n", html=html)


def compose(level: str, channel: str, context: ReminderContext) -> Message:
    """Build the :class:`Message` a channel sends for ``level``: rendered, addressed, with its invoices."""
    rendered = render(level, context, letter=channel == "letter")
    if channel == "email":
        to = context.customer.emails
    elif channel == "phone":
        to = (context.customer.phone,) if context.customer.phone else ()
    else:
        to = ()
    return Message(
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html if channel == "email" else None,
        customer_ref=context.customer.ref,
        level=level,
        invoice_numbers=context.invoice_numbers,
        customer_name=context.customer.name,
        sender_lines=(context.company.name, *context.company.address_lines),
        recipient_lines=(context.customer.name, *context.customer.address_lines),
        invoices=context.invoices,
        currency=context.currency,
        as_of=context.as_of,
        total=context.total,
    )


def _variables(context: ReminderContext, letter: bool) -> dict[str, Any]:
    return {
        "company": context.company,
        "customer": context.customer,
        "invoices": [
            {
                "number": inv.number,
                "issued_on": inv.issued_on,
                "due_on": inv.due_on,
                "amount": inv.amount,
                "open_amount": inv.open_amount,
                "days_overdue": context.days_overdue(inv),
            }
            for inv in context.invoices
        ],
        "plural": len(context.invoices) > 1,
        "numbers": ", ".join(context.invoice_numbers),
        "total": context.total,
        "currency": context.currency,
        "as_of": context.as_of,
        "reference": context.reference,
        "deadline": context.deadline,
        "notice_days": context.notice_days,
        "max_days_overdue": context.max_days_overdue,
        "recovery_indemnity": context.recovery_indemnity,
        "extra": context.extra,
        "letter": letter,
    }

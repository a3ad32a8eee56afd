"""Render a reminder from Jinja2 templates, in French (formal "vous") or English.

Each level ``<code>`` has, in ``reminders/templates/``, ``<code>.subject.j2`` (one line), ``<code>.txt.j2``
(plain text, also the body of letters and phone scripts) and optionally ``<code>.html.j2`` (autoescaped;
without one, the HTML is the text in paragraphs, ``_text.html.j2``). English ones are named
``<code>.en.subject.j2``, ``<code>.en.txt.j2``, ``<code>.en.html.j2``. The language is chosen per
message, never per part, so a customer never gets an English subject over a French HTML body: a level
without its subject or text in the customer's language is rendered wholly in French (with a warning); one
with a French HTML but no HTML in that language gets the HTML drawn from its own text (``_text.html.j2``),
again with a warning. A user folder (``template_dir``, the ``LETTRAGE_TEMPLATES_DIR`` setting) is searched
first, so any template can be overridden by a file of the same name there.

Templates see the :class:`~reminders.context.ReminderContext` fields and properties as variables
(``company``, ``customer``, ``invoices``, ``total`` (what is asked: ``open_total`` less ``netted``, the
money received not yet allocated deducted), ``unallocated`` (those payments: booked_on, amount, bank_ref,
label), ``deadline``, ``penalties``, ``penalties_total``,
``recovery_indemnity``, ``claim_total``, ``penalty_rate`` (the rate applied in words), ``penalty_rate_terms``, ``schedule``, ``history``...), plus ``letter`` (true for the body
of a paper letter, which draws the invoices as a table instead), ``consumer``, ``public`` (a public body: intérêts
moratoires, Code de la commande publique L2192-13), and the filters ``money``
(``1 234,50 €``), ``date_fr`` (``25/11/2026``), ``money_en`` (``€1,234.50``) and ``date_en``.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from reminders.channels.base import Attachment, Message
from reminders.context import ReminderContext
from reminders.errors import TemplateError
from reminders.templating import environment

LANGUAGES = ("fr", "en")
log = logging.getLogger("lettrage.reminders")


_BLANK_RUNS = re.compile(r"\n{3,}")
_ENV = environment()


@dataclass(frozen=True)
class Rendered:
    """A rendered reminder: one-line subject, plain text body, optional HTML body, and the one language all
    three are in (the customer's, or French when the level lacks templates in it)."""

    subject: str
    text: str
    html: str | None
    language: str = "fr"


def levels_with_templates(language: str = "fr", template_dir: Path | None = None) -> list[str]:
    """The level codes there are templates for (in ``language``, or French to fall back on)."""
    env = environment(str(template_dir) if template_dir else None)
    names = env.list_templates()
    return sorted(name.removesuffix(".subject.j2") for name in names
                  if name.endswith(".subject.j2") and "." not in name.removesuffix(".subject.j2"))


def _name(level: str, part: str, language: str) -> str:
    return f"{level}.{part}.j2" if language == "fr" else f"{level}.{language}.{part}.j2"


def _exists(env: jinja2.Environment, name: str) -> bool:
    try:
        env.get_template(name)
    except jinja2.TemplateNotFound:
        return False
    return True


def message_language(env: jinja2.Environment, level: str, language: str, *, letter: bool = False) -> str:
    """The one language a whole message is rendered in, so that its parts never mix languages.

    ``language`` when the level has its subject and text in it, else French (logged: a template is missing).
    A missing HTML in ``language`` does not demote the message: its HTML is then drawn from its own text."""
    if language == "fr":
        return language
    missing = [_name(level, part, language) for part in ("subject", "txt")
               if not _exists(env, _name(level, part, language))]
    if missing:
        log.warning("%s: no template %s, the whole message is in French", level, ", ".join(missing))
        return "fr"
    html = _name(level, "html", language)
    if not letter and _exists(env, _name(level, "html", "fr")) and not _exists(env, html):
        log.warning("%s: no template %s, the HTML is drawn from the text", level, html)
    return language


def render(level: str, context: ReminderContext, *, letter: bool = False,
           template_dir: Path | None = None) -> Rendered:
    """Render ``level`` for ``context``; ``letter`` renders the body of a paper letter (no HTML)."""
    if not context.invoices:
        raise TemplateError(f"{level}: a reminder needs at least one invoice")
    if context.language not in LANGUAGES:
        raise TemplateError(f"{level}: no templates in language {context.language!r} (known: {', '.join(LANGUAGES)})")
    env = environment(str(template_dir) if template_dir else None)
    try:
        language = message_language(env, level, context.language, letter=letter)
        variables = {**_variables(context, letter), "language": language}
        subject = env.get_template(_name(level, "subject", language)).render(variables)
        text = env.get_template(_name(level, "txt", language)).render(variables)
        text = _BLANK_RUNS.sub("\n\n", "\n".join(line.rstrip() for line in text.splitlines())).strip() + "\n"
        html = None
        if not letter:
            try:
                html = env.get_template(_name(level, "html", language)).render(variables)
            except jinja2.TemplateNotFound as missing:
                if missing.name != _name(level, "html", language):
                    raise  # a template the HTML includes is missing: an error, no reason to fall back
                paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
                html = env.get_template("_text.html.j2").render(
                    {**variables, "paragraphs": paragraphs, "title": " ".join(subject.split())})
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"{level}: no template {exc.name} (known levels: {levels_with_templates()})") from exc
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{level}: template uses a value the context lacks: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{level}: template error: {exc}") from exc
    return Rendered(subject=" ".join(subject.split()), text=text, html=html, language=language)


def compose(level: str, channel: str, context: ReminderContext, *, template_dir: Path | None = None,
            attachments: tuple[Attachment, ...] = (), message_id: str | None = None) -> Message:
    """Build the :class:`Message` a channel sends for ``level``: rendered, addressed, with its invoices.

    ``attachments`` (e.g. the invoices' PDFs) go with emails only; ``message_id`` makes an email's
    Message-ID known before it is sent (the outbox records it, so a crash leaves a trace to look for).
    """
    rendered = render(level, context, letter=channel in ("letter", "registered", "export"), template_dir=template_dir)
    if channel == "email":
        to = context.customer.emails
    elif channel in ("phone", "sms"):
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
        legal_lines=tuple(line for line in (
            " — ".join((context.company.name, *context.company.address_lines)), context.company.mentions) if line),
        recipient_lines=(context.customer.name, *context.customer.address_lines),
        logo=context.company.logo if channel in ("letter", "registered", "export") else "",
        invoices=context.invoices,
        currency=context.currency,
        as_of=context.as_of,
        total=context.total,
        netted=context.netted,
        attachments=attachments if channel == "email" else (),
        message_id=message_id,
        language=rendered.language,
        claim=_claim(context),
        history=context.history,
    )


def _claim(context: ReminderContext) -> tuple[tuple[str, str], ...]:
    """The computed claim as (label, amount) lines: what a legal file and a formal notice letter show.

    Labels: principal, penalties (L441-10, businesses), moratory_interest (L2192-13, public bodies) or
    legal_interest (1231-6, consumers), recovery_indemnity (D441-5 or D2192-35, never consumers), total."""
    if not context.claims_penalties:  # a level that claims no penalties (worker.dunning.penalty_settings)
        return ()
    interest = ("moratory_interest" if context.customer.is_public
                else "penalties" if context.customer.is_business else "legal_interest")
    lines = [("principal", f"{context.total:.2f}"), (interest, f"{context.penalties_total:.2f}")]
    if context.customer.is_business:
        lines.append(("recovery_indemnity", f"{context.recovery_indemnity:.2f}"))
    lines.append(("total", f"{context.claim_total:.2f}"))
    return tuple(lines)


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
        "open_total": context.open_total,
        "netted": context.netted,
        "unallocated": [p for p in context.unallocated if p.currency == context.currency],
        "unallocated_total": context.unallocated_total,
        "currency": context.currency,
        "as_of": context.as_of,
        "reference": context.reference,
        "deadline": context.deadline,
        "notice_days": context.notice_days,
        "max_days_overdue": context.max_days_overdue,
        "recovery_indemnity": context.recovery_indemnity,
        "extra": context.extra,
        "letter": letter,
        "consumer": not context.customer.is_business,
        "public": context.customer.is_public,
        "language": context.language,
        "penalties": context.penalties,
        "penalties_total": context.penalties_total,
        "penalty_rate": context.penalty_rate,
        "penalty_rate_terms": context.penalty_rate_terms,
        "claim_total": context.claim_total,
        "schedule": context.instalment_schedule,
        "instalments": context.instalments,
        "history": context.history,
    }

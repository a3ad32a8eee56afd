"""A déclaration de créance (Code de commerce L622-24 to L622-26, R622-21 to R622-25): the letter a creditor sends
the mandataire judiciaire (the liquidateur in liquidation) of a customer in collective proceedings, rendered from
``reminders/templates/claim_declaration.txt.j2`` as text and, through the letter channel's layout
(reminders.channels.letter), as a PDF.

What it says, as L622-25 and R622-23 ask: the creditor (its name and registration mentions, C. com. R123-237) and
the debtor; the court and the opening judgment, its BODACC publication; per invoice born before the judgment the
principal due on that day, the penalties accrued until the day before it with the rate applied, the fixed
indemnity, and the sums to fall due with their due dates (reminders.law.proceedings.declared_claims); the
privilege or security, « à titre chirographaire » when none is set; that the course of interest is stopped
(L622-28); the supporting documents listed (R622-23, under « bordereau »); and the creditor's certification that
the claim is sincere with the signatory (L622-25 al. 3). The same declaration always renders the same text.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import jinja2

from reminders.channels.base import Attachment, Message
from reminders.context import Company
from reminders.errors import TemplateError
from reminders.law.proceedings import KIND_LABELS, DeclaredClaims, representative_title
from reminders.templating import environment

TEMPLATE = "claim_declaration.txt.j2"
LEVEL = "claim_declaration"


@dataclass(frozen=True)
class ClaimDeclaration:
    """Everything a declaration prints."""

    creditor: Company
    debtor_ref: str
    debtor_name: str
    debtor_address: tuple[str, ...]
    debtor_siren: str
    kind: str  # reminders.law.proceedings.PROCEEDING_KINDS
    opened_on: date
    court: str
    bodacc_published_on: date | None
    bodacc_ref: str
    representative_name: str
    representative_address: tuple[str, ...]
    claims: DeclaredClaims
    as_of: date  # the declaration's date
    currency: str = "EUR"
    privilege: str = ""  # the privilege or security the claim carries, "" for none (chirographaire)
    deadline: date | None = None  # the last day to declare (R622-24), None when the publication is unknown

    @property
    def subject(self) -> str:
        return (f"Déclaration de créance — {self.debtor_name}, {KIND_LABELS[self.kind]} ouverte le "
                f"{self.opened_on:%d/%m/%Y}")


def _siren(value: str) -> str:
    return " ".join((value[:3], value[3:6], value[6:])) if len(value) == 9 else value


def render_text(declaration: ClaimDeclaration, template_dir: str | None = None) -> str:
    """The declaration as plain text (also the body of its PDF)."""
    if not declaration.claims.lines:
        raise TemplateError(f"{declaration.debtor_ref}: no claim born before the judgment of "
                            f"{declaration.opened_on} is open: nothing to declare")
    env = environment(template_dir)
    try:
        text = env.get_template(TEMPLATE).render(
            d=declaration, claims=declaration.claims, creditor=declaration.creditor,
            kind_label=KIND_LABELS[declaration.kind], title=representative_title(declaration.kind),
            liquidation=declaration.kind == "liquidation_judiciaire", debtor_siren=_siren(declaration.debtor_siren),
            creditor_siren=_siren(declaration.creditor.siren), currency=declaration.currency)
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{LEVEL}: template error: {exc}") from exc
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:  # at most one blank line in a row
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"


def as_letter(declaration: ClaimDeclaration, text: str, attachments: tuple[Attachment, ...] = ()) -> Message:
    """The declaration as a letter to the representative, for reminders.channels.letter.letter_pdf; the invoices'
    PDFs (``attachments``) follow its pages, as the exhibits its bordereau lists (R622-23)."""
    creditor = declaration.creditor
    return Message(
        to=(), subject=declaration.subject, text=text, customer_ref=declaration.debtor_ref, level=LEVEL,
        customer_name=declaration.debtor_name, sender_lines=(creditor.name, *creditor.address_lines),
        recipient_lines=(declaration.representative_name or representative_title(declaration.kind).capitalize(),
                         *declaration.representative_address),
        legal_lines=tuple(line for line in (" — ".join((creditor.name, *creditor.address_lines)), creditor.mentions)
                          if line),
        logo=creditor.logo, currency=declaration.currency, as_of=declaration.as_of, language="fr",
        attachments=attachments)


def render_pdf(declaration: ClaimDeclaration, text: str,
               attachments: tuple[Attachment, ...] = ()) -> tuple[bytes, tuple[str, ...]]:
    """The declaration's PDF (WeasyPrint, through the letter channel's layout) followed by the PDFs of
    ``attachments`` pypdf can read, and the names of those appended; the same input gives the same bytes."""
    from reminders.channels.letter import letter_pdf

    return letter_pdf(as_letter(declaration, text, attachments))

"""Short codes of the customer's page, printed on letters (issue 22): ``<LETTRAGE_PUBLIC_URL>/l/K7QM-4XTD-9P``.

A letter is read on paper: it prints the QR code of the signed link (``/p/<token>``, worker.dunning.customer_links)
and, for whoever types it, a short address: ten characters of Crockford's base32 drawn at random, printed in
groups (``K7QM-4XTD-9P``), read back whatever the case and the dashes (worker.dunning.short_codes).

The database maps a code to the claims its signed token carries (table ``shortlink``, worker/db/short_link_tables.py):
the company, the customer, the reminder, the day it was issued, its life (``[customer_page] link_days``) and the
customer's link generation. ``/l/<code>`` signs the token again from them and checks it as ``/p/`` does: an unknown,
expired or revoked code (``links revoke CUSTOMER`` moves the generation on; ``links revoke TOKEN|LINK`` names the
token the code stands for) is refused the same way. One code per reminder, customer and generation: a letter
rendered again prints the same code, and the QR code the same link.

Nothing here reads the wall clock: the day a link is issued is given.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from worker.db.repository import Repository
from worker.db.short_link_tables import ShortLink
from worker.dunning.customer_links import PAGE_PATH, generation_of, page_settings, sign_token
from worker.dunning.short_codes import ALPHABET, CODE_LENGTH, SHORT_PATH, find, grouped, new_code, normalise
from worker.dunning.short_link_queries import code_of_reminder

__all__ = ["ALPHABET", "CODE_LENGTH", "SHORT_PATH", "LetterLinks", "grouped", "letter_links", "new_code",
           "normalise", "reminder_letter_links", "resolve", "short_link", "token_of"]


@dataclass(frozen=True)
class LetterLinks:
    """What a letter prints: the signed link (its QR code) and the short address (its text)."""

    url: str  # <public>/p/<token>
    short_url: str  # <public>/l/<grouped code>
    code: str  # upper case, without dashes


def _existing(repo: Repository, customer_ref: str, reminder_id: int | None, generation: int) -> ShortLink | None:
    return code_of_reminder(repo.session, repo.company_id, customer_ref, reminder_id, generation)


def short_link(repo: Repository, customer_ref: str, reminder_id: int | None, issued_on: date) -> ShortLink:
    """The code of the customer's link for this reminder, made on its first letter (issued ``issued_on``) and the
    same afterwards while the customer's links are not all revoked (then a new one, of the new generation)."""
    generation = generation_of(repo, customer_ref)
    found = _existing(repo, customer_ref, reminder_id, generation)
    if found is not None:
        return found
    link_days = page_settings(repo).link_days
    for _ in range(5):  # two codes alike among 2**50: a new draw
        row = ShortLink(company_id=repo.company_id, code=new_code(), customer_ref=customer_ref,
                        reminder_id=reminder_id, issued_on=issued_on, link_days=link_days, generation=generation)
        try:
            with repo.session.begin_nested():
                repo.add(row)
                repo.flush()
            return row
        except IntegrityError:
            found = _existing(repo, customer_ref, reminder_id, generation)  # another process made it meanwhile
            if found is not None:
                return found
    raise RuntimeError("no free short code after five draws")  # pragma: no cover - 2**50 codes


def token_of(row: ShortLink, secret_key: str, company_ref: str) -> str:
    """The signed token ``row`` stands for (the same bytes as the link printed beside it)."""
    return sign_token(secret_key, company_ref, row.customer_ref, row.reminder_id, row.issued_on, row.link_days,
                      row.generation)


def letter_links(repo: Repository, public_url: str | None, secret_key: str, customer_ref: str,
                 reminder_id: int | None, issued_on: date) -> LetterLinks | None:
    """The signed link and the short address a letter prints (None when LETTRAGE_PUBLIC_URL is not set)."""
    if not public_url:
        return None
    row = short_link(repo, customer_ref, reminder_id, issued_on)
    base = public_url.rstrip("/")
    return LetterLinks(url=base + PAGE_PATH + token_of(row, secret_key, repo.company.ref),
                       short_url=base + SHORT_PATH + grouped(row.code), code=row.code)


def reminder_letter_links(repo: Repository, customer_ref: str, reminder_id: int | None,
                          issued_on: date) -> LetterLinks | None:
    """:func:`letter_links` with the process's settings: what a reminder's letter prints."""
    from worker.settings import get_settings

    settings = get_settings()
    return letter_links(repo, settings.public_url, settings.secret_key, customer_ref, reminder_id, issued_on)


def resolve(session: Session, secret_key: str, typed: str) -> str | None:
    """The signed token a typed code stands for (not yet checked: expiry, revocation), or None when no code is."""
    from worker.db.tables import Company

    row = find(session, typed)
    if row is None:
        return None
    company = session.get(Company, row.company_id)
    return token_of(row, secret_key, company.ref) if company is not None else None

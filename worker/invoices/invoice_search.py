"""Finding a company's invoices by number, payment reference, customer or amount, in SQL, a page at a time.

Why: the invoices page built every invoice's state to search them in Python (0.8 s for one exact number at 20,000
invoices, issue 18 item 4), was accent-sensitive ("benoit" found nothing, "Benoît" 23) and stopped silently at 200.
Here each way of matching is one query ordered newest first and limited, and only the invoices found are read.

Accents: neither SQLite nor PostgreSQL without ``unaccent`` folds them, and nothing new is stored. The customers'
names are searched with a LIKE pattern in which each letter that has accented forms in French is a one-character
wildcard (a superset, on ``lower()``), and the few customers it finds are kept when their folded name
(:func:`fold`) holds the folded query.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, func, or_, select, type_coerce

from worker.db.repository import Repository, _chunked
from worker.db.tables import Customer, Invoice
from worker.db.types import Money

ACCENTED = frozenset("aceinouy")  # letters written with accents in French names (à, ç, é, î, ñ, ô, ù, ÿ...)
_AMOUNT = re.compile(r"^-?\d+(?:[.,]\d{1,2})?$")
_SPACES = re.compile(r"[\s\u00a0\u202f]")


def fold(text: str) -> str:
    """``text`` lower-cased without its accents (and œ, æ written out): what searches compare."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _loose_pattern(folded: str) -> str:
    """A LIKE pattern (on ``lower()``) that every text whose fold holds ``folded`` matches."""
    return "%" + "".join("_" if ch in ACCENTED else _escaped(ch) for ch in folded) + "%"


def amount_in(query: str) -> Decimal | None:
    """The amount a query reads as ("480", "480,00", "1 234.56"), or None."""
    compact = _SPACES.sub("", query)
    if not _AMOUNT.match(compact):
        return None
    try:
        return Decimal(compact.replace(",", "."))
    except InvalidOperation:
        return None


def matching_customer_ids(repo: Repository, query: str) -> list[int]:
    """The customers whose ref or name holds ``query``, accents and case aside."""
    folded = fold(query.strip())
    if not folded:
        return []
    c = Customer.__table__.c  # type: ignore[attr-defined]
    pattern = _loose_pattern(folded)
    rows = repo.session.execute(select(c.id, c.ref, c.name).where(
        c.company_id == repo.company_id,
        or_(func.lower(c.ref).like(pattern, escape="\\"), func.lower(c.name).like(pattern, escape="\\"))))
    return [i for i, ref, name in rows if folded in fold(ref) or folded in fold(name)]


def search_invoice_ids(repo: Repository, query: str, limit: int = 50) -> list[int]:
    """The ids of at most ``limit`` invoices (newest issued first, then by number) whose number or payment
    reference holds ``query`` (case aside), whose customer's ref or name holds it (accents and case aside), or
    whose amount is the amount it reads as; with an empty query, the newest ``limit``."""
    inv = Invoice.__table__.c  # type: ignore[attr-defined]
    base = select(inv.issued_on, inv.number, inv.id).where(inv.company_id == repo.company_id)
    order = (inv.issued_on.desc(), inv.number.desc())
    needle = query.strip()
    found: dict[int, tuple[date, str]] = {}

    def take(statement: Select[Any]) -> None:
        for issued_on, number, invoice_id in repo.session.execute(statement):
            found[invoice_id] = (issued_on, number)

    if not needle:
        take(base.order_by(*order).limit(limit))
    else:
        pattern = f"%{_escaped(needle.lower())}%"
        take(base.where(or_(func.lower(inv.number).like(pattern, escape="\\"),
                            func.lower(inv.payment_reference).like(pattern, escape="\\"))).order_by(*order).limit(limit))
        for chunk in _chunked(matching_customer_ids(repo, needle)):
            take(base.where(inv.customer_id.in_(chunk)).order_by(*order).limit(limit))
        amount = amount_in(needle)
        if amount is not None:
            take(base.where(inv.amount == type_coerce(amount, Money())).order_by(*order).limit(limit))
    newest = sorted(found.items(), key=lambda pair: pair[1], reverse=True)
    return [invoice_id for invoice_id, _ in newest[:limit]]

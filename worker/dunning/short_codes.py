"""The short codes of a letter's address to the customer's page (worker.dunning.short_links): how they are drawn,
printed and read back, and which row a typed code names. No import of the links' module, which reads codes when
it revokes one (worker.dunning.customer_links.revoke).

Ten characters drawn at random (``secrets``) from Crockford's base32 (digits and upper-case letters without I, L, O
and U: nothing to confuse), 50 bits, printed in groups (``K7QM-4XTD-9P``); typed, case, dashes and spaces do not
matter, and O, I and L read as 0, 1 and 1.
"""
from __future__ import annotations

import re
import secrets

from sqlmodel import Session

from worker.db.short_link_tables import ShortLink
from worker.dunning.short_link_queries import row_of_code

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
CODE_LENGTH = 10  # 50 bits
SHORT_PATH = "/l/"
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.]+")


def new_code() -> str:
    """Ten characters of Crockford's base32, drawn by ``secrets``."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def grouped(code: str) -> str:
    """``K7QM4XTD9P`` → ``K7QM-4XTD-9P``: how a letter prints it."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(typed: str) -> str | None:
    """The code as stored, from what was typed (any case, with or without dashes or spaces, O/I/L for 0/1/1);
    None when it cannot be one."""
    code = _SEPARATORS.sub("", typed or "").upper().translate(_TYPED)
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def find(session: Session, typed: str) -> ShortLink | None:
    """The row of a typed code (or of a short address: what follows ``/l/``), of any company; None when none."""
    code = normalise(typed.rpartition(SHORT_PATH)[2])
    if code is None:
        return None
    return row_of_code(session, code)

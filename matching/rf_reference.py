"""Each invoice's structured creditor reference (ISO 11649 ``RF``), derived from its number.

An RF reference is ``RF`` + two check digits (ISO 7064 mod 97-10, as an IBAN's) + 1 to 21 letters or digits.
The reference printed on a reminder and in its EPC QR code, and read back by the matcher in a payment's
remittance information, is derived from the invoice number alone, so the same number always gives the same
reference, on every run and every machine, without storing it:

- the body is the number's *compact* form, the same one the matcher indexes (``matching.references.compact``,
  which imports this module, hence the copy here, tested equal): upper case, accents stripped, every character
  other than ``A-Z0-9`` dropped (``fa-2026/00123`` -> ``FA202600123``). Two numbers that differ only by
  punctuation, case or accents (``FA-2026-1`` and ``fa 2026 1``) get the same reference: the matcher already
  reads them as one key;
- a compact form of 1 to 20 characters is the body as it is (the customer can still read the number in it);
- a longer one (21 characters or more), or a number without any letter or digit, is reduced to exactly 21
  characters: its last 13 characters (the sequence part, what distinguishes two numbers of one series) after 8
  base-36 characters of the SHA-256 of the whole compact form (of the number itself when nothing is left). Two
  long numbers share a reference only if they end with the same 13 characters *and* their hashes agree on 40 bits
  (1 in 2.8 x 10^12 per pair); a reduced body (21 characters) never equals a direct one (20 at most).

``payment_rf`` prefers the reference an invoice was imported with when it is itself a valid RF reference (the
billing tool printed it on the invoice); otherwise the derived one.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

MAX_BODY = 21  # ISO 11649: at most 21 alphanumerics after RF and the check digits
DIRECT_MAX = MAX_BODY - 1  # a body kept as written is at most 20 characters, a reduced one exactly 21
HASH_CHARS = 8
TAIL_CHARS = MAX_BODY - HASH_CHARS
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")


def compact(text: str) -> str:
    """Upper case, accents stripped, only ``A-Z0-9`` kept: ``matching.references.compact``, character for character."""
    folded = unicodedata.normalize("NFKD", text)
    return _NOT_ALNUM.sub("", "".join(c for c in folded if not unicodedata.combining(c)).upper())


def _base36(data: bytes, width: int) -> str:
    value = int.from_bytes(data, "big")
    out = []
    for _ in range(width):
        value, digit = divmod(value, 36)
        out.append(_B36[digit])
    return "".join(reversed(out))


def rf_body(number: str) -> str:
    """The 1..21 alphanumerics of ``number``'s reference (module docstring: kept, or reduced with a hash)."""
    body = compact(number)
    if 1 <= len(body) <= DIRECT_MAX:
        return body
    digest = hashlib.sha256((body or number).encode("utf-8")).digest()
    return _base36(digest, HASH_CHARS) + body[-TAIL_CHARS:].rjust(TAIL_CHARS, "0")


def rf_with_check_digits(body: str) -> str:
    """``RF`` + the ISO 7064 mod 97-10 check digits of ``body`` + ``body`` (electronic form, no spaces)."""
    check = mod_97_10.calc_check_digits(body + "RF")
    return f"RF{check}{body}"


def rf_reference(number: str) -> str:
    """The invoice's derived RF reference, electronic form (``RF47FA202600123``)."""
    return rf_with_check_digits(rf_body(number))


def payment_rf(number: str, payment_reference: str | None = None) -> str:
    """The RF reference the customer is asked to quote: the imported one when it is a valid RF, else derived."""
    if payment_reference:
        imported = iso11649.compact(payment_reference)
        if imported.startswith("RF") and iso11649.is_valid(imported):
            return imported
    return rf_reference(number)


def printed(reference: str) -> str:
    """The paper form: blocks of four (``RF47 FA20 2600 123``), as ISO 11649 prints it."""
    return str(iso11649.format(reference))

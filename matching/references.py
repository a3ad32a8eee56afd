"""Find our invoice numbers and payment references in what the payer wrote.

Payers retype invoice numbers in every possible way (``FA-2026-00123``,
``fa 2026 00123``, ``FA202600123``, ``FACTURE 2026-00123``, ``Fact n° 123``,
``FA-2026-123``). Instead of guessing patterns we normalise *both* sides to
runs of upper-case letters and digits and look windows of consecutive runs of
the text up in an index built from the invoices:

- ``FULL``: the compact number (``FA202600123``), also with leading zeros of
  each numeric group dropped (``FA2026123``), and the invoice's own payment
  reference: identifies the invoice on its own;
- ``DIGITS``: the number without its alphabetic prefix (``202600123``): also
  identifies it (a nine-digit run is not a coincidence);
- ``DIGITS`` too: the numeric groups each without leading zeros
  (``2026-123`` -> ``2026123``), as in ``facture 2026-123``;
- ``TAIL``: the last numeric group without leading zeros (``123``): weak, it
  only counts when the amount or the payer agrees (the engine decides). A
  shorter tail (``Fact n° 22``) is read only right after a word that announces
  an invoice number (FACTURE, FACT, FA, N°, …), never alone.

Windows are tried longest first and the runs they consume are not reused, so
``FA-2026-00123`` never also yields a weak ``2026`` hit on another invoice.
ISO 11649 creditor references (``RF18 5390 0754 7034``) are found separately,
check digits validated, and matched against ``OpenInvoice.payment_reference``
and against the reference derived from each invoice's number
(``matching.rf_reference``: the one reminders print in their EPC QR code).
A number that belongs to no open invoice simply matches nothing.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

from matching.model import BankLine, OpenInvoice
from matching.rf_reference import DIRECT_MAX, rf_reference, rf_with_check_digits

MAX_WINDOW = 6  # runs; "FACTURE N 2026 00123" is four, leave room for odd spacing
MIN_TAIL_DIGITS = 3  # a bare "7" or "42" in a text is noise, not evidence
MIN_FULL_LEN = 6  # a full key shorter than this (e.g. number "123") is only weak
MIN_GROUPS_LEN = 5  # "2026" + "9": year and sequence, each without leading zeros
# Words after which a short number is an invoice number ("Fact n° 22", "facture 7").
MARKERS = frozenset({"FA", "FAC", "FACT", "FACTURE", "FACTURES", "FCT", "FT", "INV", "INVOICE", "N", "NO", "NR",
                     "NUM", "NUMERO", "REF"})
SHORT_TAIL = "#"  # index prefix of short tails, looked up only after a marker word
MIN_TYPO_LEN = 8  # a number is read "with one typo" only when it is long enough for that to mean something

_RUN = re.compile(r"[A-Z]+|[0-9]+")
_DIGITS = "0123456789"
_HEAD = re.compile(r"^[A-Z]*")
_TAIL = re.compile(r"[A-Z]*$")
_HAS_DIGIT = re.compile(r"[0-9]")
_RF_START = re.compile(r"RF[0-9]{2}")


class Strength(IntEnum):
    """How much a key says about the invoice; compared with ``>``."""

    TAIL = 1
    DIGITS = 2
    FULL = 3


@dataclass(frozen=True)
class RefHit:
    """One invoice named in a line: how strongly, by which written form, where."""

    invoice_id: int
    strength: Strength
    found: str  # the text as the payer wrote it (normalised spacing), for the reasons
    where: str  # "text" or "structured reference"
    rf: bool = False  # found through an ISO 11649 creditor reference
    typo: bool = False  # one character away from the invoice's number (changed, dropped, added, swapped)

    @property
    def strong(self) -> bool:
        """Whether this hit identifies the invoice without any other evidence."""
        return self.strength >= Strength.DIGITS

    def reason(self, number: str) -> str:
        """A human sentence for the audit log."""
        if self.rf:
            return f"RF reference {self.found} in {self.where} is the payment reference of {number}"
        if self.typo:
            return f"{self.found} in {self.where} is one typo away from {number} (weak)"
        if self.strength is Strength.TAIL:
            return f"number {self.found} in {self.where} matches the end of {number} (weak)"
        return f"reference {number} in {self.where}"


def fold(text: str) -> str:
    """Upper-case ``text`` and strip accents (``Fact n°`` -> ``FACT N°``)."""
    if text.isascii():  # invoice numbers and most remittance texts: nothing to decompose
        return text.upper()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def runs(text: str) -> list[str]:
    """Split ``text`` into maximal runs of letters or of digits, upper case."""
    return _RUN.findall(fold(text))


def _strip_zeros(run: str) -> str:
    return (run.lstrip("0") or "0") if run.isdigit() else run


def compact(text: str) -> str:
    """Alphanumeric upper-case form: ``fa-2026/00123`` -> ``FA202600123``."""
    return "".join(runs(text))


def number_keys(number: str) -> dict[str, Strength]:
    """The keys under which an invoice number is indexed, with their strength."""
    parts = runs(number)
    if not parts:
        return {}
    # Runs are all letters or all digits; each digit run is also read without its leading zeros.
    digit = [p[0].isdigit() for p in parts]
    stripped = [(p.lstrip("0") or "0") if d else p for p, d in zip(parts, digit)]
    keys: dict[str, Strength] = {}
    full = "".join(parts)
    full_strength = Strength.FULL if len(full) >= MIN_FULL_LEN else Strength.TAIL
    keys[full] = full_strength
    keys.setdefault("".join(stripped), full_strength)
    if True in digit:
        first_digit = digit.index(True)
        if first_digit > 0:
            digits = "".join(parts[first_digit:])
            if len(digits) >= MIN_FULL_LEN:
                keys.setdefault(digits, Strength.DIGITS)
        numeric = [s for s, d in zip(stripped, digit) if d]
        if len(numeric) >= 2:
            groups = "".join(numeric)
            if len(groups) >= MIN_GROUPS_LEN:
                keys.setdefault(groups, Strength.DIGITS)
    if digit[-1]:
        tail = stripped[-1]
        if len(tail) >= MIN_TAIL_DIGITS:
            keys.setdefault(tail, Strength.TAIL)
        else:
            keys.setdefault(SHORT_TAIL + tail, Strength.TAIL)
    return keys


def rf_is_valid(reference: str) -> bool:
    """ISO 11649 check: ``RF`` + 2 check digits + 1..21 alphanumerics, mod 97 == 1."""
    ref = compact(reference)
    if not (5 <= len(ref) <= 25) or not _RF_START.match(ref):
        return False
    rearranged = ref[4:] + ref[:4]
    as_digits = "".join(str(int(c, 36)) for c in rearranged)
    return int(as_digits) % 97 == 1


def rf_candidates(text: str) -> list[tuple[str, int, int]]:
    """Every valid RF reference readable at an ``RF..`` start in ``text``.

    Payers group RF references in blocks of four; we glue the following runs
    and keep every prefix whose check digits hold, longest first, so the caller
    can prefer the one that is a known payment reference. Each comes with the
    range of runs (start, end) it covers, so those runs are not read again as
    invoice numbers.
    """
    parts = runs(text)
    found: list[tuple[str, int, int]] = []
    for i, part in enumerate(parts):
        if not part.startswith("RF"):
            continue
        glued, ends = "", []  # ends[k]: length of the glued text after run i + k
        for nxt in parts[i : i + 8]:
            glued += nxt
            ends.append(len(glued))
            if len(glued) >= 25:
                break
        for length in range(min(len(glued), 25), 4, -1):
            ref = glued[:length]
            if rf_is_valid(ref) and all(ref != f[0] for f in found):
                last = next(k for k, end in enumerate(ends) if end >= length)
                found.append((ref, i, i + last + 1))
    return found


class ReferenceIndex:
    """Invoices of one currency indexed by every key a payer may write."""

    def __init__(self, invoices: Iterable[OpenInvoice]) -> None:
        self._keys: dict[str, dict[int, Strength]] = {}
        self._rf: dict[str, list[int]] = {}
        # derived RF references (matching.rf_reference): a body of at most DIRECT_MAX characters is the compact
        # number, looked up here when a payment quotes it (computing 100,000 check digits up front costs 0.4 s);
        # the rare longer numbers are reduced with a hash, so their references are computed now, into _rf
        self._compact: dict[str, list[int]] = {}
        self._typo_keys: set[str] = set()  # keys long and strong enough to be read with one typo
        keys_of, typo_keys = self._keys, self._typo_keys
        self._heads: set[str] = set()  # leading letter runs of the keys ("FA"): where a window may open
        self._tails: set[str] = set()  # trailing letter runs of the keys
        self._letters_only = False  # some key has no digit at all
        for inv in invoices:
            own_keys = number_keys(inv.number)
            full = next(iter(own_keys), "")  # number_keys puts the compact number first
            if full and len(full) <= DIRECT_MAX:
                self._compact.setdefault(full, []).append(inv.id)
            else:
                self._rf.setdefault(rf_reference(inv.number), []).append(inv.id)
            for key, strength in own_keys.items():
                slot = keys_of.get(key)
                if slot is None:
                    keys_of[key] = {inv.id: strength}
                elif strength > slot.get(inv.id, 0):
                    slot[inv.id] = strength
                if strength >= Strength.DIGITS and len(key) >= MIN_TYPO_LEN:
                    typo_keys.add(key)
            if inv.payment_reference:
                ref = compact(inv.payment_reference)
                if ref.startswith("RF") and rf_is_valid(ref):
                    self._rf.setdefault(ref, []).append(inv.id)
                elif len(ref) >= MIN_FULL_LEN:
                    slot = keys_of.setdefault(ref, {})
                    slot[inv.id] = Strength.FULL
        # a text may split a key's letters into several runs ("CMD-ABC" for CMDABC12): any prefix of the
        # leading letters may open a window, any suffix of the trailing ones close it. Keys share a few
        # letter runs ("FA"), so each distinct run is spread into prefixes (suffixes) once.
        heads_of, tails_of = set(), set()
        for key in keys_of:
            if not key[0].isdigit():
                head = _HEAD.match(key)
                heads_of.add(head.group() if head else "")
            if not key[-1].isdigit():
                tail = _TAIL.search(key)
                tails_of.add(tail.group() if tail else "")
                if _HAS_DIGIT.search(key) is None:
                    self._letters_only = True
        for letters in heads_of:
            self._heads.update(letters[:n] for n in range(1, len(letters) + 1))
        for letters in tails_of:
            self._tails.update(letters[-n:] for n in range(1, len(letters) + 1))

    def _one_edit_keys(self, written: str) -> set[str]:
        """Typo-eligible keys one edit from ``written``: a character changed, dropped, added or swapped.

        The edits are generated from what the payer wrote and looked up (digits are what payers
        mistype; letters are only dropped or swapped): about 250 lookups for an 11-character number,
        against an index of every key's deletions that would cost seconds to build for 100,000 invoices.
        """
        keys, n = self._typo_keys, len(written)
        found: set[str] = set()
        for i in range(n):
            head, tail = written[:i], written[i + 1 :]
            found.add(head + tail)  # a character added by the payer
            if i + 1 < n:
                found.add(head + written[i + 1] + written[i] + written[i + 2 :])  # two swapped
            if written[i].isdigit():
                found.update(head + d + tail for d in _DIGITS if d != written[i])  # one changed
        for i in range(n + 1):  # a digit dropped by the payer
            found.update(written[:i] + d + written[i:] for d in _DIGITS)
        found.discard(written)
        return {key for key in found if key in keys}

    def find(self, line: BankLine, is_open: Callable[[int], bool] = lambda _id: True) -> list[RefHit]:
        """Invoices named by ``line`` (text and structured reference), best hit per invoice.

        ``is_open`` filters out invoices already settled earlier in the run;
        pass ``lambda _: True`` to see every indexed invoice.
        """
        best: dict[int, RefHit] = {}
        sources = [("structured reference", line.reference or ""), ("text", line.text or "")]
        for where, text in sources:
            if not text:
                continue
            for hit in self._find_in(text, where):
                if not is_open(hit.invoice_id):
                    continue
                old = best.get(hit.invoice_id)
                if old is None or (hit.strength, hit.rf) > (old.strength, old.rf):
                    best[hit.invoice_id] = hit
        return sorted(best.values(), key=lambda h: (-h.strength, h.invoice_id))

    def _find_in(self, text: str, where: str) -> list[RefHit]:
        parts = runs(text)
        used = [False] * len(parts)
        hits: list[RefHit] = []
        known_starts: set[int] = set()
        for rf, start, end in rf_candidates(text):
            named = self._rf_invoices(rf)
            if not named or start in known_starts:
                continue  # the longest known reading at each start wins
            known_starts.add(start)
            hits.extend(RefHit(inv_id, Strength.FULL, _blocks(rf), where, rf=True) for inv_id in named)
            for k in range(start, end):
                used[k] = True
        hits.extend(self._find_numbers(parts, used, where))
        if not any(h.strength >= Strength.DIGITS for h in hits):
            hits.extend(self._find_typos(parts, used, where))
        return hits

    def _rf_invoices(self, rf: str) -> list[int]:
        """The invoices whose imported or derived RF reference is ``rf`` (a valid reference, compact form)."""
        named = list(self._rf.get(rf, ()))
        body = rf[4:]
        if len(body) <= DIRECT_MAX and body in self._compact and rf == rf_with_check_digits(body):
            named.extend(i for i in self._compact[body] if i not in named)
        return named

    def _find_typos(self, parts: Sequence[str], used: list[bool], where: str) -> list[RefHit]:
        """Invoice numbers written with one typo (a changed, dropped, added or swapped character).

        Every single edit of the written form is looked up among the keys (``_one_edit_keys``). Such a
        hit is weak: it counts only when the amount and the payer agree (the engine decides).
        """
        hits: list[RefHit] = []
        for size in range(min(3, len(parts)), 0, -1):
            for start in range(len(parts) - size + 1):
                if any(used[start : start + size]):
                    continue
                window = parts[start : start + size]
                written = "".join(window)
                if len(written) < MIN_TYPO_LEN - 1 or not any(c.isdigit() for c in written):
                    continue
                for key in sorted(self._one_edit_keys(written)):
                    hits.extend(RefHit(inv_id, Strength.TAIL, " ".join(window), where, typo=True)
                                for inv_id in sorted(self._keys.get(key, {})))
        return hits

    def _find_numbers(self, parts: Sequence[str], used: list[bool], where: str) -> list[RefHit]:
        hits: list[RefHit] = []
        n = len(parts)
        # Whether a run may open or close a key, computed once per run: a window can only open on a run that starts a key (a
        # digit, or leading letters of some key) and close on one that ends a key; most runs of a bank
        # text ("VIR", "SEPA", a name) do neither, so most windows are skipped without being built.
        digit = [p[0].isdigit() for p in parts]
        starts = [i for i in range(n) if digit[i] or parts[i] in self._heads]
        closes = [digit[i] or parts[i] in self._tails for i in range(n)]
        letters_only = self._letters_only
        for size in range(min(MAX_WINDOW, n), 0, -1):
            for start in starts:
                end = start + size
                if end > n:
                    break
                if not closes[end - 1] or any(used[start:end]):
                    continue
                if not letters_only and not any(digit[start:end]):
                    continue
                window = parts[start:end]
                matched = self._lookup(window)
                if not matched and size == 1 and start > 0 and parts[start - 1] in MARKERS and window[0].isdigit():
                    matched = dict(self._keys.get(SHORT_TAIL + _strip_zeros(window[0]), {}))
                if not matched:
                    continue
                for inv_id, strength in sorted(matched.items()):
                    hits.append(RefHit(inv_id, strength, " ".join(window), where))
                # consume the runs only for identifying hits: a weak tail may still be
                # part of a longer number that belongs to nobody
                if max(matched.values()) >= Strength.DIGITS or size == 1:
                    for k in range(start, start + size):
                        used[k] = True
        return hits

    def _lookup(self, window: Sequence[str]) -> dict[int, Strength]:
        raw = "".join(window)
        stripped = "".join(_strip_zeros(p) for p in window)
        found = dict(self._keys.get(raw, {}))
        for inv_id, strength in self._keys.get(stripped, {}).items():
            found[inv_id] = max(strength, found.get(inv_id, strength))
        return found


def spelt_like(found: str, number: str) -> str:
    """What the payer wrote (``found``: its runs, space separated) spelt with ``number``'s separators when it has
    as many runs: ``FA 2026 000683`` beside ``FA-2026-000684`` reads ``FA-2026-000683``; else ``found``."""
    written = found.split()
    spots = list(_RUN.finditer(number.upper())) if number.isascii() else []
    if len(spots) != len(written):
        return found
    out, at = [], 0
    for spot, part in zip(spots, written):
        out.append(number[at:spot.start()] + part)
        at = spot.end()
    return "".join(out) + number[at:]


def _blocks(ref: str) -> str:
    """``RF18539007547034`` -> ``RF18 5390 0754 7034``, as printed on invoices."""
    return " ".join(ref[i : i + 4] for i in range(0, len(ref), 4))

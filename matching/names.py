"""Compare the payer name on a bank line with customer names.

Bank statements spell payers as ``SARL DUPONT``, ``DUPONT SARL``, ``Ste Dupont``,
``M. OU MME MARTIN JEAN`` or ``ETABLISSEMENTS DUPONT ET FILS DE LA REGIO``
(cut at 32 or 35 characters). We normalise both sides — upper case, accents and
punctuation stripped, legal forms, civilities and linking words dropped — and
compare with rapidfuzz's ``token_set_ratio`` so word order does not matter.
A payer name of 32 characters or more is presumed truncated by the bank and
also scores as a prefix of the customer name.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from rapidfuzz import fuzz, process

from matching.model import Customer

TRUNCATED_AT = 32  # OFX NAME holds 32 characters, SWIFT/SEPA exports often 35: names this long may be cut
MIN_PREFIX_LEN = 8  # a truncated name shorter than this after normalisation proves nothing
MAX_NAME_CANDIDATES = 100  # beyond this, only names holding the payer's two rarest words are compared
MAX_SUBSET_WORDS = 8  # payer names are short; beyond this many words, subsets are not enumerated

LEGAL_FORMS = frozenset(
    {
        "SARL", "SAS", "SASU", "EURL", "SA", "SNC", "SCI", "SCM", "SCP", "SCOP", "SELARL", "SELAS",
        "EI", "EIRL", "GIE", "STE", "STES", "SOCIETE", "ETS", "ETABLISSEMENTS", "CIE",
        "GMBH", "AG", "KG", "LTD", "LIMITED", "PLC", "LLC", "INC", "CORP", "BV", "NV", "SPRL", "SRL",
        "SPA", "SL",
    }
)
CIVILITIES = frozenset({"M", "MR", "MME", "MLLE", "MM", "MMES", "MONSIEUR", "MADAME", "MADEMOISELLE", "OU"})
LINK_WORDS = frozenset({"ET", "AND", "DE", "DU", "DES", "LA", "LE", "LES", "L", "D", "THE"})
_DROPPED = LEGAL_FORMS | CIVILITIES | LINK_WORDS

_DOTTED_ACRONYM = re.compile(r"\b(?:[A-Z]\.){2,}")
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")


def normalise_name(name: str) -> str:
    """Canonical form of a person or company name, words in their original order.

    >>> normalise_name("Sté Dupont & Fils, S.A.R.L.")
    'DUPONT FILS'
    """
    decomposed = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    text = _DOTTED_ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text)
    words = _NON_ALNUM.sub(" ", text).split()
    kept = [w for w in words if w not in _DROPPED]
    return " ".join(kept)


def similarity(payer: str, candidate: str, *, truncated: bool = False) -> float:
    """Score 0..100 between two *normalised* names (see ``normalise_name``).

    ``truncated`` says the bank may have cut the payer name: then the payer
    also scores against the same-length prefix of the candidate.
    """
    if not payer or not candidate:
        return 0.0
    score = float(fuzz.token_set_ratio(payer, candidate))
    if truncated and len(payer) >= MIN_PREFIX_LEN and len(candidate) > len(payer):
        prefix = candidate[: len(payer)]
        # the last word is probably cut in the middle: compare it as a prefix too
        score = max(score, float(fuzz.ratio(payer, prefix)))
    return round(score, 1)


def entity_kind(name: str) -> str | None:
    """"person" when the name carries a civility (M., Mme, M OU MME), "company" when a legal form, else None."""
    decomposed = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    text = _DOTTED_ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text)
    words = set(_NON_ALNUM.sub(" ", text).split())
    person, company = bool(words & CIVILITIES - {"OU"}), bool(words & LEGAL_FORMS)
    if person == company:
        return None
    return "person" if person else "company"


def full_similarity(payer: str, candidate: str, *, truncated: bool = False) -> float:
    """Score 0..100 between two *normalised* names that counts the words either side lacks.

    ``similarity`` says 100 for ``LEFEVRE`` against ``TRANSPORTS LEFEVRE`` (one is a subset of
    the other): right for finding candidates, too lenient to tell two customers apart.
    """
    if not payer or not candidate:
        return 0.0
    score = float(fuzz.token_sort_ratio(payer, candidate))
    if truncated and len(payer) >= MIN_PREFIX_LEN and len(candidate) > len(payer):
        score = max(score, float(fuzz.ratio(payer, candidate[: len(payer)])))
    return round(score, 1)


@dataclass(frozen=True)
class NameHit:
    """The best match of a payer name among one customer's names."""

    customer_id: int
    score: float  # 0..100
    payer: str  # as written on the line
    name: str  # the customer name or alias it matched, as recorded
    full: float = 0.0  # full_similarity: penalises words missing on either side
    kind_clash: bool = False  # one name is a person's (civility), the other a company's (legal form)

    def reason(self) -> str:
        """A human sentence for the audit log."""
        return f"payer name '{self.payer}' ~ '{self.name}' ({self.score:.0f})"


class NameIndex:
    """Customers' normalised names and aliases, searched by payer name."""

    def __init__(self, customers: Iterable[Customer]) -> None:
        self._names: list[tuple[int, str, str]] = []  # (customer id, normalised, as recorded)
        for customer in customers:
            for name in (customer.name, *customer.aliases):
                normalised = normalise_name(name)
                if normalised:
                    self._names.append((customer.id, normalised, name))
        self._normalised = [normalised for _, normalised, _ in self._names]
        self._kinds = [entity_kind(recorded) for _, _, recorded in self._names]
        self._searched: dict[tuple[str, float], dict[int, NameHit]] = {}  # a customer pays again and again
        # Candidates come from shared words, never from comparing every name (100,000 lines against
        # 20,000 customers would be two billion comparisons).
        self._by_word: dict[str, list[int]] = {}
        self._posting_sets: dict[str, frozenset[int]] = {}
        self._by_words: dict[frozenset[str], list[int]] = {}
        for i, normalised in enumerate(self._normalised):
            words = frozenset(normalised.split())
            for word in words:
                self._by_word.setdefault(word, []).append(i)
            self._by_words.setdefault(words, []).append(i)

    def _candidates(self, normalised: str) -> dict[int, str]:
        """Names sharing a not-too-common word with the payer's, or made only of the payer's words."""
        words = sorted(set(normalised.split()))
        by_word = self._by_word
        ranked = sorted(words, key=lambda w: len(by_word.get(w, ())))  # rarest first; unknown words first of all
        postings = [by_word.get(w, ()) for w in ranked]
        found: set[int]
        if len(postings) >= 2 and len(postings[1]) > MAX_NAME_CANDIDATES:
            # The two rarest words together name too many: names holding both (their union is never built).
            found = set(self._posting_set(ranked[0]) & self._posting_set(ranked[1]))
            if not found and len(postings[0]) <= 3 * MAX_NAME_CANDIDATES:  # the rarer word may be misspelt
                found = set(postings[0])
        else:
            found = set()
            for posting in postings[:2]:  # the payer's two rarest words (a misspelt one finds nobody)
                found.update(posting)
            if len(found) > MAX_NAME_CANDIDATES and len(postings) >= 2:  # common words: names holding both
                found = set(postings[0]).intersection(postings[1])
                if not found and len(postings[0]) <= 3 * MAX_NAME_CANDIDATES:
                    found = set(postings[0])
        if len(words) <= MAX_SUBSET_WORDS:  # "LEFEVRE" inside "TRANSPORTS LEFEVRE", however common
            known = [w for w in words if w in by_word]  # a word no name holds is in no name's word set
            for size in range(1, len(known) + 1):
                for combo in combinations(known, size):
                    found.update(self._by_words.get(frozenset(combo), ()))
        return {i: self._normalised[i] for i in sorted(found)}

    def _posting_set(self, word: str) -> frozenset[int]:
        """The names holding ``word``, as a set kept for the run (common words come back again and again)."""
        cached = self._posting_sets.get(word)
        if cached is None:
            cached = self._posting_sets[word] = frozenset(self._by_word.get(word, ()))
        return cached

    def search(self, payer: str | None, threshold: float) -> dict[int, NameHit]:
        """Customers whose name scores at least ``threshold`` against ``payer``.

        Scores are those of :func:`similarity`, computed by rapidfuzz's ``process.extract``
        over the candidates of ``_candidates`` only: names sharing a word with the payer's.
        A payer whose every word is misspelt finds nobody; that is the price of never
        comparing a line with every customer.
        """
        if not payer or not self._names:
            return {}
        cached = self._searched.get((payer, threshold))
        if cached is None:
            cached = self._searched[(payer, threshold)] = self._search(payer, threshold)
        return dict(cached)

    def _search(self, payer: str, threshold: float) -> dict[int, NameHit]:
        normalised = normalise_name(payer)
        if not normalised:
            return {}
        cutoff = max(threshold - 0.05, 0.0)  # scores are rounded to 0.1 before the threshold applies
        candidates = self._candidates(normalised)
        best: dict[int, float] = {}
        for _, score, i in process.extract(normalised, candidates, scorer=fuzz.token_set_ratio,
                                           score_cutoff=cutoff, limit=None):
            best[i] = float(score)
        if len(payer.strip()) >= TRUNCATED_AT and len(normalised) >= MIN_PREFIX_LEN:
            size = len(normalised)
            prefixes = {i: name[:size] for i, name in candidates.items() if len(name) > size}
            for _, score, i in process.extract(normalised, prefixes, scorer=fuzz.ratio, score_cutoff=cutoff,
                                               limit=None):
                best[i] = max(best.get(i, 0.0), float(score))
        hits: dict[int, NameHit] = {}
        truncated = len(payer.strip()) >= TRUNCATED_AT
        payer_kind = entity_kind(payer)
        for i, raw in sorted(best.items()):
            score = round(raw, 1)
            if score < threshold:
                continue
            customer_id, candidate, recorded = self._names[i]
            full = full_similarity(normalised, candidate, truncated=truncated)
            kind = self._kinds[i]
            clash = payer_kind is not None and kind is not None and payer_kind != kind
            old = hits.get(customer_id)
            if old is None or (score, full) > (old.score, old.full):
                hits[customer_id] = NameHit(customer_id, score, payer.strip(), recorded, full, clash)
        return hits

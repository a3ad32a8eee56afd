"""The bank-line search's folding (worker/statements/line_search.py): accents, case and ligatures off on both
sides, and the cheap LIKE pre-filter never dropping a line the folded comparison would keep."""
from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from worker.statements.line_search import contains_pattern, fold, prefilter_pattern

LETTERS = "aAeEéÉèêËiîÏoôÖœŒuùÜçÇñßæ 0123456789-%_\\/.'"


def test_fold_takes_accents_case_and_ligatures_off() -> None:
    assert fold("BENOÎT Lefèvre") == "benoit lefevre"
    assert fold("Œuvre Straße ÆON") == "oeuvre strasse aeon"
    assert fold("VIR SEPA FA-2026-00123") == "vir sepa fa-2026-00123"


def _like_matches(text: str, pattern: str) -> bool:
    with sqlite3.connect(":memory:") as con:
        return bool(con.execute("SELECT ? LIKE ? ESCAPE '\\'", (text, pattern)).fetchone()[0])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=LETTERS, max_size=12), st.integers(0, 12), st.integers(1, 6))
def test_the_prefilter_keeps_every_line_the_folded_search_finds(haystack: str, start: int, size: int) -> None:
    needle = fold(haystack)[start:start + size]
    if not needle:
        return
    assert _like_matches(fold(haystack), contains_pattern(needle))  # the folded comparison finds it...
    assert _like_matches(haystack, prefilter_pattern(needle))  # ...and the pre-filter on the raw text keeps it

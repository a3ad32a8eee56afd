"""The short codes of the customer's page printed on letters (issue 22: « short URL and QR code on letters »):
ten characters of Crockford's base32 drawn at random, printed in groups, read back whatever the case, the dashes
or the spaces, with O, I and L typed for 0, 1 and 1 (Crockford, « Base 32 »: the decoding is case-insensitive and
maps O to 0, I and L to 1; U is not a symbol)."""
from __future__ import annotations

from worker.dunning.short_codes import ALPHABET, CODE_LENGTH, grouped, new_code, normalise


def test_the_alphabet_is_crockfords_base32() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET) and ALPHABET == "".join(sorted(ALPHABET))


def test_codes_are_random_ten_characters_of_the_alphabet() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == CODE_LENGTH and set(code) <= set(ALPHABET) for code in codes)


def test_a_code_is_printed_in_groups_and_read_back_however_it_is_typed() -> None:
    assert grouped("K7QM4XTD9P") == "K7QM-4XTD-9P"
    for typed in ("K7QM-4XTD-9P", "k7qm4xtd9p", " k7qm 4xtd 9p ", "K7QM--4XTD_9P", "k7qm.4xtd.9p"):
        assert normalise(typed) == "K7QM4XTD9P", typed
    assert normalise("0I1L-OOAB-CD") == "0111-00AB-CD".replace("-", "")


def test_what_cannot_be_a_code_is_none() -> None:
    for typed in ("", "K7QM-4XTD", "K7QM-4XTD-9PX", "K7QM-4XTD-9U", "K7QM/4XTD/9P", "K7QM-4XTD-9É", "x" * 600):
        assert normalise(typed) is None, typed

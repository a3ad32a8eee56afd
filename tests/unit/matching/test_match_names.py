"""Payer names match customer names despite legal forms, accents, word order and truncation."""
from __future__ import annotations

import pytest
from matching_factories import customer

from matching.names import NameIndex, normalise_name, similarity


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Dupont SARL", "DUPONT"),
        ("SARL DUPONT", "DUPONT"),
        ("S.A.R.L. Dupont", "DUPONT"),
        ("Sté Dupont & Fils", "DUPONT FILS"),
        ("STE DUPONT", "DUPONT"),
        ("ETS Lefèvre", "LEFEVRE"),
        ("M OU MME MARTIN JEAN", "MARTIN JEAN"),
        ("M. Martin", "MARTIN"),
        ("MR Jean Martin", "JEAN MARTIN"),
        ("Mme Hélène Ñúñez", "HELENE NUNEZ"),
        ("Müller GmbH", "MULLER"),
        ("Acme Ltd.", "ACME"),
        ("SAS", ""),
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


@pytest.mark.parametrize(
    ("payer", "name"),
    [
        ("SARL DUPONT", "Dupont SARL"),
        ("DUPONT", "Dupont SARL"),
        ("MARTIN JEAN", "Jean Martin"),
        ("M OU MME MARTIN JEAN", "Jean Martin"),
        ("LEFEVRE ETS", "Établissements Lefèvre"),
        ("BOULANGERIE DU CENTRE", "Boulangerie du Centre SAS"),
    ],
)
def test_names_that_should_match(payer: str, name: str) -> None:
    assert similarity(normalise_name(payer), normalise_name(name)) >= 85


@pytest.mark.parametrize(
    ("payer", "name"),
    [("SARL DUPONT", "Martin SAS"), ("GARAGE DES PINS", "Boulangerie du Centre"), ("", "Dupont")],
)
def test_names_that_should_not_match(payer: str, name: str) -> None:
    assert similarity(normalise_name(payer), normalise_name(name)) < 85


@pytest.mark.parametrize(
    "full",
    [
        "Cabinet Médical des Docteurs Lefebvre Moreau",
        "Transports Frigorifiques Bretons Atlantique Nord SAS",
        "Menuiserie Rousseau Charpente et Couverture",
    ],
)
def test_name_cut_at_35_characters_matches_as_a_prefix(full: str) -> None:
    cut = full.upper()[:35]  # what the bank prints; the last word is cut mid-word
    index = NameIndex([customer(1, full), customer(2, "Cabinet Moreau")])
    found = index.search(cut, 85)
    assert found[1].score == 100
    assert found[1].score > found.get(2, found[1]).score or 2 not in found


def test_truncation_is_only_assumed_at_35_characters() -> None:
    full = normalise_name("Cabinet Médical des Docteurs Lefebvre Moreau")
    cut = normalise_name("CABINET MEDICAL DES DOCTEURS LEFEBV")
    assert similarity(cut, full, truncated=True) == 100
    assert similarity(cut, full) < 90  # the same text not presumed truncated scores lower
    short = normalise_name("CABINET LEF")  # too short to prove anything as a prefix
    assert similarity(short, full, truncated=True) < 85


def test_aliases_are_searched_and_reason_is_readable() -> None:
    index = NameIndex([customer(1, "Dupont SARL", aliases=("J. DUPONT HOLDING",)), customer(2, "Martin SAS")])
    found = index.search("SARL DUPONT", 85)
    assert set(found) == {1}
    assert found[1].reason() == "payer name 'SARL DUPONT' ~ 'Dupont SARL' (100)"
    assert set(index.search("DUPONT HOLDING", 85)) == {1}
    assert index.search(None, 85) == {}


def test_common_words_find_the_names_holding_both_and_the_names_made_of_them() -> None:
    """Both payer words are in over 100 names: only names holding both are compared (never the union),
    and a name made only of the payer's words is found however common they are."""
    towns = [f"VILLE{i}" for i in range(150)]
    names = [customer(i, f"Transports {town}") for i, town in enumerate(towns, start=1)]
    names += [customer(1000 + i, f"Garage Lyon {town}") for i, town in enumerate(towns)]
    names += [customer(5000, "Transports Lyon"), customer(5001, "Transports Martin Lyon")]
    index = NameIndex(names)
    hits = index.search("TRANSPORTS LYON", 85)
    assert set(hits) == {5000, 5001}
    assert hits[5000].full == 100.0
    assert index.search("TRANSPORTS LYON", 85) == hits  # the second search (cached) says the same


def test_of_two_look_alike_customers_the_name_the_bank_printed_ranks_first() -> None:
    """A payment known by the payer's name only, of an amount both look-alike customers owe: it stays for review
    (a name is not enough to apply it when a look-alike owes the same), but the customer whose name the bank printed is ranked strictly first,
    so that a pending payment is netted against that customer once its hold ends, not against nobody (the
    100,000-invoice promise run reminded such payers after 10 business days)."""
    from matching_factories import invoice, line

    from matching import match_lines

    lyon, dijon = customer(1, "SA Traiteur Petit Lyon"), customer(2, "SA Traiteur Petit Dijon")
    invs = [invoice("FA-1", customer_id=1, amount="480.00"), invoice("FA-2", customer_id=2, amount="480.00")]
    [decision] = match_lines([line("480.00", "VIR SEPA RECU", counterparty="SA TRAITEUR PETIT LYON")], invs,
                             [lyon, dijon])
    assert decision.kind == "review"
    first, second = decision.candidates[:2]
    assert [p.invoice_id for p in first.proposals] == [invs[0].id]
    assert [p.invoice_id for p in second.proposals] == [invs[1].id]
    assert first.score > second.score


def test_a_name_printed_word_for_word_singles_out_the_payer_among_look_alikes() -> None:
    """A payment naming no invoice, from an account nobody is known by, whose payer name is one customer's
    name word for word while look-alike customers (same trade and surname, another town) exist: the payer is
    that customer, and the payment is imputed to the invoice owing exactly its amount, as the law designates
    without the debtor's indication (Code civil art. 1342-10). At 100,000 invoices the promise run sent 1,964
    such payments to review, their invoices held meanwhile."""
    from matching_factories import invoice, line

    from matching import match_lines

    lyon, dijon, nimes = (customer(1, "SA Traiteur Petit Lyon"), customer(2, "SA Traiteur Petit Dijon"),
                          customer(3, "SA Traiteur Petit Nîmes"))
    invs = [invoice("FA-1", customer_id=1, amount="480.00"), invoice("FA-2", customer_id=2, amount="512.30")]
    [decision] = match_lines([line("480.00", "VIR SEPA RECU", counterparty="SA TRAITEUR PETIT LYON")], invs,
                             [lyon, dijon, nimes])
    assert decision.kind == "auto", decision.reasons
    assert [p.invoice_id for p in decision.allocations] == [invs[0].id]
    assert any("word for word" in r for r in (*decision.reasons, *decision.allocations[0].reasons)), decision


@pytest.mark.parametrize(
    ("printed", "others"),
    [
        ("SA TRAITEUR PETIT", ["SA Traiteur Petit Lyon"]),  # the bank's name is shorter: not word for word
        ("SAS TRAITEUR PETIT LYON", ["SARL Traiteur Petit Lyon"]),  # two customers bear that very name
    ],
)
def test_a_name_not_singling_out_one_customer_leaves_the_payment_for_review(printed: str, others: list[str]) -> None:
    """Without an account or reference, a name is enough only when it is one customer's word for word and no
    other's: a shorter name, a name two customers bear, or a single surname stays for a person to decide."""
    from matching_factories import invoice, line

    from matching import match_lines

    names = [customer(1, "SA Traiteur Petit Lyon" if printed.startswith(("SA ", "SAS")) else "M. Petit")]
    names += [customer(2 + k, name) for k, name in enumerate(others)]
    invs = [invoice("FA-1", customer_id=1, amount="480.00")]
    [decision] = match_lines([line("480.00", "VIR SEPA RECU", counterparty=printed)], invs, names)
    assert decision.kind != "auto"


def test_a_look_alike_owing_the_same_amount_keeps_a_name_only_payment_for_review() -> None:
    """The name printed is one customer's word for word, but a look-alike customer owes exactly the same amount:
    the name alone does not say whose payment it is (kept for review, the named customer first)."""
    from matching_factories import invoice, line

    from matching import match_lines

    lyon, dijon = customer(1, "SA Traiteur Petit Lyon"), customer(2, "SA Traiteur Petit Dijon")
    invs = [invoice("FA-1", customer_id=1, amount="480.00"), invoice("FA-2", customer_id=2, amount="480.00")]
    [decision] = match_lines([line("480.00", "VIR SEPA RECU", counterparty="SA TRAITEUR PETIT LYON")], invs,
                             [lyon, dijon])
    assert decision.kind == "review"


def test_one_word_printed_word_for_word_proves_little() -> None:
    """A single surname the bank printed ("PETIT") may be anybody's: word for word is not enough."""
    from matching.engine import _word_for_word
    from matching.names import NameHit

    assert not _word_for_word(NameHit(1, 100.0, "M PETIT", "M. Petit", full=100.0))
    assert _word_for_word(NameHit(1, 100.0, "PETIT TRAITEUR SA", "SA Traiteur Petit", full=100.0))

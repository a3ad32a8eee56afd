"""Penalty modes (statutory, fixed, three times the legal rate), the rate in words, provisional half-years."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from reminders.law import LawError, RateNotKnown, late_penalty
from reminders.law.errors import RateTableError
from reminders.law.hints import mode_hint, suggestion
from reminders.law.rates import default_rates, parse_ecb_table
from reminders.law.wording import rate_in_words, rate_terms


def test_statutory_rate_in_words() -> None:
    """C. com. L441-10 II: the ECB refinancing rate of 1 January (first half-year) + 10 points."""
    result = late_penalty(D("365.00"), date(2026, 1, 31), date(2026, 3, 2), mode="statutory")
    # 365 x 12.15 % x 30 / 365 = 3.645 -> 3.65
    assert result.amount == D("3.65")
    assert rate_in_words(result.periods) == "taux BCE 2,15 % + 10 points = 12,15 %"
    assert rate_in_words(result.periods, "en") == "ECB rate 2.15% + 10 points = 12.15%"
    assert rate_terms(result.periods) == "au taux BCE 2,15 % + 10 points = 12,15 %"


def test_statutory_rate_changes_on_1_july_in_words() -> None:
    """C. com. L441-10 II: the rate in force on 1 July applies to the second half-year (2025: 3.15 then 2.15)."""
    result = late_penalty(D("1000.00"), date(2025, 6, 15), date(2025, 7, 15))
    assert rate_in_words(result.periods) == ("taux BCE 3,15 % + 10 points = 13,15 % puis "
                                             "taux BCE 2,15 % + 10 points = 12,15 %")


def test_three_times_the_legal_rate() -> None:
    """C. com. L441-10 II al. 1 (not below three times the legal interest rate) and C. monétaire et financier
    L313-2 / D313-1-A: the rate "pour tous les autres cas" of the half-year, 2.62 % in 2026-H1."""
    result = late_penalty(D("365.00"), date(2026, 1, 31), date(2026, 3, 2), mode="three_times_legal")
    assert result.kind == "three_times_legal" and result.periods[0].rate == D("7.86")
    assert result.amount == D("2.36")  # 365 x 7.86 % x 30 / 365 = 2.358
    assert rate_in_words(result.periods) == "trois fois le taux d'intérêt légal (3 × 2,62 % = 7,86 %)"
    assert rate_in_words(result.periods, "en") == "three times the legal interest rate (3 × 2.62% = 7.86%)"
    assert rate_terms(result.periods) == "à trois fois le taux d'intérêt légal (3 × 2,62 % = 7,86 %)"
    # each half-year its own legal rate: 2025-H2 2.76 % -> 8.28 %
    across = late_penalty(D("1000.00"), date(2025, 12, 1), date(2026, 1, 10), mode="three_times_legal")
    assert [p.rate for p in across.periods] == [D("8.28"), D("7.86")]


def test_fixed_contract_rate_in_words() -> None:
    """C. com. L441-9 I and L441-10 II: the rate the contract (general terms) sets, at least the floor."""
    result = late_penalty(D("365.00"), date(2026, 1, 31), date(2026, 3, 2), mode="fixed", contract_rate=D(9))
    assert result.amount == D("2.70") and result.notes == ()
    assert rate_in_words(result.periods) == "taux contractuel de 9,00 %"
    assert rate_in_words(result.periods, "en") == "contract rate of 9.00%"
    assert rate_terms(result.periods, "en") == "at the contract rate of 9.00%"


def test_fixed_rate_below_the_floor_applies_the_floor_with_a_warning() -> None:
    """C. com. L441-10 II al. 1: "ce taux ne peut être inférieur à trois fois le taux d'intérêt légal": a contract
    rate of 5 % in 2026-H1 is raised to 3 x 2.62 = 7.86 %, said in the notes; the reminder never fails on it."""
    result = late_penalty(D("365.00"), date(2026, 1, 31), date(2026, 3, 2), mode="fixed", contract_rate=D(5))
    assert result.amount == D("2.36")  # at 7.86 %, not 5 % (1.50)
    assert result.periods[0].how == "floor"
    assert any("below three times the legal interest rate" in n and "floor 7.86% applies" in n for n in result.notes)
    assert rate_in_words(result.periods) == ("taux contractuel de 5,00 % porté au minimum légal de trois fois le taux "
                                             "d'intérêt légal (3 × 2,62 % = 7,86 %)")


def test_mode_checks() -> None:
    """C. com. L441-10 II: a fixed rate is the contract's, so it must be given; the modes are the three known."""
    with pytest.raises(LawError, match="needs the contract rate"):
        late_penalty(D("100.00"), date(2026, 1, 31), date(2026, 3, 2), mode="fixed")
    with pytest.raises(LawError, match="unknown penalty mode 'bce'"):
        late_penalty(D("100.00"), date(2026, 1, 31), date(2026, 3, 2), mode="bce")


def test_consumer_owes_legal_interest_whatever_the_mode() -> None:
    """Code civil 1231-6: a consumer owes interest at the legal rate from the formal notice only."""
    result = late_penalty(D("365.00"), date(2026, 1, 31), date(2026, 3, 2), b2c=True, mode="three_times_legal",
                          formal_notice_on=date(2026, 1, 31))
    assert result.kind == "legal_interest"
    assert rate_in_words(result.periods) == "taux d'intérêt légal de 2,62 %"


def test_2026_h2_is_listed_provisional_until_confirmed() -> None:
    """C. com. L441-10 II (ECB rate of 1 July) and C. monétaire et financier L313-2 (legal rate fixed each
    half-year by arrêté): 2026-H2 is carried provisionally in the tables until the operator confirms it."""
    book = default_rates()
    assert book.ecb.covers(date(2026, 11, 25)) and book.legal_others.covers(date(2026, 11, 25))
    assert book.provisional_in(date(2026, 1, 1), date(2026, 12, 31)) == ("2026-H2",)
    result = late_penalty(D("365.00"), date(2026, 10, 31), date(2026, 11, 30))
    assert result.provisional and "2026-H2" in result.notes[-1]
    assert rate_in_words(result.periods) == "taux BCE 2,15 % + 10 points = 12,15 % (provisoire)"
    with pytest.raises(RateNotKnown, match="2026-H2"):
        late_penalty(D("365.00"), date(2026, 10, 31), date(2026, 11, 30), strict=True)
    confirmed = book.confirmed("2026-H2", ecb=D("2.00"))
    assert confirmed.provisional_in(date(2026, 7, 1), date(2026, 12, 31)) == ()
    sure = late_penalty(D("365.00"), date(2026, 10, 31), date(2026, 11, 30), rates=confirmed, strict=True)
    assert sure.periods[0].rate == D("12.00") and not sure.provisional
    # the legal rate kept as the table has it, confirmed: three times 2.62
    assert late_penalty(D("365.00"), date(2026, 10, 31), date(2026, 11, 30), rates=confirmed,
                        mode="three_times_legal", strict=True).periods[0].rate == D("7.86")


def test_provisional_entries_must_name_their_source() -> None:
    """The rate tables cite their official source (ECB; arrêté in the Journal officiel): a provisional line too."""
    with pytest.raises(RateTableError, match="where to confirm"):
        parse_ecb_table('[rates]\n2026-H1 = "2.15"\n[provisional]\n2026-H1 = ""\n')
    with pytest.raises(RateTableError, match="not in \\[rates\\]"):
        parse_ecb_table('[rates]\n2026-H1 = "2.15"\n[provisional]\n2026-H2 = "ECB"\n')
    with pytest.raises(RateTableError, match="table ends at 2026-H2"):
        default_rates().confirmed("2027-H2", ecb=D(2), legal_others=D(2), legal_individuals=D(6))


@pytest.mark.parametrize(("note", "mode", "rate"), [
    ("Pénalités de retard : trois fois le taux d'intérêt légal ; indemnité forfaitaire 40 €", "three_times_legal", None),
    ("En cas de retard, 3 x taux d'intérêt légal", "three_times_legal", None),
    ("Pénalités au taux BCE + 10 points", "statutory", None),
    ("taux de refinancement de la BCE majoré de 10 points", "statutory", None),
    ("Pénalités de retard : 9 % l'an", "fixed", D(9)),
    ("Late payment interest 12,5 %", "fixed", D("12.5")),
])
def test_payment_note_hints(note: str, mode: str, rate: D | None) -> None:
    """EN 16931 BT-20 / note PMD: the invoice states the penalty rate (C. com. L441-9 I), read as a hint."""
    hint = mode_hint(note)
    assert hint is not None and (hint.mode, hint.rate) == (mode, rate)


def test_payment_note_suggestion_only_when_it_disagrees() -> None:
    """C. com. L441-9 I: the invoice's stated rate is shown beside the configured mode, never applied by itself."""
    assert mode_hint("Indemnité forfaitaire pour frais de recouvrement : 40 €") is None
    assert suggestion("statutory", None, "Pénalités au taux BCE + 10 points") is None
    line = suggestion("statutory", None, "trois fois le taux d'intérêt légal")
    assert line is not None and "three_times_legal" in line and "statutory is configured" in line
    assert suggestion("fixed", D(9), "pénalités : 9 %") is None
    assert "fixed 10" in (suggestion("fixed", D(9), "pénalités : 10 %") or "")


def test_the_formal_notice_prints_the_rate_in_words_not_the_general_terms() -> None:
    """C. com. L441-10 II and L441-9 I: the notice states the rate applied ("taux BCE … + 10 points"), instead of
    "au taux prévu par nos conditions générales de vente", in French and in English."""
    from reminders.context import Company, Customer, InvoiceLine, PenaltyLine, ReminderContext
    from reminders.render import render

    result = late_penalty(D("1000.00"), date(2026, 1, 31), date(2026, 3, 2))
    base = ReminderContext(company=Company(name="Atelier"), customer=Customer(ref="C1", name="Client SARL"),
                           invoices=(InvoiceLine("FA-1", date(2026, 1, 1), date(2026, 1, 31), D("1000.00"),
                                                 D("1000.00")),),
                           as_of=date(2026, 3, 2),
                           penalties=(PenaltyLine("FA-1", result.amount, 30, rate_in_words(result.periods)),))
    french = replace(base, penalty_rate=rate_in_words(result.periods), penalty_rate_terms=rate_terms(result.periods))
    text = render("formal_notice", french).text
    assert "pénalités de retard au taux BCE 2,15 % + 10 points = 12,15 %, calculées" in text
    assert "conditions générales de vente" not in text
    assert "conditions générales de vente" in render("formal_notice", base).text  # no rate computed: as before
    english = replace(base, language="en", penalty_rate=rate_in_words(result.periods, "en"),
                      penalty_rate_terms=rate_terms(result.periods, "en"))
    assert ("late-payment penalties at the ECB rate 2.15% + 10 points = 12.15% by operation of law"
            in render("formal_notice", english).text)

"""Public-sector customers (B2G): intérêts moratoires, the indemnity, payment periods, the kind inferred from a name,
and a public body's place in the policy and the letters (issue 19, item 4)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from reminders_samples import make_context

from reminders.law import LawError, invoice_claim, late_penalty
from reminders.law.public_procurement import (
    latest_public_due_date,
    payment_days,
    public_body_name,
    public_category,
    public_terms_issue,
)
from reminders.law.wording import rate_in_words, rate_terms
from reminders.model import CustomerRules, ProfileRule
from reminders.policy import STANDARD_POLICY, policy_for
from reminders.render import compose, render


def test_moratory_interest_is_the_ecb_rate_of_the_half_year_it_began_plus_8_points_for_the_whole_delay() -> None:
    """Code de la commande publique R2192-31: the ECB rate "en vigueur au premier jour du semestre de l'année civile
    au cours duquel les intérêts moratoires ont commencé à courir, majoré de huit points": 2024-H1 4.50 % + 8 =
    12.50 % from 21 June 2024, kept after 1 July (when the ECB rate was 4.25 %), unlike the B2B rate."""
    public = late_penalty(D("365.00"), date(2024, 6, 20), date(2024, 7, 20), public=True)
    assert public.kind == "moratory_interest" and "R2192-31" in public.basis
    assert [(p.start, p.end, p.rate) for p in public.periods] == [(date(2024, 6, 21), date(2024, 7, 20), D("12.50"))]
    assert public.amount == D("3.75")  # 365 x 12.50 % x 30 / 365
    assert rate_in_words(public.periods) == "taux BCE 4,50 % + 8 points = 12,50 %"
    assert rate_in_words(public.periods, "en") == "ECB rate 4.50% + 8 points = 12.50%"
    assert rate_terms(public.periods) == "au taux BCE 4,50 % + 8 points = 12,50 %"
    business = late_penalty(D("365.00"), date(2024, 6, 20), date(2024, 7, 20))  # C. com. L441-10 II: 14.50 then 14.25
    assert business.amount == D("1.45") + D("2.85")


def test_moratory_interest_runs_from_the_day_after_the_period_without_request_and_ignores_the_contract() -> None:
    """Code de la commande publique L2192-13: "dès le lendemain de l'expiration du délai de paiement … de plein droit
    et sans autre formalité" (no formal notice needed, unlike a consumer's interest, C. civ. 1231-6); R2192-31 fixes
    the rate, so a company's fixed or three-times-legal mode does not apply (noted)."""
    on_due_date = late_penalty(D("1000.00"), date(2025, 3, 31), date(2025, 3, 31), public=True)
    assert on_due_date.amount == 0 and on_due_date.periods == ()
    fixed = late_penalty(D("1000.00"), date(2025, 3, 31), date(2025, 4, 30), public=True, mode="fixed",
                         contract_rate=D(20))
    assert fixed.periods[0].rate == D("11.15") and fixed.periods[0].start == date(2025, 4, 1)  # 3.15 + 8
    assert any("R2192-31" in note for note in fixed.notes)
    with pytest.raises(LawError):
        late_penalty(D("1000.00"), date(2025, 3, 31), date(2025, 4, 30), public=True, b2c=True)


def test_partial_payments_lower_the_base_and_the_indemnity_is_40_eur() -> None:
    """R2192-31 (one rate) with the day count of reminders.law.penalties (a payment on day P lowers the base from
    P + 1); Code de la commande publique L2192-13 and D2192-35: a fixed indemnity of EUR 40 per invoice paid late."""
    claim = invoice_claim(D("1000.00"), date(2025, 3, 31), date(2025, 5, 30), public=True,
                          payments=[(date(2025, 4, 30), D("400.00"))])
    assert [(p.days, p.base, p.amount) for p in claim.penalty.periods] == [
        (30, D("1000.00"), D("9.16")), (30, D("600.00"), D("5.50"))]  # 11.15 % x 30 / 365
    assert claim.indemnity == D("40.00")


def test_payment_periods_of_public_buyers() -> None:
    """Code de la commande publique L2192-10 (the contract's period, never over the regulatory one), R2192-10
    (30 days), R2192-11 1° (50 days: public health establishments) and 2° (60 days: public undertakings)."""
    assert (payment_days(), payment_days("health"), payment_days("public_company")) == (30, 50, 60)
    assert latest_public_due_date(date(2026, 1, 10)) == date(2026, 2, 9)
    assert public_terms_issue(date(2026, 1, 10), date(2026, 2, 9)) is None
    issue = public_terms_issue(date(2026, 1, 10), date(2026, 3, 11))
    assert issue is not None and "R2192-10" in issue and "L2192-10" in issue
    assert public_terms_issue(date(2026, 1, 10), date(2026, 3, 1), "health") is None
    with pytest.raises(ValueError, match="unknown public buyer category"):
        payment_days("ministry")


@pytest.mark.parametrize(("name", "public", "category"), [
    ("Mairie de Lyon", True, "general"),
    ("Commune de Saint-Étienne-de-Tinée", True, "general"),
    ("Conseil départemental du Rhône", True, "general"),
    ("Communauté d'agglomération du Pays Basque", True, "general"),
    ("Centre hospitalier de Valence", True, "health"),
    ("CHU de Nantes", True, "health"),
    ("Région Occitanie", True, "general"),
    ("Garage de la Mairie", False, "general"),  # contains the word, is not one
    ("SARL Mairie Services", False, "general"),  # a legal form: a company
    ("Clinique privée du Parc", False, "general"),
    ("Region Immobilier", False, "general"),
    ("M. Ville de Dupont", False, "general"),  # a civility: a person
    ("Boulangerie Martin", False, "general"),
])
def test_a_public_body_is_told_by_its_name_only_when_clear(name: str, public: bool, category: str) -> None:
    """Conservative inference: a SIREN/SIRET alone does not tell a public body (they share the register with
    companies); a claim of intérêts moratoires to a company, or of B2B penalties to a public body, would misstate
    the law (Code de la commande publique L2192-13 vs Code de commerce L441-10), so a doubtful name is a business."""
    assert public_body_name(name) is public
    assert public_category(name) == category


def test_a_public_body_never_gets_the_consumer_profile_but_its_own_when_the_policy_has_one() -> None:
    """A public body is not a consumer (Code de la consommation, liminary article: a natural person): no courteous
    consumer wording nor consumer profile; a company may set a ``[profiles.public]`` of its own."""
    policy = replace(STANDARD_POLICY, profiles=(*STANDARD_POLICY.profiles,
                                                 ProfileRule("consumer", skip=("formal_notice",)),
                                                 ProfileRule("public", skip=("courteous",))))
    public = CustomerRules(customer_id=1, public=True)
    effective = policy_for(policy, public)
    assert "courteous" not in [lv.code for lv in effective.levels]
    assert "formal_notice" in [lv.code for lv in effective.levels]
    assert public.profile_label == "standard+public"


def test_reminders_to_a_public_body_name_the_moratory_interest_and_the_administrative_judge() -> None:
    """Code de la commande publique L2192-13, D2192-35; Code de justice administrative R421-1 (a sum of money is
    claimed from the administration first) and R541-1 (référé-provision); no injonction de payer against a public
    body, and its claim table says "Intérêts moratoires"."""
    context = make_context(customer_name="Mairie de Lyon")
    context = replace(context, customer=replace(context.customer, is_public=True))
    text = render("formal_notice", context).text
    assert "intérêts moratoires" in text and "D2192-35" in text and "R421-1" in text and "R541-1" in text
    assert "injonction" not in text and "L441-10" not in text
    message = compose("formal_notice", "letter", context)
    assert [label for label, _ in message.claim] == ["principal", "moratory_interest", "recovery_indemnity", "total"]
    business = compose("formal_notice", "letter", make_context())
    assert [label for label, _ in business.claim] == ["principal", "penalties", "recovery_indemnity", "total"]
    assert "intérêts moratoires et l'indemnité forfaitaire" in render("second_reminder", context).text
    assert "interest on arrears" in render("second_reminder", replace(context, language="en")).text


def test_a_claim_on_a_public_body_is_time_barred_after_four_years_from_the_next_1_january() -> None:
    """Loi n° 68-1250 du 31 décembre 1968, art. 1: four years "à partir du premier jour de l'année suivant celle au
    cours de laquelle les droits ont été acquis" (rights of 10 March 2022: until 31 December 2026, not the Code de
    commerce's 10 March 2027); art. 2: a payment, even partial, interrupts it, four new years from the next
    1 January (a payment on 5 May 2024: until 31 December 2028)."""
    from reminders.law.limitation import limitation_date
    from reminders.law.public_procurement import public_limitation_date, public_limitation_warning

    assert public_limitation_date(date(2022, 3, 10)) == date(2026, 12, 31)
    assert limitation_date(date(2022, 3, 10), b2c=False) == date(2027, 3, 10)
    assert public_limitation_date(date(2022, 3, 10), [date(2024, 5, 5)]) == date(2028, 12, 31)
    assert public_limitation_date(date(2022, 3, 10), [date(2027, 1, 2)]) == date(2026, 12, 31)  # too late: no revival
    warning = public_limitation_warning(date(2022, 3, 10), date(2026, 11, 25))
    assert warning is not None and "36 days" in warning and "68-1250" in warning and "interrupts" in warning
    assert public_limitation_warning(date(2022, 3, 10), date(2026, 11, 25), interrupted_on=[date(2024, 5, 5)]) is None
    barred = public_limitation_warning(date(2022, 3, 10), date(2027, 1, 1))
    assert barred is not None and barred.startswith("time-barred since 2026-12-31")

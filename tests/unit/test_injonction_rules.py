"""The rules of the legal paths (worker/dunning/legal_rules.py), each with its source."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from worker.dunning.legal_rules import (
    LegalPathRefused,
    competent_court,
    debtor_place,
    formal_notice_gate,
    is_trader,
    small_claims,
)


def test_a_claim_between_traders_goes_to_the_tribunal_de_commerce_of_the_debtors_place() -> None:
    """C. com. L721-3 (disputes between traders and commercial companies: tribunal de commerce); C. proc. civ.
    1406 al. 2 (the court of the place where the debtor lives); form: Cerfa n°12946."""
    court = competent_court(creditor_trader=True, debtor_kind="business", place="69003 Lyon")
    assert (court.kind, court.cerfa) == ("tribunal_de_commerce", "12946")
    assert court.name == "Tribunal de commerce du ressort de 69003 Lyon"
    assert court.judge == "Monsieur le Président du tribunal de commerce"
    assert any("art. 1406 al. 2 CPC" in r for r in court.reasons)


def test_a_consumer_or_a_non_trader_is_sued_before_the_tribunal_judiciaire() -> None:
    """C. org. jud. L211-3 (the tribunal judiciaire hears what no other court does); a non-trader defendant of an
    "acte mixte" is sued before the civil court; form Cerfa n°12948; the juge des contentieux de la protection
    (Cerfa n°16040) for consumer credit and residential leases (C. org. jud. L213-4-4, L213-4-5)."""
    consumer = competent_court(creditor_trader=True, debtor_kind="consumer", place="75011 Paris")
    assert (consumer.kind, consumer.cerfa) == ("tribunal_judiciaire", "12948")
    assert consumer.reasons[0].startswith("le débiteur est un consommateur")
    liberal = competent_court(creditor_trader=True, debtor_kind="business", debtor_trader=False)
    assert liberal.kind == "tribunal_judiciaire" and liberal.name == "Tribunal judiciaire du lieu où demeure le débiteur"
    civil_creditor = competent_court(creditor_trader=False, debtor_kind="business")
    assert civil_creditor.kind == "tribunal_judiciaire"
    assert civil_creditor.reasons[0].startswith("le créancier n'est pas commerçant")
    credit = competent_court(creditor_trader=True, debtor_kind="consumer", protection_matter=True)
    assert (credit.kind, credit.cerfa) == ("juge_contentieux_protection", "16040")


def test_in_alsace_moselle_the_commercial_chamber_of_the_tribunal_judiciaire_hears_traders() -> None:
    """C. com. L731-1: in Bas-Rhin, Haut-Rhin and Moselle the commercial chamber of the tribunal judiciaire
    judges commercial disputes."""
    court = competent_court(creditor_trader=True, debtor_kind="business", place="67000 Strasbourg")
    assert court.kind == "chambre_commerciale_tj" and court.cerfa == "12946"
    assert "Strasbourg" in court.name


def test_no_injonction_de_payer_against_a_public_body() -> None:
    """Code de la commande publique L6: a public contract is administrative, heard by the administrative courts
    (référé-provision, CJA R541-1); the execution of private law does not reach public persons."""
    with pytest.raises(LegalPathRefused, match="public body"):
        competent_court(creditor_trader=True, debtor_kind="public")
    assert small_claims(principal=Decimal(100), interest=Decimal(0), debtor_kind="public").eligible is False


def test_who_is_a_trader() -> None:
    """C. com. L210-1 al. 2 (SNC, SCS, SARL, SA, SAS, SCA are commercial by their form); L123-7 (registration at
    the RCS presumes the trader)."""
    assert is_trader("SARL") and is_trader("S.A.S.") and is_trader("sasu")
    assert is_trader("EI", rcs_city="Lyon")
    assert not is_trader("SCI") and not is_trader("Association") and not is_trader("")


def test_the_small_claims_threshold_is_5000_euros_in_principal_and_interest() -> None:
    """C. proc. civ. exéc. R125-1: the simplified procedure applies to claims of at most 5,000 EUR in principal
    and interest (L125-1: contractual claims, through a commissaire de justice)."""
    assert small_claims(principal=Decimal("4900.00"), interest=Decimal("100.00"), debtor_kind="business").eligible
    over = small_claims(principal=Decimal("4900.00"), interest=Decimal("100.01"), debtor_kind="business")
    assert not over.eligible and over.amount == Decimal("5000.01")
    assert over.reasons[0] == "principal et intérêts 5\u00a0000,01\u00a0€ > 5\u00a0000,00\u00a0€ (CPCE R125-1)"
    assert small_claims(principal=Decimal(300), interest=Decimal(0), debtor_kind="consumer").eligible
    disputed = small_claims(principal=Decimal(300), interest=Decimal(0), debtor_kind="business", disputed=True)
    assert not disputed.eligible and "accord du débiteur" in disputed.reasons[-1]
    assert not small_claims(principal=Decimal(0), interest=Decimal(0), debtor_kind="business").eligible


def test_the_formal_notice_must_be_sent_and_its_deadline_passed_from_receipt() -> None:
    """C. civ. 1344 (the debtor is put in delay by a summons or a sufficient letter) and 1231-6 (a consumer's
    interest runs from it): no request before a formal notice whose deadline has passed, counted from receipt
    (the acknowledgment of the registered letter; else a letter is taken as received 4 days after it left)."""
    assert not formal_notice_gate(None, 8, date(2026, 11, 25)).passed
    by_mail = formal_notice_gate(date(2026, 11, 10), 8, date(2026, 11, 18))
    assert not by_mail.passed and by_mail.deadline == date(2026, 11, 18)
    assert formal_notice_gate(date(2026, 11, 10), 8, date(2026, 11, 19)).passed
    by_post = formal_notice_gate(date(2026, 11, 10), 8, date(2026, 11, 19), by_post=True)
    assert not by_post.passed and by_post.deadline == date(2026, 11, 22)
    acknowledged = formal_notice_gate(date(2026, 11, 10), 8, date(2026, 11, 23), received_on=date(2026, 11, 16),
                                      by_post=True)
    assert not acknowledged.passed and acknowledged.deadline == date(2026, 11, 24)
    assert "court jusqu'au 24/11/2026" in acknowledged.reason


def test_the_debtors_place_is_read_from_the_last_postcode_line() -> None:
    """C. proc. civ. 1406 al. 2: the court is that of the place where the debtor lives."""
    assert debtor_place(["Dubois SARL", "1 rue Neuve", "75001 Paris"]) == "75001 Paris"
    assert debtor_place(["12 rue des Lilas", "69003 Lyon", "France"]) == "69003 Lyon"
    assert debtor_place(["Unit 4, Dock Road"]) == ""

"""Collective proceedings, the pure law (reminders.law.proceedings) and the déclaration de créance's text
(reminders.claim_declaration): each rule with its article of the Code de commerce (C. com.) or the Code de
procédure civile (CPC)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reminders.claim_declaration import ClaimDeclaration, render_text
from reminders.context import Company
from reminders.law.errors import LawError
from reminders.law.proceedings import (
    ClaimInvoice,
    claim_born_before,
    declaration_deadline,
    declared_claims,
    hold_reason,
    representative_title,
)

D = Decimal
OPENED = date(2026, 6, 10)


def test_the_declaration_is_due_two_months_after_the_bodacc_publication() -> None:
    """C. com. R622-24 al. 1: two months from the publication of the opening judgment in the BODACC; CPC 641: a
    period in months ends on the day of the same number (published 19 June 2026, due 19 August 2026)."""
    assert declaration_deadline(date(2026, 6, 19)) == date(2026, 8, 19)


def test_a_creditor_abroad_has_two_more_months() -> None:
    """C. com. R622-24 al. 2: the period is extended by two months for a creditor who does not live in
    metropolitan France (four months: 19 October 2026)."""
    assert declaration_deadline(date(2026, 6, 19), creditor_abroad=True) == date(2026, 10, 19)


def test_a_last_day_on_a_week_end_or_holiday_moves_to_the_next_working_day() -> None:
    """CPC 642: a period that would end on a Saturday, a Sunday or a public holiday runs to the next working day
    (published 15 September 2026: 15 November 2026 is a Sunday, so Monday 16); CPC 641: a month without the day
    ends on its last day (31 December 2026 + 2 months: 28 February 2027, a Sunday: Monday 1 March)."""
    assert declaration_deadline(date(2026, 9, 15)) == date(2026, 11, 16)
    assert declaration_deadline(date(2026, 12, 31)) == date(2027, 3, 1)


def test_a_claim_born_on_the_judgment_day_is_not_prior() -> None:
    """C. com. R621-4: the opening judgment takes effect from its date, so a claim of that day is born after it
    (L622-17: paid at its due date), one of the day before is prior (L622-7, L622-24: declared)."""
    assert claim_born_before(date(2026, 6, 9), OPENED)
    assert not claim_born_before(OPENED, OPENED)


def test_the_hold_reason_names_the_prohibitions_and_the_representative() -> None:
    """C. com. L622-7 (no payment of a prior claim), L622-21 (stay of individual actions), L622-28 (interest
    stops); the liquidateur receives the claims in liquidation (L641-1 II), else the mandataire (L622-20)."""
    reason = hold_reason("liquidation_judiciaire", OPENED, "Tribunal de commerce de Lyon")
    assert "L622-7" in reason and "L622-21" in reason and "L622-28" in reason
    assert reason.endswith("liquidateur judiciaire")
    assert representative_title("sauvegarde") == "mandataire judiciaire"
    with pytest.raises(LawError):
        hold_reason("faillite", OPENED)


def test_penalties_stop_the_day_before_the_judgment_and_the_indemnity_is_due_when_already_late() -> None:
    """C. com. L622-28: the opening judgment stops the course of interest and late penalties, so they are claimed
    from the day after the due date to the day before the judgment (1 200.00 due 1 April 2026: 69 days at ECB
    2.15 % + 10 points = 12.15 %, L441-10 II: 27.56); D441-5: the 40 EUR indemnity of an invoice already late."""
    claims = declared_claims([ClaimInvoice("FA-1", date(2026, 3, 2), date(2026, 4, 1), D("1200.00"), D("1200.00"))],
                             OPENED)
    [line] = claims.lines
    assert (line.principal, line.penalties, line.indemnity, line.days) == (D("1200.00"), D("27.56"), D("40.00"), 69)
    assert claims.interest_until == date(2026, 6, 9)
    assert line.rate == "taux BCE 2,15 % + 10 points = 12,15 %"


def test_a_payment_before_the_judgment_lowers_the_base_and_one_after_is_ignored() -> None:
    """C. com. L622-28 and L441-10: 600.00 paid on 1 May lowers the base from 2 May; a payment after the judgment
    (forbidden by L622-7) does not change the penalties stopped on the day before it."""
    invoice = ClaimInvoice("FA-1", date(2026, 3, 2), date(2026, 4, 1), D("600.00"), D("1200.00"),
                           payments=((date(2026, 5, 1), D("600.00")), (date(2026, 6, 20), D("100.00"))))
    [line] = declared_claims([invoice], OPENED).lines
    # 1 200.00 x 12.15 % x 30 / 365 (2 April - 1 May) + 600.00 x 12.15 % x 39 / 365 (2 May - 9 June)
    assert line.penalties == D("11.98") + D("7.79")


def test_sums_to_fall_due_are_declared_with_their_due_date_and_no_penalty() -> None:
    """C. com. L622-25 al. 1: the declaration gives the sums to fall due and their due dates; an invoice due after
    the judgment owes neither penalties nor the indemnity (it was never late before it)."""
    claims = declared_claims([ClaimInvoice("FA-2", date(2026, 5, 20), date(2026, 6, 19), D("500.00"), D("500.00"))],
                             OPENED)
    [line] = claims.to_fall_due
    assert (line.principal, line.penalties, line.indemnity) == (D("500.00"), D("0.00"), D("0.00"))
    assert claims.due_total == D("0.00") and claims.total == D("500.00")


def test_a_consumer_owes_no_indemnity_and_no_interest_without_formal_notice() -> None:
    """C. com. L441-10 II and D441-5 bind professionals only; C. civ. 1231-6: a consumer owes legal interest from a
    formal notice only, none sent here: principal alone."""
    [line] = declared_claims([ClaimInvoice("FA-1", date(2026, 3, 2), date(2026, 4, 1), D("300.00"), D("300.00"))],
                             OPENED, b2c=True).lines
    assert (line.penalties, line.indemnity) == (D("0.00"), D("0.00"))


def test_a_claim_born_after_the_judgment_is_not_declared() -> None:
    """C. com. L622-17: a claim born after the opening judgment for the needs of the proceedings is paid at its due
    date, not declared: asking to declare it is an error."""
    with pytest.raises(LawError, match="L622-17"):
        declared_claims([ClaimInvoice("FA-3", date(2026, 6, 10), date(2026, 7, 10), D("1.00"), D("1.00"))], OPENED)


GOLDEN = """\
Lettre recommandée avec accusé de réception

DÉCLARATION DE CRÉANCE
(articles L622-24 à L622-26 et R622-21 à R622-25 du Code de commerce)

Maître,

Bâti Rhône SARL (SIREN 552 100 554) fait l'objet d'une procédure de redressement judiciaire ouverte par \
jugement du Tribunal de commerce de Lyon en date du 10/06/2026, publié au BODACC le 19/06/2026 (BODACC A \
n°20260115, annonce 1234). Vous avez été désigné(e) en qualité de mandataire judiciaire.

Nous avons l'honneur de vous déclarer notre créance au passif de cette procédure, pour les sommes ci-après, \
dues au jour du jugement d'ouverture.

Créancier :
Atelier Dupré
12 rue des Lilas
69003 Lyon
SAS au capital de 10 000,00 € — RCS Lyon 732 829 320 — TVA FR44732829320

Débiteur :
Bâti Rhône SARL
4 quai Perrache
69002 Lyon
SIREN 552 100 554

Créances échues au jour du jugement d'ouverture :
- Facture FA-1 du 02/03/2026, échue le 01/04/2026 : principal 1 200,00 € ; pénalités de retard du 01/04/2026 \
(exclu) au 09/06/2026, 69 jours au taux BCE 2,15 % + 10 points = 12,15 % : 27,56 € ; indemnité forfaitaire pour \
frais de recouvrement (art. L441-10 et D441-5 du Code de commerce) : 40,00 € ; soit 1 267,56 €
Total des créances échues : 1 267,56 € (principal 1 200,00 €, pénalités 27,56 €, indemnités 40,00 €)

Créances à échoir :
- Facture FA-2 du 20/05/2026, à échoir le 19/06/2026 : 500,00 €
Total des créances à échoir : 500,00 €

Montant total déclaré : 1 767,56 €, à titre chirographaire (aucun privilège ni aucune sûreté).

Le cours des intérêts et des pénalités de retard est arrêté par le jugement d'ouverture (art. L622-28 du Code de \
commerce) : les pénalités sont arrêtées au 09/06/2026.

Pièces justificatives jointes sous bordereau (art. R622-23 du Code de commerce) : copie des factures FA-1, FA-2.

Nous vous prions d'agréer, Maître, l'expression de nos salutations distinguées.

Le créancier certifie sincère la créance déclarée ci-dessus (art. L622-25 du Code de commerce).
Fait à Lyon, le 02/07/2026
Marie Martin, présidente
pour Atelier Dupré
Signature :
""".replace("\u00a0", " ")


def _declaration(kind: str = "redressement_judiciaire", privilege: str = "") -> ClaimDeclaration:
    invoices = [ClaimInvoice("FA-2", date(2026, 5, 20), date(2026, 6, 19), D("500.00"), D("500.00")),
                ClaimInvoice("FA-1", date(2026, 3, 2), date(2026, 4, 1), D("1200.00"), D("1200.00"))]
    creditor = Company(name="Atelier Dupré", address_lines=("12 rue des Lilas", "69003 Lyon"), legal_form="SAS",
                       capital="10000.00", siren="732829320", rcs_city="Lyon", vat_number="FR44732829320",
                       signatory_name="Marie Martin", signatory_title="présidente")
    return ClaimDeclaration(creditor, "C100", "Bâti Rhône SARL", ("4 quai Perrache", "69002 Lyon"), "552100554", kind,
                            OPENED, "Tribunal de commerce de Lyon", date(2026, 6, 19),
                            "BODACC A n°20260115, annonce 1234", "SELARL MJ Synergie",
                            ("1 rue Emile Zola", "69002 Lyon"), declared_claims(invoices, OPENED), date(2026, 7, 2),
                            privilege=privilege)


def test_the_declaration_text_is_the_golden_one() -> None:
    """C. com. L622-25 (amount due on the judgment day, sums to fall due with their dates, privilege or none, the
    creditor's certification that the claim is sincere), R622-23 (how interest was computed, the supporting
    documents under « bordereau »), L622-28 (interest stopped), R123-237 (the creditor's mentions): the same
    declaration always gives this same text."""
    text = render_text(_declaration()).replace("\u00a0", " ")
    assert text == GOLDEN
    assert render_text(_declaration()) == render_text(_declaration())


def test_a_liquidation_makes_the_sums_to_fall_due_payable_and_a_privilege_is_printed_when_set() -> None:
    """C. com. L643-1: the liquidation judgment makes the sums not yet due payable; L641-3 applies L622-28; L622-25:
    the declaration states the privilege when the claim carries one (here a retention of title, none by default)."""
    text = render_text(_declaration("liquidation_judiciaire", "clause de réserve de propriété")).replace("\u00a0", " ")
    assert "procédure de liquidation judiciaire" in text and "qualité de liquidateur judiciaire" in text
    assert "rendues exigibles par le jugement de liquidation judiciaire, art. L643-1" in text
    assert "rendu applicable par l'art. L641-3" in text
    assert "à titre privilégié : clause de réserve de propriété" in text and "chirographaire" not in text

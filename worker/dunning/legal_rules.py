"""The legal paths of an unpaid claim, as rules: which court hears an injonction de payer, whether the claim
qualifies for the simplified small-claims procedure, and whether the debtor was put on notice first.

Pure: plain values in, a decision with its reasons and sources out (no database, clock or network), so each
rule is tested with its article. Used by worker/dunning/legal_file.py (the internal legal file) and
worker/dunning/legal_injonction.py (the prefilled request and the small-claims letter).

Sources checked (docs/contract.md names the commands):

- Injonction de payer: C. proc. civ. art. 1405 to 1425. Art. 1405: a contractual claim of a determined amount
  (its penalty clause included). Art. 1406: the court within its jurisdiction ratione materiae, territorially
  that of the place where the debtor lives. Art. 1407: the request states the exact amount with the detail of
  its elements and its basis, with the list (bordereau) of the exhibits. Art. 1408: the creditor may ask that
  an opposition be sent straight to the competent court.
- Which court: the president of the tribunal de commerce for disputes between traders or commercial companies
  (C. com. L721-3); otherwise the tribunal judiciaire (C. org. jud. L211-3), its juge des contentieux de la
  protection for the matters of C. org. jud. L213-4-4 to L213-4-5 (consumer credit, residential leases). A
  non-trader debtor of a trader is sued before the civil court (an "acte mixte": the choice is the
  non-trader's). In Moselle, Bas-Rhin and Haut-Rhin the commercial disputes go to the commercial chamber of the
  tribunal judiciaire (C. com. L731-1). The official forms (service-public.fr, checked Dec. 2026 through the
  project's search tool): Cerfa n°12946 for the tribunal de commerce, n°12948 for the tribunal judiciaire,
  n°16040 for the juge des contentieux de la protection (the brief's "12947" was the juridiction de proximité's,
  abolished in 2017). lettrage reproduces their fields in its own layout; it never embeds the forms.
- A public body is never the debtor of an injonction de payer: a public contract is an administrative contract
  (Code de la commande publique L6), heard by the administrative courts (référé-provision, CJA R541-1), and the
  execution of private law does not reach public persons (Cass. 1re civ., 21 déc. 1987, BRGM).
- Small claims: the procédure simplifiée de recouvrement des petites créances (C. proc. civ. exéc. L125-1 and
  R125-1 s.): a contractual claim of at most 5,000 EUR in principal and interest (R125-1), through a
  commissaire de justice of the court of appeal's district where the debtor lives, who invites the debtor by
  registered letter to agree within one month; his agreement on amount and terms makes the title.
- The formal notice before the courts: the debtor is put in delay by a summons or a sufficient letter
  (C. civ. 1344); interest on a consumer's debt runs only from it (C. civ. 1231-6); a judge expects its proof
  among the exhibits. lettrage prepares no request before every claimed invoice was in a formal notice and its
  deadline has passed.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from reminders.context import format_amount
from worker.errors import LettrageError

SMALL_CLAIMS_LIMIT = Decimal("5000.00")  # C. proc. civ. exéc. R125-1: principal and interest, at most
COMMERCIAL_FORMS = frozenset({"SA", "SAS", "SASU", "SARL", "EURL", "SNC", "SCS", "SCA", "SE"})  # C. com. L210-1
PUBLIC_KINDS = frozenset({"public", "public_body", "public_sector"})
ALSACE_MOSELLE_DEPARTMENTS = ("57", "67", "68")  # C. com. L731-1: commercial chamber of the tribunal judiciaire
POSTAL_DAYS = 4  # a letter without acknowledgment: taken as received 4 days after it left (J+2 post, a weekend)
_POSTCODE = re.compile(r"\b(\d{5})\b\s*(.*)")


class LegalPathRefused(LettrageError):
    """Raised when a legal path is not open for this claim (a public debtor, no formal notice, nothing due)."""

    http_status = 422


@dataclass(frozen=True)
class Court:
    """The court an injonction de payer goes to, the form whose fields the request reproduces, and why."""

    kind: str  # tribunal_de_commerce | chambre_commerciale_tj | tribunal_judiciaire | juge_contentieux_protection
    name: str  # "Tribunal de commerce du ressort de 75011 Paris"
    judge: str  # to whom the request is addressed
    cerfa: str  # the official form whose fields are reproduced
    reasons: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"kind": self.kind, "name": self.name, "judge": self.judge, "cerfa": self.cerfa,
                "reasons": list(self.reasons)}


@dataclass(frozen=True)
class SmallClaims:
    """Whether the simplified small-claims procedure is open, on what amount, and why."""

    eligible: bool
    amount: Decimal  # principal and interest (R125-1), the amount the threshold is tested on
    limit: Decimal
    reasons: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"eligible": self.eligible, "amount": f"{self.amount:.2f}", "limit": f"{self.limit:.2f}",
                "reasons": list(self.reasons)}


def is_trader(legal_form: str, rcs_city: str = "") -> bool:
    """Whether a company is a trader (commerçant): a company commercial by its form (SA, SAS, SARL, SNC, SCS,
    SCA: C. com. L210-1 al. 2) or registered at the trade register (presumed a trader: C. com. L123-7)."""
    form = re.sub(r"[^A-Z]", "", legal_form.upper())
    return form in COMMERCIAL_FORMS or bool(rcs_city.strip())


def debtor_place(address_lines: Sequence[str]) -> str:
    """The postcode and town of the debtor's address (its last line that has a French postcode), "" if none:
    where the debtor lives decides the court (C. proc. civ. 1406 al. 2) and the commissaire de justice."""
    for line in reversed(list(address_lines)):
        found = _POSTCODE.search(line)
        if found:
            return f"{found.group(1)} {found.group(2).strip()}".strip()
    return ""


def competent_court(*, creditor_trader: bool, debtor_kind: str, debtor_trader: bool | None = None,
                    place: str = "", protection_matter: bool = False) -> Court:
    """The court of an injonction de payer for this creditor and debtor (module docstring for the sources).

    ``debtor_kind``: the customer's kind (business, consumer, public); ``debtor_trader``: whether a business
    debtor is a trader (None: presumed for a business customer, say False for a liberal profession, an
    association, a farmer); ``place``: the debtor's postcode and town; ``protection_matter``: a consumer credit
    or a residential lease (C. org. jud. L213-4-4, L213-4-5). Raises LegalPathRefused for a public debtor."""
    if debtor_kind in PUBLIC_KINDS:
        raise LegalPathRefused(
            "no injonction de payer against a public body: a public contract is an administrative contract (Code "
            "de la commande publique L6); ask the administrative court for a référé-provision (CJA R541-1) or "
            "claim the intérêts moratoires from the accounting officer")
    trader = debtor_kind == "business" if debtor_trader is None else (debtor_trader and debtor_kind == "business")
    where = f" du ressort de {place}" if place else " du lieu où demeure le débiteur"
    territorial = (f"territorialement : le tribunal du lieu où demeure le débiteur ({place or 'adresse inconnue'}), "
                   "art. 1406 al. 2 CPC")
    if creditor_trader and trader:
        reasons = ("créance entre commerçants : tribunal de commerce (C. com. L721-3)", territorial)
        if place[:2] in ALSACE_MOSELLE_DEPARTMENTS:
            return Court("chambre_commerciale_tj", f"Chambre commerciale du tribunal judiciaire{where}",
                         "Monsieur le Président de la chambre commerciale du tribunal judiciaire", "12946",
                         (*reasons, ("Alsace-Moselle : la chambre commerciale du tribunal judiciaire juge les "
                          "affaires commerciales (C. com. L731-1)")))
        return Court("tribunal_de_commerce", f"Tribunal de commerce{where}",
                     "Monsieur le Président du tribunal de commerce", "12946", reasons)
    why = ("le débiteur est un consommateur" if debtor_kind == "consumer"
           else "le débiteur n'est pas commerçant" if debtor_kind == "business"
           else "le créancier n'est pas commerçant")
    if not creditor_trader and debtor_kind == "business" and trader:
        why = "le créancier n'est pas commerçant"
    if protection_matter:
        return Court("juge_contentieux_protection", f"Tribunal judiciaire{where}",
                     "Monsieur le juge des contentieux de la protection", "16040",
                     ((f"{why} et la créance relève du juge des contentieux de la protection (C. org. jud. "
                      "L213-4-4, L213-4-5)"), territorial))
    return Court("tribunal_judiciaire", f"Tribunal judiciaire{where}", "Monsieur le juge du tribunal judiciaire",
                 "12948", ((f"{why} : créance civile, tribunal judiciaire (C. org. jud. L211-3 ; un non-commerçant "
                           "est attrait devant la juridiction civile)"), territorial))


def small_claims(*, principal: Decimal, interest: Decimal, debtor_kind: str,
                 disputed: bool = False) -> SmallClaims:
    """Whether the simplified small-claims procedure (C. proc. civ. exéc. L125-1, R125-1) is open: a contractual
    claim (an invoice is one) of at most 5,000 EUR in principal and interest, on a debtor who is not a public
    body, and not disputed (it needs the debtor's agreement on amount and terms). The 40 EUR indemnities and
    costs are claimed beside, not counted in the threshold (R125-1 names principal and interest)."""
    amount = principal + interest
    reasons: list[str] = []
    eligible = True
    if principal <= 0:
        eligible = False
        reasons.append("rien n'est dû en principal")
    if amount > SMALL_CLAIMS_LIMIT:
        eligible = False
        reasons.append(f"principal et intérêts {format_amount(amount)} > {format_amount(SMALL_CLAIMS_LIMIT)} "
                       "(CPCE R125-1)")
    else:
        reasons.append(f"principal et intérêts {format_amount(amount)} ≤ {format_amount(SMALL_CLAIMS_LIMIT)} "
                       "(CPCE R125-1)")
    if debtor_kind in PUBLIC_KINDS:
        eligible = False
        reasons.append("débiteur public : pas d'exécution forcée de droit privé contre une personne publique")
    if disputed:
        eligible = False
        reasons.append("créance contestée : la procédure suppose l'accord du débiteur (CPCE L125-1)")
    return SmallClaims(eligible, amount, SMALL_CLAIMS_LIMIT, tuple(reasons))


@dataclass(frozen=True)
class NoticeGate:
    """Whether the formal notice that must come before a request was given and its deadline has passed."""

    passed: bool
    sent_on: date | None
    received_on: date | None  # the acknowledgment of a registered letter, when known
    deadline: date | None
    reason: str


def formal_notice_gate(sent_on: date | None, notice_days: int, as_of: date, received_on: date | None = None,
                       by_post: bool = False) -> NoticeGate:
    """The formal-notice precondition of lettrage's legal paths: a formal notice was sent (C. civ. 1344: the
    debtor is put in delay by a summons or a sufficient letter; C. civ. 1231-6: a consumer's interest runs
    from it) and the payment deadline it gave has passed. The deadline runs from receipt: the acknowledgment of
    the registered letter when known; else a letter is taken as received POSTAL_DAYS after it left (never
    sooner than it could be), an email the day it was sent."""
    if sent_on is None:
        return NoticeGate(False, None, None, None, "aucune mise en demeure envoyée (C. civ. 1344) : envoyez-la d'abord")
    start = received_on or sent_on + timedelta(days=POSTAL_DAYS if by_post else 0)
    deadline = start + timedelta(days=notice_days)
    if as_of <= deadline:
        return NoticeGate(False, sent_on, received_on, deadline,
                          f"le délai de la mise en demeure du {sent_on:%d/%m/%Y} court jusqu'au {deadline:%d/%m/%Y}")
    return NoticeGate(True, sent_on, received_on, deadline,
                      f"mise en demeure du {sent_on:%d/%m/%Y}, délai expiré le {deadline:%d/%m/%Y}")

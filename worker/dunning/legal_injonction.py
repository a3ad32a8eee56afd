"""The prefilled requests of a legal file: an injonction de payer (C. proc. civ. 1405 to 1425) and the
simplified small-claims procedure (C. proc. civ. exéc. L125-1, R125-1 s.).

The injonction request reproduces, in lettrage's own layout, the fields of the official form of the competent
court (Cerfa n°12946 tribunal de commerce, n°12948 tribunal judiciaire, n°16040 juge des contentieux de la
protection: worker/dunning/legal_rules.py): the court, the creditor (form, name, registered office, legal
representative: C. proc. civ. 57 and 1407) and the debtor, the sums claimed with their detail (principal,
interest or late-payment penalties with their rate and start, the 40 EUR indemnities, costs), the basis of the
claim (the invoices, the formal notice with its date and proof), the request of art. 1408 (an opposition sent to
the court that will judge it), and the bordereau of exhibits, numbered as in the legal file. The small-claims
request is a letter to the commissaire de justice of the debtor's court of appeal district, with the same
claim and exhibits. Both are refused, in one line, when their conditions fail (no court for a public debtor,
the formal notice missing or its deadline not passed, over 5,000 EUR in principal and interest).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from reminders.channels.base import safe_name, write_atomically
from worker.db.repository import Repository
from worker.dunning.legal_file import Claim, LegalFile, html_to_pdf, render_template
from worker.dunning.legal_rules import LegalPathRefused

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LegalRequest:
    """A prefilled request: which (``injonction`` or ``small_claims``), its fields (JSON-ready) and its PDF."""

    kind: str
    customer_ref: str
    as_of: date
    fields: dict[str, Any]
    pdf: bytes

    @property
    def file_name(self) -> str:
        stem = "requete-injonction-de-payer" if self.kind == "injonction" else "requete-petites-creances"
        return f"{stem}-{safe_name(self.customer_ref)}-{self.as_of.isoformat()}.pdf"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


def _s(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):f}"


def _claim(legal: LegalFile) -> Claim:
    """The one claim a request is for: a request states one amount (C. proc. civ. 1407), in euros."""
    if not legal.claims:
        raise LegalPathRefused(f"customer {legal.customer_ref}: nothing to claim")
    euros = [c for c in legal.claims if c.currency == "EUR"]
    if len(legal.claims) > 1 or not euros:
        raise LegalPathRefused(f"customer {legal.customer_ref}: claims in {', '.join(c.currency for c in legal.claims)}"
                               ": lettrage prepares requests for a claim in euros only")
    return euros[0]


CREDITOR_KEYS = ("name", "legal_form", "siren", "address", "signatory_name")


def _creditor(legal: LegalFile) -> None:
    """What a request must say of the creditor, a legal person (C. proc. civ. 57 and 1407: its form, name,
    registered office and the body that represents it; its SIREN for the court's registry), or LegalPathRefused
    naming the ``[company]`` keys missing."""
    from worker.company_sections import DEFAULT_COMPANY_NAME

    c = legal.creditor
    values = {"name": c.get("name"), "legal_form": c.get("legal_form"), "siren": c.get("siren"),
              "address": c.get("address"), "signatory_name": c.get("representative")}
    missing = [key for key in CREDITOR_KEYS if not values[key]]
    if "name" not in missing and str(values["name"]).strip() == DEFAULT_COMPANY_NAME:
        missing.insert(0, "name")
    if missing:
        raise LegalPathRefused(f"customer {legal.customer_ref}: the request cannot name the creditor: set "
                               f"{', '.join('company.' + k for k in missing)} in the company's [company] section")


def _notice(legal: LegalFile) -> None:
    """The formal-notice precondition (worker/dunning/legal_rules.formal_notice_gate), or LegalPathRefused."""
    if legal.notice is None or not legal.notice.passed:
        reason = legal.notice.reason if legal.notice is not None else "aucune mise en demeure"
        raise LegalPathRefused(f"customer {legal.customer_ref}: no request before the formal notice has run its "
                               f"course: {reason}")


def _costs(legal: LegalFile) -> Decimal:
    """Costs the creditor may claim beside the sums: none is recorded in lettrage (the registered letters' postage is
    not kept with their proofs); the costs of the procedure (dépens) are the judge's to award."""
    return ZERO


def _common(legal: LegalFile, claim: Claim) -> dict[str, Any]:
    index = legal.index
    notice_pieces = [r["piece"] for r in index["reminders"] if r["level"] == "formal_notice" and r["piece"]]
    consumer = claim.consumer
    costs = _costs(legal)
    invoices = []
    for line in claim.lines:
        start = (line.notice_on if consumer else line.due_on + timedelta(days=1)) if line.penalty > 0 else None
        invoices.append({"number": line.number, "issued_on": line.issued_on.isoformat(),
                         "due_on": line.due_on.isoformat(), "open": _s(line.open), "penalty": _s(line.penalty),
                         "penalty_from": start.isoformat() if start else None, "penalty_basis": line.penalty_basis,
                         "piece": next((i["piece"] for i in index["invoices"] if i["invoice"] == line.number), None)})
    return {
        "customer_ref": legal.customer_ref, "as_of": legal.as_of.isoformat(), "case": legal.case_id,
        "creditor": legal.creditor, "debtor": legal.debtor, "currency": claim.currency,
        "amounts": {"principal": _s(claim.principal), "penalties": _s(claim.penalties),
                    "penalties_label": ("Intérêts au taux légal (C. civ. 1231-6)" if consumer
                                        else "Pénalités de retard (C. com. L441-10)"),
                    "rate_in_words": claim.rate_in_words, "indemnity": _s(claim.indemnity),
                    "indemnity_label": "" if consumer else "indemnités forfaitaires pour frais de recouvrement "
                                                           "(C. com. L441-10, D441-5)",
                    "costs": _s(costs), "total": _s(claim.total + costs)},
        "invoices": invoices,
        "formal_notice": {"sent_on": legal.notice.sent_on.isoformat() if legal.notice and legal.notice.sent_on
                          else None,
                          "received_on": legal.notice.received_on.isoformat() if legal.notice and
                          legal.notice.received_on else None,
                          "deadline": legal.notice.deadline.isoformat() if legal.notice and legal.notice.deadline
                          else None, "pieces": notice_pieces},
        "pieces": [{"number": p["number"], "title": p["title"], "sha256": p["sha256"]} for p in index["pieces"]],
    }


def injonction_request(legal: LegalFile) -> LegalRequest:
    """The prefilled injonction de payer request of ``legal`` (module docstring); raises LegalPathRefused."""
    if legal.court is None:
        raise LegalPathRefused(f"customer {legal.customer_ref}: {legal.court_refusal or 'no competent court'}")
    claim = _claim(legal)
    _creditor(legal)
    _notice(legal)
    fields = {"kind": "injonction", "court": legal.court.as_json(), **_common(legal, claim),
              "article_1408": f"En cas d'opposition, le créancier demande que l'affaire soit immédiatement renvoyée "
                              f"devant la juridiction : {legal.court.name}, "
                              "juridiction compétente pour connaître de la demande (art. 1408 CPC)."}
    html = render_template("injonction.html.j2", f=fields)
    return LegalRequest("injonction", legal.customer_ref, legal.as_of, fields, html_to_pdf(html))


def small_claims_request(legal: LegalFile) -> LegalRequest:
    """The letter asking a commissaire de justice to run the simplified small-claims procedure (CPCE L125-1,
    R125-1 s.); raises LegalPathRefused when the claim does not qualify or the formal notice has not run."""
    claim = _claim(legal)
    if legal.small_claims is None or not legal.small_claims.eligible:
        reasons = "; ".join(legal.small_claims.reasons) if legal.small_claims is not None else "no claim in euros"
        raise LegalPathRefused(f"customer {legal.customer_ref}: the small-claims procedure is not open: {reasons}")
    _creditor(legal)
    _notice(legal)
    fields = {"kind": "small_claims", "small_claims": legal.small_claims.as_json(), **_common(legal, claim)}
    html = render_template("small_claims.html.j2", f=fields)
    return LegalRequest("small_claims", legal.customer_ref, legal.as_of, fields, html_to_pdf(html))


def write_request(repo: Repository, request: LegalRequest, path: Path, actor: str) -> Path:
    """Writes the request's PDF to ``path`` (atomically) and records who prepared it in the audit log."""
    write_atomically(path, request.pdf)
    repo.audit("legal.request_generated", subject=f"customer:{request.customer_ref}", actor=actor,
               request=request.kind, as_of=request.as_of.isoformat(), file=request.file_name, sha256=request.sha256,
               court=(request.fields.get("court") or {}).get("kind"), total=request.fields["amounts"]["total"],
               invoices=[i["number"] for i in request.fields["invoices"]])
    return path

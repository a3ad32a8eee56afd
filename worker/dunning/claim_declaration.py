"""The déclaration de créance of a customer in collective proceedings, built from the database: the creditor's
``[company]`` identity (worker.dunning.sender_identity, through the reminders' ContextBuilder), the customer, its
proceedings, and its open invoices born before the opening judgment with their payments and penalty mode; the
claim itself is computed by reminders.law.proceedings and rendered by reminders.claim_declaration (text, PDF).
Nothing is stored or sent: the operator signs and sends it (by registered letter, or on the creditors' portal),
then records it (`lettrage customers proceedings declared`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from reminders.channels.base import Attachment
from reminders.claim_declaration import ClaimDeclaration, render_pdf, render_text
from reminders.law.proceedings import ClaimInvoice, DeclaredClaims, declared_claims
from worker.db.repository import Repository
from worker.dunning.dunning_queries import invoice_ids_of_customer
from worker.dunning.proceedings import customer, deadline_of, open_claim_invoices
from worker.dunning.proceedings_queries import active_proceedings
from worker.dunning.reminder_context import ContextBuilder
from worker.errors import ProceedingsError, ProceedingsNotFound
from worker.reminder_policy import company_policy


@dataclass(frozen=True)
class GeneratedDeclaration:
    declaration: ClaimDeclaration
    text: str
    exhibits: tuple[Attachment, ...] = ()  # the invoices' own PDFs, appended to the declaration's PDF

    def pdf(self) -> bytes:
        return render_pdf(self.declaration, self.text, self.exhibits)[0]

    def as_json(self) -> dict[str, Any]:
        d, claims = self.declaration, self.declaration.claims
        return {"customer_ref": d.debtor_ref, "kind": d.kind, "opened_on": d.opened_on.isoformat(),
                "representative": d.representative_name, "currency": d.currency,
                "declaration_deadline": d.deadline.isoformat() if d.deadline else None,
                "interest_until": claims.interest_until.isoformat(),
                "lines": [{"invoice": line.number, "issued_on": line.issued_on.isoformat(),
                           "due_on": line.due_on.isoformat(), "principal": f"{line.principal:.2f}",
                           "penalties": f"{line.penalties:.2f}", "indemnity": f"{line.indemnity:.2f}",
                           "to_fall_due": line.to_fall_due, "rate": line.rate, "days": line.days}
                          for line in claims.lines],
                "due_total": f"{claims.due_total:.2f}", "to_fall_due_total": f"{claims.to_fall_due_total:.2f}",
                "total": f"{claims.total:.2f}", "privilege": d.privilege, "notes": list(claims.notes),
                "text": self.text}


def build_declaration(repo: Repository, ref: str, as_of: date, mail_from: str | None = None, *,
                      privilege: str = "", template_dir: str | None = None) -> GeneratedDeclaration:
    """The declaration of customer ``ref``'s claim, dated ``as_of``: ProceedingsNotFound without active
    proceedings, ProceedingsError when no claim born before the judgment is open or the invoices are not in
    euros (a foreign-currency claim is converted at the rate of the judgment day, L622-25: not done here)."""
    who = customer(repo, ref)
    assert who.id is not None
    row = active_proceedings(repo, [who.id]).get(who.id)
    if row is None:
        raise ProceedingsNotFound(f"{ref}: no active collective proceedings: set them first")
    from worker.dunning.sender_identity import sender_identity

    # the creditor's identity as a signed letter needs it (C. com. R123-237, L622-25): never "Default company"
    missing = sender_identity(repo.company, mail_from).missing("letter", "formal_notice")
    if missing:
        raise ProceedingsError(f"{ref}: the declaration is not made: the sender identity of company "
                               f"{repo.company.ref} lacks {', '.join(f'company.{k}' for k in missing)} (set them in "
                               "its TOML file's [company] section)")
    policy = company_policy(repo.company)
    builder = ContextBuilder(repo, as_of, mail_from, policy, invoice_ids_of_customer(repo, who.id),
                             customer_id=who.id)
    views = open_claim_invoices(list(builder.views.values()), row)
    if not views:
        raise ProceedingsError(f"{ref}: no open invoice issued before the judgment of {row.opened_on}: nothing to "
                               "declare")
    currencies = sorted({v.invoice.currency for v in views})
    if currencies != ["EUR"]:
        raise ProceedingsError(f"{ref}: invoices in {', '.join(currencies)}: a claim in a foreign currency is "
                               "declared in euros at the exchange rate of the judgment day (C. com. L622-25); "
                               "convert it by hand")
    from worker.einvoices.einvoice_incoming import penalty_base
    from worker.einvoices.einvoice_incoming_queries import approved_amounts

    approved = approved_amounts(repo, [v.invoice.id for v in views if v.invoice.id is not None])
    invoices = []
    for view in views:
        invoice = view.invoice
        assert invoice.id is not None
        invoices.append(ClaimInvoice(
            number=invoice.number, issued_on=invoice.issued_on, due_on=invoice.due_on, open_amount=view.open,
            penalty_base=penalty_base(invoice.amount - view.credited, approved.get(invoice.id)),
            payments=tuple(sorted(builder.payments(invoice.id))), currency=invoice.currency))
    terms = builder.penalty_terms(who.id)
    b2c = who.kind == "consumer"
    claims: DeclaredClaims = declared_claims(
        invoices, row.opened_on, b2c=b2c, country=policy.country.partition("-")[0],
        mode=terms.mode, contract_rate=terms.rate if terms.mode == "fixed" else None, rates=terms.book)
    provisional = [line.number for line in claims.lines if line.provisional]
    if provisional:  # as a formal notice or a legal file: a legal act is not made on a rate not confirmed
        raise ProceedingsError(f"{ref}: the penalties of {', '.join(provisional)} use a provisional rate "
                               f"({'; '.join(claims.notes)}): confirm the half-year in [penalties.confirm] of the "
                               "company's settings")
    declaration = ClaimDeclaration(
        creditor=builder._company_info(), debtor_ref=who.ref, debtor_name=who.name,
        debtor_address=tuple(who.address_lines), debtor_siren=who.siren or "", kind=row.kind,
        opened_on=row.opened_on, court=row.court, bodacc_published_on=row.bodacc_published_on,
        bodacc_ref=row.bodacc_ref or "", representative_name=row.representative_name,
        representative_address=tuple(row.representative_address), claims=claims, as_of=as_of, currency="EUR",
        privilege=privilege, deadline=deadline_of(row))
    ids = [v.invoice.id for v in views if v.invoice.id is not None]
    exhibits = builder.attachments(ids, statement=False)  # the invoices' own PDFs (uploaded, or the export's)
    return GeneratedDeclaration(declaration, render_text(declaration, template_dir), exhibits)



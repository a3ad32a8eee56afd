"""Running the matcher over a company's unmatched lines and storing its decisions.

Sure matches become allocations; ambiguous lines become review items with
their ranked candidates; every decision is kept with its reasons.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from matching.engine import match_lines
from matching.model import BankLine, Customer, MatchConfig, OpenInvoice
from worker.db.repository import Repository
from worker.db.review_queries import aliases_by_customer
from worker.db.tables import Allocation, Invoice, ReviewItem, StatementLine
from worker.services.invoices import open_invoice_views


@dataclass(frozen=True)
class MatchCounts:
    auto: int = 0
    review: int = 0
    unmatched: int = 0

    def as_json(self) -> dict[str, int]:
        return {"auto": self.auto, "review": self.review, "unmatched": self.unmatched}


def _customers(repo: Repository) -> list[Customer]:
    """The customers as the matcher sees them: billing and learned IBANs, and payer names learned in review."""
    ibans = repo.ibans_by_customer()
    aliases = aliases_by_customer(repo)
    return [Customer(id=c.id, ref=c.ref, name=c.name, ibans=frozenset(ibans.get(c.id, set())),
                     aliases=aliases.get(c.id, ()))
            for c in repo.customers() if c.id is not None]


def _open_invoices(repo: Repository) -> list[OpenInvoice]:
    result = []
    for view in open_invoice_views(repo):
        inv = view.invoice
        assert inv.id is not None
        if inv.kind != "invoice":
            continue
        result.append(OpenInvoice(id=inv.id, number=inv.number, customer_id=inv.customer_id, amount=inv.amount,
                                  open_amount=view.open, currency=inv.currency, issued_on=inv.issued_on,
                                  due_on=inv.due_on, payment_reference=inv.payment_reference))
    return result


def _bank_line(line: StatementLine) -> BankLine:
    assert line.id is not None
    return BankLine(id=line.id, booked_on=line.booked_on, amount=line.amount, currency=line.currency,
                    counterparty=line.counterparty, counterparty_iban=line.counterparty_iban,
                    text=line.text, reference=line.reference)


def candidate_json(invoices: dict[int, Invoice], proposals: tuple, score: float,
                   reasons: tuple[str, ...]) -> dict[str, object]:
    parts = [{"invoice": invoices[p.invoice_id].number, "invoice_id": p.invoice_id,
              "allocated": str(p.amount), "write_off": str(p.write_off)} for p in proposals]
    total = sum((p.amount for p in proposals), Decimal(0))
    return {"invoice": " + ".join(str(p["invoice"]) for p in parts), "allocated": str(total),
            "score": score, "reasons": list(reasons), "invoices": parts}


def run_matching(repo: Repository, config: MatchConfig | None = None,
                 default_tolerance: str = "0.00") -> MatchCounts:
    """Matches every incoming line not yet matched or under review; idempotent.

    The amount tolerance is the company's own setting, else the deployment's
    (LETTRAGE_AMOUNT_TOLERANCE).
    """
    tolerance = Decimal(str(repo.company.settings.get("amount_tolerance", default_tolerance)))
    config = config or MatchConfig(amount_tolerance=tolerance)
    lines = repo.lines(states=("new", "unmatched"), credits_only=True)
    if not lines:
        return MatchCounts()
    invoices = _open_invoices(repo)
    invoice_rows = repo.invoices_by_id(i.id for i in invoices)
    by_id = {line.id: line for line in lines}
    decisions = match_lines([_bank_line(line) for line in lines], invoices, _customers(repo), config)
    auto = review = unmatched = 0
    for decision in decisions:
        line = by_id[decision.line_id]
        if decision.kind == "auto":
            for proposal in decision.allocations:
                repo.add(Allocation(line_id=line.id, invoice_id=proposal.invoice_id, amount=proposal.amount,
                                    write_off=proposal.write_off, status="auto", score=proposal.score, reasons=list(proposal.reasons)))
                repo.audit("allocation.auto", subject=f"invoice:{invoice_rows[proposal.invoice_id].number}",
                           line=line.bank_ref, amount=proposal.amount, write_off=proposal.write_off,
                           score=proposal.score,
                           reasons=list(proposal.reasons))
            line.state = "matched"
            auto += 1
        elif decision.kind == "review":
            candidates = [candidate_json(invoice_rows, c.proposals, c.score, c.reasons)
                          for c in decision.candidates]
            repo.add(ReviewItem(line_id=line.id, candidates=candidates, reasons=list(decision.reasons)))
            repo.audit("review.created", subject=f"line:{line.bank_ref}", reasons=list(decision.reasons),
                       candidates=[c["invoice"] for c in candidates])
            line.state = "review"
            review += 1
        else:
            if line.state != "unmatched":
                repo.audit("line.unmatched", subject=f"line:{line.bank_ref}", reasons=list(decision.reasons))
            line.state = "unmatched"
            unmatched += 1
        repo.add(line)
    repo.flush()
    return MatchCounts(auto, review, unmatched)


def held_invoices(repo: Repository) -> dict[int, str]:
    """Invoices that must not be reminded now, with the reason: money may have arrived for them."""
    held: dict[int, str] = {}
    pending = repo.review_items("pending")
    lines = repo.lines_by_id(item.line_id for item in pending)
    for item in pending:
        line = lines.get(item.line_id)
        label = f"payment {line.bank_ref} of {line.booked_on} awaits review" if line else "a payment awaits review"
        for candidate in item.candidates:
            for part in candidate.get("invoices", []):
                held.setdefault(int(part["invoice_id"]), label)
    # An unmatched payment from a customer's known IBAN: that customer's invoices wait for it.
    ibans = repo.ibans_by_customer()
    owner = {iban: cid for cid, values in ibans.items() for iban in values}
    waiting = {owner[line.counterparty_iban]: line for line in repo.lines(states=("unmatched",), credits_only=True)
               if line.counterparty_iban in owner}
    if waiting:
        for invoice in repo.invoices():
            line = waiting.get(invoice.customer_id)
            if line is not None and invoice.id is not None:
                held.setdefault(invoice.id, f"unmatched payment {line.bank_ref} of {line.booked_on} "
                                            f"({line.amount}) from this customer's IBAN")
    return held

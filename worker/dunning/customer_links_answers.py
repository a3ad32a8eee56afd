"""What the customer's page shows and the four answers it takes (issue 22), on the existing dunning model.

The page shows the customer's statement of account (worker.documents: its open invoices, what is still due on
each, its money received and not yet allocated) and takes four answers. Each one is a pause of the existing
model (``DunningPause``, what ``lettrage customers pause`` writes): the planner holds the invoices with the
pause's reason (``reminders plan`` shows « paused (REASON) »), the worklist shows its task, and the audit log
keeps the answer (actor ``customer:REF via link``), so ``lettrage customers history`` tells it:

- « already paid » (day, amount, an optional proof): the invoices named wait ``paid_pause_days`` business days
  (``[customer_page]``, 10 by default) for the money, pause ``payment_announced``; worklist ``payment_announced``;
  kept as an announced payment (worker.reconciliation.announcements) that the next matching runs tie to the
  statement line bringing it, or told « not received » when the pause ends;
- « I dispute » (reason, text, invoices): pause ``dispute`` until a person lifts it (``customers resume``):
  worklist ``answer_dispute``, and the webhook ``invoice.disputed`` per invoice (worker.webhooks);
- « I will pay on DAY »: a promise (pause ``promise`` until DAY, customer-wide as ``customers pause --reason
  promise``): followed up as every promise (worklist ``follow_promise``), counted broken by the behaviour;
- « I need a payment plan » (instalments, first day): a request within the company's limits
  (``max_instalments``, ``max_plan_days``), pause ``plan_requested`` until a person decides: worklist
  ``approve_plan`` with the instalments proposed, approved or refused in one action (worker.dunning.payment_plans).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from reminders.calendar import add_business_days
from reminders.context import add_months
from reminders.model import UnallocatedPayment
from worker.db.reminder_tables import DunningPause
from worker.db.repository import Repository
from worker.db.tables import Customer
from worker.documents.invoice_documents import StatementRow, statement_rows
from worker.documents.pdf_safety import active_content
from worker.dunning import answer_notices
from worker.dunning.customer_links import LinkClaims, PageSettings, page_settings
from worker.errors import LettrageError
from worker.reconciliation import announcements
from worker.reminder_policy import company_policy

ANSWERS = ("paid", "dispute", "promise", "plan")
ANSWERED = {"paid": "customer.payment_announced", "dispute": "customer.disputed", "promise": "customer.promised",
            "plan": "customer.plan_requested"}
PAUSE_OF = {"paid": "payment_announced", "dispute": "dispute", "promise": "promise", "plan": "plan_requested"}
DISPUTE_REASONS = ("amount", "service", "not_received", "already_credited", "other")
PROOF_TYPES = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
PROOF_KIND = {extension: kind for kind, extension in PROOF_TYPES.items()}
PROMISE_DAYS = 90  # a promise further away than this is a payment plan, not a promise
CENT = Decimal("0.01")


class AnswerRefused(LettrageError):
    """Raised when an answer on the customer's page is incomplete or outside what the company allows."""

    http_status = 422


@dataclass(frozen=True)
class Statement:
    """The customer's statement of account on a day: what the page shows."""

    customer: Customer
    rows: tuple[StatementRow, ...]
    received: tuple[UnallocatedPayment, ...]
    as_of: date

    @property
    def due(self) -> dict[str, Decimal]:
        """Per currency: the open amounts less the money received not yet allocated (never below 0)."""
        totals: dict[str, Decimal] = {}
        for row in self.rows:
            totals[row.currency] = totals.get(row.currency, Decimal(0)) + row.open
        for p in self.received:
            if p.currency in totals:
                totals[p.currency] -= p.amount
        return {c: max(v, Decimal(0)) for c, v in totals.items()}

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(r.number for r in self.rows)


def actor_of(claims: LinkClaims) -> str:
    return f"customer:{claims.customer_ref} via link"


def statement(repo: Repository, customer: Customer, as_of: date) -> Statement:
    from worker.reconciliation.unallocated import unallocated_by_customer

    assert customer.id is not None
    received = unallocated_by_customer(repo, as_of).get(customer.id, ())
    return Statement(customer, tuple(statement_rows(repo, customer.id, as_of)), tuple(received), as_of)


def _chosen(st: Statement, numbers: list[str]) -> list[StatementRow]:
    """The open invoices named (all of them when none is); refuses a number not among them."""
    if not numbers:
        return list(st.rows)
    by_number = {r.number: r for r in st.rows}
    unknown = [n for n in numbers if n not in by_number]
    if unknown:
        raise AnswerRefused("choose among your open invoices")
    return [by_number[n] for n in dict.fromkeys(numbers)]


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(" ", "").replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise AnswerRefused("the amount must be a number such as 1250.00") from None
    if not value.is_finite() or value <= 0 or value != value.quantize(CENT):
        raise AnswerRefused("the amount must be a number such as 1250.00")
    return value


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise AnswerRefused(f"{what}: a date such as 2026-12-31") from None


def check_proof(data: bytes, content_type: str, limits: PageSettings) -> str:
    """The proof's file extension; refuses (AnswerRefused) a type other than PDF, PNG or JPEG (by its bytes, not
    its name), a file over ``max_proof_mb``, and a PDF with active content (worker.documents.pdf_safety)."""
    if len(data) > limits.max_proof_mb * 1024 * 1024:
        raise AnswerRefused(f"the proof is over {limits.max_proof_mb} MB")
    if data.startswith(b"%PDF-"):
        kind = "application/pdf"
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        kind = "image/jpeg"
    else:
        raise AnswerRefused("the proof must be a PDF, PNG or JPEG file")
    if content_type and content_type.split(";")[0].strip().lower() not in (kind, "application/octet-stream"):
        raise AnswerRefused("the proof must be a PDF, PNG or JPEG file")
    if kind == "application/pdf" and active_content(data):
        raise AnswerRefused("a PDF with active content (scripts, attachments, actions) is refused")
    return PROOF_TYPES[kind]


def _store_proof(proofs_dir: Path, company_ref: str, data: bytes, extension: str) -> str:
    digest = hashlib.sha256(data).hexdigest()
    folder = proofs_dir / company_ref
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}{extension}"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.chmod(0o600)
        tmp.replace(path)
    return digest


def _pause(repo: Repository, customer: Customer, rows: list[StatementRow] | None, reason: str, until: date | None,
           note: str, actor: str) -> list[DunningPause]:
    """One pause per invoice named (``rows``), or one on the whole account (None), as ``customers pause``."""
    assert customer.id is not None
    ids: list[int | None] = [None]
    if rows is not None:
        invoices = {i.number: i for i in repo.invoices([r.number for r in rows])}
        ids = [invoices[r.number].id for r in rows if r.number in invoices]
    pauses = [DunningPause(customer_id=customer.id, invoice_id=invoice_id, reason=reason, until=until,
                           note=note[:500], created_by=actor) for invoice_id in ids]
    for row in pauses:
        repo.add(row)
    numbers: list[str | None] = [r.number for r in rows] if rows is not None else [None]
    for number in numbers:
        repo.audit("reminders.paused", subject=f"customer:{customer.ref}", actor=actor, reason=reason, until=until,
                   note=note[:500], invoice=number)
    return pauses


def answer(repo: Repository, claims: LinkClaims, customer: Customer, kind: str, form: dict[str, Any], today: date,
           proofs_dir: Path | None = None, proof: tuple[bytes, str] | None = None) -> dict[str, Any]:
    """Records one answer of the customer; returns what was recorded (the audit event's data)."""
    if kind not in ANSWERS:
        raise AnswerRefused("unknown answer")
    limits = page_settings(repo)
    st = statement(repo, customer, today)
    if not st.rows:
        raise AnswerRefused("nothing is due on your account")
    actor = actor_of(claims)
    rows = _chosen(st, [n for n in form.get("invoices", []) if n])
    numbers = [r.number for r in rows]
    data: dict[str, Any] = {"invoices": numbers, "reminder": claims.reminder_id, "link": claims.digest}
    if kind == "paid":
        paid_on, amount = _day(str(form.get("paid_on", "")), "payment date"), _amount(str(form.get("amount", "")))
        if paid_on > today:
            raise AnswerRefused("payment date: a day that has come")
        until = add_business_days(today, limits.paid_pause_days, company_policy(repo.company).country)
        data |= {"paid_on": paid_on, "amount": amount, "until": until, "proof": None}
        extension = ""
        if proof is not None and proof[0]:
            extension = check_proof(proof[0], proof[1], limits)
            if proofs_dir is None:
                raise AnswerRefused("proofs cannot be received here")
            data["proof"] = _store_proof(proofs_dir, repo.company.ref, proof[0], extension)
        note = f"payment of {amount:.2f} on {paid_on.isoformat()} announced by the customer"
        pauses = _pause(repo, customer, rows, PAUSE_OF[kind], until, note, actor)
        repo.session.flush()  # the pauses' ids: the announcement lifts them when its money comes
        row = announcements.record(repo, customer, numbers, paid_on, amount, rows[0].currency, today, until,
                                   [p.id for p in pauses if p.id is not None], actor, data["proof"],
                                   PROOF_KIND.get(extension) if data["proof"] else None)
        repo.session.flush()
        data["announcement"] = row.id
    elif kind == "dispute":
        reason = str(form.get("reason", ""))
        text = str(form.get("text", "")).strip()
        if reason not in DISPUTE_REASONS:
            raise AnswerRefused("choose why you dispute")
        if not text:
            raise AnswerRefused("say what is wrong")
        data |= {"reason": reason, "text": text[:2000]}
        _pause(repo, customer, rows, "dispute", None, f"{reason}: {text[:400]}", actor)
    elif kind == "promise":
        day = _day(str(form.get("pay_on", "")), "payment date")
        if not today <= day <= date.fromordinal(today.toordinal() + PROMISE_DAYS):
            raise AnswerRefused(f"payment date: from today to {PROMISE_DAYS} days ahead (else ask a payment plan)")
        data |= {"pay_on": day}
        _pause(repo, customer, None, "promise", day, f"promised on the customer's page for {day.isoformat()}", actor)
    else:
        data |= plan_proposal(rows, form, today, limits)
        _pause(repo, customer, rows, PAUSE_OF[kind], None,
               f"payment plan asked: {len(data['instalments'])} instalments from {data['instalments'][0][0]}", actor)
    subject = f"customer:{customer.ref}"
    if kind == "paid":  # the kinds written as literals: tests/unit/test_audit_kinds.py reads them from the source
        repo.audit("customer.payment_announced", subject=subject, actor=actor, **data)
    elif kind == "dispute":
        repo.audit("customer.disputed", subject=subject, actor=actor, **data)
    elif kind == "promise":
        repo.audit("customer.promised", subject=subject, actor=actor, **data)
    else:
        repo.audit("customer.plan_requested", subject=subject, actor=actor, **data)
    # the firm is told by email, once, after the page has answered (worker.dunning.answer_notices)
    answer_notices.notify(repo, customer, kind, data, [(r.number, r.open, r.currency) for r in rows], limits)
    return data


def plan_proposal(rows: list[StatementRow], form: dict[str, Any], today: date,
                  limits: PageSettings) -> dict[str, Any]:
    """The instalments asked: equal monthly amounts of the invoices' open total (the last takes the remainder),
    from the first day chosen; refuses more than ``max_instalments`` or a last one beyond ``max_plan_days``."""
    try:
        count = int(str(form.get("count", "")))
    except ValueError:
        raise AnswerRefused("number of instalments: a whole number") from None
    if not 2 <= count <= limits.max_instalments:
        raise AnswerRefused(f"number of instalments: from 2 to {limits.max_instalments}")
    first = _day(str(form.get("first_on", "")), "first instalment")
    currencies = {r.currency for r in rows}
    if len(currencies) != 1:
        raise AnswerRefused("a payment plan is asked for invoices in one currency")
    last = add_months(first, count - 1)
    if first < today or (last - today).days > limits.max_plan_days:
        raise AnswerRefused(f"the last instalment must fall within {limits.max_plan_days} days")
    total = sum((r.open for r in rows), Decimal(0))
    share = (total / count).quantize(CENT)
    amounts = [share] * (count - 1) + [total - share * (count - 1)]
    return {"total": total, "currency": currencies.pop(),
            "instalments": [[add_months(first, i).isoformat(), f"{a:.2f}"] for i, a in enumerate(amounts)]}

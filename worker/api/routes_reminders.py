"""Reminders over HTTP: the plan for a day, sending it, and what was sent (thin over worker/dunning/reminders.py)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from reminders.freshness import Freshness
from reminders.model import PlannedReminder
from worker.api import schemas as s
from worker.api.auth import Principal, company_repo, engine_of, require
from worker.dunning.payment_facts import PaymentFacts
from worker.dunning.plan_view import passed_over, unallocated_in_plan
from worker.dunning.reminder_customers import approve_reminders
from worker.dunning.reminders import plan_reminders, send_reminders

router = APIRouter(prefix="/api/reminders", tags=["reminders"])
ERRORS = s.problems(400, 401, 403, 404, 422)


@router.get("/plan", response_model=s.PlanOut, responses=ERRORS)
def reminders_plan(request: Request, principal: Annotated[Principal, require("reminders:read")],
                   as_of: s.Day) -> s.PlanOut:
    """What would be sent on ``as_of``, which unpaid invoices are held back and why, the levels passed over (no
    channel reaches the customer) and the money received and not yet allocated that the plan nets."""
    with company_repo(request, principal) as repo:
        facts = PaymentFacts.load(repo, as_of)
        result = plan_reminders(repo, as_of, facts=facts)
        received = unallocated_in_plan(repo, result, facts)
    return s.PlanOut(as_of=as_of, planned=[_planned(p, result.approval(p)) for p in result.planned], held=[
        s.HeldOut(invoice=h.number, customer_ref=h.customer_ref, open=f"{h.open_amount:.2f}", reason=h.reason,
                  held_until=h.hold_until)
        for h in result.held], passed_over=[s.PassedOverOut(**row) for row in passed_over(result)],
        unallocated=[s.UnallocatedOut(**row) for row in received], bank_data=bank_data_out(result.bank_data))


def bank_data_out(fresh: Freshness | None) -> s.BankDataOut | None:
    """The freshness gate's decision as the API gives it (the plan, the dashboard)."""
    if fresh is None:
        return None
    return s.BankDataOut(held=fresh.held, reason=fresh.reason, max_age_business_days=fresh.max_age, accounts=[
        s.BankAccountAgeOut(account=a.account, name=a.name, latest=a.latest, age=a.age, counts=a.counts,
                            stale=a.stale) for a in fresh.accounts])


def _planned(p: PlannedReminder, approval: str) -> s.PlannedOut:
    return s.PlannedOut(customer_ref=p.customer_ref, invoices=list(p.invoice_numbers), level=p.level,
                        channel=p.channel, amount_due=f"{p.amount_due:.2f}", currency=p.currency,
                        reasons=list(p.reasons), approval=approval, unallocated=f"{p.unallocated:.2f}")


@router.post("/approve", response_model=list[s.PlannedOut], responses=ERRORS)
def reminders_approve(request: Request, body: s.ApproveIn,
                      principal: Annotated[Principal, require("reminders:write")]) -> list[s.PlannedOut]:
    """Approve the messages of the plan on ``as_of`` that wait for a person (all with ``everything``),
    of the named customers or of all; answers the messages approved now."""
    with company_repo(request, principal) as repo:
        approved = approve_reminders(repo, body.as_of, body.customers, principal.actor, everything=body.everything)
    return [_planned(p, "approved") for p in approved]


@router.post("/send", response_model=list[s.SentOut], responses=ERRORS)
def reminders_send(request: Request, body: s.SendIn,
                   principal: Annotated[Principal, require("reminders:write")]) -> list[s.SentOut]:
    """Send what is due on ``as_of``; each reminder at most once, so calling twice is safe. Nothing is sent while
    the bank data is stale or missing (each message answered ``skipped`` with the reason) unless
    ``despite_stale_bank_data``, recorded in the audit log with the caller."""
    from worker.bootstrap import company_channels

    settings = request.app.state.settings
    channels = company_channels(settings, principal.company_ref)
    report = send_reminders(engine_of(request), principal.company_ref, body.as_of, channels, settings.mail_from,
                            actor=principal.actor, template_dir=settings.templates_dir,
                            despite_stale_bank_data=body.despite_stale_bank_data)
    return [s.SentOut(**r.as_json()) for r in report.results]  # type: ignore[arg-type]


@router.get("/registered-letters", response_model=list[s.RegisteredLetterOut], responses=ERRORS)
def registered_letters(request: Request, principal: Annotated[Principal, require("reminders:read")],
                       customer: Annotated[s.Text | None, Query(max_length=64)] = None) -> list[s.RegisteredLetterOut]:
    """The registered letters posted (oldest first; ``customer`` keeps one customer's): dispatch number, dates of
    deposit and receipt, the formal notice's deadline from the receipt, the return, as `lettrage letters track` last
    found them (worker/dunning/registered_letters.py)."""
    from worker.dunning.registered_letters import letter_view
    from worker.dunning.registered_queries import letters

    with company_repo(request, principal) as repo:
        refs = {c.id: c.ref for c in repo.customers()}
        rows = [r for r in letters(repo) if customer is None or refs.get(r.customer_id) == customer]
        views = [letter_view(r, refs.get(r.customer_id, "?")) for r in rows]
    return [s.RegisteredLetterOut(**{k: v for k, v in vars(v).items() if k != "changes"}) for v in views]


@router.get("/history", response_model=list[s.ReminderOut], responses=ERRORS)
def reminders_history(request: Request, principal: Annotated[Principal, require("reminders:read")],
                      customer: Annotated[s.Text | None, Query(max_length=64)] = None) -> list[s.ReminderOut]:
    """Reminders sent, failed or being sent, oldest first; ``customer`` keeps one customer's."""
    with company_repo(request, principal) as repo:
        refs = {c.id: c.ref for c in repo.customers()}
        rows = [r for r in repo.reminders() if customer is None or refs.get(r.customer_id) == customer]
        return [s.ReminderOut(id=r.id or 0, customer_ref=refs.get(r.customer_id, "?"), level=r.level,
                              channel=r.channel, status=r.status, invoices=list(r.invoice_numbers),
                              amount_due=f"{r.amount_due:.2f}", currency=r.currency, planned_on=r.planned_on,
                              sent_at=r.sent_at.isoformat() if r.sent_at else None, error=r.error) for r in rows]

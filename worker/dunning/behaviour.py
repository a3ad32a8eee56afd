"""Customers' payment behaviour from the database, and the dunning profile moves it calls for.

The figures are computed by the pure :mod:`reminders.behaviour` from each customer's invoices, the booking days
of the statement lines whose live allocations settle them, the reminder levels sent, and the promises to pay
(``promise`` pauses). The thresholds are the company's ``behaviour`` settings (``Company.settings["behaviour"]``,
overridden key by key by the ``[behaviour]`` section of its TOML file)::

    [behaviour]
    window_days = 365             # figures over the invoices paid in this many days
    trend_days = 90               # trend: the last 90 days against the 90 before
    min_paid_invoices = 3         # chronic needs at least this many paid invoices ...
    chronic_days_late = 15        # ... more than this many days late on average (weighted by amount) ...
    chronic_share_late = 50       # ... and more than this share (percent) paid late
    chronic_broken_promises = 2   # or this many broken promises to pay (0: never)
    reliable_min_paid_invoices = 6
    reliable_days_late = 5        # loyal: at most this many days late on average,
    reliable_share_late = 20      # at most this share paid late, no broken promise
    new_customer_months = 6       # customers younger than this (customer_since) start strict
    strict_profile = "new"        # the schedule of new customers and chronic late payers: "new" or "loyal"
    reliable_profile = "loyal"
    moves = true                  # false: figures only, no move

A move sets ``Customer.dunning_profile`` (which the planner honours; ``standard`` there means "no rule: tenure
and history choose"), is recorded in ``ProfileMove`` with its reasons and figures, and audited
(``customer.profile_moved``). A profile set by a person (`lettrage customers profile REF --profile ...`) always
wins: such customers are never moved; ``--profile auto`` gives them back to the moves.

A customer's amounts are added whatever their currency (a customer is billed in one currency as a rule; the
``currency`` of its figures is its most frequent one).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from reminders.behaviour import (
    Behaviour,
    BehaviourRules,
    InvoiceRecord,
    PromiseRecord,
    compute_behaviour,
    profile_move,
    risk_of,
    spoils_history,
)
from worker import company_setup
from worker.access.companies import resolve_company
from worker.company_sections import MOVABLE
from worker.db.behaviour_tables import ProfileMove
from worker.db.credit_note_queries import credited_by_invoice
from worker.db.reminder_queries import dunning_settings
from worker.db.repository import Repository
from worker.db.tables import Company, Customer, utcnow
from worker.db.uow import unit_of_work
from worker.dunning.behaviour_queries import profile_moves, promise_pauses, settlements
from worker.errors import LettrageError
from worker.invoices.invoices import InvoiceView

ZERO = Decimal(0)
AUTO = "auto"  # no behaviour rule applies: the policy's tenure and history rules choose


def company_rules(company: Company, companies_dir: Path | None) -> BehaviourRules:
    """The company's thresholds: stored settings, overridden key by key by its TOML file's ``[behaviour]``
    (worker.company_setup; no file read when ``companies_dir`` is None)."""
    return company_setup.resolve_company(company.settings, companies_dir, company.ref).behaviour


def customer_records(repo: Repository, customer_ids: Collection[int] | None = None
                     ) -> dict[int, tuple[list[InvoiceRecord], list[PromiseRecord]]]:
    """Each customer's (of ``customer_ids``, else every customer's) invoices (payments, reminder levels sent) and
    promises, as the pure module reads them. Credit notes and cancelled invoices are left out; an invoice's amount
    is net of the credit notes allocated to it (one credited in full is left out: it was never owed)."""
    invoices = [i for i in repo.invoice_rows() if i.kind == "invoice" and i.status != "cancelled"
                and (customer_ids is None or i.customer_id in customer_ids)]
    payments = settlements(repo)
    credited = credited_by_invoice(repo)  # credit notes allocated: what the customer no longer owes
    sent: dict[int, dict[str, date]] = defaultdict(dict)
    for invoice_id, level, channel, reminder in repo.sent_levels():
        if reminder.status != "sent" or channel == "export":  # a recovery file does not reach the customer
            continue
        first = sent[invoice_id].get(level)
        sent[invoice_id][level] = reminder.planned_on if first is None else min(first, reminder.planned_on)
    out: dict[int, tuple[list[InvoiceRecord], list[PromiseRecord]]] = defaultdict(lambda: ([], []))
    numbers: dict[int, str] = {}
    for inv in invoices:
        assert inv.id is not None
        numbers[inv.id] = inv.number
        owed = inv.amount - credited.get(inv.id, ZERO)
        if owed <= 0:  # credited in full: never a debt to pay, on time or late
            continue
        out[inv.customer_id][0].append(InvoiceRecord(
            number=inv.number, amount=owed, issued_on=inv.issued_on, due_on=inv.due_on,
            payments=tuple(payments.get(inv.id, ())), reminders=tuple(sorted(sent.get(inv.id, {}).items())),
            currency=inv.currency))
    for pause in promise_pauses(repo):
        assert pause.until is not None
        if customer_ids is not None and pause.customer_id not in customer_ids:
            continue
        about = None if pause.invoice_id is None else (numbers.get(pause.invoice_id, f"#{pause.invoice_id}"),)
        out[pause.customer_id][1].append(PromiseRecord(made_on=pause.created_at.date(), until=pause.until,
                                                       invoices=about))
    return out


def overdue_customers(views: Iterable[InvoiceView], as_of: date) -> set[int]:
    """The customers with an invoice open on ``as_of`` more than HISTORY_OVERDUE_DAYS days past due: whatever
    their past, no good history (reminders.behaviour.spoils_history)."""
    return {v.invoice.customer_id for v in views
            if v.invoice.kind == "invoice" and v.open > 0 and spoils_history(v.invoice.due_on, as_of)}


def customer_behaviours(repo: Repository, today: date, rules: BehaviourRules,
                        customer_ids: Collection[int] | None = None) -> dict[int, Behaviour]:
    """The figures of every customer (of ``customer_ids``, else of all) with at least one invoice, by id."""
    return {customer_id: compute_behaviour(invoices, promises, today, rules)
            for customer_id, (invoices, promises) in customer_records(repo, customer_ids).items() if invoices}


def _figures(b: Behaviour) -> dict[str, Any]:
    def one(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {"invoices": b.invoices, "paid_invoices": b.paid_invoices, "paid_late": b.paid_late,
            "weighted_days_late": one(b.weighted_days_late), "share_late": one(b.share_late),
            "trend_days_late": one(b.trend), "recent_days_late": one(b.recent_days_late),
            "previous_days_late": one(b.previous_days_late),
            "current_exposure": f"{b.current_exposure:.2f}", "overdue": f"{b.overdue_amount:.2f}",
            "max_days_overdue": b.max_days_overdue,
            "highest_exposure": f"{b.highest_exposure:.2f}",
            "highest_exposure_on": b.highest_exposure_on.isoformat() if b.highest_exposure_on else None,
            "promises": b.promises, "broken_promises": b.broken_promises,
            "reminders_before_payment": one(b.reminders_before_payment),
            "chronic": b.chronic, "chronic_reasons": list(b.reasons), "risk": str(risk_of(b))}


def _person_profile(repo: Repository) -> dict[int, str]:
    """Customers whose schedule a person chose (CustomerDunning.profile), or marked as key accounts by the
    legacy ``Customer.dunning_profile = "key"``: never moved."""
    return {cid: row.profile for cid, row in dunning_settings(repo).items() if row.profile}


def behaviour_rows(repo: Repository, today: date, rules: BehaviourRules, ref: str | None = None) -> list[dict[str, Any]]:
    """The figures per customer (one customer with ``ref``), by customer ref, with the profile each is on and
    the one the figures call for."""
    customers = repo.customers()
    if ref is not None:
        customers = [c for c in customers if c.ref == ref]
        if not customers:
            raise LettrageError(f"no customer {ref!r} in company {repo.company.ref!r}")
    records = customer_records(repo)
    chosen = _person_profile(repo)
    rows = []
    for customer in customers:
        assert customer.id is not None
        invoices, promises = records.get(customer.id, ([], []))
        b = compute_behaviour(invoices, promises, today, rules)
        target, reasons = profile_move(b, rules, customer.customer_since)
        currencies = Counter(i.currency for i in invoices)
        if customer.id in chosen:
            profile, source = chosen[customer.id], "person"
        elif customer.dunning_profile in MOVABLE:
            profile, source = customer.dunning_profile, "behaviour"
        else:
            profile, source = AUTO, "auto"
        rows.append({"customer_ref": customer.ref, "customer": customer.name, "as_of": today.isoformat(),
                     "currency": currencies.most_common(1)[0][0] if currencies else None, **_figures(b),
                     "profile": profile, "profile_source": source, "behaviour_profile": target or AUTO,
                     "behaviour_reasons": list(reasons)})
    return rows


def apply_profile_moves(repo: Repository, today: date, rules: BehaviourRules, actor: str = "lettrage",
                        ref: str | None = None) -> list[ProfileMove]:
    """Moves each customer (only ``ref`` when given) to the profile its figures call for; returns the moves made
    now (none when the company's rules say ``moves = false``). Customers whose profile a person set are left
    alone."""
    if not rules.moves:
        return []
    chosen = _person_profile(repo)
    records = customer_records(repo)
    moves = []
    for customer in repo.customer_rows():
        if customer.id in chosen or customer.dunning_profile == "key" or ref not in (None, customer.ref):
            continue
        invoices, promises = records.get(customer.id, ([], []))
        b = compute_behaviour(invoices, promises, today, rules)
        target, reasons = profile_move(b, rules, customer.customer_since)
        current = customer.dunning_profile if customer.dunning_profile in MOVABLE else AUTO
        wanted = target or AUTO
        if wanted == current:
            continue
        if not reasons:
            reasons = ("no behaviour rule applies any more: the policy's tenure and history rules choose",)
        row = repo.session.get(Customer, customer.id)
        assert row is not None
        moves.append(_move(repo, row, today, current, wanted, reasons, _figures(b), actor))
    return moves


def _move(repo: Repository, customer: Customer, today: date, current: str, wanted: str, reasons: tuple[str, ...],
          figures: dict[str, Any], actor: str) -> ProfileMove:
    assert customer.id is not None
    customer.dunning_profile = "standard" if wanted == AUTO else wanted
    customer.updated_at = utcnow()
    repo.add(customer)
    move = ProfileMove(customer_id=customer.id, moved_on=today, from_profile=current, to_profile=wanted,
                       reasons=list(reasons), figures=figures, created_by=actor)
    repo.add(move)
    repo.audit("customer.profile_moved", subject=f"customer:{customer.ref}", actor=actor, from_profile=current,
               to_profile=wanted, reasons=list(reasons), figures=figures, as_of=today)
    return move


def moves_json(repo: Repository, ref: str | None = None) -> list[dict[str, Any]]:
    """The profile moves recorded (of customer ``ref``), oldest first."""
    refs = repo.customer_refs()
    customer_id = None
    if ref is not None:
        customer_id = next((cid for cid, r in refs.items() if r == ref), None)
        if customer_id is None:
            raise LettrageError(f"no customer {ref!r} in company {repo.company.ref!r}")
    return [{"customer_ref": refs.get(m.customer_id, "?"), "moved_on": m.moved_on.isoformat(),
             "from_profile": m.from_profile, "to_profile": m.to_profile, "reasons": list(m.reasons),
             "figures": dict(m.figures), "by": m.created_by} for m in profile_moves(repo, customer_id)]


def run_profile_moves(engine: Engine, companies_dir: Path | None, company_ref: str | None, as_of: date,
                      actor: str = "lettrage") -> int:
    """The moves of one company in one transaction (a sync step); returns how many were made. A concurrent
    run that recorded the same move first makes this one start again, and find nothing left to move."""
    for attempt in (1, 2):
        try:
            with unit_of_work(engine) as session:
                repo = Repository(session, resolve_company(session, company_ref))
                return len(apply_profile_moves(repo, as_of, company_rules(repo.company, companies_dir), actor))
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")

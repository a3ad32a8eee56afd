"""A person's decisions about dunning: approve reminders, pause and resume, set a customer's profile;
and the whole exchange with one customer, from the audit log and the reminders.

Each decision is written to the audit log with its author, so `lettrage customers history` tells who
paused, approved or changed what, and when.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reminders.errors import PolicyError
from reminders.law import payment_terms_issue
from reminders.model import PlannedReminder
from reminders.policy import SCHEDULE_PROFILES, apply_rule, load_policy
from worker.db.reminder_queries import (
    add_approval,
    customer_events,
    event_subjects,
    invoice_terms,
    lift_pauses,
    outbox_rows,
    settings_for,
)
from worker.db.reminder_tables import DunningPause
from worker.db.repository import Repository
from worker.db.tables import Customer, utcnow
from worker.dunning.reminder_context import customer_rules_override
from worker.dunning.reminders import company_policy, plan_reminders
from worker.errors import LettrageError
from worker.invoices.invoice_files import CUSTOMER_KINDS

PAUSE_REASONS = ("dispute", "payment_plan", "promise", "other")


def customer_by_ref(repo: Repository, ref: str) -> Customer:
    customer = repo.customers_by_ref([ref]).get(ref)
    if customer is None:
        raise LettrageError(f"no customer {ref!r} in company {repo.company.ref!r}")
    return customer


def approve_reminders(repo: Repository, as_of: date, customer_refs: list[str] | None, actor: str,
                      everything: bool = False) -> list[PlannedReminder]:
    """Approves the messages of the plan on ``as_of`` that wait for approval (all planned ones with
    ``everything``), of the named customers or all; returns one planned reminder per message approved."""
    if customer_refs:
        for ref in customer_refs:
            customer_by_ref(repo, ref)
    plan = plan_reminders(repo, as_of)
    approved: list[PlannedReminder] = []
    seen: set[str] = set()
    for p in plan.planned:
        if p.key in seen or (customer_refs and p.customer_ref not in customer_refs):
            continue
        if not everything and plan.approval(p) != "required":
            continue
        seen.add(p.key)
        if add_approval(repo, p.key, p.customer_id, p.level, list(p.invoice_numbers), p.amount_due, as_of, actor):
            repo.audit("reminder.approved", subject=f"customer:{p.customer_ref}", actor=actor, level=p.level,
                       invoices=list(p.invoice_numbers), amount_due=p.amount_due, key=p.key, for_day=as_of)
            approved.append(p)
    return approved


def _invoice_id_of(repo: Repository, customer_id: int, ref: str, invoice_number: str | None) -> int | None:
    """The id of the customer's invoice ``invoice_number`` (None when no invoice is named); refuses another's."""
    if invoice_number is None:
        return None
    invoices = repo.invoices([invoice_number])
    if not invoices or invoices[0].customer_id != customer_id:
        raise LettrageError(f"customer {ref!r} has no invoice {invoice_number!r}")
    return invoices[0].id


def pause(repo: Repository, ref: str, reason: str, until: date | None, note: str, actor: str,
          invoice_number: str | None = None) -> DunningPause:
    """Pauses the reminders of a customer, or of one of its invoices, until ``until`` (inclusive)."""
    if reason not in PAUSE_REASONS:
        raise LettrageError(f"pause reason must be one of {', '.join(PAUSE_REASONS)}, not {reason!r}")
    if reason == "promise" and until is None:
        raise LettrageError("a promise to pay needs --until, the date promised")
    customer = customer_by_ref(repo, ref)
    assert customer.id is not None
    invoice_id = _invoice_id_of(repo, customer.id, ref, invoice_number)
    row = DunningPause(customer_id=customer.id, invoice_id=invoice_id, reason=reason, until=until, note=note,
                       created_by=actor)
    repo.add(row)
    repo.audit("reminders.paused", subject=f"customer:{ref}", actor=actor, reason=reason, until=until, note=note,
               invoice=invoice_number)
    return row


def resume(repo: Repository, ref: str, actor: str, invoice_number: str | None = None) -> int:
    """Lifts the active pauses of the customer (or of the invoice); returns how many were lifted."""
    customer = customer_by_ref(repo, ref)
    assert customer.id is not None
    invoice_id = _invoice_id_of(repo, customer.id, ref, invoice_number)
    lifted = lift_pauses(repo, customer.id, invoice_id, actor)
    if lifted:
        repo.audit("reminders.resumed", subject=f"customer:{ref}", actor=actor, invoice=invoice_number,
                   pauses=len(lifted))
    return len(lifted)


def set_profile(repo: Repository, ref: str, actor: str, *, profile: str | None = None, key_account: bool | None = None,
                consumer: bool | None = None, language: str | None = None, phone: str | None = None,
                offsets: dict[str, int] | None = None, skip: list[str] | None = None,
                min_days_between: int | None = None, clear_overrides: bool = False,
                kind: str | None = None) -> dict[str, Any]:
    """Changes what is given of a customer's dunning settings; ``profile`` ``auto`` goes back to tenure and
    history. ``kind`` (business, consumer, public) sets the customer's kind as ``consumer`` does (both given:
    they must agree). The override is checked against the company's policy before it is stored."""
    customer = customer_by_ref(repo, ref)
    assert customer.id is not None
    row = settings_for(repo, customer.id)
    changes: dict[str, Any] = {}
    if profile is not None:
        if profile != "auto" and profile not in SCHEDULE_PROFILES:
            raise LettrageError(f"profile must be auto or one of {', '.join(SCHEDULE_PROFILES)}, not {profile!r}")
        row.profile = None if profile == "auto" else profile
        changes["profile"] = profile
    if key_account is not None:
        row.key_account = changes["key_account"] = key_account
    if kind is not None and kind not in CUSTOMER_KINDS:
        raise LettrageError(f"customer kind must be one of {', '.join(CUSTOMER_KINDS)}, not {kind!r}")
    if consumer is not None and kind is not None and kind != ("consumer" if consumer else "business"):
        raise LettrageError(f"customer kind {kind} contradicts {'consumer' if consumer else 'business'}")
    if consumer is not None or kind is not None:
        customer.kind = changes["customer_kind"] = kind or ("consumer" if consumer else "business")
        repo.add(customer)
    if language is not None:
        if language not in ("fr", "en"):
            raise LettrageError(f"language must be fr or en, not {language!r}")
        row.language = changes["language"] = language
    if phone is not None:
        row.phone = changes["phone"] = phone
    overrides = {} if clear_overrides else dict(row.overrides or {})
    if offsets:
        overrides["offsets"] = {**overrides.get("offsets", {}), **offsets}
    if skip is not None:
        overrides["skip"] = skip
    if min_days_between is not None:
        overrides["min_days_between"] = min_days_between
    if clear_overrides or offsets or skip is not None or min_days_between is not None:
        row.overrides = overrides
        changes["overrides"] = overrides
        rule = customer_rules_override(row)
        if rule is not None:
            try:
                apply_rule(company_policy(repo.company), rule, "override")
            except PolicyError as exc:  # the override does not fit the company's policy
                raise LettrageError(f"customer {ref}: {exc}") from None
    row.updated_at, row.updated_by = utcnow(), actor
    repo.add(row)
    repo.audit("customer.dunning_profile", subject=f"customer:{ref}", actor=actor, **changes)
    return profile_json(repo, customer)


def profile_json(repo: Repository, customer: Customer) -> dict[str, Any]:
    """The customer's dunning settings as stored (``profile`` None: chosen by tenure and history)."""
    assert customer.id is not None
    row = settings_for(repo, customer.id)
    return {"customer_ref": customer.ref, "profile": row.profile or "auto", "key_account": row.key_account,
            "kind": customer.kind, "language": row.language, "phone": row.phone, "overrides": row.overrides or {},
            "customer_since": customer.customer_since}


def set_policy(repo: Repository, text: str | None, actor: str) -> None:
    """Stores the company's dunning policy (TOML, checked first), or goes back to the standard one."""
    if text is not None:
        load_policy(text)
    settings = dict(repo.company.settings)
    if text is None:
        settings.pop("dunning_policy", None)
    else:
        settings["dunning_policy"] = text
    repo.company.settings = settings
    repo.session.add(repo.company)
    repo.audit("reminders.policy", subject=f"company:{repo.company.ref}", actor=actor, standard=text is None)


@dataclass(frozen=True)
class Exchange:
    """One entry of a customer's history."""

    at: datetime | date
    kind: str
    actor: str
    summary: str
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "kind": self.kind, "actor": self.actor, "summary": self.summary,
                "data": self.data}


def _summary(kind: str, data: dict[str, Any]) -> str:
    invoices = ", ".join(data.get("invoices") or []) or data.get("invoice") or ""
    if kind == "reminder.sent":
        return f"{data.get('level')} by {data.get('channel')} sent ({invoices}): {data.get('title') or ''}"
    if kind == "reminder.failed":
        return f"{data.get('level')} by {data.get('channel')} failed ({invoices}): {data.get('error')}"
    if kind == "reminder.cancelled":
        return f"{data.get('level')} by {data.get('channel')} cancelled ({invoices}): {data.get('reason')}"
    if kind == "reminder.escalated":
        return f"{data.get('level')}: {data.get('channel')} failed {data.get('attempts')} times, now by {data.get('to_channel')}"
    if kind == "reminder.approved":
        return f"{data.get('level')} approved ({invoices})"
    if kind == "reminders.paused":
        until = f" until {data['until']}" if data.get("until") else ""
        return f"reminders paused ({data.get('reason')}){until}{' for ' + invoices if invoices else ''}: {data.get('note') or ''}"
    if kind == "reminders.resumed":
        return f"reminders resumed{' for ' + invoices if invoices else ''}"
    if kind.startswith("einvoice.status_"):  # lifecycle statuses: received from buyers, sent to the platform
        from einvoicing.codes import STATUSES

        code = data.get("code")
        known = STATUSES.get(str(code))
        label = data.get("label") or (known.label if known else "")
        about = f" for {invoices}" if invoices else ""
        detail = data.get("effect") or data.get("reason") or data.get("error") or data.get("state") or (
            f"{data['amount']}" if data.get("amount") is not None else "")
        what = kind.removeprefix("einvoice.status_").replace("_", " ")
        return f"status {code} « {label} » {what}{about}" + (f": {detail}" if detail else "")
    if kind.startswith("registered_letter."):  # worker/dunning/registered_letters.py
        number = f" n° {data['dispatch_number']}" if data.get("dispatch_number") else ""
        what = {"registered_letter.deposited": f"deposited on {data.get('deposited_on')}",
                "registered_letter.received": f"received on {data.get('received_on')}, deadline "
                                              f"{data.get('deadline_on')}",
                "registered_letter.returned": f"{data.get('outcome')} on {data.get('returned_on')}: {data.get('reason')}",
                "registered_letter.rejected": f"rejected by {data.get('provider')}: {data.get('reason')}",
                "registered_letter.proof_stored": f"{data.get('proof')} proof stored"}.get(kind, kind)
        return f"registered {data.get('level')}{number} ({invoices}): {what}"
    if kind == "payment.allocated":
        return f"payment {data.get('bank_ref')} of {data.get('booked_on')}: {data.get('amount')} on {data.get('invoice')}"
    if kind == "customer.proceedings_set":  # worker/dunning/proceedings.py
        return (f"collective proceedings: {data.get('proceedings')} opened on {data.get('opened_on')} "
                f"({data.get('source')}), declare by {data.get('declaration_deadline') or 'publication unknown'}")
    if kind == "customer.proceedings_cleared":
        return f"collective proceedings cleared ({data.get('reason')}): normal dunning resumes"
    if kind == "customer.payment_announced":  # the customer's answers on its page (customer_links_answers.py)
        return f"says it paid {data.get('amount')} on {data.get('paid_on')} ({invoices}), via its link"
    if kind == "customer.disputed":
        return f"disputes {invoices} ({data.get('reason')}): {data.get('text')}, via its link"
    if kind == "customer.promised":
        return f"promises to pay on {data.get('pay_on')}, via its link"
    if kind == "customer.plan_requested":
        return (f"asks a payment plan of {len(data.get('instalments') or [])} instalments for {invoices} "
                f"({data.get('total')} {data.get('currency')}), via its link")
    if kind == "customer.plan_approved":  # worker/dunning/payment_plans.py
        return (f"payment plan of {len(data.get('instalments') or [])} instalments approved for {invoices}: "
                f"paused until {data.get('until')}" + (f" ({data['note']})" if data.get("note") else ""))
    if kind == "customer.plan_refused":
        return f"payment plan asked refused for {invoices}" + (f": {data['note']}" if data.get("note") else "")
    if kind == "customer.payment_received":  # worker/reconciliation/announcements.py
        if data.get("line"):
            return (f"payment announced ({data.get('amount')} on {data.get('paid_on')}) received: line "
                    f"{data.get('line')} of {data.get('booked_on')}")
        return f"payment announced ({data.get('amount')} on {data.get('paid_on')}): its invoices are settled"
    if kind == "customer_link.revoked":
        return "every link to its page revoked" if not data.get("token") else f"link {data.get('token')} revoked"
    if kind == "customer.claim_declared":
        return f"claim declared on {data.get('declared_on')}{' (late)' if data.get('late') else ''}"
    return kind + (f" ({invoices})" if invoices else "")


def customer_history(repo: Repository, ref: str) -> list[Exchange]:
    """Everything about one customer, oldest first: its invoices' events (import, updates, matches),
    every reminder with its content, channel and outcome, approvals, pauses, profile changes, and the
    payments allocated to its invoices."""
    customer = customer_by_ref(repo, ref)
    assert customer.id is not None
    invoices = [i for i in repo.invoices() if i.customer_id == customer.id]
    subjects = [f"customer:{ref}", *(f"invoice:{i.number}" for i in invoices)]
    events = customer_events(repo, subjects)
    out = [Exchange(e.at, e.kind, e.actor, _summary(e.kind, _about(e.kind, e.subject, dict(e.data))), dict(e.data))
           for e in events]
    by_id = {i.id: i for i in invoices}
    out.extend(_sent_statuses(repo, by_id, {e.data.get("message_id") for e in events if e.kind.startswith("einvoice.")}))
    allocations = [a for a in repo.live_allocations() if a.invoice_id in by_id]
    lines = repo.lines_by_id(a.line_id for a in allocations)
    for a in allocations:
        line = lines[a.line_id]
        data: dict[str, Any] = {"bank_ref": line.bank_ref, "booked_on": line.booked_on.isoformat(),
                                "amount": f"{a.amount:.2f}", "invoice": by_id[a.invoice_id].number,
                                "status": a.status}
        out.append(Exchange(a.decided_at, "payment.allocated", a.decided_by, _summary("payment.allocated", data), data))
    for row in outbox_rows(repo, ["sending"], customer.id):
        data = {"level": row.level, "channel": row.channel, "invoices": row.invoice_numbers,
                "message_id": row.message_id}
        out.append(Exchange(row.claimed_at or row.created_at, "reminder.outcome_unknown", "lettrage",
                            f"{row.level} by {row.channel}: the sender stopped while sending; not sent again "
                            f"automatically", data))
    return sorted(out, key=lambda e: (_at(e.at), e.kind))


def _about(kind: str, subject: str, data: dict[str, Any]) -> dict[str, Any]:
    """An e-invoicing status event's data with the invoice its subject names (for the summary)."""
    if kind.startswith("einvoice.status_") and subject.startswith("invoice:") and not data.get("invoice"):
        return {**data, "invoice": subject.removeprefix("invoice:")}
    return data


def _sent_statuses(repo: Repository, invoices: dict[int | None, Any], audited: set[Any]) -> list[Exchange]:
    """The lifecycle statuses sent for these invoices (212 « Encaissée » …) not already in the audit log."""
    from worker.einvoices.einvoice_incoming_queries import statuses_of

    out = []
    for row in statuses_of(repo, [i for i in invoices if i is not None], direction="sent"):
        if row.message_id in audited:
            continue
        data = {"invoice": row.invoice_number, "code": row.code, "label": row.label, "state": row.state,
                "message_id": row.message_id, "amount": f"{row.amount:.2f}" if row.amount is not None else None}
        out.append(Exchange(row.at, "einvoice.status_sent", "lettrage", _summary("einvoice.status_sent", data), data))
    return out


def _at(value: datetime | date) -> str:
    return value.isoformat() if isinstance(value, datetime) else f"{value.isoformat()}T00:00:00"


def flag_payment_terms(repo: Repository, actor: str = "lettrage") -> list[tuple[str, str]]:
    """Invoices whose payment term is over the legal caps (Code de commerce L441-10 I: 60 days from the
    invoice, or 45 days end of month; a public body's: 30 days, 50 for a public hospital, Code de la commande
    publique L2192-10, R2192-10, R2192-11, counted here from the invoice date, its receipt unknown), flagged once
    each in the audit log; returns those flagged now."""
    from reminders.law.public_procurement import public_category, public_terms_issue
    from worker.dunning.public_queries import public_invoices

    done = event_subjects(repo, "invoice.payment_terms")
    public = public_invoices(repo)
    flagged = []
    issues: dict[tuple[date, date], str | None] = {}  # many invoices share their dates
    for number, kind, issued_on, due_on in invoice_terms(repo):  # plain values: 100,000 ORM invoices cost seconds
        subject = f"invoice:{number}"
        if kind != "invoice" or subject in done:
            continue
        dates = (issued_on, due_on)
        if number in public:
            issue = public_terms_issue(issued_on, due_on, public_category(public[number]))
        else:
            issue = issues[dates] if dates in issues else issues.setdefault(dates, payment_terms_issue(*dates))
        if issue is not None:
            repo.audit("invoice.payment_terms", subject=subject, actor=actor, issue=issue)
            flagged.append((number, issue))
    return flagged

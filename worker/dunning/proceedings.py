"""Collective proceedings as a customer's state (issue 19 item 4): set by a person or from a BODACC notice file,
cleared when a plan is adopted or the proceedings close, and what they do to the dunning.

- :func:`set_proceedings` / :func:`clear_proceedings` / :func:`record_declaration`: a person's decisions, each with
  its author and time in the row and in the audit log (``customer.proceedings_set``, ``customer.proceedings_
  cleared``, ``customer.claim_declared``). A customer has one active proceedings at most.
- :func:`import_bodacc`: the notices of a BODACC export (reminders.law.bodacc) matched to the customers by SIREN;
  an opening judgment sets the proceedings (``source`` bodacc, the operator as author); a plan, a closure, a
  rectification or a notice of another kind is reported, never applied: clearing stays a person's decision.
- :func:`holds`: the invoices the plan and the sending leave alone, with the reason: those of a customer in
  proceedings born before the opening judgment (C. com. L622-7, L622-21, L622-28: reminders.law.proceedings). The
  plan shows them as held (never silently dropped); those born after it are dunned as usual (L622-17).
- :func:`declaration_tasks`: the worklist's « declare the claim to the mandataire by DATE » (R622-24), until a
  person records the declaration.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from reminders.errors import ReminderError
from reminders.law.bodacc import BodaccNotice, read_notices
from reminders.law.proceedings import (
    CLEAR_REASONS,
    KIND_LABELS,
    check_kind,
    claim_born_before,
    declaration_deadline,
    hold_reason,
    representative_title,
)
from worker.db.proceedings_tables import CollectiveProceeding
from worker.db.repository import Repository
from worker.db.tables import Customer, utcnow
from worker.dunning.proceedings_queries import active_proceedings, customers_by_siren, proceedings_of
from worker.errors import ProceedingsError, ProceedingsNotFound


def check_siren(value: str) -> str:
    """The 9 digits of a SIREN (spaces removed) when its check digit is right (python-stdnum's fr.siren, the Luhn
    key of the INSEE number), else ProceedingsError."""
    from stdnum.exceptions import ValidationError
    from stdnum.fr import siren as stdnum_siren

    try:
        return str(stdnum_siren.validate(value))
    except ValidationError:
        raise ProceedingsError(f"SIREN {value!r} is not valid: 9 digits with a right check digit") from None


def customer(repo: Repository, ref: str) -> Customer:
    found = repo.customers_by_ref([ref]).get(ref)
    if found is None:
        raise ProceedingsNotFound(f"no customer {ref!r} in company {repo.company.ref!r}")
    return found


def set_siren(repo: Repository, ref: str, siren: str | None, actor: str) -> str | None:
    """Set (or, None, forget) customer ``ref``'s SIREN, checked; returns it as stored."""
    who = customer(repo, ref)
    value = check_siren(siren) if siren else None
    if value != who.siren:
        before, who.siren, who.updated_at = who.siren, value, utcnow()
        repo.add(who)
        repo.audit("customer.siren_set", subject=f"customer:{ref}", actor=actor, before=before, after=value)
    return value


def deadline_of(row: CollectiveProceeding, country: str = "FR") -> date | None:
    """The last day to declare the claim (R622-24), None while the BODACC publication date is unknown."""
    if row.bodacc_published_on is None:
        return None
    return declaration_deadline(row.bodacc_published_on, row.creditor_abroad, country)


def as_json(row: CollectiveProceeding, customer_ref: str, country: str = "FR") -> dict[str, Any]:
    """The proceedings as the CLI's --json and the API give them."""
    deadline = deadline_of(row, country)
    return {"customer_ref": customer_ref, "kind": row.kind, "opened_on": row.opened_on.isoformat(),
            "court": row.court, "bodacc_published_on": _iso(row.bodacc_published_on), "bodacc_ref": row.bodacc_ref,
            "representative": {"title": representative_title(row.kind), "name": row.representative_name,
                               "address": list(row.representative_address)},
            "creditor_abroad": row.creditor_abroad, "declaration_deadline": _iso(deadline),
            "declared_on": _iso(row.declared_on), "declared_by": row.declared_by, "source": row.source,
            "note": row.note, "set_by": row.set_by, "set_at": row.set_at.isoformat(),
            "cleared_at": row.cleared_at.isoformat() if row.cleared_at else None, "cleared_by": row.cleared_by,
            "clear_reason": row.clear_reason, "active": row.cleared_at is None}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


@dataclass(frozen=True)
class Judgment:
    """What a person (or a notice) says of an opening judgment; None fields are left as they are on an update."""

    kind: str
    opened_on: date
    court: str | None = None
    published_on: date | None = None
    bodacc_ref: str | None = None
    representative_name: str | None = None
    representative_address: tuple[str, ...] | None = None
    creditor_abroad: bool | None = None
    note: str | None = None


def set_proceedings(repo: Repository, ref: str, judgment: Judgment, actor: str, *, today: date | None = None,
                    source: str = "manual", now: datetime | None = None) -> CollectiveProceeding:
    """Put customer ``ref`` in collective proceedings (or update its active ones: a conversion to liquidation, the
    publication learned later, the representative named); ``today`` refuses a judgment dated after it."""
    check_kind(judgment.kind)
    if today is not None and judgment.opened_on > today:
        raise ProceedingsError(f"opening judgment dated {judgment.opened_on}, after today {today}")
    if judgment.published_on is not None and judgment.published_on < judgment.opened_on:
        raise ProceedingsError(f"BODACC publication {judgment.published_on} is before the judgment of "
                               f"{judgment.opened_on}")
    who = customer(repo, ref)
    assert who.id is not None
    row = active_proceedings(repo, [who.id]).get(who.id)
    fresh = row is None
    if row is None:
        row = CollectiveProceeding(customer_id=who.id, kind=judgment.kind, opened_on=judgment.opened_on,
                                   source=source, set_by=actor, set_at=now or utcnow())
    before = {} if fresh else as_json(row, ref)
    row.kind, row.opened_on = judgment.kind, judgment.opened_on
    for name, value in (("court", judgment.court), ("bodacc_published_on", judgment.published_on),
                        ("bodacc_ref", judgment.bodacc_ref), ("representative_name", judgment.representative_name),
                        ("creditor_abroad", judgment.creditor_abroad), ("note", judgment.note)):
        if value is not None:
            setattr(row, name, value)
    if judgment.representative_address is not None:
        row.representative_address = list(judgment.representative_address)
    if not fresh:
        row.set_by, row.set_at, row.source = actor, now or utcnow(), source
    repo.add(row)
    repo.flush()
    after = as_json(row, ref)
    repo.audit("customer.proceedings_set", subject=f"customer:{ref}", actor=actor, proceedings=row.kind,
               opened_on=row.opened_on, court=row.court, bodacc_published_on=row.bodacc_published_on,
               bodacc_ref=row.bodacc_ref, representative=row.representative_name, source=source,
               declaration_deadline=after["declaration_deadline"],
               changed={k: [before.get(k), v] for k, v in after.items()
                        if not fresh and before.get(k) != v and k not in ("set_at", "set_by")} or None)
    return row


def clear_proceedings(repo: Repository, ref: str, reason: str, actor: str, note: str = "",
                      now: datetime | None = None) -> CollectiveProceeding:
    """End customer ``ref``'s active proceedings (plan adopted, closed, set aside on appeal...): its invoices are
    dunned as usual again from the next plan."""
    if reason not in CLEAR_REASONS:
        raise ProceedingsError(f"unknown reason {reason!r} (known: {', '.join(CLEAR_REASONS)})")
    who = customer(repo, ref)
    assert who.id is not None
    row = active_proceedings(repo, [who.id]).get(who.id)
    if row is None:
        raise ProceedingsNotFound(f"{ref}: no active collective proceedings to clear")
    row.cleared_at, row.cleared_by, row.clear_reason = now or utcnow(), actor, reason
    if note:
        row.note = f"{row.note}; {note}" if row.note else note
    repo.add(row)
    repo.audit("customer.proceedings_cleared", subject=f"customer:{ref}", actor=actor, proceedings=row.kind,
               opened_on=row.opened_on, reason=reason, note=note)
    return row


def record_declaration(repo: Repository, ref: str, declared_on: date, actor: str, *, today: date | None = None,
                       now: datetime | None = None) -> CollectiveProceeding:
    """Record that customer ``ref``'s claim was declared to the representative on ``declared_on``: the worklist's
    task ends."""
    who = customer(repo, ref)
    assert who.id is not None
    row = active_proceedings(repo, [who.id]).get(who.id)
    if row is None:
        raise ProceedingsNotFound(f"{ref}: no active collective proceedings: set them first")
    if declared_on < row.opened_on:
        raise ProceedingsError(f"declared on {declared_on}, before the opening judgment of {row.opened_on}")
    if today is not None and declared_on > today:
        raise ProceedingsError(f"declared on {declared_on}, after today {today}")
    row.declared_on, row.declared_by, row.declared_at = declared_on, actor, now or utcnow()
    repo.add(row)
    deadline = deadline_of(row)
    repo.audit("customer.claim_declared", subject=f"customer:{ref}", actor=actor, declared_on=declared_on,
               deadline=deadline, late=bool(deadline is not None and declared_on > deadline),
               representative=row.representative_name)
    return row


def list_proceedings(repo: Repository, ref: str | None = None, include_cleared: bool = False) -> list[dict[str, Any]]:
    """The proceedings of the company (of customer ``ref``), newest first, as :func:`as_json` gives them."""
    customer_id = customer(repo, ref).id if ref is not None else None
    rows = proceedings_of(repo, customer_id, include_cleared)
    refs = repo.customer_refs({r.customer_id for r in rows}) if rows else {}
    return [as_json(r, refs.get(r.customer_id, str(r.customer_id))) for r in rows]


# -- effects on the dunning ---------------------------------------------------------------------------------
def _hold_text(row: CollectiveProceeding) -> str:
    text = hold_reason(row.kind, row.opened_on, row.court)
    if row.declared_on is not None:
        return f"{text}; declared on {row.declared_on.isoformat()}"
    deadline = deadline_of(row)
    return f"{text} by {deadline.isoformat()}" if deadline else f"{text} (BODACC publication date unknown)"


def holds(repo: Repository, invoices: Iterable[tuple[int, int, date]]) -> dict[int, str]:
    """Invoice id -> why it is held, for the invoices ``(id, customer id, issued on)`` of a customer in collective
    proceedings that were born before the opening judgment (reminders.law.proceedings.claim_born_before)."""
    invoices = list(invoices)
    active = active_proceedings(repo, {customer_id for _, customer_id, _ in invoices}) if invoices else {}
    if not active:
        return {}
    return {invoice_id: _hold_text(active[customer_id]) for invoice_id, customer_id, issued_on in invoices
            if customer_id in active and claim_born_before(issued_on, active[customer_id].opened_on)}


@dataclass(frozen=True)
class DeclarationTask:
    """A claim still to declare: the customer, the proceedings, the deadline and the worklist's reason."""

    customer_id: int
    proceeding: CollectiveProceeding
    deadline: date | None
    reason: str


def declaration_tasks(repo: Repository, as_of: date) -> list[DeclarationTask]:
    """The active proceedings whose claim is not declared yet, with the worklist's line: « declare the claim to the
    mandataire judiciaire X by DATE (R622-24) », or that the publication date is unknown, or that the period ran
    out (a relief from foreclosure is then asked of the juge-commissaire within six months, L622-26)."""
    out = []
    for customer_id, row in sorted(active_proceedings(repo).items()):
        if row.declared_on is not None:
            continue
        deadline = deadline_of(row)
        to = representative_title(row.kind) + (f" {row.representative_name}" if row.representative_name else "")
        opened = f"{KIND_LABELS[row.kind]} opened on {row.opened_on.isoformat()}"
        if deadline is None:
            reason = (f"declare the claim to the {to}: {opened}, BODACC publication date unknown (the two months "
                      "of C. com. R622-24 run from it): set it with `lettrage customers proceedings set`")
        elif deadline < as_of:
            reason = (f"declaration period ended on {deadline.isoformat()} ({opened}): ask the juge-commissaire for "
                      "a relief from foreclosure (relevé de forclusion, C. com. L622-26) within six months of the "
                      "publication")
        else:
            reason = (f"declare the claim to the {to} by {deadline.isoformat()} ({opened}; two months from the "
                      f"BODACC publication of {row.bodacc_published_on}, C. com. R622-24)")
        out.append(DeclarationTask(customer_id, row, deadline, reason))
    return out


# -- BODACC notice files ----------------------------------------------------------------------------------
@dataclass
class BodaccImport:
    """What a BODACC file did: proceedings set, notices matched but not applied (with why), notices naming no
    customer of the company (counted), and the file's records that could not be read."""

    applied: list[dict[str, Any]] = field(default_factory=list)
    not_applied: list[dict[str, Any]] = field(default_factory=list)
    unmatched: int = 0
    problems: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"applied": self.applied, "not_applied": self.not_applied, "unmatched": self.unmatched,
                "problems": self.problems}


def _judgment_of(notice: BodaccNotice, kind: str, opened_on: date) -> Judgment:
    return Judgment(kind=kind, opened_on=opened_on, court=notice.court or None, published_on=notice.published_on,
                    bodacc_ref=notice.reference or None, representative_name=notice.representative_name or None,
                    representative_address=notice.representative_address or None,
                    note=f"BODACC notice {notice.notice_id}: {notice.nature}"[:500])


def _not_applied(notice: BodaccNotice, ref: str, why: str) -> dict[str, Any]:
    return {"customer_ref": ref, "notice": notice.notice_id, "reference": notice.reference,
            "published_on": _iso(notice.published_on), "nature": notice.nature, "reason": why}


def import_bodacc(repo: Repository, data: bytes, filename: str, actor: str, *, today: date | None = None,
                  now: datetime | None = None, dry_run: bool = False) -> BodaccImport:
    """Apply a BODACC export's opening judgments to the customers they name by SIREN (oldest publication first,
    so a conversion read after its opening wins); ``dry_run`` says what would be done and changes nothing."""
    try:
        notices, problems = read_notices(data, filename)
    except ReminderError as exc:
        raise ProceedingsError(str(exc)) from None
    result = BodaccImport(problems=problems)
    matched = customers_by_siren(repo, {s for n in notices for s in n.sirens})
    ordered = sorted(notices, key=lambda n: (n.published_on or date.min, n.judgment_on or date.min, n.notice_id))
    for notice in ordered:
        customers = [c for s in notice.sirens for c in matched.get(s, [])]
        if not customers:
            result.unmatched += 1
            continue
        for who in customers:
            assert who.id is not None
            if notice.notice_type not in ("annonce", "avis initial", ""):
                result.not_applied.append(_not_applied(
                    notice, who.ref, f"a {notice.notice_type} notice: check it and correct the proceedings by hand "
                    "(`lettrage customers proceedings set|clear`)"))
                continue
            if notice.action != "opening" or notice.kind is None:
                what = {"plan": "a plan", "closure": "a closure"}.get(notice.action, "a judgment")
                result.not_applied.append(_not_applied(
                    notice, who.ref, f"{what} ({notice.nature or notice.family or 'no nature'}): not applied; clear "
                    "the proceedings when the plan or the closure ends them (`lettrage customers proceedings clear`)"))
                continue
            opened_on = notice.judgment_on or notice.published_on
            assert opened_on is not None
            active = active_proceedings(repo, [who.id]).get(who.id)
            if active is not None and (f"BODACC notice {notice.notice_id}" in active.note or (
                    active.kind, active.opened_on, active.bodacc_ref) == (notice.kind, opened_on, notice.reference or None)):
                result.not_applied.append(_not_applied(notice, who.ref, "already recorded"))
                continue
            if active is not None and opened_on < active.opened_on:
                result.not_applied.append(_not_applied(
                    notice, who.ref, f"older than the proceedings recorded (opened on {active.opened_on})"))
                continue
            judgment = _judgment_of(notice, notice.kind, opened_on)
            if active is not None and opened_on > active.opened_on:
                # a later judgment of the same proceedings (a conversion to liquidation, L631-15 II, L641-1): the
                # claims to declare are still those born before the first opening, whose publication the period
                # ran from; the new kind and its representative (the liquidateur) are taken
                judgment = Judgment(kind=notice.kind, opened_on=active.opened_on,
                                    representative_name=notice.representative_name or None,
                                    representative_address=notice.representative_address or None,
                                    note=f"{active.note}; BODACC notice {notice.notice_id} of {notice.published_on}: "
                                         f"{notice.nature}"[:500] if active.note else
                                    f"BODACC notice {notice.notice_id} of {notice.published_on}: {notice.nature}"[:500])
            published = judgment.published_on if judgment.published_on is not None else (
                active.bodacc_published_on if active is not None else None)
            entry = {"customer_ref": who.ref, "notice": notice.notice_id, "kind": notice.kind,
                     "opened_on": judgment.opened_on.isoformat(), "court": notice.court,
                     "reference": notice.reference, "published_on": _iso(published),
                     "representative": notice.representative_name,
                     "representative_address": list(notice.representative_address),
                     "declaration_deadline": _iso(declaration_deadline(published)) if published else None}
            if not dry_run:
                set_proceedings(repo, who.ref, judgment, actor, today=today, source="bodacc", now=now)
            result.applied.append(entry)
    if not dry_run:
        repo.audit("customer.bodacc_imported", subject=f"file:{filename}", actor=actor,
                   applied=len(result.applied), not_applied=len(result.not_applied), unmatched=result.unmatched,
                   problems=len(result.problems))
    return result


def open_claim_invoices(views: Sequence[Any], row: CollectiveProceeding) -> list[Any]:
    """Of a customer's invoice views (worker.invoices.invoices.InvoiceView), the open invoices born before the
    opening judgment: those the declaration claims."""
    return [v for v in views if v.invoice.kind == "invoice" and v.open > 0
            and claim_born_before(v.invoice.issued_on, row.opened_on)]

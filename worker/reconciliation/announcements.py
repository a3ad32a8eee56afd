"""The payments customers announce on their page (issue 22), tied to the bank: each matching run links the
statement line that brings one (matching.announced says which line fits and what its decision becomes).

- :func:`record`: the answer « already paid » kept as an ``AnnouncedPayment`` (worker/db/announcement_tables.py);
- :func:`inputs` / :func:`receive`: in a matching run (worker/reconciliation/matching.py), the open announcements
  as the pure matcher reads them, then the links it found stored: the announcement ``received`` with its line, its
  pauses lifted (the worklist task ``payment_announced`` closes; a review item of the line holds the invoices as
  any review does), audit ``customer.payment_received``;
- :func:`after_run`: announcements made after their line went to review (the pending item gets the reason and the
  candidate), and announcements whose invoices were settled otherwise (``settled``);
- :func:`not_received`: those whose pause ended without a line: the worklist says « announced payment not
  received » (the reminders resume: the pause has ended).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from matching.announced import ANNOUNCED_WINDOW_DAYS, Announcement, fits, open_total, with_announcements
from matching.ibans import compact_iban
from matching.model import BankLine, Decision, OpenInvoice
from worker.db.announcement_tables import AnnouncedPayment
from worker.db.reminder_tables import DunningPause
from worker.db.repository import Repository
from worker.db.review_candidates import candidates_to_json
from worker.db.tables import Customer, StatementLine
from worker.reconciliation.announcement_queries import announcements_of, pending_items_booked_between
from worker.reconciliation.bulk_queries import iban_owners as bulk_iban_owners

NOT_RECEIVED_DAYS = 14  # an announced payment not received stays on the worklist this many days after the pause


def record(repo: Repository, customer: Customer, invoice_numbers: Sequence[str], paid_on: date, amount: Decimal,
           currency: str, announced_on: date, until: date, pause_ids: Sequence[int], actor: str,
           proof: str | None = None, proof_type: str | None = None) -> AnnouncedPayment:
    assert customer.id is not None
    row = AnnouncedPayment(company_id=repo.company_id, customer_id=customer.id, invoice_numbers=list(invoice_numbers),
                           paid_on=paid_on, amount=amount, currency=currency, proof=proof, proof_type=proof_type,
                           announced_on=announced_on, until=until, pause_ids=list(pause_ids), created_by=actor)
    repo.add(row)
    return row


def announcement(repo: Repository, announcement_id: int) -> AnnouncedPayment | None:
    """One announcement of the company (None for another company's id)."""
    row = repo.session.get(AnnouncedPayment, announcement_id)
    return row if row is not None and row.company_id == repo.company_id else None


def _model(repo: Repository, rows: Sequence[AnnouncedPayment]) -> list[Announcement]:
    numbers = sorted({n for r in rows for n in r.invoice_numbers})
    ids = {i.number: i.id for i in repo.invoices(numbers)} if numbers else {}
    return [Announcement(id=r.id, customer_id=r.customer_id,  # type: ignore[arg-type]
                         invoice_ids=tuple(ids[n] for n in r.invoice_numbers if ids.get(n) is not None),  # type: ignore[misc]
                         invoice_numbers=tuple(r.invoice_numbers), paid_on=r.paid_on, amount=r.amount,
                         currency=r.currency) for r in rows]


def iban_owners(repo: Repository, ibans: Iterable[str | None]) -> dict[str, int]:
    """Compact IBAN -> the one customer it is known for (an IBAN of several customers names none), for the IBANs
    of the lines in question only (what they cost, not the company's size)."""
    wanted = {key for key in (compact_iban(i) for i in ibans if i) if key}
    return {iban: next(iter(ids)) for iban, ids in bulk_iban_owners(repo, wanted).items() if len(ids) == 1}


def inputs(repo: Repository, lines: Iterable[BankLine]) -> tuple[list[Announcement], dict[str, int]]:
    """The open announcements as the matcher reads them, and who pays from the lines' IBANs (nothing to read when
    none)."""
    rows = announcements_of(repo, states=("announced",))
    if not rows:
        return [], {}
    return _model(repo, rows), iban_owners(repo, (line.counterparty_iban for line in lines))


def link(decisions: list[Decision], lines: Mapping[int, BankLine], announced: Sequence[Announcement],
         invoices: Sequence[OpenInvoice], owners: Mapping[str, int]) -> tuple[list[Decision], dict[int, int]]:
    """matching.announced.with_announcements over the run's open invoices."""
    if not announced:
        return decisions, {}
    return with_announcements(decisions, lines, announced, {inv.id: inv for inv in invoices}, owners)


def receive(repo: Repository, links: Mapping[int, int], now: datetime) -> int:
    """Stores the links found: each announcement ``received`` from its line, its pauses lifted; how many."""
    if not links:
        return 0
    lines = repo.lines_by_id(links)
    for line_id, announcement_id in sorted(links.items()):
        row = announcement(repo, announcement_id)
        line = lines.get(line_id)
        if row is None or line is None or row.state != "announced":
            continue
        _close(repo, row, "received", now, line)
    return len(links)


def _close(repo: Repository, row: AnnouncedPayment, state: str, now: datetime,
           line: StatementLine | None = None) -> None:
    row.state, row.closed_at = state, now
    row.line_id = line.id if line is not None else None
    repo.add(row)
    for pause_id in row.pause_ids:
        pause = repo.session.get(DunningPause, pause_id)
        if pause is not None and pause.company_id == repo.company_id and pause.lifted_at is None:
            pause.lifted_at, pause.lifted_by = now, "lettrage"
            repo.add(pause)
    customer = repo.session.get(Customer, row.customer_id)
    subject = f"customer:{customer.ref}" if customer is not None else ""
    repo.audit("customer.payment_received", subject=subject, announcement=row.id, state=state,
               invoices=list(row.invoice_numbers), paid_on=row.paid_on, amount=row.amount,
               line=line.bank_ref if line is not None else None,
               booked_on=line.booked_on if line is not None else None)


def after_run(repo: Repository, now: datetime, open_invoices: Callable[[], Sequence[OpenInvoice]]) -> None:
    """Announcements made after their line went to review: the pending item gets the announcement's reason and,
    when no candidate names its invoices, them as one more candidate (the line is linked: received). Then the
    announcements whose invoices are all settled otherwise: ``settled``."""
    rows = announcements_of(repo, states=("announced",))
    if not rows:
        return
    from worker.db.review_candidates import Candidate as StoredCandidate
    from worker.db.review_candidates import CandidatePart, candidates_from_json

    by_id = {inv.id: inv for inv in open_invoices()}
    announced = {a.id: a for a in _model(repo, rows)}
    # only the pending items whose line was booked within the announcements' windows
    first, last = min(r.paid_on for r in rows), max(r.paid_on for r in rows) + timedelta(days=ANNOUNCED_WINDOW_DAYS)
    items = pending_items_booked_between(repo, first, last)
    lines = repo.lines_by_id(i.line_id for i in items) if items else {}
    owners = iban_owners(repo, (sl.counterparty_iban for sl in lines.values()))
    taken: set[int] = set()
    for item in sorted(items, key=lambda i: (lines[i.line_id].booked_on, i.line_id)):
        sl = lines[item.line_id]
        line = BankLine(id=sl.id, booked_on=sl.booked_on, amount=sl.amount,  # type: ignore[arg-type]
                        currency=sl.currency, counterparty_iban=sl.counterparty_iban)
        found = next((a for a in sorted(announced.values(), key=lambda a: (a.paid_on, a.id))
                      if a.id not in taken and fits(line, a, by_id, owners)), None)
        if found is None or found.reason in item.reasons:
            continue
        taken.add(found.id)
        stored = candidates_from_json(item.candidates)
        if not any({p.invoice_id for p in c.parts} == set(found.invoice_ids) for c in stored):
            left, parts = sl.amount, []
            for inv in sorted((by_id[i] for i in found.invoice_ids if i in by_id), key=lambda v: (v.due_on, v.number)):
                if left <= 0:
                    break
                amount = min(left, inv.open_amount)
                parts.append(CandidatePart(invoice_id=inv.id, invoice=inv.number, allocated=amount,
                                           write_off=Decimal(0)))
                left -= amount
            if parts:
                stored = [*stored, StoredCandidate.of(parts, 0.5, (found.reason,))]
        item.candidates = candidates_to_json(stored)
        item.reasons = [*item.reasons, found.reason]
        repo.add(item)
        row = next(r for r in rows if r.id == found.id)
        _close(repo, row, "received", now, sl)
    for row in rows:
        if row.state == "announced" and open_total(announced[row.id], by_id) <= 0:  # type: ignore[index]
            _close(repo, row, "settled", now)


def not_received(repo: Repository, as_of: date) -> list[AnnouncedPayment]:
    """Announcements whose pause ended (``until`` before ``as_of``, at most NOT_RECEIVED_DAYS ago) with no line."""
    since = as_of - timedelta(days=NOT_RECEIVED_DAYS)
    return [r for r in announcements_of(repo, states=("announced",)) if since <= r.until < as_of]

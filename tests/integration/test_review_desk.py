"""The review desk's services without a browser (worker/reconciliation/review_notes.py, review_bulk.py,
worker/dunning/reminder_preview.py): what a note accepts, the company's rule of an exact match and its edges, the
bulk acceptance limited to the ids given, and a letter previewed as the letter channel prints it, nothing stored."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from tests.integration.desk_book import KNOWN_IBAN, add_exact_payments, add_roux_payments
from tests.integration.web_book import TODAY, build_book
from worker.db.engine import engine_for
from worker.db.reminder_tables import ReminderOutbox
from worker.db.repository import Repository
from worker.db.tables import AuditEvent, Company, Customer, CustomerIban, Reminder
from worker.db.uow import unit_of_work
from worker.dunning import reminder_preview
from worker.reconciliation import review_bulk, review_notes
from worker.reconciliation.review import ReviewError, ReviewNotFound

ACTOR = "user:alice@acme.example.fr"
LETTER_POLICY = """require_approval = true
business_days_only = false
send_window = ""

[[levels]]
code = "first_reminder"
offset_days = 1
channels = ["letter"]
"""


@contextmanager
def acme(db_url: str, ref: str = "acme") -> Iterator[Repository]:
    with unit_of_work(engine_for(db_url)) as session:
        company = session.execute(select(Company).where(col(Company.ref) == ref)).scalars().one()
        yield Repository(session, company)


@pytest.fixture
def book(db_url: str) -> dict[str, list[int]]:
    built = build_book(db_url)
    return {"web": built.acme_items, "other": built.other_items, "roux": add_roux_payments(db_url),
            "exact": add_exact_payments(db_url)}


def test_a_note_must_say_something_and_belong_to_the_company(db_url: str, book: dict[str, list[int]]) -> None:
    """A note is evidence of the diligence done on a payment (C. com. L123-22: records kept ten years): an empty one
    says nothing and is refused; another company's item or an unknown customer is not found."""
    item = book["roux"][0]
    with acme(db_url) as repo:
        for empty in ("", "   ", "\n \n"):
            with pytest.raises(ReviewError, match="a note is required"):
                review_notes.add_item_note(repo, item, empty, actor=ACTOR)
        with pytest.raises(ReviewError, match="at most 2000 characters"):
            review_notes.add_customer_note(repo, "C004", "x" * 2001, actor=ACTOR)
        with pytest.raises(ReviewNotFound):
            review_notes.add_item_note(repo, book["other"][0], "not ours", actor=ACTOR)
        with pytest.raises(ReviewNotFound):
            review_notes.add_customer_note(repo, "K01", "another company's customer", actor=ACTOR)
        review_notes.add_item_note(repo, item, "  first   note \n  second line ", actor=ACTOR)
        review_notes.add_item_note(repo, item, "then this", actor="user:bob@acme.example.fr")
        notes = review_notes.item_notes(repo, item)
    assert [(n.note, n.actor) for n in notes] == [("then this", "user:bob@acme.example.fr"),
                                                 ("first note\nsecond line", ACTOR)]
    with acme(db_url, "other") as repo, pytest.raises(ReviewNotFound):
        review_notes.item_notes(repo, item)  # acme's item, asked by the other company


def test_the_exact_rule_takes_one_invoice_named_or_paid_from_a_known_iban_owed_exactly(
        db_url: str, book: dict[str, list[int]]) -> None:
    """Exact: one candidate, one invoice, the payment equal to what it owes (C. civ. art. 1342: a payment extinguishes
    the debt it pays exactly), named in the payment or paid from the customer's known IBAN. Not exact: two candidates
    (P1, P2), an unknown payer naming nothing (R1-R3), a payment short of what is owed (E3)."""
    e1, e2, e3 = book["exact"]
    everything = [*book["web"], *book["roux"], e3, e2, e1]
    with acme(db_url) as repo:
        found = review_bulk.exact_matches(repo, everything)
        assert [(e.item_id, e.invoice, e.how, e.amount) for e in found] == [
            (e2, "FA-2026-00502", "iban", Decimal("720.00")), (e1, "FA-2026-00501", "reference", Decimal("610.00"))]
        # the IBAN known for another customer too: the payer is in doubt, a person must look
        c004 = repo.customers_by_ref(["C004"])["C004"]
        assert c004.id is not None
        repo.add(CustomerIban(company_id=repo.company_id, customer_id=c004.id, iban=KNOWN_IBAN))
        repo.flush()
        assert [e.item_id for e in review_bulk.exact_matches(repo, everything)] == [e1]


def test_accepting_exact_matches_takes_only_the_ids_given_each_checked_again(
        db_url: str, book: dict[str, list[int]]) -> None:
    e1, e2, e3 = book["exact"]
    with acme(db_url) as repo:
        done = review_bulk.accept_exact(repo, [e2, e3], actor=ACTOR, versions={e2: 1})
        assert [e.item_id for e in done.accepted] == [e2] and [i for i, _ in done.skipped] == [e3]
        assert done.total == Decimal("720.00")
        stale = review_bulk.accept_exact(repo, [e1], actor=ACTOR, versions={e1: 2})  # shown decided: refused
        assert stale.accepted == [] and "not 2" in stale.skipped[0][1]
        again = review_bulk.accept_exact(repo, [e2], actor=ACTOR)
        assert again.accepted == [] and "no longer pending" in again.skipped[0][1]
        states = {i.id: (i.state, i.decided_by) for i in repo.review_items(None) if i.id in (e1, e2, e3)}
    assert states == {e1: ("pending", None), e2: ("accepted", ACTOR), e3: ("pending", None)}
    with acme(db_url) as repo, pytest.raises(ReviewError, match="at most 500"):
        review_bulk.accept_exact(repo, list(range(1, 502)), actor=ACTOR)


def _stored(repo: Repository) -> tuple[int, int, int]:
    def count(table: type) -> int:
        return int(repo.session.execute(select(func.count()).select_from(table)).scalar_one())
    return count(ReminderOutbox), count(Reminder), count(AuditEvent)


def test_a_letter_is_previewed_as_the_letter_channel_prints_it_and_nothing_is_stored(
        db_url: str, book: dict[str, list[int]]) -> None:
    """The preview composes the letter by the sending path and prints it as the letter channel does; no outbox row,
    no reminder, no audit event (a reminder is claimed once, when it really leaves)."""
    with acme(db_url) as repo:
        repo.company.settings = {**repo.company.settings, "dunning_policy": LETTER_POLICY}
    with acme(db_url) as repo:
        before = _stored(repo)
        shown = reminder_preview.preview(repo, TODAY, None, customer="C002", mail_from="relances@acme.example.fr")
        assert (shown.channel, shown.level, shown.message.invoice_numbers) == (
            "letter", "first_reminder", ("FA-2026-00200", "FA-2026-00201"))
        assert shown.pdf is not None and shown.pdf.startswith(b"%PDF")
        assert shown.message.recipient_lines[0] == "Boulangerie Dupain"
        with pytest.raises(reminder_preview.PreviewNotFound):
            reminder_preview.preview(repo, TODAY, None, customer="C999")
    with acme(db_url) as repo:
        assert _stored(repo) == before
        customer = repo.session.execute(select(Customer).where(col(Customer.ref) == "C002")).scalars().one()
        assert customer.name == "Boulangerie Dupain"

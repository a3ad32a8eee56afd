"""Review decisions through the service, on SQLite and the real PostgreSQL: accept, split, reject,
assign, undo and reopen; what the matcher learns; two accountants deciding at once."""
from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from schwifty import IBAN
from sqlalchemy import select

from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv
from worker.access.companies import resolve_company
from worker.db.api_tables import CustomerAlias
from worker.db.repository import Repository
from worker.db.tables import AuditEvent, CustomerIban, ReviewItem
from worker.db.uow import unit_of_work
from worker.errors import ReviewConflict
from worker.reconciliation import review, review_queries

PAYER_IBAN = str(IBAN.generate("FR", bank_code="30004", account_code="00012345601").compact)
OTHER_IBAN = str(IBAN.generate("FR", bank_code="30004", account_code="00012345602").compact)


def _invoices() -> list[InvoiceSpec]:
    return [
        InvoiceSpec("FA-2026-00123", "C001", "480.00", date(2026, 1, 5), date(2026, 2, 4),
                    customer_name="Plomberie Martin SARL"),
        InvoiceSpec("FA-2026-00124", "C001", "300.00", date(2026, 1, 20), date(2026, 2, 19),
                    customer_name="Plomberie Martin SARL"),
        InvoiceSpec("FA-2026-00200", "C002", "480.00", date(2026, 1, 7), date(2026, 2, 6),
                    customer_name="Boulangerie Dupain"),
        InvoiceSpec("FA-2026-00201", "C002", "150.00", date(2026, 1, 8), date(2026, 2, 7),
                    customer_name="Boulangerie Dupain"),
    ]


def _setup(cli: Any, tmp_path: Path, payments: list[Payment], statement_id: str = "S1") -> None:
    inv = tmp_path / "invoices.csv"
    inv.write_bytes(invoices_csv(_invoices()))
    cli("invoices", "import", str(inv))
    stmt = tmp_path / f"{statement_id}.xml"
    stmt.write_bytes(Camt053(payments, statement_id=statement_id).render())
    cli("statements", "import", str(stmt))
    cli("match")


def _engine(cli: Any) -> Any:
    from worker.db.engine import engine_for

    return engine_for(cli.env["LETTRAGE_DATABASE_URL"])


def _pending(engine: Any) -> list[ReviewItem]:
    with unit_of_work(engine) as session:
        return Repository(session, resolve_company(session, None)).review_items("pending")


def _invoices_by_number(cli: Any) -> dict[str, dict[str, Any]]:
    return {r["number"]: r for r in cli.json("invoices", "list")}


def _invoice_id(repo: Repository, number: str) -> int:
    return review_queries.invoices_by_number(repo, [number])[number].id  # type: ignore[return-value]


ODD = Payment("P1", date(2026, 2, 10), Decimal("480.00"), "JM INVEST HOLDING", "VIR facture 123",
              payer_iban=PAYER_IBAN)


def test_accept_confirms_audits_and_teaches_the_next_match(cli: Any, tmp_path: Path) -> None:
    _setup(cli, tmp_path, [ODD])
    engine = _engine(cli)
    [item] = _pending(engine)
    assert item.candidates[0]["invoice"] == "FA-2026-00123"
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        decided = review.accept(repo, item.id, 0, actor="user:alice", expected_version=1)
    assert decided.state == "accepted" and decided.invoices == ("FA-2026-00123",)
    assert len(decided.learned) == 2
    invoices = _invoices_by_number(cli)
    assert invoices["FA-2026-00123"]["status"] == "paid"
    [match] = cli.json("matches", "list")
    assert (match["status"], match["decided_by"]) == ("confirmed", "user:alice")
    with unit_of_work(engine) as session:
        kinds = {(e.kind, e.actor) for e in session.execute(select(AuditEvent)).scalars()}
        ibans = {(i.iban, i.source) for i in session.execute(select(CustomerIban)).scalars()}
        aliases = [a.name for a in session.execute(select(CustomerAlias)).scalars()]
    assert {("review.accepted", "user:alice"), ("allocation.confirmed", "user:alice"),
            ("customer.iban_learned", "user:alice"), ("customer.alias_learned", "user:alice")} <= kinds
    assert (PAYER_IBAN, "learned") in ibans and aliases == ["JM INVEST HOLDING"]

    # The same payer again: a weak reference, now confirmed by the learned IBAN -> automatic.
    again = Payment("P2", date(2026, 2, 25), Decimal("300.00"), "JM INVEST HOLDING", "VIR facture 124",
                    payer_iban=PAYER_IBAN)
    # And by name only (no IBAN in the statement): the learned alias confirms it.
    stmt = tmp_path / "S2.xml"
    stmt.write_bytes(Camt053([again], statement_id="S2", opening=Decimal("1480.00")).render())
    cli("statements", "import", str(stmt))
    assert cli.json("match") == {"auto": 1, "review": 0, "unmatched": 0}
    assert _invoices_by_number(cli)["FA-2026-00124"]["status"] == "paid"


def test_the_alias_alone_confirms_a_weak_reference(cli: Any, tmp_path: Path) -> None:
    _setup(cli, tmp_path, [ODD])
    engine = _engine(cli)
    [item] = _pending(engine)
    with unit_of_work(engine) as session:
        review.accept(Repository(session, resolve_company(session, None)), item.id, actor="user:alice")
    by_name = Payment("P3", date(2026, 2, 26), Decimal("300.00"), "JM INVEST HOLDING", "VIR facture 124")
    stmt = tmp_path / "S3.xml"
    stmt.write_bytes(Camt053([by_name], statement_id="S3", opening=Decimal("1480.00")).render())
    cli("statements", "import", str(stmt))
    assert cli.json("match") == {"auto": 1, "review": 0, "unmatched": 0}


def test_without_learning_the_same_second_payment_goes_to_review(cli: Any, tmp_path: Path) -> None:
    """The control of the test above: the automatic match is the learning's doing."""
    again = Payment("P2", date(2026, 2, 25), Decimal("300.00"), "JM INVEST HOLDING", "VIR facture 124",
                    payer_iban=PAYER_IBAN)
    _setup(cli, tmp_path, [ODD, again])
    assert len(_pending(_engine(cli))) == 2


def test_a_decided_item_conflicts_and_a_wrong_version_conflicts(cli: Any, tmp_path: Path) -> None:
    _setup(cli, tmp_path, [ODD])
    engine = _engine(cli)
    [item] = _pending(engine)
    with unit_of_work(engine) as session, pytest.raises(ReviewConflict, match="version 1, not 7"):
        review.accept(Repository(session, resolve_company(session, None)), item.id, actor="a", expected_version=7)
    with unit_of_work(engine) as session:
        review.reject(Repository(session, resolve_company(session, None)), item.id, actor="user:bob")
    with unit_of_work(engine) as session, pytest.raises(ReviewConflict, match="already rejected by user:bob"):
        review.accept(Repository(session, resolve_company(session, None)), item.id, actor="user:alice")
    assert cli.json("matches", "list") == []
    assert _pending(engine) == []
    assert cli.json("match") == {"auto": 0, "review": 0, "unmatched": 0}  # a rejected line is left alone


def test_split_assign_undo_and_reopen(cli: Any, tmp_path: Path) -> None:
    grouped = Payment("P4", date(2026, 2, 12), Decimal("630.00"), "DUPAIN", "VIR divers", payer_iban=OTHER_IBAN)
    _setup(cli, tmp_path, [grouped, ODD])
    engine = _engine(cli)
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        pending = repo.review_items("pending")
        refs = {line_id: line.bank_ref for line_id, line in repo.lines_by_id(i.line_id for i in pending).items()}
    items = {refs[i.line_id]: i for i in pending}
    first, second = items["P4"], items["P1"]
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        with pytest.raises(review.ReviewError, match="has 630.00 to allocate"):
            review.split(repo, first.id, [("FA-2026-00200", Decimal("480.00")), ("FA-2026-00124", Decimal(300))],
                         actor="user:alice")
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        split = review.split(repo, first.id, [("FA-2026-00200", Decimal("480.00")),
                                              ("FA-2026-00201", Decimal("150.00"))], actor="user:alice")
    assert split.invoices == ("FA-2026-00200", "FA-2026-00201")
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        with pytest.raises(review.ReviewError, match="FA-2026-00200 has nothing open"):
            review.assign(repo, second.id, "FA-2026-00200", actor="user:alice")
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        with pytest.raises(review.ReviewNotFound, match="no invoice FA-404"):
            review.assign(repo, second.id, "FA-404", actor="user:alice")
    with unit_of_work(engine) as session:
        assigned = review.assign(Repository(session, resolve_company(session, None)), second.id, "FA-2026-00124",
                                 Decimal("300.00"), actor="user:alice")
    invoices = _invoices_by_number(cli)
    assert [invoices[n]["status"] for n in ("FA-2026-00200", "FA-2026-00201", "FA-2026-00124")] == ["paid"] * 3

    with unit_of_work(engine) as session:
        undone = review.undo_allocation(Repository(session, resolve_company(session, None)),
                                        assigned.allocation_ids[0], "wrong invoice", actor="user:bob")
    assert (undone.invoice, undone.invoice_status, undone.line_state) == ("FA-2026-00124", "open", "unmatched")
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        assert review_queries.undone_pairs(repo, [second.line_id]) == {
            (second.line_id, _invoice_id(repo, "FA-2026-00124")): "wrong invoice"}
    with unit_of_work(engine) as session, pytest.raises(ReviewConflict, match="already undone by user:bob"):
        review.undo_allocation(Repository(session, resolve_company(session, None)), assigned.allocation_ids[0],
                               "again", actor="user:bob")
    with unit_of_work(engine) as session, pytest.raises(review.ReviewError, match="reason"):
        review.undo_allocation(Repository(session, resolve_company(session, None)), split.allocation_ids[0],
                               "  ", actor="user:bob")
    assert _invoices_by_number(cli)["FA-2026-00124"]["status"] == "open"

    with unit_of_work(engine) as session:
        fresh = review.reopen(Repository(session, resolve_company(session, None)), first.id, "mistake",
                              actor="user:bob")
    invoices = _invoices_by_number(cli)
    assert invoices["FA-2026-00200"]["status"] == invoices["FA-2026-00201"]["status"] == "open"
    assert [i.id for i in _pending(engine)] == [fresh]
    assert cli.json("matches", "list") == []


def test_two_accountants_at_once(cli: Any, tmp_path: Path) -> None:
    """Both read the pending item, then both decide: one allocation, one clear conflict (PostgreSQL: the
    second UPDATE waits for the first transaction; SQLite: the second waits for the write lock)."""
    _setup(cli, tmp_path, [ODD])
    engine = _engine(cli)
    [item] = _pending(engine)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def decide(who: str, candidate: int) -> None:
        try:
            with unit_of_work(engine) as session:
                repo = Repository(session, resolve_company(session, None))
                assert review.item_version(review_queries.review_item(repo, item.id)) == 1
                barrier.wait(timeout=10)  # both have read the pending item before either decides
                outcomes[who] = review.accept(repo, item.id, candidate, actor=who, expected_version=1)
        except ReviewConflict as exc:
            outcomes[who] = exc

    threads = [threading.Thread(target=decide, args=(f"user:{n}", 0)) for n in ("alice", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    conflicts = [o for o in outcomes.values() if isinstance(o, ReviewConflict)]
    decided = [o for o in outcomes.values() if isinstance(o, review.Decided)]
    assert len(conflicts) == 1 and len(decided) == 1, outcomes
    assert "already accepted by" in str(conflicts[0])
    [match] = cli.json("matches", "list")
    assert match["allocated"] == "480.00"
    assert _invoices_by_number(cli)["FA-2026-00123"]["paid"] == "480.00"

"""The outbox primitive (worker/db/outbox.py) against SQLite and the real PostgreSQL: a claim is won by one
sender only, the backoff rule of each outbox is the one it always had, a row is given up after its limit, and a
row left claimed by a dead sender is found as stuck."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from worker.db import outbox
from worker.db.api_tables import WebhookDelivery, WebhookEndpoint
from worker.db.einvoice_tables import EinvoiceStatus
from worker.db.insight_tables import WeeklyReportOutbox
from worker.db.reminder_queries import OUTBOX as REMINDERS
from worker.db.tables import Company
from worker.einvoices.einvoice_status_queries import OUTBOX as STATUSES
from worker.insight.insight_queries import REPORT_OUTBOX

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
S = outbox.DeliveryState


def _company(engine: Any) -> int:
    with Session(engine) as session:
        company = Company(ref="acme", name="Acme", is_default=True)
        session.add(company)
        session.commit()
        assert company.id is not None
        return company.id


def _reports(engine: Any, company_id: int, count: int) -> list[int]:
    with Session(engine) as session:
        rows = [WeeklyReportOutbox(company_id=company_id, key=f"2026-W47/a{i}", period="2026-W47", audience="owner",
                                   recipients=["owner@example.com"]) for i in range(count)]
        session.add_all(rows)
        session.commit()
        return [r.id for r in rows if r.id is not None]


def _status(company_id: int, n: int, state: str, updated_at: datetime, next_attempt_at: datetime | None = None,
            direction: str = "sent") -> EinvoiceStatus:
    return EinvoiceStatus(company_id=company_id, invoice_number=f"FA-{n}", code="212", label="Encaissée",
                          direction=direction, key=f"212:allocation:{n}", message_id=f"m-{n}", at=NOW, state=state,
                          next_attempt_at=next_attempt_at, updated_at=updated_at)


# -- claim ------------------------------------------------------------------------------------------
def test_a_row_is_claimed_by_one_session_only(engine: Any) -> None:
    cid = _company(engine)
    row_id, other_id = _reports(engine, cid, 2)
    with Session(engine) as first, Session(engine) as second:
        assert second.get(WeeklyReportOutbox, row_id).status == "queued"  # type: ignore[union-attr]  # it saw it free
        second.rollback()
        assert outbox.claim(first, REPORT_OUTBOX, [row_id], NOW, company_id=cid) == [row_id]
        first.commit()
        assert outbox.claim(second, REPORT_OUTBOX, [row_id, other_id], NOW, company_id=cid) == [other_id]
        second.commit()
    with Session(engine) as session:
        row = session.get(WeeklyReportOutbox, row_id)
        assert row is not None and (row.status, row.attempts) == ("sending", 1)
        assert row.claimed_at is not None and row.claimed_at.replace(tzinfo=UTC) == NOW
        # another company's claim never takes it, nor a claim from a state it is not in
        assert outbox.claim(session, REPORT_OUTBOX, [other_id], NOW, company_id=cid + 1) == []
        assert outbox.claim(session, REPORT_OUTBOX, [row_id], NOW, company_id=cid) == []


def test_concurrent_claims_win_each_row_once(engine: Any) -> None:
    cid = _company(engine)
    ids = _reports(engine, cid, 8)
    won: list[list[int]] = []
    errors: list[Exception] = []
    start = threading.Barrier(4)

    def sender() -> None:
        try:
            start.wait()
            with Session(engine) as session:
                mine = []
                for row_id in ids:  # one commit per claim, as the senders do
                    mine += outbox.claim(session, REPORT_OUTBOX, [row_id], NOW, company_id=cid)
                    session.commit()
                won.append(mine)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(i for mine in won for i in mine) == sorted(ids)
    with Session(engine) as session:
        assert {session.get(WeeklyReportOutbox, i).attempts for i in ids} == {1}  # type: ignore[union-attr]


def test_a_lease_moves_the_next_attempt_and_keeps_others_out(engine: Any) -> None:
    from worker.webhooks.webhooks import LEASE
    from worker.webhooks.webhooks import OUTBOX as WEBHOOKS

    cid = _company(engine)
    with Session(engine) as session:
        endpoint = WebhookEndpoint(company_id=cid, url="https://example.com/hook")
        session.add(endpoint)
        session.flush()
        assert endpoint.id is not None
        delivery = WebhookDelivery(company_id=cid, endpoint_id=endpoint.id, event_id="e1", event="invoice.paid",
                                   next_attempt_at=NOW - timedelta(minutes=1))
        session.add(delivery)
        session.commit()
        delivery_id, at = delivery.id, delivery.next_attempt_at
        assert delivery_id is not None
    with Session(engine) as session:
        due = [r.id for r in outbox.due(session, WEBHOOKS, NOW, company_id=cid)]
        assert due == [delivery_id]
        assert outbox.claim(session, WEBHOOKS, [delivery_id], NOW, LEASE,
                            where=[WebhookDelivery.next_attempt_at == at]) == [delivery_id]  # type: ignore[list-item]
        session.commit()
        # a dispatcher that saw it due at the same moment does not win it; nor is it due during the lease
        assert outbox.claim(session, WEBHOOKS, [delivery_id], NOW, LEASE,
                            where=[WebhookDelivery.next_attempt_at == at]) == []  # type: ignore[list-item]
        assert outbox.due(session, WEBHOOKS, NOW + LEASE - timedelta(seconds=1), company_id=cid) == []
        row = session.get(WebhookDelivery, delivery_id)
        assert row is not None and (row.status, row.attempts) == ("pending", 0)  # counted when recorded


# -- backoff and give-up ----------------------------------------------------------------------------
def test_each_outbox_keeps_its_delays() -> None:
    from worker.einvoices import pa_delivery
    from worker.webhooks import webhooks

    for attempts in range(20):  # the formulas each outbox had before the primitive
        assert webhooks.backoff(attempts) == min(timedelta(seconds=30) * 2 ** max(attempts - 1, 0), timedelta(hours=1))
        assert pa_delivery.backoff(attempts) == min(timedelta(minutes=1) * 2 ** max(attempts - 1, 0), timedelta(days=1))
    days = outbox.Backoff.of_days((1, 2, 4))
    assert [days.delay(a).days for a in range(1, 6)] == [1, 2, 4, 4, 4]
    assert outbox.Backoff.of_days(()).delay(3) == timedelta(days=1)


def test_a_failure_is_retried_after_the_backoff_then_given_up_after_the_limit() -> None:
    for attempts in range(1, STATUSES.max_attempts or 0):
        failure = outbox.failed(STATUSES, attempts, NOW)
        assert (failure.state, failure.status, failure.given_up) == (S.FAILED, "pending", False)
        assert failure.retry_at == NOW + STATUSES.backoff.delay(attempts)
    last = outbox.failed(STATUSES, STATUSES.max_attempts or 0, NOW)
    assert (last.state, last.status, last.given_up) == (S.GAVE_UP, "failed", True)
    assert outbox.failed(STATUSES, 1, NOW, for_good=True).status == "failed"  # refused: given up at once
    # the reminders: days from the company's policy, its own limit, its own strings
    policy = outbox.Backoff.of_days((1, 2, 4))
    tries = [outbox.failed(REMINDERS, a, date(2026, 11, 25), backoff=policy, max_attempts=3) for a in (1, 2, 3)]
    assert [(t.status, t.retry_at) for t in tries] == [
        ("failed", date(2026, 11, 26)), ("failed", date(2026, 11, 27)), ("gave_up", date(2026, 11, 29))]
    assert not outbox.gave_up(REPORT_OUTBOX, 100)  # no limit: a weekly report is tried again and again


# -- stuck and due ----------------------------------------------------------------------------------
def test_a_row_left_claimed_by_a_dead_sender_is_stuck_and_claimed_again(engine: Any) -> None:
    cid = _company(engine)
    with Session(engine) as session:
        rows = [_status(cid, 1, "sending", NOW - timedelta(minutes=10)),
                _status(cid, 2, "sending", NOW - timedelta(minutes=1)),
                _status(cid, 3, "pending", NOW - timedelta(hours=1)),
                _status(cid, 4, "pending", NOW, next_attempt_at=NOW - timedelta(seconds=1)),
                _status(cid, 5, "pending", NOW, next_attempt_at=NOW + timedelta(minutes=1)),
                _status(cid, 6, "received", NOW - timedelta(hours=1), direction="received"),
                _status(cid, 7, "failed", NOW - timedelta(hours=1))]
        session.add_all(rows)
        session.commit()
        ids = {r.invoice_number: r.id for r in rows}
    with Session(engine) as session:
        stuck = outbox.stuck(session, STATUSES, NOW, timedelta(minutes=5), company_id=cid)
        assert [r.id for r in stuck] == [ids["FA-1"]]
        assert [r.id for r in outbox.due(session, STATUSES, NOW, company_id=cid)] == [ids["FA-3"], ids["FA-4"]]
        # a stuck row is claimed again from ``sending``, once
        won = outbox.claim(session, STATUSES, [ids["FA-1"]], NOW, company_id=cid, from_statuses=["sending"])
        assert won == [ids["FA-1"]]
        session.commit()
        assert outbox.stuck(session, STATUSES, NOW, timedelta(minutes=5), company_id=cid) == []
        outbox.succeeded(session, STATUSES, ids["FA-1"], NOW, company_id=cid, last_error=None)
        session.commit()
        row = session.get(EinvoiceStatus, ids["FA-1"])
        assert row is not None and (row.state, row.attempts) == ("delivered", 1)
        assert row.delivered_at is not None and row.delivered_at.replace(tzinfo=UTC) == NOW


def test_a_spec_names_each_tables_own_strings() -> None:
    assert REMINDERS.statuses(REMINDERS.claimable) == ["queued", "failed"]
    assert STATUSES.statuses(STATUSES.claimable) == ["pending"]
    assert REPORT_OUTBOX.status(S.CLAIMED) == "sending"
    with pytest.raises(KeyError):
        REPORT_OUTBOX.status(S.GAVE_UP)  # a weekly report is never given up

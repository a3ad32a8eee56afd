"""One outbox primitive: claim, lease, retry with backoff, give up, stuck detection, over any outbox table.

Six tables are outboxes (reminder messages, webhook deliveries, sent e-invoicing statuses, weekly reports,
duplicate sends, the emails telling the firm of a customer's answer; duplicates share the reminders' table).
Each keeps its own columns and stored status strings (they are the public contract); an :class:`OutboxSpec`
names them and maps the six states of a delivery (:class:`DeliveryState`) onto the table's own strings, so the
code below serves them all:

- :func:`claim`: one conditional ``UPDATE ... WHERE status IN (claimable) [AND due]`` per row, committed by the
  caller before the message leaves: of two callers racing for a row, one only wins it (at most once);
  ``lease`` moves the row's next attempt past the lease (an outbox without a ``sending`` state);
- :func:`failed`: what a failed attempt leads to: tried again after the spec's :class:`Backoff`, or given up
  after ``max_attempts`` (or at once, when the failure is for good);
- :func:`succeeded`: the row delivered;
- :func:`stuck`: rows claimed longer ago than a limit whose sender never recorded the outcome (it died);
- :func:`due_condition` / :func:`stuck_condition`: the same rules as SQL conditions, for the queries that look
  for work (which companies have some, which rows are due).

Persistence only: nothing here imports a capability's package.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true, update
from sqlalchemy.orm import Session
from sqlmodel import SQLModel


class DeliveryState(StrEnum):
    """The states of one outbox row, whatever its table calls them."""

    PENDING = "pending"  # waiting for its (first or next) attempt
    CLAIMED = "claimed"  # taken by a sender, committed before the message left
    DONE = "done"  # delivered
    FAILED = "failed"  # an attempt failed; tried again from its next attempt
    GAVE_UP = "gave_up"  # failed for good (too many attempts, or refused)
    CANCELLED = "cancelled"  # no longer to send


@dataclass(frozen=True)
class Backoff:
    """The wait before the next attempt after ``attempts`` failures: the ONE rule of every outbox.

    ``steps`` given: the ``attempts``-th step (the last one once they run out), each as a timedelta;
    otherwise exponential: ``first``, twice that, four times ... at most ``maximum``."""

    first: timedelta = timedelta(minutes=1)
    maximum: timedelta = timedelta(days=1)
    steps: tuple[timedelta, ...] = ()

    @classmethod
    def of_days(cls, days: Sequence[int]) -> Backoff:
        """A schedule in whole days (the reminders' ``retry_after_days``; one day when empty)."""
        return cls(steps=tuple(timedelta(days=d) for d in (days or (1,))))

    def delay(self, attempts: int) -> timedelta:
        if self.steps:
            return self.steps[min(attempts, len(self.steps)) - 1]
        return min(self.first * (2 ** max(attempts - 1, 0)), self.maximum)


@dataclass(frozen=True)
class OutboxSpec:
    """What makes a table an outbox: its columns and its own status strings.

    ``states``: the table's string for each DeliveryState it has (FAILED may share PENDING's string when a
    failed row simply waits again; CLAIMED may share PENDING's when the outbox leases rows through
    ``due_column`` rather than marking them). ``claimable``: the states a sender may claim a row from.
    ``claimed_at_column``: stamped with the claim's moment (what :func:`stuck` reads). ``due_column``: the next
    attempt (a datetime, or a date for an outbox planned by days); empty means due. ``count_on_claim``: the
    attempt is counted when the row is claimed (else by the caller when it records the outcome).
    ``claim_when_due``: the claim also requires the row to be due. ``scope``: equalities every query adds
    (e.g. only the ``sent`` direction). ``backoff`` and ``max_attempts``: the retry rule (the caller may give
    another backoff, e.g. the company's policy)."""

    table: type[SQLModel]
    states: Mapping[DeliveryState, str]
    claimable: tuple[DeliveryState, ...] = (DeliveryState.PENDING, DeliveryState.FAILED)
    status_column: str = "status"
    attempts_column: str = "attempts"
    claimed_at_column: str | None = "claimed_at"
    done_at_column: str | None = None
    due_column: str | None = None
    company_column: str = "company_id"
    count_on_claim: bool = True
    claim_when_due: bool = False
    scope: Mapping[str, object] = field(default_factory=dict)
    backoff: Backoff = field(default_factory=Backoff)
    max_attempts: int | None = None

    def status(self, state: DeliveryState) -> str:
        """The table's string for ``state``; KeyError when the table has no such state."""
        return self.states[state]

    def column(self, name: str) -> Any:
        return getattr(self.table, name)

    def statuses(self, states: Iterable[DeliveryState]) -> list[str]:
        return list(dict.fromkeys(self.status(s) for s in states))


def _status_in(spec: OutboxSpec, statuses: Sequence[str]) -> ColumnElement[bool]:
    column = spec.column(spec.status_column)
    return column == statuses[0] if len(statuses) == 1 else column.in_(list(statuses))


def _nullable(spec: OutboxSpec, name: str) -> bool:
    return bool(spec.table.__table__.c[name].nullable)  # type: ignore[attr-defined]  # not in SQLModel stubs


def _scoped(spec: OutboxSpec, company_id: int | None) -> list[ColumnElement[bool]]:
    conditions = [spec.column(name) == value for name, value in spec.scope.items()]
    if company_id is not None:
        conditions.append(spec.column(spec.company_column) == company_id)
    return conditions


def due_condition(spec: OutboxSpec, now: datetime | date) -> ColumnElement[bool]:
    """Rows waiting for an attempt whose next attempt has come (or that have none set)."""
    return and_(_status_in(spec, spec.statuses((DeliveryState.PENDING, DeliveryState.FAILED))), _has_come(spec, now))


def _has_come(spec: OutboxSpec, now: datetime | date) -> ColumnElement[bool]:
    """The row's next attempt is ``now`` or earlier (or it has none)."""
    if spec.due_column is None:
        return true()
    due = spec.column(spec.due_column)
    return or_(due.is_(None), due <= now) if _nullable(spec, spec.due_column) else due <= now


def stuck_condition(spec: OutboxSpec, before: datetime) -> ColumnElement[bool]:
    """Rows claimed before ``before`` and still claimed: their sender died before recording the outcome."""
    assert spec.claimed_at_column is not None, "an outbox without a claim stamp cannot tell a stuck row"
    return and_(spec.column(spec.status_column) == spec.status(DeliveryState.CLAIMED),
                spec.column(spec.claimed_at_column) < before)


def claim(session: Session, spec: OutboxSpec, row_ids: Iterable[int], now: datetime,
          lease: timedelta | None = None, *, company_id: int | None = None,
          from_states: Iterable[DeliveryState] | None = None, from_statuses: Iterable[str] | None = None,
          where: Sequence[ColumnElement[bool]] = ()) -> list[int]:
    """Claims each of ``row_ids`` still in a claimable state (``from_states``, or the table's own
    ``from_statuses``; default ``spec.claimable``), with ``where`` and the spec's scope; returns the ids this
    caller won, in order. One conditional UPDATE per row: two callers never both win a row. The claim moves
    the row to CLAIMED, stamps ``claimed_at_column`` with ``now``, counts the attempt (``count_on_claim``) and,
    with ``lease``, moves ``due_column`` to ``now + lease`` (nobody else takes it meanwhile). The caller
    commits before the message leaves."""
    statuses = (list(from_statuses) if from_statuses is not None
                else spec.statuses(from_states if from_states is not None else spec.claimable))
    values: dict[str, Any] = {spec.status_column: spec.status(DeliveryState.CLAIMED)}
    if spec.claimed_at_column is not None:
        values[spec.claimed_at_column] = now
    if spec.count_on_claim:
        values[spec.attempts_column] = spec.column(spec.attempts_column) + 1
    if lease is not None:
        assert spec.due_column is not None, "a lease needs the row's next-attempt column"
        values[spec.due_column] = now + lease
    conditions = [_status_in(spec, statuses), *_scoped(spec, company_id), *where]
    if spec.claim_when_due and spec.due_column is not None:
        conditions.append(_has_come(spec, now))
    won: list[int] = []
    for row_id in dict.fromkeys(row_ids):
        result = session.execute(
            update(spec.table).where(spec.column("id") == row_id, *conditions)
            .values(values).execution_options(synchronize_session=False))
        if getattr(result, "rowcount", 0) == 1:
            won.append(row_id)
    return won


def succeeded(session: Session, spec: OutboxSpec, row_id: int, now: datetime, *, company_id: int | None = None,
              **values: Any) -> None:
    """Records a claimed row as delivered at ``now`` (``done_at_column``), with ``values`` besides."""
    changes: dict[str, Any] = {spec.status_column: spec.status(DeliveryState.DONE)}
    if spec.done_at_column is not None:
        changes[spec.done_at_column] = now
    changes.update(values)
    session.execute(update(spec.table).where(spec.column("id") == row_id, *_scoped(spec, company_id))
                    .values(changes).execution_options(synchronize_session=False))


def gave_up(spec: OutboxSpec, attempts: int, *, for_good: bool = False, max_attempts: int | None = None) -> bool:
    """Whether a row that failed after ``attempts`` attempts is given up: a failure for good, or the limit
    (``max_attempts``, default the spec's; no limit: never) reached."""
    limit = max_attempts if max_attempts is not None else spec.max_attempts
    return for_good or (limit is not None and attempts >= limit)


@dataclass(frozen=True)
class Failure:
    """What a failed attempt leads to: ``state`` (FAILED: tried again at ``retry_at``; GAVE_UP), the table's
    ``status`` for it, and ``retry_at`` (computed by the backoff even when given up, for the record)."""

    state: DeliveryState
    status: str
    retry_at: Any  # a datetime, or a date when ``now`` is one (an outbox planned by days)

    @property
    def given_up(self) -> bool:
        return self.state is DeliveryState.GAVE_UP


def failed(spec: OutboxSpec, attempts: int, now: datetime | date, *, backoff: Backoff | None = None,
           for_good: bool = False, max_attempts: int | None = None) -> Failure:
    """The outcome of an attempt that failed after ``attempts`` attempts at ``now``: tried again after the
    backoff (the spec's unless given), or given up (:func:`gave_up`)."""
    retry_at = now + (backoff or spec.backoff).delay(attempts)
    if gave_up(spec, attempts, for_good=for_good, max_attempts=max_attempts):
        return Failure(DeliveryState.GAVE_UP, spec.status(DeliveryState.GAVE_UP), retry_at)
    return Failure(DeliveryState.FAILED, spec.status(DeliveryState.FAILED), retry_at)


def stuck(session: Session, spec: OutboxSpec, now: datetime, older_than: timedelta, *,
          company_id: int | None = None) -> list[Any]:
    """Rows claimed more than ``older_than`` before ``now`` and never recorded (their sender died), oldest
    first."""
    query = select(spec.table).where(stuck_condition(spec, now - older_than), *_scoped(spec, company_id))
    return list(session.execute(query.order_by(spec.column("id"))).scalars())


def due(session: Session, spec: OutboxSpec, now: datetime | date, *, company_id: int | None = None,
        limit: int | None = None) -> list[Any]:
    """Rows waiting for an attempt that is due at ``now``, oldest first."""
    query = select(spec.table).where(due_condition(spec, now), *_scoped(spec, company_id)).order_by(spec.column("id"))
    if limit is not None:
        query = query.limit(limit)
    return list(session.execute(query).scalars())

"""Prometheus metrics (``GET /metrics``), read from the database at each scrape.

The database is what every worker, the scheduler and the API share, so the figures
are the deployment's, whichever API replica is scraped and however many workers
run: statement lines imported, the auto-match rate, the review queue, reminders
sent and failed (per company), and, from the task ledger, tasks per state, their
failures and errors, and how long they took (per actor).

Counters are counts of stored rows: deleting rows (a company removed, the ledger
pruned) shows as a counter reset, which Prometheus handles.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector
from sqlalchemy import Engine, distinct, func, select
from sqlmodel import Session

from worker.db.tables import Allocation, Company, Reminder, ReviewItem, StatementLine
from worker.db.task_store import task_counts, task_durations
from worker.settings import Settings

#: Upper bounds (seconds) of the task duration histogram: a match takes well under a second, a
#: 100,000-line import tens of seconds, a whole sync of a large company minutes.
DURATION_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)


class DatabaseCollector(Collector):
    """Collects every lettrage metric from one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily]:
        with Session(self.engine) as session:
            refs = dict(session.execute(select(Company.id, Company.ref)).all())
            yield from self._statements(session, refs)
            yield from self._reminders(session, refs)
            yield from self._tasks(session)

    @staticmethod
    def _statements(session: Session, refs: dict[int, str]) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        lines = StatementLine.__table__.c
        imported = CounterMetricFamily("lettrage_statement_lines_imported", "Statement lines imported.",
                                       labels=["company"])
        for company_id, count in session.execute(select(lines.company_id, func.count())
                                                 .group_by(lines.company_id)):
            imported.add_metric([refs.get(company_id, str(company_id))], count)
        yield imported
        # Auto-match rate: incoming lines matched automatically, out of the incoming lines the matcher
        # has decided on (matched, sent to review or left unmatched; not the ones still new).
        decided = dict(session.execute(select(lines.company_id, func.count()).where(
            lines.amount > 0, lines.state.in_(("matched", "review", "unmatched"))).group_by(lines.company_id)).all())
        alloc = Allocation.__table__.c
        auto = dict(session.execute(select(alloc.company_id, func.count(distinct(alloc.line_id))).where(
            alloc.status == "auto", alloc.undone_at.is_(None)).group_by(alloc.company_id)).all())
        rate = GaugeMetricFamily("lettrage_auto_match_rate",
                                 "Share of the incoming lines decided by the matcher that it matched by itself (0-1).",
                                 labels=["company"])
        for company_id, total in sorted(decided.items()):
            rate.add_metric([refs.get(company_id, str(company_id))], auto.get(company_id, 0) / total if total else 0.0)
        yield rate
        queue = GaugeMetricFamily("lettrage_review_queue_size", "Payments awaiting an accountant's review.",
                                  labels=["company"])
        pending = dict(session.execute(select(ReviewItem.company_id, func.count()).where(
            ReviewItem.state == "pending").group_by(ReviewItem.company_id)).all())
        for company_id, ref in sorted(refs.items()):
            queue.add_metric([ref], pending.get(company_id, 0))
        yield queue

    @staticmethod
    def _reminders(session: Session, refs: dict[int, str]) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily("lettrage_reminders", "Reminders by outcome (sent, failed, sending).",
                                     labels=["company", "channel", "status"])
        rows = session.execute(select(Reminder.company_id, Reminder.channel, Reminder.status, func.count())
                               .group_by(Reminder.company_id, Reminder.channel, Reminder.status))
        for company_id, channel, status, count in rows:
            family.add_metric([refs.get(company_id, str(company_id)), channel, status], count)
        yield family

    @staticmethod
    def _tasks(session: Session) -> Iterator[CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily]:
        counts = task_counts(session)
        states = GaugeMetricFamily("lettrage_tasks", "Tasks in the ledger by actor and state.",
                                   labels=["actor", "state"])
        failures = CounterMetricFamily("lettrage_task_failures", "Tasks that failed for good (dead-lettered).",
                                       labels=["actor"])
        errors = CounterMetricFamily("lettrage_task_errors", "Task runs that raised (each retry counts).",
                                     labels=["actor"])
        failed: dict[str, int] = defaultdict(int)
        raised: dict[str, int] = defaultdict(int)
        for c in counts:
            states.add_metric([c.actor, c.state], c.count)
            if c.state in ("failed", "replayed"):
                failed[c.actor] += c.count
            raised[c.actor] += c.errors
        for actor in sorted(raised):
            failures.add_metric([actor], failed.get(actor, 0))
            errors.add_metric([actor], raised[actor])
        yield states
        yield failures
        yield errors
        latency = HistogramMetricFamily("lettrage_task_duration_seconds", "How long finished tasks took.",
                                        labels=["actor"])
        by_actor: dict[str, list[float]] = defaultdict(list)
        for actor, seconds in task_durations(session):
            by_actor[actor].append(seconds)
        for actor, values in sorted(by_actor.items()):
            buckets = [(str(bound), sum(1 for v in values if v <= bound)) for bound in DURATION_BUCKETS]
            buckets.append(("+Inf", len(values)))
            latency.add_metric([actor], buckets, sum(values))
        yield latency


def render_metrics(engine: Engine) -> bytes:
    """The Prometheus text exposition of every metric."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(engine))
    return generate_latest(registry)


def metrics_router(settings: Settings) -> APIRouter:
    """``GET /metrics``: no authentication (as ``/health``), Prometheus text format."""
    router = APIRouter()

    @router.get("/metrics", tags=["operations"], response_class=Response)
    def metrics() -> Response:
        """Prometheus metrics of the whole deployment, read from the database."""
        from worker.db.engine import engine_for

        return Response(render_metrics(engine_for(settings.database_url)), media_type=CONTENT_TYPE_LATEST)

    return router


__all__ = ["DURATION_BUCKETS", "DatabaseCollector", "metrics_router", "render_metrics"]

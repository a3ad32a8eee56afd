"""Prometheus metrics (``GET /metrics``), read from the database at each scrape.

The database is what every worker, the scheduler and the API share, so the figures
are the deployment's, whichever API replica is scraped and however many workers
run: statement lines imported, the auto-match rate, the review queue, reminders
sent and failed (added up, or per company when LETTRAGE_METRICS_COMPANY_LABELS asks), and, from the
task ledger, tasks per state, their failures and errors, and how long they took (per actor).
``GET /metrics`` wants LETTRAGE_METRICS_TOKEN as bearer token unless LETTRAGE_PUBLIC_ENDPOINTS opens it.

Counters are counts of stored rows: deleting rows (a company removed, the ledger
pruned) shows as a counter reset, which Prometheus handles.
"""
from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlmodel import Session

from worker.db import metrics_queries
from worker.db.task_store import task_counts, task_durations
from worker.settings import Settings

#: Upper bounds (seconds) of the task duration histogram: a match takes well under a second, a
#: 100,000-line import tens of seconds, a whole sync of a large company minutes.
DURATION_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)


class DatabaseCollector(Collector):
    """Collects every lettrage metric from one database.

    ``company_labels`` says how the per-company figures are shown: ``none`` (the default of ``GET /metrics``)
    adds them up over the deployment, with no ``company`` label, so a scrape names no client; ``hashed``
    labels each company with a short keyed hash of its ref (``secret`` is the key: stable, not reversible by
    guessing names); ``ref`` with the company's ref itself.
    """

    def __init__(self, engine: Engine, company_labels: str = "ref", secret: str = "") -> None:
        if company_labels not in ("none", "hashed", "ref"):
            raise ValueError(f"company_labels: none, hashed or ref, not {company_labels!r}")
        self.engine = engine
        self.company_labels = company_labels
        self.secret = secret

    def _label(self, refs: dict[int, str]) -> Callable[[int], tuple[str, ...]]:
        """The company's label values (none at all when figures are added up)."""
        if self.company_labels == "none":
            return lambda _company_id: ()
        if self.company_labels == "hashed":
            key = self.secret.encode()

            def hashed(company_id: int) -> tuple[str, ...]:
                ref = refs.get(company_id, str(company_id))
                return (hmac.new(key, ref.encode(), hashlib.sha256).hexdigest()[:12],)
            return hashed
        return lambda company_id: (refs.get(company_id, str(company_id)),)

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily]:
        with Session(self.engine) as session:
            refs = metrics_queries.company_refs(session)
            label = self._label(refs)
            company = [] if self.company_labels == "none" else ["company"]
            yield from self._statements(session, refs, label, company)
            yield from self._reminders(session, label, company)
            yield from self._tasks(session)

    @staticmethod
    def _statements(session: Session, refs: dict[int, str], label: Callable[[int], tuple[str, ...]],
                    company: list[str]) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        imported = CounterMetricFamily("lettrage_statement_lines_imported", "Statement lines imported.",
                                       labels=company)
        for key, count in sorted(_summed(label, metrics_queries.lines_per_company(session)).items()):
            imported.add_metric(list(key), count)
        yield imported
        # Auto-match rate: incoming lines matched automatically, out of the incoming lines the matcher
        # has decided on (matched, sent to review or left unmatched; not the ones still new).
        decided = _summed(label, metrics_queries.decided_credits_per_company(session))
        auto = _summed(label, metrics_queries.auto_matched_lines_per_company(session))
        rate = GaugeMetricFamily("lettrage_auto_match_rate",
                                 "Share of the incoming lines decided by the matcher that it matched by itself (0-1).",
                                 labels=company)
        for key, total in sorted(decided.items()):
            rate.add_metric(list(key), auto.get(key, 0) / total if total else 0.0)
        yield rate
        queue = GaugeMetricFamily("lettrage_review_queue_size", "Payments awaiting an accountant's review.",
                                  labels=company)
        pending = metrics_queries.pending_reviews_per_company(session)
        for key, count in sorted(_summed(label, ((c, pending.get(c, 0)) for c in refs)).items()):
            queue.add_metric(list(key), count)
        yield queue

    @staticmethod
    def _reminders(session: Session, label: Callable[[int], tuple[str, ...]],
                   company: list[str]) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily("lettrage_reminders", "Reminders by outcome (sent, failed, sending).",
                                     labels=[*company, "channel", "status"])
        totals: dict[tuple[str, ...], int] = defaultdict(int)
        for company_id, channel, status, count in metrics_queries.reminders_per_outcome(session):
            totals[(*label(company_id), channel, status)] += count
        for key, count in sorted(totals.items()):
            family.add_metric(list(key), count)
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


def _summed(label: Callable[[int], tuple[str, ...]], rows: Iterable[Any]) -> dict[tuple[str, ...], int]:
    """``(company_id, count)`` rows added up by the company's label values."""
    totals: dict[tuple[str, ...], int] = defaultdict(int)
    for company_id, count in rows:
        totals[label(company_id)] += count
    return totals


def render_metrics(engine: Engine, company_labels: str = "ref", secret: str = "") -> bytes:
    """The Prometheus text exposition of every metric (``company_labels``: see DatabaseCollector)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(engine, company_labels, secret))
    return generate_latest(registry)


def metrics_router(settings: Settings) -> APIRouter:
    """``GET /metrics``, Prometheus text format: for the bearer of LETTRAGE_METRICS_TOKEN, or anyone when
    LETTRAGE_PUBLIC_ENDPOINTS names ``metrics``; 401 otherwise. Companies are labelled as
    LETTRAGE_METRICS_COMPANY_LABELS says (default: not at all, figures added up)."""
    router = APIRouter()

    @router.get("/metrics", tags=["operations"], response_class=Response,
                responses={401: {"description": "Without LETTRAGE_METRICS_TOKEN as bearer token."}})
    def metrics(request: Request) -> Response:
        """Prometheus metrics of the whole deployment, read from the database."""
        from worker.db.engine import engine_for

        if "metrics" not in settings.public_endpoints and not _metrics_bearer(request, settings.metrics_token):
            raise HTTPException(status_code=401, detail="authentication required: Authorization: Bearer "
                                "LETTRAGE_METRICS_TOKEN", headers={"WWW-Authenticate": "Bearer"})
        secret = settings.secret_key if settings.metrics_company_labels == "hashed" else ""
        return Response(render_metrics(engine_for(settings.database_url), settings.metrics_company_labels, secret),
                        media_type=CONTENT_TYPE_LATEST)

    return router


def _metrics_bearer(request: Request, expected: str | None) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), (expected or "").encode())


__all__ = ["DURATION_BUCKETS", "DatabaseCollector", "metrics_router", "render_metrics"]

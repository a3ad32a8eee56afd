"""The dashboard's and the worklist's figures, kept once computed (issue 18 item 4: both pages of a 100,000-invoice
company under 300 ms).

Both pages are made from the company's whole state: the aged balance on the day, DSO month by month, the 13-week
cash-in forecast (a simulation over every open invoice) and the day's reminder plan (every open invoice's level);
at 100,000 invoices that is tens of seconds, whatever the page shows. So the figures are computed by the same
functions as before (:func:`worker.insight.dashboard.dashboard_data`, :func:`worker.dunning.worklist.build_worklist`,
unchanged: the API and the CLI still call them) and kept in ``insightsnapshot`` with the data fingerprint they come
from (:func:`worker.insight.dashboard.data_version`: the newest import, allocation, undo, review decision, invoice
update and audit event). A page then costs reading one row and the fingerprint's few MAX queries.

**How fresh.** While the fingerprint has not moved, the row is exactly what a computation would give. When it has
moved (a decision, an import, a sync):

- a company of at most ``LIVE_LIMIT`` invoices has its figures computed again in the request (well under a second);
- a larger one is shown the row it has, with the time it was computed ("Figures computed at …": ``fresh`` False),
  until :func:`refresh` computes it again: at the end of every sync (worker/workflows/sync.py: the scheduler's
  daily runs, ``lettrage sync``) and in the scheduler's pass (:func:`refresh_stale`, every 30 s by default) when
  today's figures changed and were computed REFRESH_EVERY ago or more. A large company's pages therefore lag a
  change by at most REFRESH_EVERY plus a computation (about a minute at 100,000 invoices), and say so meanwhile.
  Both run only for a company whose pages someone opened (a row exists).

The review queue's count and the fingerprint are always read live. A day with no row yet (another ``as_of``, or
the first visit before any sync) is computed in the request.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from reminders.behaviour import BehaviourRules
from worker.db.repository import Repository
from worker.db.tables import Company
from worker.insight.dashboard import dashboard_data, data_version
from worker.insight.snapshot_queries import (
    companies_with_rows,
    has_rows,
    invoice_count,
    kept_row,
    pending_reviews,
    write_row,
)
from worker.settings import Settings

LIVE_LIMIT = 2_000  # invoices (and credit notes): up to this many, stale figures are computed again in the request


@dataclass(frozen=True)
class Figures:
    """A page's figures as kept: ``data``, when they were computed and from which fingerprint."""

    data: Any
    computed_at: datetime
    version: str  # the fingerprint they were computed from
    current: str  # the fingerprint now

    @property
    def fresh(self) -> bool:
        """Nothing changed since they were computed: they are what a computation now would give."""
        return self.version == self.current


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite gives stored times back without zone


KEEP_OTHER_DAYS = timedelta(days=1)  # rows of other days computed longer ago are deleted when a row is stored


def _store(repo: Repository, kind: str, key: str, as_of: date, version: str, data: Any, now: datetime) -> None:
    """Keeps ``data`` as the row of (kind, key), in a savepoint: a concurrent writer that stored it first, or a
    database busy with a long run, leaves the row as it is (the figures are shown all the same). The rows of the
    other days of ``kind`` not computed within KEEP_OTHER_DAYS go (a worklist row of a large company weighs
    megabytes: one a day would pile up)."""
    try:
        with repo.session.begin_nested():
            write_row(repo, kind, key, as_of, version, data, now, now - KEEP_OTHER_DAYS)
    except (IntegrityError, OperationalError):
        pass


def kept(repo: Repository, kind: str, key: str, as_of: date, compute: Callable[[], Any], now: datetime,
         live_limit: int | None = None, current: str | None = None) -> Figures:
    """The figures of (kind, key): the row kept when it is current, or when the company is too large to compute them
    in a request (``live_limit`` invoices, LIVE_LIMIT by default) and a row exists; else computed now and kept.
    ``current``: the fingerprint now, when the caller read it already."""
    current = current if current is not None else data_version(repo)["version"]
    row = kept_row(repo, kind, key)
    limit = LIVE_LIMIT if live_limit is None else live_limit
    if row is not None and (row.version == current or invoice_count(repo) > limit):
        return Figures(row.data, _aware(row.computed_at), row.version, current)
    data = compute()
    _store(repo, kind, key, as_of, current, data, now)
    return Figures(data, now, current, current)


def _dashboard_key(as_of: date, currency: str) -> str:
    return f"{as_of.isoformat()}|{currency}"


def dashboard_figures(repo: Repository, as_of: date, now: datetime, currency: str = "EUR",
                      live_limit: int | None = None) -> Figures:
    """The dashboard's figures (:func:`worker.insight.dashboard.dashboard_data`), kept; the review queue's count
    and the time of the last change are always today's. ``version`` is the fingerprint when they are fresh, else
    the fingerprint and the one they were computed from: the page, which polls for a new ``version``, redraws
    them when a sync has computed them again, even though nothing else changed."""
    stamp = data_version(repo)
    figures = kept(repo, "dashboard", _dashboard_key(as_of, currency), as_of,
                   lambda: dashboard_data(repo, as_of, currency), now, live_limit, stamp["version"])
    data = dict(figures.data)
    data.update(stamp)
    if not figures.fresh:
        data["version"] = f"{figures.current}.{figures.version}"
    data["review_queue"] = pending_reviews(repo)
    return Figures(data, figures.computed_at, figures.version, figures.current)


def worklist_rows(repo: Repository, as_of: date, rules: BehaviourRules, mail_from: str | None,
                  template_dir: Path | None) -> list[dict[str, Any]]:
    """The worklist of ``as_of`` (worker.dunning.worklist) as the page shows it: each row's JSON (that of
    ``GET /api/worklist``) with what its links need (the customer's id, the payment's line, its review item)."""
    from worker.dunning.worklist import build_worklist

    items = build_worklist(repo, as_of, rules, mail_from, template_dir)
    reviews = {r.line_id: r.id for r in repo.review_items("pending")} if any(
        i.line_id is not None for i in items) else {}
    return [{**i.as_json(), "customer_id": i.customer_id, "line_id": i.line_id,
             "review_id": reviews.get(i.line_id) if i.line_id is not None else None} for i in items]


def worklist_figures(repo: Repository, as_of: date, rules: BehaviourRules, mail_from: str | None,
                     template_dir: Path | None, now: datetime, live_limit: int | None = None) -> Figures:
    """The worklist's rows of ``as_of`` (:func:`worklist_rows`), kept."""
    return kept(repo, "worklist", as_of.isoformat(), as_of,
                lambda: worklist_rows(repo, as_of, rules, mail_from, template_dir), now, live_limit)


def has_pages(repo: Repository) -> bool:
    """Whether someone opened the company's dashboard or worklist (figures are kept): a sync then computes them."""
    return has_rows(repo)


def refresh(repo: Repository, as_of: date, rules: BehaviourRules, mail_from: str | None, template_dir: Path | None,
            now: datetime, currency: str = "EUR") -> None:
    """Computes both pages' figures of ``as_of`` again and keeps them (the end of a sync)."""
    version = data_version(repo)["version"]
    _store(repo, "dashboard", _dashboard_key(as_of, currency), as_of, version, dashboard_data(repo, as_of, currency),
           now)
    _store(repo, "worklist", as_of.isoformat(), as_of, version,
           worklist_rows(repo, as_of, rules, mail_from, template_dir), now)


REFRESH_EVERY = timedelta(minutes=10)  # a large company's changed figures of today are computed again this often


def refresh_stale(engine: Engine, settings: Settings, now: datetime) -> list[str]:
    """The scheduler's pass: for each company above LIVE_LIMIT invoices whose pages of today were opened and
    whose data changed since they were computed (REFRESH_EVERY ago or more), both pages computed again. The refs
    of the companies refreshed."""
    from worker.access.companies import resolve_company
    from worker.db.uow import unit_of_work
    from worker.dunning.behaviour import company_rules
    from worker.statements.statement_checks import local_today

    with unit_of_work(engine) as session:
        ids = companies_with_rows(session)
    refreshed = []
    for company_id in ids:
        with unit_of_work(engine) as session:
            company = session.get(Company, company_id)
            if company is None:
                continue
            repo = Repository(session, resolve_company(session, company.ref))
            day = local_today(repo.company.timezone, settings.clock)
            rows = [r for r in (kept_row(repo, "dashboard", _dashboard_key(day, "EUR")),
                                kept_row(repo, "worklist", day.isoformat())) if r is not None]
            current = data_version(repo)["version"]
            if (not rows or all(r.version == current for r in rows)
                    or any(now - _aware(r.computed_at) < REFRESH_EVERY for r in rows)
                    or invoice_count(repo) <= LIVE_LIMIT):
                continue
            refresh(repo, day, company_rules(repo.company, settings.companies_dir), settings.mail_from,
                    settings.templates_dir, now)
            refreshed.append(repo.company.ref)
    return refreshed

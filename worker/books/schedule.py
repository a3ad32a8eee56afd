"""The scheduled books export (issue 20): the daily sync writes the company's new entries into its folder.

``[books] export_folder`` (the operator's setting, in the company's TOML or its stored settings: never a
caller's path; relative to the companies' folder), ``export_format`` (fec | sage | ebp), ``export_every``:

- ``daily``: each sync exports the days since the last scheduled export up to the day before the sync's (a
  day's statements are complete the morning after); the first one starts on that month's first day;
- ``monthly``: the first sync of a month exports the month before (and any month missed since the last one);
- ``off``: nothing.

The file is ``<company>_<format>_<YYYYMMDD>-<YYYYMMDD>.<ext>`` (company, period, format), written to a temporary
name then renamed (a reader never sees half a file). An export is incremental (the entries new since the last
one in that format, and reversals of what was undone since) and the same period is never scheduled twice (a
second sync on the same day finds it done); exporting the same period again gives the same bytes.
"""
from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from reminders.channels.base import write_atomically
from worker.access.companies import resolve_company
from worker.books.books_export import export_books
from worker.books.books_queries import last_scheduled
from worker.books.formats import EXTENSIONS
from worker.books_chart import BooksChart
from worker.company_setup import resolve_company as resolved_configuration
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.errors import ConfigurationError

log = logging.getLogger("lettrage.books")

SCHEDULER = "scheduler"  # the actor of the scheduled exports (``BooksExport.created_by``, the audit log)


@dataclass(frozen=True)
class ScheduledExport:
    """One scheduled export written: where, which period, how many entries."""

    path: Path
    start: date
    end: date
    format: str
    entries: int
    new_entries: int
    sha256: str

    def as_json(self) -> dict[str, object]:
        return {"path": str(self.path), "from": self.start.isoformat(), "to": self.end.isoformat(),
                "format": self.format, "entries": self.entries, "new_entries": self.new_entries,
                "sha256": self.sha256}


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def scheduled_period(every: str, last_end: date | None, as_of: date) -> tuple[date, date] | None:
    """The period the sync of ``as_of`` exports, after a last scheduled export ending on ``last_end`` (None: the
    first one); None when there is nothing due."""
    if every == "daily":
        end = as_of - timedelta(days=1)
        start = last_end + timedelta(days=1) if last_end is not None else _month_start(end)
    elif every == "monthly":
        end = _month_start(as_of) - timedelta(days=1)
        start = last_end + timedelta(days=1) if last_end is not None else _month_start(end)
    else:
        return None
    return (start, end) if start <= end else None


def file_name(company_ref: str, fmt: str, start: date, end: date) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in company_ref)
    return f"{safe}_{fmt}_{start:%Y%m%d}-{end:%Y%m%d}.{EXTENSIONS[fmt]}"


def export_folder(chart: BooksChart, companies_dir: Path | None) -> Path:
    """The company's export folder: ``export_folder`` as set, a relative one under the companies' folder."""
    folder = Path(chart.export_folder).expanduser()
    if not folder.is_absolute():
        if companies_dir is None:
            raise ConfigurationError(f"books.export_folder={chart.export_folder!r}: a relative folder needs the "
                                     "companies' folder (LETTRAGE_COMPANIES_DIR)")
        folder = companies_dir / folder
    return folder


def run_scheduled_export(repo: Repository, chart: BooksChart, companies_dir: Path | None, as_of: date,
                         now: datetime) -> ScheduledExport | None:
    """The export due at the sync of ``as_of``, written into the company's folder; None when none is set or
    due. Raises BooksExportError or ConfigurationError (one line); the file is written before the export's
    record is committed, so a failed commit leaves the period to do again, with the same bytes."""
    if not chart.export_folder or chart.export_every == "off":
        return None
    fmt = chart.export_format
    last = last_scheduled(repo, fmt, SCHEDULER)
    period = scheduled_period(chart.export_every, last, as_of)
    if period is None:
        return None
    start, end = period
    folder = export_folder(chart, companies_dir)
    if folder.exists() and not folder.is_dir():
        raise ConfigurationError(f"books.export_folder {folder}: not a folder")
    path = folder / file_name(repo.company.ref, fmt, start, end)
    result = export_books(repo, chart, start, end, fmt=fmt, separator=chart.export_separator, actor=SCHEDULER,
                          now=now, destination=str(path))
    write_atomically(path, result.data)
    return ScheduledExport(path, start, end, fmt, result.entries, result.new_entries, result.content_hash)


def export_for_sync(engine: Engine, companies_dir: Path | None, company_ref: str, as_of: date,
                    now: datetime) -> ScheduledExport | None:
    """The sync's step: the company's scheduled export in its own transaction (``run_scheduled_export``)."""
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, company_ref))
        chart = resolved_configuration(repo.company.settings, companies_dir, repo.company.ref).books
        done = run_scheduled_export(repo, chart, companies_dir, as_of, now)
    if done is not None:
        log.info("books exported", extra={"event": "books.exported", "company": company_ref,
                                          "path": str(done.path), "entries": done.entries})
    return done

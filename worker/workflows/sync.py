"""The whole pipeline once for a company: pull, import, match, plan and send.

Each statement file is imported in its own transaction and acknowledged to its
source (archived, or quarantined with the reason), so one bad file never stops
the others: any failure of one file, expected (a refused file) or not (a bug, a value the
database refuses), rolls that file back and quarantines it with a one-line reason (an
unexpected one is logged with its traceback); a source that cannot be read (an SFTP server down, a missing folder)
is reported in the summary's ``source_errors`` and the other sources, the matching
and the reminders still run.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError, StatementError

from connectors._common import one_line
from connectors.errors import ConnectorError, SourceError
from connectors.protocol import StatementSource
from reminders.calendar import is_business_day, next_business_day
from reminders.channels.base import Channel
from reminders.model import DunningPolicy
from worker.access.companies import resolve_company
from worker.bootstrap import company_channels
from worker.clock import Clock
from worker.clock import today as clock_today
from worker.company_config import load_company_config
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.dunning.payment_facts import PaymentFacts
from worker.dunning.reminders import SendResult, company_policy, plan_reminders, send_reminders
from worker.errors import LettrageError
from worker.reconciliation.matching import MatchCounts, run_matching
from worker.settings import Settings
from worker.statements.sources import build_sources
from worker.statements.statements import ImportOutcome, import_statement, import_statement_file

log = logging.getLogger("lettrage.import")


@dataclass(frozen=True)
class SourceFailure:
    """A source that could not be read (or acknowledged to) during a sync, with the one-line reason."""

    source: str
    error: str

    def as_json(self) -> dict[str, str]:
        return {"source": self.source, "error": self.error}


@dataclass(frozen=True)
class QuarantinedFile:
    """A statement file a sync could not import, set aside by its source (e.g. the inbox's ``quarantine/``
    with ``<name>.error.txt``) with the one-line reason."""

    file: str
    source: str
    error: str

    def as_json(self) -> dict[str, str]:
        return {"file": self.file, "source": self.source, "error": self.error}


@dataclass
class SyncSummary:
    company: str
    as_of: date
    files: list[ImportOutcome] = field(default_factory=list)
    matching: MatchCounts = field(default_factory=MatchCounts)
    planned: int = 0
    planned_by_level: dict[str, int] = field(default_factory=dict)
    held: int = 0
    # the business day the plan is for: as_of, or the next business day when as_of is a weekend or holiday
    # (nothing is sent then; the plan shows what goes out on that day)
    planned_for: date | None = None
    reminders: list[SendResult] = field(default_factory=list)
    source_errors: list[SourceFailure] = field(default_factory=list)
    quarantined: list[QuarantinedFile] = field(default_factory=list)  # the failed files, set aside by their source
    einvoice_statuses: dict[str, object] = field(default_factory=dict)  # pulled from the platform
    # why nothing is sent automatically (the bank data is stale or missing: reminders.freshness), else None
    bank_data_hold: str | None = None

    def as_json(self) -> dict[str, object]:
        statuses = [r.status for r in self.reminders]
        return {
            "company": self.company, "as_of": self.as_of.isoformat(),
            "files": [f.as_json() for f in self.files],
            "lines_added": sum(f.lines_added for f in self.files),
            "matching": self.matching.as_json(),
            "reminders": {"planned": self.planned, "planned_by_level": self.planned_by_level, "held": self.held,
                          "planned_for": (self.planned_for or self.as_of).isoformat(),
                          "sent": statuses.count("sent"), "failed": statuses.count("failed"),
                          "skipped": statuses.count("skipped"), "bank_data_hold": self.bank_data_hold},
            "source_errors": [e.as_json() for e in self.source_errors],
            "quarantined": [q.as_json() for q in self.quarantined],
            "einvoice_statuses": self.einvoice_statuses,
        }


def company_today(timezone: str, clock: Clock) -> date:
    """Today in the company's time zone by ``clock``."""
    return clock_today(clock, timezone)


def planning_day(policy: DunningPolicy, as_of: date) -> date:
    """The day a run on ``as_of`` plans for: ``as_of``, or the next business day when the policy sends on
    business days only and ``as_of`` is a weekend or a public holiday (nothing goes out on ``as_of`` then)."""
    if policy.business_days_only and not is_business_day(as_of, policy.country):
        return next_business_day(as_of, policy.country)
    return as_of


def import_files(engine: Engine, company_ref: str | None, files: Iterable[tuple[str, bytes]],
                 account: str | None = None, source: str = "cli",
                 on_done: Callable[[ImportOutcome], None] | None = None,
                 clock: Clock | None = None) -> list[ImportOutcome]:
    """Imports each file in its own transaction; a failure is reported and rolled back, the rest go on.

    ``clock`` says what "today" is for the rule refusing lines booked after it (default: the settings')."""
    outcomes = []
    for name, data in files:
        outcome = _import_one(engine, company_ref, name, data, account, source, clock=clock)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes


def import_paths(engine: Engine, company_ref: str | None, paths: Iterable[str], account: str | None = None,
                 source: str = "cli", on_done: Callable[[ImportOutcome], None] | None = None,
                 clock: Clock | None = None) -> list[ImportOutcome]:
    """``import_files`` for files on disk, named as given: each file is read inside its own import
    (``import_statement_file``: a CAMT file is streamed, never held whole in memory). Same outcomes;
    a file that cannot be read raises LettrageError when its turn comes, as reading it first did."""
    outcomes = []
    for name in paths:
        try:
            outcome = _import_one(engine, company_ref, name, None, account, source, clock=clock)
        except OSError as exc:
            raise LettrageError(f"{name}: {exc.strerror or exc}") from None
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes


def import_spooled(engine: Engine, company_ref: str | None, name: str, path: Path, account: str | None = None,
                   source: str = "api", clock: Clock | None = None) -> ImportOutcome:
    """One file received under ``name`` and spooled to ``path`` (an upload): streamed by the import, like
    the files of the inbox; same outcome, same errors as ``import_files``."""
    return _import_one(engine, company_ref, name, None, account, source, path, clock=clock)


def _import_one(engine: Engine, company_ref: str | None, name: str, data: bytes | None, account: str | None,
                source: str, path: Path | None = None, *, clock: Clock | None = None) -> ImportOutcome:
    """One file in one transaction. A concurrent import of the same lines (unique bank ids) makes the
    transaction fail; it is tried again, and then skips what the other import stored. Without ``data``,
    the file on disk (``path``, default ``name``) is read, or streamed, by the import itself."""
    for attempt in (1, 2, 3):
        try:
            with unit_of_work(engine) as session:
                repo = Repository(session, resolve_company(session, company_ref))
                today = company_today(repo.company.timezone, clock) if clock is not None else None
                if data is None:  # a file on disk, read (or streamed) by the import itself
                    return import_statement_file(repo, path or Path(name), account=account, source=source,
                                                 filename=name, today=today)
                return import_statement(repo, data, name, account=account, source=source, today=today)
        except (LettrageError, ConnectorError) as exc:
            return ImportOutcome(file=name, status="failed", error=str(exc))
        except IntegrityError as exc:
            if attempt == 3:
                return ImportOutcome(file=name, status="failed",
                                     error=f"{name}: conflicts with a concurrent import ({exc.orig})")
        except (OSError, OperationalError, InterfaceError):
            raise  # the file cannot be read, or the database is unreachable: not the file's fault
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise
            return _unexpected(name, source, exc)
        except Exception as exc:  # noqa: BLE001 - any failure of one file: rolled back, reported, the rest go on
            return _unexpected(name, source, exc)
    raise AssertionError("unreachable")


def _unexpected(name: str, source: str, exc: Exception) -> ImportOutcome:
    """The outcome of a file whose import failed unexpectedly (the transaction is rolled back): one line for
    the person, the traceback in the server's log (when logging is configured: a CLI prints none)."""
    reason = one_line(exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc)
    log.log(logging.ERROR if log.hasHandlers() else logging.DEBUG, "statement file not imported: %s", reason,
            exc_info=exc, extra={"event": "statement.import_failed", "file": name, "source": source})
    return ImportOutcome(file=name, status="failed", error=f"{name}: not imported: {reason}")


def pull_source(engine: Engine, company_ref: str, source: StatementSource,
                outcomes: list[ImportOutcome] | None = None, clock: Clock | None = None,
                quarantined: list[QuarantinedFile] | None = None) -> list[ImportOutcome]:
    """Imports every pending file of ``source`` and acknowledges it (quarantine on failure).

    Outcomes are appended to ``outcomes`` as they come, so that what was imported before a
    SourceError (raised by the source) is still known to the caller; each file set aside is appended
    to ``quarantined`` once its source has taken it.
    """
    outcomes = [] if outcomes is None else outcomes
    for item in source.pending():
        if item.data is not None:
            outcome = import_files(engine, company_ref, [(item.name, item.data)], source=source.name, clock=clock)[0]
        else:  # on disk (inbox, SFTP spool): streamed by the import, never read whole into memory
            try:
                outcome = _import_one(engine, company_ref, item.name, None, None, source.name, item.path, clock=clock)
            except FileNotFoundError:
                continue  # taken by another worker meanwhile
            except OSError as exc:
                raise SourceError(f"cannot read {item.path}: {exc.strerror or exc}") from exc
        source.acknowledge(item, ok=outcome.status != "failed", reason=outcome.error)
        outcomes.append(outcome)
        if outcome.status == "failed" and quarantined is not None:
            quarantined.append(QuarantinedFile(file=item.name, source=source.name,
                                               error=outcome.error or "not imported"))
    return outcomes


def company_sources(settings: Settings, company_ref: str) -> list[StatementSource]:
    """The sources configured in the company's TOML, or its default inbox."""
    return build_sources(settings, company_ref, load_company_config(settings.companies_dir, company_ref))


def sync(engine: Engine, settings: Settings, company_ref: str | None, as_of: date | None = None,
         send: bool = True, sources: Iterable[StatementSource] | None = None,
         channels: Mapping[str, Channel] | None = None, window: bool | None = None) -> SyncSummary:
    """Pull the company's sources, import, match, plan and (unless ``send`` is False) send reminders.

    ``window``: whether emails and SMS keep to the company's sending window at the clock's time (they leave now,
    whatever day is planned). The scheduler and the workers always pass True; None (the CLI) applies it to a run
    for today only, not to a catch-up run for a given past day.

    One sync of a company at a time (PostgreSQL): a second one waits for the first, then finds its work done
    (worker/db/run_locks.py)."""
    from worker.db.run_locks import hold_sync

    with unit_of_work(engine) as session:
        company = resolve_company(session, company_ref)
        company_id, ref = company.id, company.ref
    assert company_id is not None
    from worker.progress import RunStateFile, reporting

    # a large import or matching writes how far it is: GET /api/runs/current and the dashboard read it
    with hold_sync(engine, company_id, ref), reporting(RunStateFile(settings.data_dir / "runs", ref, "sync",
                                                                    settings.clock)):
        return _sync(engine, settings, ref, as_of, send, sources, channels, window)


def _sync(engine: Engine, settings: Settings, company_ref: str | None, as_of: date | None = None,
          send: bool = True, sources: Iterable[StatementSource] | None = None,
          channels: Mapping[str, Channel] | None = None, window: bool | None = None) -> SyncSummary:
    """``sync``, under the company's sync lock."""
    with unit_of_work(engine) as session:
        company = resolve_company(session, company_ref)
        ref, tz = company.ref, company.timezone
    clock = settings.clock
    now = clock.now() if (window if window is not None else as_of is None) else None  # None: no sending window
    as_of = as_of or company_today(tz, clock)
    summary = SyncSummary(company=ref, as_of=as_of)
    for source in (sources if sources is not None else company_sources(settings, ref)):
        try:
            pull_source(engine, ref, source, summary.files, clock, summary.quarantined)
        except SourceError as exc:
            summary.source_errors.append(SourceFailure(source=source.name, error=" ".join(str(exc).split())))
    _pull_feeds(engine, settings, ref, summary)  # the bank feed's booked lines, before matching
    with unit_of_work(engine) as session:
        summary.matching = run_matching(Repository(session, resolve_company(session, ref)),
                                        default_tolerance=settings.amount_tolerance)
    # 212 « Encaissée » for the cash just matched
    from worker.einvoices.pa_delivery import produce_and_deliver

    produce_and_deliver(engine, settings.companies_dir, ref)
    from worker.dunning.behaviour import run_profile_moves  # payment behaviour moves dunning profiles

    run_profile_moves(engine, settings.companies_dir, ref, as_of)
    from worker.einvoices.einvoice_incoming import pull_for_sync  # buyers' statuses steer the plan below

    summary.einvoice_statuses = pull_for_sync(engine, settings, ref)
    _track_letters(engine, settings, ref)  # registered letters: dispatch numbers, proofs, dates of receipt
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, ref))
        summary.planned_for = plan_day = planning_day(company_policy(repo.company), as_of)
        facts = PaymentFacts.load(repo, plan_day)  # the plan's and the sending's (unless a payment changes)
        plan = plan_reminders(repo, plan_day, facts=facts)
    summary.planned, summary.held = len(plan.planned), len(plan.held)
    summary.bank_data_hold = plan.bank_data_hold  # sending below holds too, and says so per message
    for planned in plan.planned:
        summary.planned_by_level[planned.level] = summary.planned_by_level.get(planned.level, 0) + 1
    if send and plan_day == as_of:
        if channels is None:
            channels = company_channels(settings, ref)
        summary.reminders = send_reminders(engine, ref, as_of, channels, settings.mail_from, now=now,
                                           template_dir=settings.templates_dir, facts=facts,
                                           plan=plan).results
    _refresh_pages(engine, settings, ref, as_of)
    _export_books(engine, settings, ref, as_of)
    return summary


def _pull_feeds(engine: Engine, settings: Settings, company_ref: str, summary: SyncSummary) -> None:
    """The company's bank feed (``[feeds]``: worker/statements/feeds.py), pulled before matching: each account's
    import joins the summary's files (format ``feed:PROVIDER``), a failure or a consent to renew its source errors;
    the other steps of the sync go on."""
    from worker.statements.feeds import pull_feeds

    try:
        pull = pull_feeds(engine, settings, company_ref, actor="sync")
    except (LettrageError, ConnectorError) as exc:
        summary.source_errors.append(SourceFailure(source="feeds", error=one_line(exc)))
        return
    source = f"feed:{pull.provider}"
    for account in pull.accounts:
        if account.status == "pulled" and account.booked:
            summary.files.append(ImportOutcome(
                file=f"{source}:{account.account}", format=source, lines_added=account.lines_added,
                lines_skipped=account.lines_skipped, accounts=[account.account] if account.account else [],
                warnings=account.warnings))
        elif account.status == "failed":
            summary.source_errors.append(SourceFailure(source=f"{source}:{account.account or account.account_ref}",
                                                       error=account.error or "failed"))
    if pull.error:
        summary.source_errors.append(SourceFailure(source=source, error=pull.error))


def _track_letters(engine: Engine, settings: Settings, company_ref: str) -> None:
    """The registered letters' tracking (worker/dunning/registered_letters.py), for a company with a
    ``[registered_mail]`` section; a failure is logged (one line) and the letters are asked again next time."""
    from worker.dunning.registered_letters import mail_settings, tracking_run

    try:
        if mail_settings(settings, company_ref) is not None:
            tracking_run(engine, settings, company_ref)
    except (LettrageError, OSError) as exc:
        log.error("registered letters not tracked: %s", " ".join(str(exc).split()),
                  extra={"event": "registered_letters.track_failed", "company": company_ref})


def _export_books(engine: Engine, settings: Settings, company_ref: str, as_of: date) -> None:
    """The company's scheduled books export into its folder (``[books] export_folder``, worker/books/schedule.py),
    when one is set and due; a failure is logged (one line) and leaves the period to the next sync."""
    from worker.books.schedule import export_for_sync

    try:
        export_for_sync(engine, settings.companies_dir, company_ref, as_of, settings.clock.now())
    except (LettrageError, OSError) as exc:
        log.error("books export not written: %s", " ".join(str(exc).split()),
                  extra={"event": "books.export_failed", "company": company_ref})


def _refresh_pages(engine: Engine, settings: Settings, company_ref: str, as_of: date) -> None:
    """The dashboard's and the worklist's figures of ``as_of`` computed again, when someone opened them (kept
    figures exist): the pages of a large company show them until the next sync (worker/insight/snapshot.py)."""
    from worker.dunning.behaviour import company_rules
    from worker.insight.snapshot import has_pages, refresh

    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, company_ref))
        if has_pages(repo):
            refresh(repo, as_of, company_rules(repo.company, settings.companies_dir), settings.mail_from,
                    settings.templates_dir, settings.clock.now())

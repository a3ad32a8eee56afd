"""Statement import: one file, one transaction, each line stored once.

The same file imported twice is recognised by its content hash, before it is parsed
(``_already_imported``); an overlapping statement by the bank's id of each line (unique
per bank account). A file that cannot be read raises before anything is written.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from connectors import progress as parse_progress
from connectors._common import one_line
from connectors.csv_profiles import CsvProfile
from connectors.errors import ConnectorError, ParseError
from connectors.model import ParsedFile, ParsedStatement
from connectors.protocol import StatementParser
from connectors.registry import HEAD_SIZE, detect, parse_file  # noqa: F401 - parse_file: patched by the tests
from worker.company_config import ImportRules
from worker.company_setup import resolve_company
from worker.db.repository import Repository
from worker.db.tables import BankAccount, StatementImport
from worker.errors import StatementImportError, UnknownAccount
from worker.invoices.invoice_files import normalise_iban
from worker.progress import someone_listens, track
from worker.settings import get_settings
from worker.statements import bank_accounts, feeds_identity, statement_checks, statement_queries

_BATCH = 5_000  # lines handed to the database at a time: memory stays flat on a 100,000-line file


@dataclass
class ImportOutcome:
    """What importing one file did; ``status`` is imported, duplicate or failed."""

    file: str
    format: str | None = None
    status: str = "imported"
    lines_added: int = 0
    lines_skipped: int = 0
    error: str | None = None
    accounts: list[str] = field(default_factory=list)
    new_accounts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "format": self.format, "status": self.status,
                "lines_added": self.lines_added, "lines_skipped": self.lines_skipped, "error": self.error,
                "accounts": self.accounts, "new_accounts": self.new_accounts, "warnings": self.warnings}


def account_identifier(raw: str, where: str | None = None) -> str:
    """An IBAN in compact form when the text is one, else the bank's id with spaces removed; a text shaped like
    an IBAN that is not a valid one is refused (bank_accounts.account_identifier), naming ``where``."""
    return bank_accounts.account_identifier(raw, where)


def _resolve_account(repo: Repository, statement: ParsedStatement, fallback: str | None, filename: str,
                     accounts: dict[str, BankAccount], outcome: ImportOutcome, rules: ImportRules) -> BankAccount:
    raw = statement.account or fallback
    if raw is None:
        default = next((a for a in accounts.values() if a.is_default), None)
        if default is None:
            raise StatementImportError(f"{filename}: the file names no bank account; pass --account IBAN")
        return default
    try:
        identifier = account_identifier(raw, filename)
    except bank_accounts.BankAccountError as exc:
        if statement.account is None:  # a person typed --account: refused, they can type it again
            raise
        # the bank's own file names its account: its lines are imported under that id as the bank wrote it,
        # never printed as an IBAN to pay (invoice_files.printable_iban); a person is told
        identifier = "".join(raw.split())
        outcome.warnings.append(f"{exc}: kept as the bank's account id, never printed as an IBAN to pay; "
                                "check the account with the bank")
    account = accounts.get(identifier)
    if account is None:
        refused = statement_checks.unknown_account(identifier, repo.company.ref, filename, rules)
        if refused is not None:
            raise UnknownAccount(refused.message)
        account = BankAccount(identifier=identifier, currency=statement.currency,
                              is_default=not accounts)
        repo.add(account)
        repo.flush()
        accounts[identifier] = account
        outcome.new_accounts.append(identifier)
        repo.audit("bank_account.registered", subject=f"account:{identifier}", file=filename)
        if bank_accounts.accounts_elsewhere(repo.session, repo.company_id, [identifier]):
            outcome.warnings.append(bank_accounts.shared_account_warning(identifier))
    return account


def _valid_iban(raw: str) -> str | None:
    try:
        return normalise_iban(raw)
    except ValueError:
        return None


def import_statement(repo: Repository, data: bytes, filename: str, account: str | None = None,
                     source: str = "cli", *, rules: ImportRules | None = None,
                     today: date | None = None) -> ImportOutcome:
    """Parses and stores one statement file in the caller's transaction.

    ``rules`` default to the company's (its configuration file, else its settings) and ``today``
    to the company's local date; worker.statements.statement_checks applies them to every statement.
    Raises StatementImportError (or a ConnectorError) when the file cannot be imported or a rule
    refuses it; the caller rolls back, so nothing of the file is kept.
    """
    content_hash = hashlib.sha256(data).hexdigest()
    profiles = _profiles(repo)
    known = _already_imported(repo, content_hash, filename)
    if known is not None:
        return known
    try:
        parser = detect(data, filename, profiles)
        with _parse_told(filename, parser.format, lambda: (data,)):
            parsed = _parse(parser, data, filename)
    except ConnectorError as exc:
        raise StatementImportError(str(exc)) from exc
    return _store(repo, parsed, content_hash, filename, account, source, rules, today)


# What a parse tells while it reads (connectors/progress.py), and how it is counted in the file beforehand: a CSV's
# data rows (the file's lines), a CAMT's entries (its Ntry tags, each opened and closed). Other formats: nothing.
_TOLD = {"csv": (b"\n", 1, "lines"), "camt": (b"Ntry>", 2, "entries")}


def _count(chunks: Iterable[bytes], needle: bytes) -> int:
    """How many times ``needle`` is in the bytes of ``chunks`` (one found across two chunks counts once)."""
    found, tail = 0, b""
    for chunk in chunks:
        data = tail + chunk
        found += data.count(needle)
        tail = data[len(data) - len(needle) + 1:] if len(needle) > 1 else b""
    return found


@contextmanager
def _parse_told(filename: str, fmt: str, chunks: Callable[[], Iterable[bytes]]) -> Iterator[None]:
    """The parse inside the block told as a phase (worker.progress: the CLI's bar, the running state of ``GET
    /api/runs/current``): ``parsing FILE``, its rows read of those counted in the file (``chunks``: its bytes, read
    only when someone listens), their rate and the time left. Small files are not told (MIN_LINES)."""
    told = _TOLD.get(fmt.split(".")[0])
    if told is None or not someone_listens():
        yield
        return
    needle, per, unit = told
    with track(f"parsing {Path(filename).name}", _count(chunks(), needle) // per, unit) as step, \
            parse_progress.listening(step):
        yield


def _parse(parser: StatementParser, data: bytes, filename: str) -> ParsedFile:
    """``parser``'s reading of ``data``, as connectors.registry.parse_file: only ConnectorError escapes."""
    try:
        return parser.parse(data, filename)
    except ConnectorError:
        raise
    except Exception as exc:
        raise ParseError(filename, f"{parser.format} parser failed: {one_line(exc)}") from exc


def company_csv_profiles(repo: Repository) -> tuple[CsvProfile, ...]:
    """The CSV layouts the company declared in its configuration file, tried before the built-in ones."""
    return resolve_company(repo.company.settings, get_settings().companies_dir, repo.company.ref).csv_profiles


def _profiles(repo: Repository) -> tuple[CsvProfile, ...]:
    """``company_csv_profiles``, read before the duplicate check: a broken configuration is reported for a
    file already imported too, as when every file was parsed."""
    try:
        return company_csv_profiles(repo)
    except ConnectorError as exc:
        raise StatementImportError(str(exc)) from exc


def import_statement_file(repo: Repository, path: Path, account: str | None = None,
                          source: str = "cli", *, rules: ImportRules | None = None,
                          today: date | None = None, filename: str | None = None) -> ImportOutcome:
    """``import_statement`` for a file on disk, without holding its bytes in memory when the format can
    be streamed (CAMT: ``parse_stream``); other formats are read whole. Same outcome, same errors.
    ``filename`` is the name the import records and reports (default: the file's own name)."""
    filename = path.name if filename is None else filename
    with path.open("rb") as fileobj:
        content_hash = hashlib.file_digest(fileobj, "sha256").hexdigest()
        profiles = _profiles(repo)
        known = _already_imported(repo, content_hash, filename)
        if known is not None:
            return known
        fileobj.seek(0)
        head = fileobj.read(HEAD_SIZE)
        fileobj.seek(0)
        try:
            parser = detect(head, filename, profiles)
            stream = getattr(parser, "parse_stream", None)

            def chunks() -> Iterator[bytes]:  # the file read again to count what the parse will tell
                while chunk := fileobj.read(1 << 20):
                    yield chunk
                fileobj.seek(0)

            with _parse_told(filename, parser.format, chunks):
                if stream is None:
                    parsed = _parse(parser, fileobj.read(), filename)
                else:
                    try:
                        parsed = stream(fileobj, filename)
                    except ConnectorError:
                        raise
                    except Exception as exc:  # as registry.parse_file: one line, a ParseError
                        raise ParseError(filename, f"{parser.format} parser failed: {one_line(exc)}") from exc
        except ConnectorError as exc:
            raise StatementImportError(str(exc)) from exc
    return _store(repo, parsed, content_hash, filename, account, source, rules, today)


def _already_imported(repo: Repository, content_hash: str, filename: str) -> ImportOutcome | None:
    """The "duplicate" outcome of a file whose bytes the company already imported, without parsing it again
    (a re-delivered 100 MB CAMT costs a hash, not two parser processes); None when the file is new.

    The outcome is the one parsing gave (``_store``): the format, every line of the file skipped, and the
    parser's own warnings, which the first import's audit event keeps apart from those its checks added
    (``file_warnings``). An import recorded before that event said so (no ``import_id``) also gives None:
    the file is parsed and ``_store`` reports it as a duplicate, as it always did.
    """
    record = repo.import_by_hash(content_hash)
    if record is None:
        return None
    events = statement_queries.import_event_data(repo, record.file_name)
    data = next((d for d in events if isinstance(d, dict) and d.get("import_id") == record.id), None)
    if data is None or not isinstance(data.get("file_warnings"), list):
        return None
    return ImportOutcome(file=filename, format=record.format, status="duplicate",
                         lines_skipped=record.lines_added + record.lines_skipped,
                         warnings=[str(w) for w in data["file_warnings"]])


def import_parsed(repo: Repository, parsed: ParsedFile, content_hash: str, name: str, source: str, *,
                  today: date | None = None) -> ImportOutcome:
    """Stores lines parsed elsewhere (a bank feed's pull: worker/statements/feeds.py) exactly as a file's: the same
    checks, the same identity rules, one import record named ``name`` with its ``content_hash``."""
    return _store(repo, parsed, content_hash, name, None, source, None, today)


def _store(repo: Repository, parsed: ParsedFile, content_hash: str, filename: str, account: str | None,
           source: str, rules: ImportRules | None = None, today: date | None = None) -> ImportOutcome:
    """Stores the parsed file's lines, telling a large file's progress (worker.progress) to whoever listens."""
    with track(f"importing {Path(filename).name}", parsed.line_count) as step:
        return _store_lines(repo, parsed, content_hash, filename, account, source, rules, today, step)


def _store_lines(repo: Repository, parsed: ParsedFile, content_hash: str, filename: str, account: str | None,
                 source: str, rules: ImportRules | None, today: date | None,
                 step: Callable[[int], None]) -> ImportOutcome:
    outcome = ImportOutcome(file=filename)
    outcome.format = parsed.format
    outcome.warnings = list(dict.fromkeys([*parsed.warnings, *(w for s in parsed.statements for w in s.warnings)]))
    file_warnings = list(outcome.warnings)  # the parser's: what a re-delivery of these bytes reports
    if repo.import_by_hash(content_hash) is not None:
        outcome.status = "duplicate"
        outcome.lines_skipped = parsed.line_count
        return outcome
    record = StatementImport(source=source, file_name=filename, content_hash=content_hash,
                             format=parsed.format, warnings=outcome.warnings)
    repo.add(record)
    repo.flush()
    assert record.id is not None
    accounts = {a.identifier: a for a in repo.bank_accounts()}
    if rules is None:
        rules = statement_checks.company_rules(repo.company.settings, get_settings().companies_dir, repo.company.ref)
    # Lines booked after tomorrow cannot be real: judged by the deployment's clock unless the caller says the day.
    today = today or statement_checks.local_today(repo.company.timezone, get_settings().clock)
    ibans: dict[str, str | None] = {}  # each distinct counterparty IBAN is validated once per file
    for statement in parsed.statements:
        bank_account = _resolve_account(repo, statement, account, filename, accounts, outcome, rules)
        assert bank_account.id is not None
        if bank_account.identifier not in outcome.accounts:
            outcome.accounts.append(bank_account.identifier)
        repo.lock_bank_account(bank_account.id)
        # Import rules and balance checks (statement_checks): a refusal raises before any line is stored.
        found = statement_checks.apply_checks(repo, statement, bank_account, record.id, rules, today, filename,
                                              parsed.format)
        outcome.warnings = list(dict.fromkeys([*outcome.warnings, *found]))
        known = repo.existing_bank_refs(bank_account.id, [line.bank_ref for line in statement.lines])
        # the same payment stored already from the other kind of source (a feed's pull, a file): counted once
        twins = feeds_identity.already_stored(repo, bank_account.id, statement.lines, known, source)
        if twins:
            outcome.warnings.append(
                f"{len(twins)} line(s) of {bank_account.identifier} already stored from "
                f"{'a statement file' if feeds_identity.is_feed_source(source) else 'a bank feed'} (same end-to-end "
                "id, or same amount, day and payer): not added again")
            known.update(twins)
        currency = statement.currency or bank_account.currency or "EUR"
        account_id, import_id = bank_account.id, record.id  # read once: ORM attributes cost a call each
        rows: list[dict[str, object]] = []
        told = 0  # lines of the statement told to the progress reporters (worker.progress)
        for i, line in enumerate(statement.lines):
            if line.bank_ref in known:
                outcome.lines_skipped += 1
                continue
            known.add(line.bank_ref)
            amount = Decimal(line.amount)
            iban = None
            if line.counterparty_iban:
                if line.counterparty_iban not in ibans:
                    ibans[line.counterparty_iban] = _valid_iban(line.counterparty_iban)
                iban = ibans[line.counterparty_iban]
            rows.append({
                "bank_account_id": account_id, "import_id": import_id, "bank_ref": line.bank_ref,
                "booked_on": line.booked_on, "value_on": line.value_on, "amount": amount,
                "currency": line.currency or currency, "counterparty": line.counterparty,
                "counterparty_iban": iban, "counterparty_siren": line.counterparty_siren,
                "charges": line.charges, "instructed_currency": line.instructed_currency,
                "text": line.text or "", "reference": line.reference,
                "end_to_end_id": line.end_to_end_id, "state": "new" if amount > 0 else "debit",
            })
            if len(rows) == _BATCH:
                outcome.lines_added += repo.insert_lines(rows)
                step(i + 1 - told)
                told, rows = i + 1, []
        outcome.lines_added += repo.insert_lines(rows)
        step(len(statement.lines) - told)
    record.lines_added, record.lines_skipped = outcome.lines_added, outcome.lines_skipped
    record.warnings = list(outcome.warnings)
    repo.add(record)
    repo.audit("statement.imported", subject=f"file:{filename}", format=parsed.format,
               lines_added=outcome.lines_added, lines_skipped=outcome.lines_skipped,
               accounts=outcome.accounts, warnings=outcome.warnings, import_id=record.id,
               file_warnings=file_warnings)
    repo.flush()
    return outcome

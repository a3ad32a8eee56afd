"""The public contract frozen: the shape of every command's `--json` output and of the OpenAPI document.

Scripts and billing tools read the keys of `lettrage ... --json` and of the HTTP API (docs/contract.md): a key
that disappears, or whose type changes, breaks them; a new key is fine but is recorded on purpose. So the shapes
(nested key sets and JSON value types, never the values) are kept in tests/snapshots/ and compared exactly:

- ``cli_json.json``: per command (and per flag that changes what it prints), the shape of its output, made here
  through the real CLI, in process, on the demo company and a small company of the test factories, on a fixed
  day (``LETTRAGE_NOW``), SQLite only (a shape does not depend on the database);
- ``openapi.json``: per path and method, the parameters, request body and responses, and every schema's
  properties with their types, from ``create_app(...).openapi()``.

A list's shape merges all its elements (keys present in some of them included); a value seen with several types
is written ``null|string``. ``make snapshots`` (LETTRAGE_UPDATE_SNAPSHOTS=1) records the shapes as they are now.
A command that gains ``--json`` must be run by ``run_scenario`` and listed in COVERED
(``test_every_json_command_is_covered`` fails until it is). The contract in words: docs/contract.md.
"""
from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import TEST_NOW, Cli
from tests.einvoice_cdar_files import Status, cdar
from tests.factories import Camt053, InvoiceSpec, Payment, invoices_csv

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests" / "snapshots"
CLI_SNAPSHOT = SNAPSHOTS / "cli_json.json"
OPENAPI_SNAPSHOT = SNAPSHOTS / "openapi.json"
UPDATE = os.environ.get("LETTRAGE_UPDATE_SNAPSHOTS", "") == "1"
HOW_TO_RECORD = "`make snapshots` (or LETTRAGE_UPDATE_SNAPSHOTS=1 on this test)"

DEMO = "atelier-lumiere"  # worker.workflows.demo.DEMO_COMPANY
SMALL = "formes"  # the factories' company, for the decisions
DAY = TEST_NOW[:10]  # 2026-11-25, a Wednesday
UNION = "|"  # key of a shape whose value takes several kinds (object, array, scalars)

# Commands that print no JSON (servers and a command with nothing to say).
NO_JSON = {"serve", "worker", "scheduler", "tokens revoke"}
# Every snapshot: a command, and the flag after it when that flag makes it print another kind of rows. A command
# that gains --json is missing here until run_scenario runs it (test_every_json_command_is_covered fails).
COVERED = [
    "accounts add", "accounts list", "books export", "books report", "companies add", "companies list",
    "credit-notes allocate", "credit-notes list", "credit-notes undo",
    "customers behaviour", "customers history", "customers moves", "customers pause", "customers profile",
    "customers proceedings claim", "customers proceedings clear", "customers proceedings declared",
    "customers plan approve", "customers plan refuse",
    "customers proceedings import-bodacc", "customers proceedings list", "customers proceedings set",
    "customers resume", "customers siren", "demo",
    "einvoicing ereporting", "einvoicing export", "einvoicing rules", "einvoicing send", "einvoicing statuses import",
    "einvoicing statuses list", "einvoicing statuses retry", "feeds pending", "feeds pull", "feeds renew", "feeds status",
    "feeds connect", "feeds authorize",
    "forecast",
    "invoices duplicate", "invoices import", "invoices list", "invoices residuals", "invoices write-off",
    "legal file", "legal injonction", "legal small-claims", "letters list", "letters track",
    "links revoke", "links url", "match", "matches list", "matches undo",
    "payments allocate", "payments dismiss", "payments on-account", "payments refund", "payments unidentified",
    "penalties late-paid", "penalties late-paid-letter",
    "reminders approve", "reminders bounce", "reminders calls", "reminders effectiveness", "reminders plan",
    "reminders plan --held", "reminders plan --passed-over", "reminders policy", "reminders resolve",
    "reminders send",
    "reports aged-balance", "reports dso", "reports reminders", "reports weekly",
    "review accept", "review assign", "review list", "review reject",
    "statements import", "statements list", "statements profile", "status", "sync",
    "tasks failed", "tasks replay", "tasks requeue", "tokens create", "tokens list",
    "users add", "users list", "users remove", "webhooks dispatch", "worklist",
]
# Objects whose keys are data, not names: "map" keeps one key "*" with the shape of the values (the levels
# planned, the report's audiences, a customer's moved levels, reasons counted); "free" keeps only "object" (an
# audit event's own data, a task's arguments: their keys depend on the event or the task).
MAPS = {
    "demo": {"reminders.planned_by_level": "map"},
    "sync": {"reminders.planned_by_level": "map"},
    "reports weekly": {"recipients": "map"},
    "customers profile": {"overrides.offsets": "map"},
    "customers history": {"[].data": "free"},
    "einvoicing export": {"produced.skipped": "map"},  # reason -> count
    "einvoicing send": {"produced.skipped": "map"},
    "tasks failed": {"[].kwargs": "free"},  # the task's own keyword arguments
    "books report": {"entries.by_journal": "map"},  # journal code -> entries
}


# -- shapes -------------------------------------------------------------------------------------------------
def shape(value: Any) -> Any:
    """The shape of a JSON value: objects keep their keys, a list is the merged shape of its elements, a
    scalar becomes its JSON type name."""
    if isinstance(value, dict):
        return {key: shape(v) for key, v in sorted(value.items())}
    if isinstance(value, list):
        merged: Any = None
        for item in value:
            merged = shape(item) if merged is None else merge(merged, shape(item))
        return [] if merged is None else [merged]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    raise TypeError(f"not a JSON value: {value!r}")


def _alternatives(s: Any) -> list[Any]:
    return list(s[UNION]) if isinstance(s, dict) and UNION in s else [s]


def merge(a: Any, b: Any) -> Any:
    """One shape for two values of the same place: keys united, scalar types joined (``null|string``)."""
    scalars: set[str] = set()
    objects: list[dict[str, Any]] = []
    arrays: list[list[Any]] = []
    for alt in _alternatives(a) + _alternatives(b):
        if isinstance(alt, str):
            scalars.update(alt.split("|"))
        elif isinstance(alt, dict):
            objects.append(alt)
        else:
            arrays.append(alt)
    out: list[Any] = []
    if scalars:
        out.append("|".join(sorted(scalars)))
    if objects:
        merged: dict[str, Any] = {}
        for obj in objects:
            for key, value in obj.items():
                merged[key] = merge(merged[key], value) if key in merged else value
        out.append(dict(sorted(merged.items())))
    if arrays:
        items = [arr[0] for arr in arrays if arr]
        element: Any = None
        for item in items:
            element = item if element is None else merge(element, item)
        out.append([] if element is None else [element])
    return out[0] if len(out) == 1 else {UNION: out}


def _tokens(path: str) -> list[str]:
    """``[].data`` -> ``["[]", "data"]``; ``a.b[]`` -> ``["a", "b", "[]"]``."""
    out: list[str] = []
    for part in path.split("."):
        name = part.removesuffix("[]")
        out += ([name] if name else []) + (["[]"] if part.endswith("[]") else [])
    return out


def collapse(s: Any, path: list[str], how: str) -> Any:
    """The shape with the object at ``path`` made a map (``{"*": values}``) or a free object (``"object"``)."""
    if isinstance(s, dict) and UNION in s:
        return {UNION: [collapse(alt, path, how) for alt in s[UNION]]}
    if not path:
        if not isinstance(s, dict):
            return s
        if how == "free":
            return "object"
        values: Any = None
        for value in s.values():
            values = value if values is None else merge(values, value)
        return {} if values is None else {"*": values}
    head, rest = path[0], path[1:]
    if head == "[]":
        return [collapse(s[0], rest, how)] if isinstance(s, list) and s else s
    if isinstance(s, dict) and head in s:
        return {**s, head: collapse(s[head], rest, how)}
    return s


def flatten(s: Any, path: str = "") -> dict[str, str]:
    """Path -> type, e.g. ``[].candidates[].score`` -> ``number``: what a difference is reported by."""
    out: dict[str, str] = {}
    kinds: list[str] = []
    for alt in _alternatives(s):
        if isinstance(alt, str):
            kinds.append(alt)
        elif isinstance(alt, dict):
            kinds.append("object")
            for key, value in alt.items():
                out.update(flatten(value, f"{path}.{key}" if path else key))
        else:
            kinds.append("array" if alt else "array (empty when recorded)")
            if alt:
                out.update(flatten(alt[0], f"{path}[]"))
    out[path or "(top)"] = "|".join(kinds)
    return out


def differences(recorded: dict[str, Any], now: dict[str, Any], what: str) -> str:
    """The failure message: what was removed or changed (breaks the contract), what was added (record it)."""
    removed, changed, added = [], [], []
    for name in sorted(set(recorded) | set(now)):
        if name not in now:
            removed.append(f"  {name}: the whole entry")
            continue
        if name not in recorded:
            added.append(f"  {name}: the whole entry")
            continue
        old, new = flatten(recorded[name]), flatten(now[name])
        for path in sorted(set(old) | set(new)):
            if path not in new:
                removed.append(f"  {name}: {path} ({old[path]})")
            elif path not in old:
                added.append(f"  {name}: {path} ({new[path]})")
            elif old[path] != new[path]:
                changed.append(f"  {name}: {path}: {old[path]} -> {new[path]}")
        if old == new and recorded[name] != now[name]:  # e.g. an empty object become a free one
            changed.append(f"  {name}: {json.dumps(recorded[name])} -> {json.dumps(now[name])}")
    lines = [f"the shape of {what} differs from what tests/snapshots/ recorded:"]
    if removed:
        lines += [("REMOVED (breaks the public contract: whoever reads these keys fails; keep them, or make a "
                   "deliberate contract change and say so in docs/contract.md):"), *removed]
    if changed:
        lines += ["CHANGED TYPE (breaks the public contract for a reader expecting the old type):", *changed]
    if added:
        lines += [f"ADDED (fine, but record them with {HOW_TO_RECORD} and document them in docs/contract.md):",
                  *added]
    return "\n".join(lines)


def compare(path: Path, now: dict[str, Any], what: str) -> None:
    """Exact comparison with the recorded snapshot, or (LETTRAGE_UPDATE_SNAPSHOTS=1) recording it."""
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(now, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: record it with {HOW_TO_RECORD}")
    recorded = json.loads(path.read_text(encoding="utf-8"))
    if recorded != now:
        pytest.fail(differences(recorded, now, what), pytrace=False)


# -- the commands -------------------------------------------------------------------------------------------
def _commands() -> dict[str, bool]:
    """Every command of the installed CLI (``group sub``), and whether it takes ``--json``."""
    from worker.cli.main import cli, register_commands

    register_commands()
    found: dict[str, bool] = {}

    def walk(command: click.Command, path: list[str], ctx: click.Context) -> None:
        if isinstance(command, click.Group):  # list_commands/get_command: a lazily loaded group answers too
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None, f"{' '.join([*path, name])}: listed but not found"
                walk(sub, [*path, name], click.Context(sub, parent=ctx, info_name=name))
        else:
            found[" ".join(path)] = any(isinstance(p, click.Option) and "--json" in p.opts for p in command.params)

    walk(cli, [], click.Context(cli, info_name="lettrage"))
    return found


def json_commands() -> set[str]:
    return {name for name, takes_json in _commands().items() if takes_json}


def all_commands() -> set[str]:
    return set(_commands())


def command_of(label: str) -> str:
    """``reminders plan --held`` -> ``reminders plan``: a snapshot's label is its command and the flags that
    change what it prints."""
    return " ".join(word for word in label.split() if not word.startswith("--"))


class Scenario:
    """Runs the commands and keeps, per label, the JSON each printed."""

    def __init__(self, cli: Cli, tmp: Path) -> None:
        self.cli, self.tmp = cli, tmp
        self.outputs: dict[str, list[Any]] = defaultdict(list)

    def run(self, label: str, *args: str, company: str | None = SMALL, exit_code: int = 0) -> Any:
        """``lettrage [--company C] <label's words> ARGS --json``; the label's words are the command and its
        distinguishing flags."""
        argv = (["--company", company] if company else []) + label.split() + list(args) + ["--json"]
        result = self.cli(*argv, ok=False)
        assert result.exit_code == exit_code, (
            f"lettrage {' '.join(argv)} exited {result.exit_code}: {result.stdout[-2000:]}{result.stderr[-2000:]}")
        data = json.loads(result.stdout)
        self.outputs[label].append(data)
        return data

    def file(self, name: str, data: bytes | str) -> str:
        path = self.tmp / "files" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return str(path)

    def sql(self, statement: str, **params: Any) -> list[Any]:
        """A state no command makes on its own (a send cut by a crash, a status failed for good), set directly."""
        engine = create_engine(self.cli.env["LETTRAGE_DATABASE_URL"])
        try:
            with engine.begin() as conn:
                result = conn.execute(text(statement), params)
                return list(result) if result.returns_rows else []
        finally:
            engine.dispose()


def _plan_asked(s: Scenario, customer_ref: str) -> None:
    """A payment plan of three instalments asked on the customer's page for its open invoices, as
    worker.dunning.customer_links_answers records it (pauses ``plan_requested``, audit ``customer.plan_requested``)."""
    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.reminder_tables import DunningPause
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work

    engine = make_engine(s.cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, SMALL))
            customer = repo.customers_by_ref([customer_ref])[customer_ref]
            invoices = [i for i in repo.invoices() if i.customer_id == customer.id and i.kind == "invoice"]
            for invoice in invoices:
                repo.add(DunningPause(customer_id=customer.id or 0, invoice_id=invoice.id, reason="plan_requested",
                                      note="payment plan asked", created_by=f"customer:{customer_ref} via link"))
            repo.audit("customer.plan_requested", subject=f"customer:{customer_ref}",
                       actor=f"customer:{customer_ref} via link", invoices=[i.number for i in invoices],
                       total="300.00", currency="EUR",
                       instalments=[["2026-12-15", "100.00"], ["2027-01-15", "100.00"], ["2027-02-15", "100.00"]])
    finally:
        engine.dispose()


def _upload_pdf(s: Scenario, number: str) -> None:
    """The invoice's PDF stored as `PUT /api/invoices/{number}/document` stores it."""
    from tests.integration.test_documents_cli import invoice_pdf
    from worker.access.companies import resolve_company
    from worker.db.engine import engine_for
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.documents.invoice_documents import store_document

    with unit_of_work(engine_for(s.cli.env["LETTRAGE_DATABASE_URL"])) as session:
        store_document(Repository(session, resolve_company(session, SMALL)), Path(s.cli.env["LETTRAGE_DATA_DIR"]),
                       number, invoice_pdf(f"Facture {number}"), "test")


CUSTOMER_IBAN = "FR7617569000000003064912491"
C4_IBAN = "FR1730003000700005004567812"
C5_IBAN = "FR4910278060000002022950117"
ISSUED, DUE = date(2026, 9, 1), date(2026, 10, 1)
SMALL_INVOICES = [
    InvoiceSpec("FS-001", "C1", "1000.00", ISSUED, DUE, customer_name="ACME SARL", customer_iban=CUSTOMER_IBAN,
                customer_since="2024-01-01"),
    InvoiceSpec("FS-002", "C1", "500.00", ISSUED, date(2026, 10, 15), customer_name="ACME SARL",
                customer_iban=CUSTOMER_IBAN, customer_since="2024-01-01"),
    InvoiceSpec("FS-003", "C2", "800.00", ISSUED, DUE, customer_name="Boulangerie Martin SAS"),
    InvoiceSpec("FS-004", "C3", "800.00", ISSUED, DUE, customer_name="Garage Leroy EURL"),
    InvoiceSpec("FS-005", "C2", "250.00", ISSUED, DUE, customer_name="Boulangerie Martin SAS"),
    InvoiceSpec("FS-006", "C3", "250.00", ISSUED, DUE, customer_name="Garage Leroy EURL"),
    InvoiceSpec("FS-007", "C2", "300.00", ISSUED, DUE, customer_name="Boulangerie Martin SAS"),
    InvoiceSpec("FS-008", "C3", "300.00", ISSUED, DUE, customer_name="Garage Leroy EURL"),
    InvoiceSpec("FA-2026-10010", "C4", "100.00", ISSUED, DUE, customer_name="Fleurs Petit", customer_iban=C4_IBAN),
    InvoiceSpec("FS-011", "C5", "200.00", ISSUED, DUE, customer_name="Imprimerie Roux", customer_iban=C5_IBAN),
    InvoiceSpec("FS-012", "C5", "150.00", ISSUED, DUE, customer_name="Imprimerie Roux", customer_iban=C5_IBAN),
]
# A credit note naming an invoice, and an invoice whose document is refused (`documents_refused`, present only then).
SMALL_JSON = [
    {"number": "AV-001", "customer_ref": "C3", "customer_name": "Garage Leroy EURL", "amount": "-50.00",
     "issued_on": "2026-09-10", "due_on": "2026-09-10", "kind": "credit_note", "credit_note_for": "FS-004"},
    {"number": "FS-009", "customer_ref": "C3", "customer_name": "Garage Leroy EURL", "amount": "90.00",
     "issued_on": "2026-09-12", "due_on": "2026-10-12", "pdf": "/etc/passwd"},
]
SMALL_PAYMENTS = [
    Payment("SP-01", date(2026, 10, 2), Decimal("1000.00"), "ACME SARL", "FACTURE FS-001", payer_iban=CUSTOMER_IBAN),
    Payment("SP-02", date(2026, 10, 5), Decimal("800.00"), "M OU MME X", "VIREMENT"),  # FS-003 or FS-004: review
    Payment("SP-03", date(2026, 10, 6), Decimal("250.00"), "M OU MME Y", "VIREMENT"),  # FS-005 or FS-006: review
    Payment("SP-04", date(2026, 10, 7), Decimal("300.00"), "M OU MME Z", "VIREMENT"),  # FS-007 or FS-008: review
    Payment("SP-05", date(2026, 10, 8), Decimal("120.00"), "SCI DES TILLEULS", "LOYER"),  # to identify
    Payment("SP-06", date(2026, 10, 9), Decimal("75.00"), "INCONNU", "VIR"),
    Payment("SP-07", date(2026, 10, 9), Decimal("60.00"), "INCONNU BIS", "VIR"),
    Payment("SP-08", date(2026, 10, 12), Decimal("-40.00"), "URSSAF", "PRLV URSSAF"),
    Payment("SP-09", date(2026, 10, 13), Decimal("100.00"), "FLEURS PETIT", "FA-2026-10010", payer_iban=C4_IBAN),
    # the same invoice paid twice: a payment to identify, proposed as the customer's credit (`duplicate_of`)
    Payment("SP-10", date(2026, 10, 14), Decimal("100.00"), "FLEURS PETIT", "FACTURE FA-2026-10010",
            payer_iban=C4_IBAN),
    Payment("SP-11", date(2026, 10, 14), Decimal("120.00"), "IMPRIMERIE ROUX", "VIR", payer_iban=C5_IBAN),  # a part
]
SMALL_INBOX_PAYMENTS = [Payment("SP-20", date(2026, 11, 2), Decimal("90.00"), "GARAGE LEROY", "FS-009")]
# Email and phone on the first reminder: a customer without a phone number has its phone passed over.
SMALL_POLICY = """
[[levels]]
code = "courteous"
offset_days = -5
channels = ["email"]

[[levels]]
code = "first_reminder"
offset_days = 1
channels = ["email", "phone"]
"""
WEEKLY_REPORT = '[weekly_report]\nrecipients = ["gerant@formes.example"]\n'


def run_scenario(s: Scenario, smtp_port: int) -> None:
    """Every `--json` command at least once: the demo company read as it is, then a small company decided on."""
    demo = s.run("demo", company=None)
    s.cli.env["LETTRAGE_DATABASE_URL"] = demo["database_url"]
    companies_dir = s.tmp / "var" / "companies"
    companies_dir.mkdir(parents=True, exist_ok=True)
    # the demo is an SME (e-reporting from 2027-09-01): reported earlier here to show the report's shape
    (companies_dir / f"{DEMO}.toml").write_text('[einvoicing]\nereporting_from = "2026-09-01"\n', encoding="utf-8")

    # -- the demo company, read ----------------------------------------------------------------------------
    for label, args in [("companies list", ()), ("accounts list", ()), ("invoices list", ()),
                        ("invoices list", ("--open",)), ("statements list", ()), ("review list", ()),
                        ("reminders plan", ("--as-of", DAY)), ("reminders plan --held", ("--as-of", DAY)),
                        ("reminders policy", ()), ("reports aged-balance", ("--as-of", DAY)),
                        ("reports dso", ("--as-of", DAY)), ("reports reminders", ("--as-of", DAY)),
                        ("reminders effectiveness", ("--as-of", DAY)), ("reports weekly", ()),
                        ("forecast", ("--as-of", DAY, "--no-record")), ("forecast", ("--as-of", DAY)),
                        ("worklist", ("--as-of", DAY)), ("customers behaviour", ("--as-of", DAY)),
                        ("customers moves", ()), ("customers history", ("C0080",)),
                        ("customers profile", ("C0080",)), ("einvoicing ereporting", ("--period", "2026-11")),
                        ("einvoicing rules", ())]:
        s.run(label, *args, company=DEMO)
    s.run("status", company=None)
    s.cli.env["LETTRAGE_ENV_FILE"] = s.file("lettrage.env", f"LETTRAGE_DATA_DIR={s.tmp / 'var'}\n")
    s.run("status", company=None)  # settings_file: a string now
    del s.cli.env["LETTRAGE_ENV_FILE"]
    s.run("customers behaviour", "--as-of", DAY, "--apply", company=DEMO)
    s.run("invoices duplicate", "FA-2026-00001", "--out", str(s.tmp / "duplicate.pdf"), company=DEMO)
    s.run("books export", "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(s.tmp / "books.fec"), company=DEMO)
    s.run("books report", "--from", "2026-11-01", "--to", "2026-11-30", company=DEMO)
    late = s.run("penalties late-paid", "--from", "2026-01-01", "--to", DAY, company=DEMO)
    first = next(c["customer_ref"] for c in late["customers"] if c["claimable"])
    s.run("penalties late-paid-letter", first, "--from", "2026-01-01", "--to", DAY, "--out", str(s.tmp / "claims"),
          company=DEMO)

    # -- the demo's e-invoicing statuses: sent, undone (a correction), failed and retried, received ---------
    (companies_dir / f"{DEMO}.toml").write_text('[einvoicing]\npa_id = "0001"\nereporting_from = "2026-09-01"\n',
                                                encoding="utf-8")
    s.run("einvoicing ereporting", "--period", "2026-11", "--out", str(s.tmp / "ereporting.xml"), company=DEMO)
    s.run("einvoicing export", "--to", str(s.tmp / "pa-out"), company=DEMO)
    paid = s.run("einvoicing statuses list", company=DEMO)[0]["invoice"]
    allocation = next(m["id"] for m in s.run("matches list", company=DEMO) if m["invoice"] == paid)
    s.run("matches undo", str(allocation), "--reason", "not this customer's payment", company=DEMO)  # a correction
    s.run("einvoicing send", company=DEMO)  # no platform configured: the correction waits for an export
    s.run("einvoicing export", "--to", str(s.tmp / "pa-out"), company=DEMO)
    [message] = s.sql("SELECT message_id FROM einvoicestatus ORDER BY id LIMIT 1")
    s.sql("UPDATE einvoicestatus SET state = 'failed' WHERE message_id = :m", m=message[0])
    s.run("einvoicing statuses retry", message[0], "unknown-message", company=DEMO)
    dispute = Status("FA-2026-00001", "207", datetime(2026, 11, 20, 9, 30), date(2026, 6, 28), "TX_TVA_ERR",
                     "Taux de TVA erroné", "NIN", "Avoir attendu")
    s.run("einvoicing statuses import", s.file("cdv-207.xml", cdar([dispute], "cdv-207")), company=DEMO)
    s.run("einvoicing statuses list", company=DEMO)

    # -- a small company of the factories, decided on ------------------------------------------------------
    s.run("companies add", SMALL, "--name", "Formes SARL", company=None)
    (companies_dir / f"{SMALL}.toml").write_text(WEEKLY_REPORT, encoding="utf-8")
    s.run("accounts add", "FR7630004000031234567890143", "--name", "Compte courant", "--currency", "EUR")
    s.run("invoices import", s.file("factures.csv", invoices_csv(SMALL_INVOICES)))
    s.run("invoices import", s.file("factures.json", json.dumps(SMALL_JSON)))
    s.run("statements import", s.file("releve.xml", Camt053(SMALL_PAYMENTS).render()))
    s.run("statements profile", s.file("export.csv", "Date;Libellé;Débit;Crédit\n01/10/2026;Frais;3,50;\n"
                                                     "02/10/2026;Client;;150,00\n"), "--write", "--name", "banque")
    s.run("match")
    s.run("accounts list")  # the demo's account is this company's too: shared_with
    items = {item["bank_ref"]: item["id"] for item in s.run("review list")}
    s.run("review accept", str(items["SP-02"]))
    s.run("review assign", str(items["SP-03"]), "FS-005", "--amount", "245.00")
    s.run("review reject", str(items["SP-04"]))
    s.run("review reject", str(items["SP-11"]))
    lines = {p["bank_ref"]: p["line"] for p in s.run("payments unidentified", "--as-of", DAY)}
    s.run("payments allocate", str(lines["SP-04"]), "FS-007")
    s.run("payments on-account", str(lines["SP-06"]), "--customer", "C2", "--note", "acompte")
    s.run("payments refund", str(lines["SP-07"]), "--customer", "C1")
    s.run("payments dismiss", str(lines["SP-05"]), "--reason", "loyer de la SCI")
    s.run("invoices residuals", "--as-of", DAY)
    s.run("invoices write-off", "FS-005", "--reason", "small balance")
    s.run("credit-notes undo", "AV-001", "FS-004", "--reason", "for another invoice", "--by", "alice")
    s.run("credit-notes allocate", "AV-001", "FS-009", "--amount", "40.00", "--by", "alice")
    s.run("credit-notes list")
    s.run("credit-notes list", "--open")
    s.run("matches list")
    # the inbox: a statement imported, a file that is no statement quarantined (the sync then exits 1)
    inbox = s.tmp / "var" / "inbox" / SMALL
    inbox.mkdir(parents=True)
    # the statement covers up to the day: the bank data is fresh, reminders may leave (reminders/freshness.py)
    (inbox / "releve-2.xml").write_bytes(Camt053(SMALL_INBOX_PAYMENTS, statement_id="STMT-2",
                                                 closing_on=date.fromisoformat(DAY)).render())
    (inbox / "illisible.xml").write_bytes(b"<?xml version='1.0'?><Document><pas-un-releve/></Document>")
    for path in inbox.iterdir():
        os.utime(path, (1_700_000_000, 1_700_000_000))  # settled long ago: the inbox takes it at once
    s.run("sync", "--as-of", DAY, "--no-send", exit_code=1)
    s.run("customers pause", "C3", "--reason", "promise", "--until", "2026-12-15", "--invoice", "FS-008")
    s.run("customers resume", "C3", "--invoice", "FS-008")
    s.run("customers profile", "C1", "--phone", "+33 4 78 00 00 00", "--offset", "first_reminder=3", "--skip",
          "courteous", "--min-gap", "6")

    # -- reminders: planned, approved, sent, one resolved after a crash then bounced ------------------------
    s.run("reminders policy", "--set", s.file("policy.toml", SMALL_POLICY))
    s.run("reminders plan", "--as-of", DAY)
    s.run("reminders plan --passed-over", "--as-of", DAY)
    s.run("reminders approve", "--as-of", DAY, "--all")
    s.cli.env.update({"LETTRAGE_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
                      "LETTRAGE_MAIL_FROM": "relances@formes.example"})
    sent = s.run("reminders send", "--as-of", DAY)
    emails = [r["delivery"] for r in sent if r["channel"] == "email" and r["status"] == "sent"]
    assert emails, sent
    s.sql("UPDATE reminderoutbox SET status = 'sending' WHERE message_id = :m", m=emails[0])  # as after a crash
    s.run("reminders resolve", emails[0], "--sent")
    s.run("reminders bounce", emails[0], "--reason", "mailbox full")
    s.run("reminders calls")
    s.run("customers history", "C1")
    _upload_pdf(s, "FS-002")  # a CSV row alone lacks an invoice's mandatory mentions: the duplicata stamps its PDF
    s.run("invoices duplicate", "FS-002", "--send", "--request-key", "TICKET-1", "--as-of", DAY)
    # a send stamps the real time; the reports count by that day: dated on the scenario's day
    s.sql("UPDATE reminder SET sent_at = :at WHERE sent_at IS NOT NULL", at=f"{DAY} 09:00:00.000000")
    s.run("reports reminders", "--as-of", DAY)
    s.run("reminders effectiveness", "--as-of", DAY)
    s.run("reports weekly", "--week", "2026-W48")
    s.run("reports weekly", "--week", "2026-W47", "--send")

    # -- access: tokens, users, webhooks ------------------------------------------------------------------
    s.run("tokens create", "--name", "billing", "--scope", "invoices:read")
    s.run("tokens list")
    s.run("users add", "alice@formes.example", "--role", "accountant")
    s.run("users list")
    s.run("users remove", "alice@formes.example")
    s.run("webhooks dispatch")
    # the customers' page links (issue 22): printed with LETTRAGE_PUBLIC_URL, then revoked
    s.cli.env["LETTRAGE_PUBLIC_URL"] = "https://pay.formes.example"
    s.run("links url", "C1")
    s.run("links revoke", "C1")
    s.cli.env["LETTRAGE_PUBLIC_URL"] = ""
    # a payment plan asked on the customer's page (issue 22): refused, asked again and approved (then lifted)
    _plan_asked(s, "C1")
    s.run("customers plan refuse", "C1", "--note", "trop long")
    _plan_asked(s, "C1")
    s.run("customers plan approve", "C1")
    s.sql("UPDATE dunningpause SET lifted_at = :at, lifted_by = 'test' WHERE reason = 'payment_plan' "
          "AND lifted_at IS NULL", at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC))

    # -- the task ledger: one task failed for good, one lost by its broker ----------------------------------
    from worker.db.engine import make_engine
    from worker.db.task_store import record_enqueued, record_finished, record_started

    engine = make_engine(s.cli.env["LETTRAGE_DATABASE_URL"])
    try:
        record_enqueued(engine, "failed-1", "import_statement_file", "lettrage", [SMALL, str(s.tmp / "gone.xml")],
                        {}, None, SMALL)
        record_started(engine, "failed-1", "host:1")
        record_finished(engine, "failed-1", 0.1, "FileNotFoundError: gone.xml", failed=True)
        record_enqueued(engine, "lost-1", "sync_company", "lettrage", [SMALL], {}, None, SMALL)
    finally:
        engine.dispose()
    [failed] = s.run("tasks failed")
    s.run("tasks replay", str(failed["id"]), exit_code=1)  # the file is still gone: replayed, failed again
    s.cli.env["LETTRAGE_BROKER_URL"] = "redis://127.0.0.1:9/0"  # never reached: the CLI gets the stub broker
    s.run("tasks requeue", "--older-than", "0")
    s.cli.env["LETTRAGE_BROKER_URL"] = ""

    # -- legal recovery: a formal notice sent to C3 by letter on 2026-10-01, then its legal file and requests -------
    from tests.sender_identity import COMPANY_TOML

    (companies_dir / f"{SMALL}.toml").write_text(WEEKLY_REPORT + COMPANY_TOML, encoding="utf-8")
    _formal_notice(s, "C3", date(2026, 10, 1))
    s.run("legal file", "C3", "--out", str(s.tmp / "legal"))
    s.run("legal injonction", "C3", "--out", str(s.tmp / "legal" / "injonction.pdf"))
    s.run("legal small-claims", "C3", "--out", str(s.tmp / "legal" / "petites-creances.pdf"))
    _collective_proceedings(s, companies_dir / f"{SMALL}.toml")
    _registered_letters(s, companies_dir / f"{SMALL}.toml")
    _bank_feed(s, companies_dir / f"{SMALL}.toml")


def _bank_feed(s: Scenario, company_toml: Path) -> None:
    """The company's Qonto feed (a local fake: tests/integration/fake_qonto.py): a booked and a pending line
    pulled, the feed's status, the pending line."""
    from tests.integration.fake_enablebanking import FakeEnableBanking, rsa_key
    from tests.integration.fake_gocardless import FakeGoCardless
    from tests.integration.fake_qonto import FakeQonto

    before = company_toml.read_text(encoding="utf-8")
    s.cli.env["LETTRAGE_OUTBOUND_ALLOW_HOSTS"] = "127.0.0.1"
    with FakeQonto() as fake:
        fake.add(150000, "credit", "DUBOIS SARL", reference="FA-2026-00001")
        fake.add(30000, "credit", "MARTIN ET FILS", status="pending")
        company_toml.write_text(before + "\n" + fake.section(), encoding="utf-8")
        s.cli.env.update(fake.environ())
        s.run("feeds pull")
        s.run("feeds status")
        s.run("feeds pending")
    with FakeGoCardless() as gocardless:  # a GoCardless consent asked again
        company_toml.write_text(before + "\n" + gocardless.section(), encoding="utf-8")
        s.cli.env.update(gocardless.environ())
        s.run("feeds renew", "--redirect", "https://compta.example/retour")
    private, public = rsa_key()  # an Enable Banking consent asked, then the session its code opens
    key_file = s.tmp / "enablebanking.pem"
    key_file.write_text(private, encoding="utf-8")
    key_file.chmod(0o600)
    with FakeEnableBanking(public) as enablebanking:
        company_toml.write_text(before + "\n" + enablebanking.section(key_file), encoding="utf-8")
        s.run("feeds connect", "--redirect", "https://compta.example/retour")
        s.run("feeds authorize", "--code", enablebanking.issue_code())
    company_toml.write_text(before, encoding="utf-8")
    del s.cli.env["LETTRAGE_OUTBOUND_ALLOW_HOSTS"]


def _registered_letters(s: Scenario, company_toml: Path) -> None:
    """A formal notice to C3 by registered letter, as the tracking leaves it once delivered (its proofs kept:
    nothing left to ask the provider, whose address is never reached), listed then tracked."""
    company_toml.write_text(company_toml.read_text(encoding="utf-8") + '\n[registered_mail]\nprovider = "maileva"\n'
                            'base_url = "https://api.sandbox.maileva.net/registered_mail/v2"\n', encoding="utf-8")
    s.cli.env.update({"LETTRAGE_MAILEVA_CLIENT_ID": "id", "LETTRAGE_MAILEVA_CLIENT_SECRET": "secret",
                      "LETTRAGE_MAILEVA_USERNAME": "user", "LETTRAGE_MAILEVA_PASSWORD": "password"})
    [reminder_id, customer_id] = s.sql("SELECT r.id, r.customer_id FROM reminder r JOIN customer c ON c.id = "
                                       "r.customer_id WHERE c.ref = 'C3' AND r.level = 'formal_notice'")[0]
    now = datetime.fromisoformat("2026-10-08T09:00:00+00:00")
    s.sql("INSERT INTO registeredletter (company_id, provider, sending_id, reminder_id, customer_id, level, "
          "invoice_numbers, status, provider_status, dispatch_number, deposited_on, deposit_proof, received_on, "
          "acknowledgment, notice_days, deadline_on, created_at, updated_at) SELECT company_id, 'maileva', "
          "'b1e2c3', :reminder, :customer, 'formal_notice', '[]', 'delivered', 'N01 AR Signé', '1A12345678901', "
          "'2026-10-01', 'depot.pdf', '2026-10-03', 'ar.pdf', 8, '2026-10-11', :now, :now FROM customer WHERE "
          "id = :customer", reminder=reminder_id, customer=customer_id, now=now)
    s.run("letters list")
    s.run("letters track")


def _collective_proceedings(s: Scenario, company_toml: Path) -> None:
    """C3 in redressement judiciaire (issue 19 item 4): its SIREN, the proceedings set, listed, the declaration
    generated (the provisional 2026-H2 rate confirmed), recorded, a BODACC export read, the proceedings cleared."""
    company_toml.write_text(company_toml.read_text(encoding="utf-8") + '\n[penalties.confirm.2026-H2]\necb = "2.15"\n',
                            encoding="utf-8")
    s.run("customers siren", "C3", "552100554")
    s.run("customers proceedings set", "C3", "--kind", "redressement_judiciaire", "--opened-on", "2026-11-02",
          "--court", "Tribunal de commerce de Lyon", "--published-on", "2026-11-13", "--representative",
          "SELARL MJ Synergie", "--representative-address", "1 rue Emile Zola", "--representative-address",
          "69002 Lyon")
    s.run("customers proceedings list")
    s.run("customers proceedings claim", "C3", "--as-of", DAY)
    s.run("customers proceedings declared", "C3", "--on", DAY)
    closure = {"id": "A1", "familleavis": "collective", "registre": "552 100 554,552100554", "dateparution": DAY,
               "publicationavis": "A", "parution": "20260230", "numeroannonce": 1,
               "tribunal": "TRIBUNAL DE COMMERCE DE LYON", "jugement": json.dumps(
                   {"famille": "Jugement de clôture", "nature": "Jugement de clôture pour extinction du passif",
                    "date": DAY})}
    other = {**closure, "id": "A2", "registre": "443061841", "jugement": json.dumps(
        {"famille": "Jugement d'ouverture", "nature": "Jugement d'ouverture d'une procédure de sauvegarde",
         "date": DAY})}
    s.run("customers proceedings import-bodacc", s.file("bodacc.json", json.dumps([closure, other])))
    s.run("customers proceedings clear", "C3", "--reason", "plan_adopted")


def _formal_notice(s: Scenario, customer_ref: str, day: date) -> None:
    """A formal notice sent by letter on ``day`` on every invoice of ``customer_ref`` (as `reminders send` records
    one: the reminder, its invoices, the audit event), for the legal commands' precondition."""
    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.repository import Repository
    from worker.db.tables import Reminder, ReminderInvoice
    from worker.db.uow import unit_of_work

    engine = make_engine(s.cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, SMALL))
            customer = repo.customers_by_ref([customer_ref])[customer_ref]
            invoices = [i for i in repo.invoices() if i.customer_id == customer.id and i.kind == "invoice"]
            reminder = Reminder(company_id=repo.company_id, customer_id=customer.id or 0, level="formal_notice",
                                channel="letter", status="sent", invoice_numbers=[i.number for i in invoices],
                                amount_due=sum((i.amount for i in invoices), Decimal(0)), planned_on=day)
            repo.add(reminder)
            repo.flush()
            for invoice in invoices:
                repo.add(ReminderInvoice(company_id=repo.company_id, reminder_id=reminder.id or 0,
                                         invoice_id=invoice.id or 0, level="formal_notice", channel="letter",
                                         open_amount=invoice.amount))
            repo.audit("reminder.sent", subject=f"customer:{customer_ref}", level="formal_notice", channel="letter",
                       invoices=[i.number for i in invoices], title="Mise en demeure", outcome="sent")
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def cli_outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[Any]]]:
    """The scenario run once for the module, in a folder of its own: a real SMTP server on loopback for the
    reminders, and a stub dramatiq broker for `tasks requeue` (the broker is infrastructure: the output is the
    CLI's)."""
    from dramatiq.brokers.stub import StubBroker

    from tests.integration.smtp_server import Collector, serving
    from worker.cli.main import register_commands

    register_commands()  # worker.cli.tasks_cmds imported in the order the CLI imports it
    tmp = tmp_path_factory.mktemp("contract")
    env = {"LETTRAGE_DATA_DIR": str(tmp / "var"), "LETTRAGE_SMTP_URL": "", "LETTRAGE_BROKER_URL": "",
           "LETTRAGE_NOW": TEST_NOW, "XDG_CONFIG_HOME": str(tmp / "config"), "XDG_DATA_HOME": str(tmp / "data")}
    stub = StubBroker()
    stub.declare_queue("lettrage")
    with pytest.MonkeyPatch.context() as mp, serving(Collector()) as port:
        mp.chdir(tmp)
        mp.setattr("worker.cli.tasks_cmds._broker", lambda app: stub)
        scenario = Scenario(Cli(env, tmp), tmp)
        run_scenario(scenario, port)
        yield dict(scenario.outputs)


def test_every_json_command_is_covered() -> None:
    """A command with --json missing from COVERED has no snapshot: its keys could change unseen."""
    missing = json_commands() - {command_of(label) for label in COVERED}
    assert not missing, (f"commands with --json missing from the contract snapshot: {sorted(missing)}; run them in "
                         f"run_scenario of {Path(__file__).relative_to(ROOT)}, add their labels to COVERED, then "
                         f"{HOW_TO_RECORD}")
    assert all_commands() - json_commands() == NO_JSON, (
        f"commands without --json: {sorted(all_commands() - json_commands())}, expected {sorted(NO_JSON)}: give a "
        "new command --json (docs/contract.md: every command has it), or list it in NO_JSON with its reason")


def cli_shapes(outputs: dict[str, list[Any]]) -> dict[str, Any]:
    """Per label, the shape of everything it printed (several runs merged), data-keyed objects collapsed."""
    shapes: dict[str, Any] = {}
    for label, printed in sorted(outputs.items()):
        merged: Any = None
        for data in printed:
            merged = shape(data) if merged is None else merge(merged, shape(data))
        for path, how in MAPS.get(label, {}).items():
            merged = collapse(merged, _tokens(path), how)
        shapes[label] = merged
    return shapes


def test_cli_json_shapes(cli_outputs: dict[str, list[Any]]) -> None:
    assert sorted(cli_outputs) == sorted(COVERED), (
        f"run_scenario ran {sorted(set(cli_outputs) - set(COVERED))} not in COVERED, and not "
        f"{sorted(set(COVERED) - set(cli_outputs))} of COVERED")
    compare(CLI_SNAPSHOT, cli_shapes(cli_outputs), "the CLI's --json output")


# -- the OpenAPI document -----------------------------------------------------------------------------------
def _type(schema: dict[str, Any]) -> Any:
    """A schema as a short type: ``Name`` for a reference, ``array<...>``, ``string:date``, ``null|string``,
    or the properties of an inline object."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for combo in ("anyOf", "oneOf", "allOf"):
        if combo in schema:
            parts = [_type(s) for s in schema[combo]]
            if all(isinstance(p, str) for p in parts):
                return "|".join(sorted(parts))
            return {combo: parts}
    kind = schema.get("type")
    if kind == "array":
        item = _type(schema.get("items", {}))
        return [item] if isinstance(item, dict) else f"array<{item}>"
    if kind == "object" or "properties" in schema:
        if "properties" in schema:
            return _properties(schema)
        extra = schema.get("additionalProperties")
        return f"object<{_type(extra)}>" if isinstance(extra, dict) and extra else "object"
    if kind is None:
        return "any"
    return f"{kind}:{schema['format']}" if "format" in schema else str(kind)


def _properties(schema: dict[str, Any]) -> dict[str, Any]:
    required = set(schema.get("required", ()))
    out: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        t = _type(prop)
        out[name] = f"{t}, required" if isinstance(t, str) and name in required else t
    return dict(sorted(out.items()))


def _parameter(parameter: dict[str, Any]) -> Any:
    t = _type(parameter.get("schema", {}))
    return f"{t}, required" if isinstance(t, str) and parameter.get("required") else t


def _content(part: dict[str, Any]) -> dict[str, Any]:
    """A request body's or a response's media types and their schemas."""
    return {media: _type(c.get("schema", {})) for media, c in sorted(part.get("content", {}).items())}


def openapi_shape(doc: dict[str, Any]) -> dict[str, Any]:
    """Per ``METHOD /path``: security schemes, parameters (``in:name``), request body and responses by media type;
    and every component schema's properties (``, required`` marks the required ones)."""
    paths: dict[str, Any] = {}
    for path, operations in sorted(doc["paths"].items()):
        for method, op in sorted(operations.items()):
            entry: dict[str, Any] = {
                "security": sorted(name for requirement in op.get("security", []) for name in requirement),
                "parameters": {f"{p['in']}:{p['name']}": _parameter(p) for p in op.get("parameters", [])},
            }
            body = op.get("requestBody")
            if body:
                entry["request"] = _content(body)
            entry["responses"] = {code: _content(r) for code, r in sorted(op.get("responses", {}).items())}
            paths[f"{method.upper()} {path}"] = entry
    components = doc.get("components", {}).get("schemas", {})
    schemas = {name: _type(schema) for name, schema in sorted(components.items())}
    return {"paths": paths, "schemas": schemas}


def test_openapi_shape(tmp_path: Path) -> None:
    from worker.api.app import create_app
    from worker.settings import load_settings

    settings = load_settings({"LETTRAGE_DATA_DIR": str(tmp_path / "var"),
                              "LETTRAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'lettrage.db'}",
                              "LETTRAGE_NOW": TEST_NOW}, env_file=None)
    doc = create_app(settings, background=False).openapi()
    compare(OPENAPI_SNAPSHOT, openapi_shape(doc), "the OpenAPI document")

"""``lettrage --help`` and ``--version`` start without the database layer, and say what they said before the
commands were imported lazily (issue 17, part 7); the table of lazy commands agrees with the commands.

Each case runs ``lettrage`` in a process of its own, as a user types it: in the tests' own process every command
module is already imported. No timing here (benchmarks/test_cli_startup.py measures the start-up).
"""
from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
TEST_NOW = "2026-11-25T10:00:00+01:00"

# `lettrage --help` as it was before the lazy loading (80 columns), kept word for word.
EXPECTED_HELP = """\
Usage: lettrage [OPTIONS] COMMAND [ARGS]...

  lettrage: import bank statements, match payments with invoices, remind only
  what is unpaid.

Options:
  --company REF  Client company (default: the default one).
  --version      Show the version and exit.
  -h, --help     Show this message and exit.

Commands:
  accounts      The company's own bank accounts.
  books         The books: entries and letter codes of every settlement,...
  companies     The client companies served by this deployment.
  credit-notes  Credit notes: what of each is allocated to which invoice,...
  customers     Customers: the whole exchange with one, pauses, dunning...
  demo          A fresh demo company (its own database under var/demo/),...
  einvoicing    E-invoicing reform: lifecycle statuses (sent and...
  feeds         Bank feeds (Qonto, GoCardless, Enable Banking): booked...
  forecast      Cash-in forecast: expected receipts per ISO week (P10-P90...
  invoices      Invoices from the billing tool.
  legal         Legal recovery: the internal legal file of a customer...
  letters       Registered letters with acknowledgment of receipt:...
  links         Signed links to the customers' page...
  match         Match every unmatched incoming line with open invoices.
  matches       Allocations of payments to invoices.
  payments      Payments received that settle nothing yet: who sent them,...
  penalties     Late-payment penalties and indemnities still owed: claims...
  reminders     Dunning: what to send, and sending it.
  reports       Receivables reports: aged balance, DSO, what the...
  review        The review queue: lines the matcher was not sure about.
  scheduler     Enqueue the daily sync of every company at...
  serve         Serve the HTTP API, the web pages, /health, /ready and...
  statements    Bank statements.
  status        Which settings file, database and folders this lettrage...
  sync          The whole pipeline once: pull statements, import, match,...
  tasks         Worker tasks: the failed ones, replay, and requeue of...
  tokens        API tokens (Authorization: Bearer TOKEN) for the...
  users         People who sign in to the web pages: viewer reads,...
  webhooks      Webhooks to the billing tool (registered with POST...
  worker        Run the dramatiq worker (needs LETTRAGE_BROKER_URL); logs...
  worklist      Today's actions, most urgent first (outstanding x days...
"""

# What printing an empty list of invoices needs none of: the web stack, workers, PDF and XML tools, dunning,
# matching, e-invoicing.
NOT_FOR_A_LIST = ("fastapi", "starlette", "uvicorn", "dramatiq", "paramiko", "reportlab", "matplotlib", "jinja2",
                  "lxml", "saxonche", "holidays", "matching", "einvoicing", "worker.api", "worker.web",
                  "worker.workflows.sync", "worker.reconciliation.matching", "worker.dunning.reminders")
# The capabilities' packages (worker/<capability>/) all read the database.
CAPABILITIES = ("worker.access", "worker.invoices", "worker.statements", "worker.einvoices", "worker.reconciliation",
                "worker.documents", "worker.dunning", "worker.insight", "worker.webhooks", "worker.workflows",
                "worker.reminder_policy")
DATABASE_LAYER = ("sqlalchemy", "sqlmodel", "alembic", "worker.db", *CAPABILITIES, "worker.settings")
# Runs main() and prints on stderr, at exit, the modules the process imported.
PROBE = ("import atexit, sys\n"
         "atexit.register(lambda: print('MODULES', *sorted(sys.modules), file=sys.stderr))\n"
         "from worker.cli.main import main\n"
         "main()\n")


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``lettrage ARGS`` in a fresh process on an SQLite file in ``tmp_path``."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "COLUMNS": "80", "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "LETTRAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'lettrage.db'}",
           "LETTRAGE_DATA_DIR": str(tmp_path / "var"), "LETTRAGE_NOW": TEST_NOW}
    return subprocess.run([sys.executable, "-c", PROBE, *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def lettrage(tmp_path: Path, *args: str) -> tuple[str, set[str]]:
    """``lettrage ARGS``, which must succeed: its stdout and the modules it imported."""
    done = run(tmp_path, *args)
    assert done.returncode == 0, done.stderr[-2000:]
    modules = next(line for line in done.stderr.splitlines() if line.startswith("MODULES ")).split()[1:]
    return done.stdout, set(modules)


def imported(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_help_lists_the_same_commands_with_the_same_text(tmp_path: Path) -> None:
    out, modules = lettrage(tmp_path, "--help")
    assert out == EXPECTED_HELP
    assert not imported(modules, DATABASE_LAYER), imported(modules, DATABASE_LAYER)
    assert not [m for m in modules if m.startswith("worker.cli.") and m not in ("worker.cli.main",)]


def test_version_does_not_import_the_database_layer(tmp_path: Path) -> None:
    out, modules = lettrage(tmp_path, "--version")
    assert out.startswith("lettrage, version ")
    assert not imported(modules, DATABASE_LAYER), imported(modules, DATABASE_LAYER)


def test_invoices_list_imports_only_what_it_needs(tmp_path: Path) -> None:
    out, modules = lettrage(tmp_path, "invoices", "list", "--json")
    assert out.strip() == "[]"
    assert not imported(modules, NOT_FOR_A_LIST), imported(modules, NOT_FOR_A_LIST)


def test_a_group_brings_every_subcommand_of_its_modules(tmp_path: Path) -> None:
    """`invoices` is extended by other modules (documents, residuals): looked up alone, it has them all."""
    out, _modules = lettrage(tmp_path, "invoices", "--help")
    listed = {line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == {"duplicate", "import", "list", "residuals", "write-off"}


def test_an_unknown_command_still_gets_its_suggestions(tmp_path: Path) -> None:
    """click draws "Did you mean" from the commands registered: a name it does not know registers them all."""
    done = run(tmp_path, "invoice", "list")
    assert done.returncode == 2
    assert "Error: No such command 'invoice'. (Did you mean one of: 'einvoicing', 'invoices'?)" in done.stderr


def every_command_module() -> None:
    """Imports every module of worker/cli: a command registered by a module missing from LAZY_COMMANDS shows."""
    import worker.cli

    for info in pkgutil.iter_modules(worker.cli.__path__):
        importlib.import_module(f"worker.cli.{info.name}")


def modules_of(command: click.Command) -> set[str]:
    found = {command.callback.__module__} if command.callback else set()
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            found |= modules_of(sub)
    return found


def test_lazy_table_agrees_with_the_commands() -> None:
    from worker.cli.main import LAZY_COMMANDS, cli, register_commands

    register_commands()
    every_command_module()
    assert set(cli.commands) == set(LAZY_COMMANDS)
    for name, command in cli.commands.items():
        lazy = LAZY_COMMANDS[name]
        assert lazy.help == " ".join((command.help or "").partition("\n\n")[0].split()), name
        assert modules_of(command) <= set(lazy.modules), (name, modules_of(command) - set(lazy.modules))
        assert not command.hidden and not command.deprecated and command.short_help is None, name


@pytest.mark.parametrize("width", [50, 80])
def test_listing_is_clicks_own_once_the_commands_are_imported(width: int) -> None:
    """Imported or not, a command is listed the same: the table's help makes the same short help as click's."""
    from worker.cli.main import LAZY_COMMANDS, cli, register_commands

    register_commands()
    for name, command in cli.commands.items():
        for limit in (30, 45, width):
            placeholder = click.Command(name, help=LAZY_COMMANDS[name].help)
            assert placeholder.get_short_help_str(limit) == command.get_short_help_str(limit), (name, limit)


def test_a_database_error_is_still_one_line() -> None:
    """SQLAlchemy is no longer imported by main: its errors are still told in one line, exit status 1."""
    from sqlalchemy.exc import OperationalError

    from worker.cli.main import LettrageGroup

    group = LettrageGroup("probe")

    @group.command("fail")
    def fail() -> None:
        raise OperationalError("SELECT 1", {}, Exception("no such table: invoice"))

    result = CliRunner().invoke(group, ["fail"])
    assert result.exit_code == 1
    assert result.stderr == "error: database: no such table: invoice\n"

"""The ``lettrage`` command line: a public contract (see CONTRACT.md); keep commands, flags and keys stable."""
from __future__ import annotations

import functools
import gc
import importlib
import sys
from collections.abc import Callable
from datetime import date
from gettext import gettext as _
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from connectors.errors import ConnectorError
from reminders.errors import ReminderError
from worker.errors import LettrageError

if TYPE_CHECKING:  # imported when a command runs: `lettrage --help` and `--version` need neither
    from sqlalchemy import Engine

    from worker.settings import Settings


class AppContext:
    """What every command needs: the settings (read once) and the database, opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clock = settings.clock
        self._engine: Engine | None = None

    def today(self, timezone: str | None = None) -> date:
        """Today by the clock, in ``timezone`` (default the deployment's)."""
        from worker.clock import today as clock_today

        return clock_today(self.clock, timezone or self.settings.timezone)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from worker.db.engine import engine_for

            fresh = self._new_default_database()
            self._engine = engine_for(self.settings.database_url)
            if fresh is not None:  # never silently: a cron job started elsewhere would otherwise not know
                click.echo(f"note: new database {fresh} (LETTRAGE_DATABASE_URL is not set; settings file: "
                           f"{self.settings.env_file or 'none found'}; see `lettrage status`)", err=True)
        return self._engine

    def _new_default_database(self) -> str | None:
        """The default SQLite file about to be created (LETTRAGE_DATABASE_URL unset), or None."""
        if not self.settings.database_is_default:
            return None
        from pathlib import Path

        path = Path(self.settings.database_url.removeprefix("sqlite:///"))
        return None if path.exists() else str(path)


#: the decorator every command takes its AppContext with (one for the whole command line)
pass_app = click.make_pass_decorator(AppContext)


def current_app() -> AppContext:
    """The AppContext the ``lettrage`` group put on the click context, for a helper that is given no ``app``."""
    app = click.get_current_context().find_object(AppContext)
    if app is None:
        raise RuntimeError("no AppContext: this runs outside a command of the `lettrage` group")
    return app


def one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split()) if "\n" in text and len(text) < 400 else text.splitlines()[0]


def company_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--company REF`` on a command; it falls back to the group's option, then to the default company."""
    @click.option("--company", "company", metavar="REF", default=None, help="Client company (default: the default one).")
    @functools.wraps(fn)
    def wrapper(*args: Any, company: str | None, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        kwargs["company"] = company or ctx.find_root().params.get("company")
        return fn(*args, **kwargs)
    return wrapper


json_option = click.option("--json", "as_json", is_flag=True, help="Machine output: JSON on stdout.")


def deferred(module: str, name: str) -> Any:
    """A stand-in for ``module.name`` (a function or a class), imported on its first call.

    The command modules that ``invoices`` loads name the ORM's entry points (Repository, unit_of_work,
    resolve_company) at their top with this, so that loading them imports neither the ORM, SQLModel nor the
    table classes: ``invoices list`` reads through SQLAlchemy Core (worker/db/invoice_list.py) and starts in
    half the time (docs/benchmarks.md, issue 17). Only calls go through: no isinstance, no attributes."""
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"{module}.{name}, imported on first call."
    return call


class LazyCommand(NamedTuple):
    """A top-level command known by name before its code is imported."""

    modules: tuple[str, ...]  # imported in this order when the command is looked up; each registers its part
    help: str  # the first paragraph of its help, whitespace collapsed: all `lettrage --help` shows of it


# Every top-level command, and the modules that register it and its subcommands (a group may be extended by
# several: `invoices duplicate` comes from documents_cmds). A command runs with only its own modules imported,
# so `lettrage --version` pays for no database and `lettrage invoices list` for no SFTP, PDF, XML or dunning
# code (docs/benchmarks.md). tests/unit/test_cli_help.py checks this table against the commands themselves.
LAZY_COMMANDS: dict[str, LazyCommand] = {
    "accounts": LazyCommand(("worker.cli.accounts_cmds",), "The company's own bank accounts."),
    "books": LazyCommand(("worker.cli.books_cmds",), "The books: entries and letter codes of every settlement, "
                                                     "exported for the accountant (FEC, Sage, EBP)."),
    "companies": LazyCommand(("worker.cli.commands",), "The client companies served by this deployment."),
    "credit-notes": LazyCommand(
        ("worker.cli.credit_note_cmds",),
        "Credit notes: what of each is allocated to which invoice, and a person's undo and allocation."),
    "customers": LazyCommand(("worker.cli.customers_cmds", "worker.cli.worklist_cmds", "worker.cli.proceedings_cmds"),
                             "Customers: the whole exchange with one, pauses, dunning profile."),
    "demo": LazyCommand(("worker.cli.operations",), "A fresh demo company (its own database under var/demo/), "
                                                    "synced, with a readable summary."),
    "einvoicing": LazyCommand(("worker.cli.einvoicing_cmds", "worker.cli.einvoicing_incoming_cmds"),
                              "E-invoicing reform: lifecycle statuses (sent and received), their delivery, "
                              "payment e-reporting."),
    "feeds": LazyCommand(("worker.cli.feeds_cmds",),
                         "Bank feeds (Qonto, GoCardless, Enable Banking): booked lines pulled into the "
                         "statements, pending lines shown apart, the consent's end."),
    "forecast": LazyCommand(("worker.cli.forecast_cmds",),
                            "Cash-in forecast: expected receipts per ISO week (P10-P90 range) from the open "
                            "invoices and each customer's payment delays, and how far the stored forecasts were "
                            "from what arrived (WAPE, MAPE)."),
    "invoices": LazyCommand(("worker.cli.commands", "worker.cli.documents_cmds", "worker.cli.residuals_cmds"),
                            "Invoices from the billing tool."),
    "legal": LazyCommand(("worker.cli.legal_cmds",), "Legal recovery: the internal legal file of a customer "
                                                     "(proofs, claim, bordereau) for the lawyer or commissaire de "
                                                     "justice, and the prefilled injonction de payer or "
                                                     "small-claims request."),
    "letters": LazyCommand(("worker.cli.letters_cmds",),
                           "Registered letters with acknowledgment of receipt: dispatch numbers, proofs, dates of "
                           "receipt and the formal notices' deadlines."),
    "links": LazyCommand(("worker.cli.customer_links_cmds",),
                         "Signed links to the customers' page (LETTRAGE_PUBLIC_URL): print one, revoke them."),
    "match": LazyCommand(("worker.cli.commands",), "Match every unmatched incoming line with open invoices."),
    "matches": LazyCommand(("worker.cli.commands", "worker.cli.review_cmds"), "Allocations of payments to invoices."),
    "payments": LazyCommand(("worker.cli.payments_cmds",), "Payments received that settle nothing yet: who sent "
                                                           "them, and what to do with them."),
    "penalties": LazyCommand(("worker.cli.late_paid_cmds",),
                             "Late-payment penalties and indemnities still owed: claims for invoices paid late."),
    "reminders": LazyCommand(("worker.cli.commands", "worker.cli.customers_cmds", "worker.cli.documents_cmds"),
                             "Dunning: what to send, and sending it."),
    "reports": LazyCommand(("worker.cli.reports_cmds", "worker.cli.weekly_report_cmds"),
                           "Receivables reports: aged balance, DSO, what the reminders achieved (read-only)."),
    "review": LazyCommand(("worker.cli.commands", "worker.cli.review_cmds"),
                          "The review queue: lines the matcher was not sure about."),
    "scheduler": LazyCommand(("worker.cli.operations",), "Enqueue the daily sync of every company at "
                                                         "LETTRAGE_SYNC_TIME in its time zone; logs are JSON lines."),
    "serve": LazyCommand(("worker.cli.operations",),
                         "Serve the HTTP API, the web pages, /health, /ready and /metrics; logs are JSON lines."),
    "statements": LazyCommand(("worker.cli.commands", "worker.cli.statements_profile_cmds"), "Bank statements."),
    "status": LazyCommand(("worker.cli.accounts_cmds",), "Which settings file, database and folders this lettrage "
                                                         "uses (nothing is opened nor created)."),
    "sync": LazyCommand(("worker.cli.commands",),
                        "The whole pipeline once: pull statements, import, match, plan and send reminders."),
    "tasks": LazyCommand(("worker.cli.tasks_cmds",),
                         "Worker tasks: the failed ones, replay, and requeue of lost ones."),
    "tokens": LazyCommand(("worker.cli.tokens_cmds",),
                          "API tokens (Authorization: Bearer TOKEN) for the company's /api/ endpoints."),
    "users": LazyCommand(("worker.cli.users_cmds",), "People who sign in to the web pages: viewer reads, accountant "
                                                     "decides, admin also manages."),
    "webhooks": LazyCommand(("worker.cli.tokens_cmds",),
                            "Webhooks to the billing tool (registered with POST /api/webhooks)."),
    "worker": LazyCommand(("worker.cli.operations",), "Run the dramatiq worker (needs LETTRAGE_BROKER_URL); logs are "
                                                      "JSON lines on stderr."),
    "worklist": LazyCommand(("worker.cli.worklist_cmds",),
                            "Today's actions, most urgent first (outstanding x days overdue x risk from payment "
                            "behaviour): calls (with their script), letters to approve, disputes to answer, promises "
                            "to pay that fell due, payments to review, invoices held by an e-invoicing status."),
}

_freeze_loaded = False  # set by fewer_collections(): what a command's modules load is frozen too


def _database_error(exc: Exception) -> bool:
    """Whether ``exc`` is SQLAlchemy's: looked up only if SQLAlchemy was imported (else it cannot be)."""
    database = sys.modules.get("sqlalchemy.exc")
    return database is not None and isinstance(exc, database.SQLAlchemyError)


class LettrageGroup(click.Group):
    """Turns every expected failure into one line on stderr and a non-zero exit, never a traceback; imports a
    command's modules only when that command is looked up (``LAZY_COMMANDS``)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except (LettrageError, ConnectorError, ReminderError) as exc:
            click.echo(f"error: {one_line(exc)}", err=True)
            sys.exit(1)
        except OSError as exc:
            click.echo(f"error: {exc.filename or ''}: {exc.strerror or one_line(exc)}".replace("error: : ", "error: "),
                       err=True)
            sys.exit(1)
        except Exception as exc:
            if not _database_error(exc):
                raise
            reason = getattr(exc, "orig", None) or exc
            click.echo(f"error: database: {one_line(reason)}", err=True)
            sys.exit(1)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(LAZY_COMMANDS))

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None,
                                                                            list[str]]:
        if args and args[0] not in LAZY_COMMANDS and args[0] not in self.commands and not ctx.resilient_parsing:
            register_commands()  # an unknown name: click's "Did you mean" draws on the commands registered
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        lazy = LAZY_COMMANDS.get(cmd_name)
        if lazy is not None:
            load(lazy)  # every time: a group may already be there without its other modules' subcommands
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's listing, from ``LAZY_COMMANDS``'s help for the commands not imported: ``--help`` imports none."""
        commands = [(name, self.commands.get(name) or click.Command(name, help=LAZY_COMMANDS[name].help))
                    for name in self.list_commands(ctx)]
        commands = [(name, command) for name, command in commands if not command.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _command in commands)
            with formatter.section(_("Commands")):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])


def load(lazy: LazyCommand) -> None:
    """Imports a command's modules (each registers its part on ``cli``); nothing when they already are."""
    fresh = False
    for module in lazy.modules:
        if module not in sys.modules:
            importlib.import_module(module)
            fresh = True
    if fresh and _freeze_loaded:
        gc.freeze()


@click.group(cls=LettrageGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--company", "company", metavar="REF", default=None, help="Client company (default: the default one).")
@click.version_option(package_name="lettrage")
@click.pass_context
def cli(ctx: click.Context, company: str | None) -> None:
    """lettrage: import bank statements, match payments with invoices, remind only what is unpaid."""
    from worker.settings import get_settings

    ctx.obj = AppContext(get_settings())


def register_commands() -> None:
    """Imports every command module (each registers its commands on ``cli``): the tests' runner, and whatever
    walks ``cli.commands``; ``lettrage`` itself imports a command's modules when it is looked up."""
    for lazy in LAZY_COMMANDS.values():
        load(lazy)


def fewer_collections() -> None:
    """Tunes the garbage collector for a command's process: a command holds up to hundreds of thousands of rows
    (invoices, lines, decisions) that live until it ends, and with the default thresholds (a collection every
    700 new objects) ``lettrage match`` on 100,000 lines spent a third of its time collecting, finding almost
    nothing. What start-up loaded (modules, tables: here, and when the command's modules are imported) is
    frozen out of the collections; cycles are still collected, every 100,000 new objects."""
    global _freeze_loaded
    _freeze_loaded = True
    gc.freeze()
    gc.set_threshold(100_000, 20, 10)


def main() -> None:
    fewer_collections()
    try:
        cli.main(prog_name="lettrage", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)

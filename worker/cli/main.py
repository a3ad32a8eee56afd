"""The ``lettrage`` command line: a public contract (see CONTRACT.md); keep commands, flags and keys stable."""
from __future__ import annotations

import functools
import gc
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

import click
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from connectors.errors import ConnectorError
from reminders.errors import ReminderError
from worker.clock import today as clock_today
from worker.errors import LettrageError
from worker.settings import Settings, get_settings


class AppContext:
    """What every command needs: the settings (read once) and the database, opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clock = settings.clock
        self._engine: Engine | None = None

    def today(self, timezone: str | None = None) -> date:
        """Today by the clock, in ``timezone`` (default the deployment's)."""
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


class LettrageGroup(click.Group):
    """Turns every expected failure into one line on stderr and a non-zero exit, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except (LettrageError, ConnectorError, ReminderError) as exc:
            click.echo(f"error: {one_line(exc)}", err=True)
            sys.exit(1)
        except SQLAlchemyError as exc:
            reason = getattr(exc, "orig", None) or exc
            click.echo(f"error: database: {one_line(reason)}", err=True)
            sys.exit(1)
        except OSError as exc:
            click.echo(f"error: {exc.filename or ''}: {exc.strerror or one_line(exc)}".replace("error: : ", "error: "),
                       err=True)
            sys.exit(1)


@click.group(cls=LettrageGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--company", "company", metavar="REF", default=None, help="Client company (default: the default one).")
@click.version_option(package_name="lettrage")
@click.pass_context
def cli(ctx: click.Context, company: str | None) -> None:
    """lettrage: import bank statements, match payments with invoices, remind only what is unpaid."""
    ctx.obj = AppContext(get_settings())


def register_commands() -> None:
    """Imports every command module (each registers its commands on ``cli``): ``main`` and the tests' runner."""
    from worker.cli import (  # noqa: F401 - each module registers its commands
        accounts_cmds,
        commands,
        credit_note_cmds,
        documents_cmds,
        einvoicing_cmds,
        einvoicing_incoming_cmds,
        forecast_cmds,
        operations,
        payments_cmds,
        reports_cmds,
        residuals_cmds,
        review_cmds,
        tokens_cmds,
        users_cmds,
        worklist_cmds,
    )


def fewer_collections() -> None:
    """Tunes the garbage collector for a command's process: a command holds up to hundreds of thousands of rows
    (invoices, lines, decisions) that live until it ends, and with the default thresholds (a collection every
    700 new objects) ``lettrage match`` on 100,000 lines spent a third of its time collecting, finding almost
    nothing. What start-up loaded (modules, tables) is frozen out of the collections; cycles are still
    collected, every 100,000 new objects."""
    gc.freeze()
    gc.set_threshold(100_000, 20, 10)


def main() -> None:
    register_commands()
    fewer_collections()
    try:
        cli.main(prog_name="lettrage", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)

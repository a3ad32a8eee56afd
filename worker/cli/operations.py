"""Commands that run the pipeline or the processes: demo, worker, scheduler."""
from __future__ import annotations

import sys

import click

from worker.cli.main import AppContext, cli, company_option, json_option, pass_app
from worker.cli.output import console, money, print_json
from worker.errors import ConfigurationError


@cli.command("demo")
@json_option
@company_option
@pass_app
def demo(app: AppContext, as_json: bool, company: str | None) -> None:
    """A fresh demo company (its own database under var/demo/), synced, with a readable summary."""
    from worker.cli.summary import print_aged_balance, print_sync_summary
    from worker.workflows.demo import run_demo

    today = app.today()
    with console.status("Building the demo company and syncing it…"):
        report, _engine = run_demo(app.settings, today)
    if as_json:
        data = report.sync.as_json()
        data.update({"database_url": report.database_url, "invoices_imported": report.invoices.imported,
                     "invoices_settled": report.settled, "invoices_partially_paid": report.partially_paid,
                     "einvoices": report.einvoices,
                     "einvoice_statuses": report.statuses,
                     "aged_balance": {b: {"count": v["count"], "amount": money(v["amount"])}  # type: ignore[arg-type]
                                      for b, v in report.aged.items()}})
        print_json(data)
        return
    console.print(f"[bold]Demo company[/] Atelier Lumière SARL — {report.invoices.imported} invoices imported")
    print_sync_summary(report.sync)
    console.print(f"Invoices settled in full: {report.settled}; partially paid: {report.partially_paid}")
    if report.einvoices:
        console.print(f"E-invoices (Factur-X, CII, UBL): {sum(report.einvoices.values())} read "
                      "into the invoices they reissue")
    if report.statuses:
        from worker.cli.output import print_table

        console.print(f"E-invoicing statuses it would send its platform: {len(report.statuses)}")
        print_table(None, ["invoice", "status", "received on", "amount", "per VAT rate"],
                    [(s["invoice"], f"{s['code']} {s['label']}", s["at"], money(s["amount"]),  # type: ignore[arg-type]
                      ", ".join(f"{a['rate']} %: {a['amount']}" for a in s["amounts"]))  # type: ignore[attr-defined]
                     for s in report.statuses], right=["amount"])
    print_aged_balance(report.aged, today)
    console.print(f"Explore it: LETTRAGE_DATABASE_URL={report.database_url} .venv/bin/lettrage "
                  f"--company atelier-lumiere review list")


@cli.command("worker")
@click.option("--processes", default=1, show_default=True, help="Worker processes.")
@click.option("--threads", default=4, show_default=True, help="Threads per process.")
@click.option("--shutdown-timeout", default=600.0, show_default=True, type=float,
              help="On SIGTERM, seconds the tasks under way have to finish before the worker stops anyway.")
@company_option
@pass_app
def worker_command(app: AppContext, processes: int, threads: int, shutdown_timeout: float,
                   company: str | None) -> None:
    """Run the dramatiq worker (needs LETTRAGE_BROKER_URL); logs are JSON lines on stderr.

    SIGTERM (or Ctrl-C) stops it gracefully: it takes no new task, the tasks under way finish,
    and the ones it had fetched but not started go back to the broker.
    """
    if not app.settings.broker_url:
        raise ConfigurationError("LETTRAGE_BROKER_URL is not set: the worker needs a broker (redis:// or amqp://)")
    from dramatiq.cli import main as dramatiq_main

    from worker.logging import json_logs_for_dramatiq

    json_logs_for_dramatiq()
    sys.argv = ["dramatiq", "worker.actors", "--processes", str(processes), "--threads", str(threads),
                "--worker-shutdown-timeout", str(int(shutdown_timeout * 1000))]
    raise SystemExit(dramatiq_main())


@cli.command("scheduler")
@click.option("--once", is_flag=True, help="Enqueue what is due now and exit.")
@click.option("--interval", default=30.0, show_default=True, type=float, help="Seconds between two passes.")
@click.option("--requeue-after", default=900.0, show_default=True, type=float,
              help="Seconds a task may be owed but unseen before it is sent again (a broker that lost it).")
@company_option
@pass_app
def scheduler_command(app: AppContext, once: bool, interval: float, requeue_after: float,
                      company: str | None) -> None:
    """Enqueue the daily sync of every company at LETTRAGE_SYNC_TIME in its time zone; logs are JSON lines."""
    from worker.logging import configure_json_logging
    from worker.scheduler import run_scheduler

    configure_json_logging()
    run_scheduler(app.settings, app.engine, once=once, interval=interval, requeue_after=requeue_after)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@company_option
@pass_app
def serve(app: AppContext, host: str, port: int, company: str | None) -> None:
    """Serve the HTTP API, the web pages, /health, /ready and /metrics; logs are JSON lines."""
    import uvicorn

    from worker.api.app import create_app
    from worker.api.exposure import uvicorn_options  # X-Forwarded-For only from LETTRAGE_TRUSTED_PROXIES
    from worker.logging import UVICORN_LOG_CONFIG

    uvicorn.run(create_app(app.settings), host=host, port=port, log_level="info", log_config=UVICORN_LOG_CONFIG,
                **uvicorn_options(app.settings))


from worker.cli import tasks_cmds  # noqa: F401 - registers ``lettrage tasks``

"""The commands of the contract: companies, invoices, statements, match, matches, review, reminders, sync."""
from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from worker.cli.main import AppContext, cli, company_option, current_app, deferred, json_option, pass_app
from worker.cli.output import console, err_console, money, print_json, print_table
from worker.errors import FutureDay, LettrageError
from worker.invoices.invoices import ZERO, InvoiceView, invoice_views, settlement
from worker.workflows.invoice_import import ImportCounts, import_invoice_file

if TYPE_CHECKING:
    from worker.access.companies import add_company, list_companies, resolve_company
    from worker.db.repository import Repository
    from worker.db.review_candidates import Candidate
    from worker.db.uow import unit_of_work
else:  # the ORM, SQLModel and the tables, imported on first call: `invoices list` reads without them (below);
    # documents_cmds, residuals_cmds and review_cmds, loaded with `invoices`, take these names from here
    Repository = deferred("worker.db.repository", "Repository")
    unit_of_work = deferred("worker.db.uow", "unit_of_work")
    add_company = deferred("worker.access.companies", "add_company")
    list_companies = deferred("worker.access.companies", "list_companies")
    resolve_company = deferred("worker.access.companies", "resolve_company")

# Matching, dunning, sync (SFTP, mail, PDF letters) and the progress bar are imported by the commands that use
# them: `lettrage invoices list` starts without them (tests/unit/test_cli_help.py, benchmarks/test_cli_startup.py).

ISO_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise LettrageError(f"{path}: {exc.strerror or exc}") from None


# -- companies ------------------------------------------------------------
@cli.group()
def companies() -> None:
    """The client companies served by this deployment."""


def _company_json(c: Any) -> dict[str, Any]:
    return {"ref": c.ref, "name": c.name, "default": c.is_default}


@companies.command("add")
@click.argument("ref")
@click.option("--name", default=None, help="The company's name.")
@json_option
@company_option
@pass_app
def companies_add(app: AppContext, ref: str, name: str | None, as_json: bool, company: str | None) -> None:
    """Add a client company."""
    with unit_of_work(app.engine) as session:
        created = add_company(session, ref, name)
        data = _company_json(created)
    if as_json:
        print_json([data])
    else:
        console.print(f"Company [bold]{ref}[/] added" + (" (default)" if data["default"] else ""))


@companies.command("list")
@json_option
@company_option
@pass_app
def companies_list(app: AppContext, as_json: bool, company: str | None) -> None:
    """List the client companies."""
    with unit_of_work(app.engine) as session:
        resolve_company(session, None)  # the default one exists from first use
        rows = [_company_json(c) for c in list_companies(session)]
    if as_json:
        print_json(rows)
    else:
        print_table("Companies", ["ref", "name", "default"], [(r["ref"], r["name"], "yes" if r["default"] else "")
                                                             for r in rows])


# -- invoices -------------------------------------------------------------
@cli.group()
def invoices() -> None:
    """Invoices from the billing tool."""


@invoices.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@json_option
@company_option
@pass_app
def invoices_import(app: AppContext, files: tuple[str, ...], as_json: bool, company: str | None) -> None:
    """Upsert invoices from CSV or JSON exports, or e-invoices (Factur-X PDF, CII, UBL); a bad file is rejected whole."""
    total = ImportCounts()
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        from worker.invoices.document_sources import document_sources

        sources = document_sources(app.settings, repo.company.ref)
        for path in files:
            total = total + import_invoice_file(repo, _read(path), path, sources=sources)
        from worker.dunning.reminder_customers import flag_payment_terms

        flagged = flag_payment_terms(repo)
    data: dict[str, object] = {"imported": total.imported, "updated": total.updated, "unchanged": total.unchanged}
    if total.documents_refused:  # invoices imported without the document their pdf named (document_sources)
        data["documents_refused"] = [r.as_json() for r in total.documents_refused]
    if as_json:
        print_json(data)
    else:
        console.print(f"Invoices: {total.imported} imported, {total.updated} updated, {total.unchanged} unchanged")
    for number, issue in flagged:  # on stderr, and once in the audit log (`customers history`)
        err_console.print(f"warning: {number}: {issue}", highlight=False, soft_wrap=True)
    for warning in total.warnings:  # a customer's IBAN that is a bank account of a company (bank_accounts)
        err_console.print(f"warning: {warning}", highlight=False, soft_wrap=True, markup=False)
    for refusal in total.documents_refused:
        err_console.print(f"warning: {refusal.line()}", highlight=False, soft_wrap=True, markup=False)


def _listed_invoices(app: AppContext, company: str | None) -> list[InvoiceView] | None:
    """``invoice_views`` read with SQLAlchemy Core (worker/db/invoice_list.py): the same views, without importing
    the ORM, SQLModel and the table classes (0.3 s of the list's start-up, issue 17). None when the company is
    not there as asked: ``resolve_company`` then creates the default one, or says which one is unknown."""
    from worker.db.invoice_list import read_invoice_list

    with app.engine.connect() as conn:
        found = read_invoice_list(conn, company)
    if found is None:
        return None
    views = []
    for invoice in found.invoices:  # as worker.invoices.invoices._views
        paid = found.paid.get(invoice.id, ZERO)
        credited = (found.used if invoice.kind == "credit_note" else found.credited).get(invoice.id, ZERO)
        status, open_amount = settlement(invoice, paid, credited)
        views.append(InvoiceView(invoice, found.customer_refs.get(invoice.customer_id, "?"), paid, open_amount,
                                 status, credited))
    return views


@invoices.command("list")
@click.option("--open", "only_open", is_flag=True, help="Only invoices with money still owed.")
@json_option
@company_option
@pass_app
def invoices_list(app: AppContext, only_open: bool, as_json: bool, company: str | None) -> None:
    """Invoices with what is paid and what is still open."""
    views = _listed_invoices(app, company)
    if views is None:  # the default company to create (first use), or an unknown one: as every command does
        with unit_of_work(app.engine) as session:
            views = invoice_views(Repository(session, resolve_company(session, company)))
    if only_open:
        views = [v for v in views if v.open > 0]
    rows = [{"number": v.invoice.number, "customer_ref": v.customer_ref, "amount": money(v.invoice.amount),
             "paid": money(v.paid), "open": money(v.open), "status": v.status,
             "due_on": v.invoice.due_on.isoformat(), "issued_on": v.invoice.issued_on.isoformat(),
             "currency": v.invoice.currency} for v in views]
    if as_json:
        print_json(rows)
        return
    print_table(f"Invoices ({len(rows)})", ["number", "customer", "due on", "amount", "paid", "open", "status"],
                [(r["number"], r["customer_ref"], r["due_on"], r["amount"], r["paid"], r["open"], r["status"])
                 for r in rows], right=["amount", "paid", "open"])


# -- statements -----------------------------------------------------------
@cli.group()
def statements() -> None:
    """Bank statements."""


@statements.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--account", default=None, metavar="IBAN", help="Account of files that name none.")
@json_option
@company_option
@pass_app
def statements_import(app: AppContext, files: tuple[str, ...], account: str | None, as_json: bool,
                      company: str | None) -> None:
    """Import statement files (OFX, CAMT.053, CSV); each file all or nothing, each line once."""
    from worker.cli.progress_output import cli_progress, progress_bar
    from worker.workflows.sync import import_paths

    with progress_bar(err_console, disable=as_json or (len(files) < 2 and not err_console.is_terminal)) as progress:
        # the files (when several), and a large file's lines with their rate and the time left (worker.progress)
        task = progress.add_task("Importing statements", total=len(files), visible=len(files) > 1, unit="files")
        with cli_progress(as_json, *_runs(app, company, "import"), bar=progress):
            # Read from disk inside each file's import: a large CAMT file is streamed, not held in memory.
            outcomes = import_paths(app.engine, company, files, account=account,
                                    on_done=lambda _o: progress.advance(task), clock=app.clock)
    if as_json:
        print_json([o.as_json() for o in outcomes])
    else:
        print_table("Statement import", ["file", "format", "status", "added", "skipped", "error"],
                    [(Path(o.file).name, o.format, o.status, o.lines_added, o.lines_skipped,
                      (o.error or "").removeprefix(f"{o.file}: ")) for o in outcomes],
                    right=["added", "skipped"])
        for o in outcomes:
            for identifier in o.new_accounts:
                console.print(f"New bank account registered: [bold]{identifier}[/] (from {o.file})")
            for warning in o.warnings:
                err_console.print(f"warning: {o.file}: {warning}", highlight=False, markup=False, soft_wrap=True)
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        for o in failed:
            click.echo(f"error: {o.error}", err=True)
        raise SystemExit(1)


@statements.command("list")
@json_option
@company_option
@pass_app
def statements_list(app: AppContext, as_json: bool, company: str | None) -> None:
    """Every imported statement line."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        accounts = {a.id: a.identifier for a in repo.bank_accounts()}
        rows: list[dict[str, Any]] = [
            {"bank_ref": ln.bank_ref, "account": accounts.get(ln.bank_account_id), "booked_on": ln.booked_on,
             "value_on": ln.value_on, "amount": money(ln.amount), "currency": ln.currency,
             "counterparty": ln.counterparty, "counterparty_iban": ln.counterparty_iban, "text": ln.text,
             "reference": ln.reference, "state": ln.state} for ln in repo.lines()]
    if as_json:
        print_json(rows)
        return
    print_table(f"Statement lines ({len(rows)})", ["booked", "amount", "counterparty", "text", "state"],
                [(r["booked_on"], r["amount"], r["counterparty"], (r["text"] or "")[:60], r["state"]) for r in rows],
                right=["amount"])


def _runs(app: AppContext, company: str | None, kind: str) -> tuple[Path, str, str, Any]:
    """Where the company's running state is written (worker.progress), its ref, the kind of run and the clock."""
    with unit_of_work(app.engine) as session:
        ref = resolve_company(session, company).ref
    return app.settings.data_dir / "runs", ref, kind, app.clock


# -- matching -------------------------------------------------------------
@cli.command("match")
@json_option
@company_option
@pass_app
def match(app: AppContext, as_json: bool, company: str | None) -> None:
    """Match every unmatched incoming line with open invoices."""
    from worker.cli.progress_output import cli_progress
    from worker.reconciliation.matching import run_matching

    with cli_progress(as_json, *_runs(app, company, "matching")), unit_of_work(app.engine) as session:
        counts = run_matching(Repository(session, resolve_company(session, company)),
                              default_tolerance=app.settings.amount_tolerance)
    if as_json:
        print_json(counts.as_json())
    else:
        console.print(f"Matched: {counts.auto} automatically, {counts.review} sent to review, "
                      f"{counts.unmatched} unmatched")


@cli.group()
def matches() -> None:
    """Allocations of payments to invoices."""


@matches.command("list")
@json_option
@company_option
@pass_app
def matches_list(app: AppContext, as_json: bool, company: str | None) -> None:
    """Allocations: which line paid which invoice, how sure, decided by whom."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        allocations = repo.live_allocations()
        lines = repo.lines_by_id(a.line_id for a in allocations)
        invoices = repo.invoices_by_id(a.invoice_id for a in allocations)
        rows: list[dict[str, Any]] = [
            {"id": a.id, "bank_ref": lines[a.line_id].bank_ref, "booked_on": lines[a.line_id].booked_on,
             "line_amount": money(lines[a.line_id].amount), "invoice": invoices[a.invoice_id].number,
             "allocated": money(a.amount), "write_off": money(a.write_off),
             "write_off_kind": a.write_off_kind, "status": a.status, "score": a.score, "reasons": a.reasons,
             "decided_by": a.decided_by} for a in allocations]
    if as_json:
        print_json(rows)
        return
    print_table(f"Allocations ({len(rows)})", ["id", "booked", "line", "amount", "invoice", "allocated", "status", "score"],
                [(r["id"], r["booked_on"], r["bank_ref"][:24], r["line_amount"], r["invoice"], r["allocated"], r["status"],
                  f"{r['score']:.2f}") for r in rows], right=["id", "amount", "allocated", "score"])


@cli.group()
def review() -> None:
    """The review queue: lines the matcher was not sure about."""


def _candidate_out(candidate: Candidate) -> dict[str, Any]:
    """A stored candidate as ``review list --json`` gives it: the matcher stores its amounts as ``str(Decimal)``,
    so a write-off of nothing read "0" where the contract wants "0.00"; items stored so stay in the database,
    hence the formatting here rather than at the source. The keys are those stored, amounts written as money."""
    out = candidate.to_json()
    if candidate.allocated is not None:
        out["allocated"] = money(candidate.allocated)
    parts = []
    for part in candidate.parts:
        stored = part.to_json()
        stored["allocated"] = money(part.allocated)
        if part.write_off is not None:
            stored["write_off"] = money(part.write_off)
        parts.append(stored)
    out["invoices"] = parts
    return out


@review.command("list")
@json_option
@company_option
@pass_app
def review_list(app: AppContext, as_json: bool, company: str | None) -> None:
    """Pending review items with their ranked candidates and reasons."""
    from worker.db.review_candidates import candidate_list

    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        items = repo.review_items("pending")
        lines = repo.lines_by_id(i.line_id for i in items)
        rows: list[dict[str, Any]] = [
            {"id": i.id, "bank_ref": lines[i.line_id].bank_ref, "booked_on": lines[i.line_id].booked_on,
             "line_amount": money(lines[i.line_id].amount), "counterparty": lines[i.line_id].counterparty,
             "text": lines[i.line_id].text, "candidates": [_candidate_out(c) for c in candidate_list(i)],
             "reasons": i.reasons} for i in items]
    if as_json:
        print_json(rows)
        return
    console.print(f"[bold]Review queue[/] ({len(rows)} pending)")
    for r in rows:
        text = " ".join((r["text"] or "").split())
        console.print(f"\n[bold]#{r['id']}[/]  {r['booked_on']}  [bold]{r['line_amount']}[/]  "
                      f"{r['counterparty'] or '(no payer name)'}  [dim]{text[:70]}[/]", highlight=False)
        for rank, c in enumerate(r["candidates"], 1):
            console.print(f"    {rank}. {c['invoice']}  {c['allocated']}  score {c['score']:.2f}", highlight=False)
            for reason in c["reasons"]:
                console.print(f"         [dim]- {reason}[/]", highlight=False)


# -- reminders ------------------------------------------------------------
@cli.group()
def reminders() -> None:
    """Dunning: what to send, and sending it."""


def _as_of(value: Any) -> date:
    """The ``--as-of`` given, else today by the deployment's clock (``LETTRAGE_NOW`` fixes it)."""
    if value is not None:
        return value.date()
    return current_app().today()


@reminders.command("plan")
@click.option("--as-of", "as_of", type=ISO_DATE, default=None, help="Day to plan for (YYYY-MM-DD; default today).")
@click.option("--held", "only_held", is_flag=True,
              help="List the invoices held back instead ([{invoice, customer_ref, open, currency, reason, "
                   "held_until}] with --json).")
@click.option("--passed-over", "only_passed_over", is_flag=True,
              help="List the levels passed over and the channels dropped instead ([{customer_ref, invoices, level, "
                   "channels, currency, reason, kind}] with --json; kind: level or channels).")
@json_option
@company_option
@pass_app
def reminders_plan(app: AppContext, as_of: Any, only_held: bool, only_passed_over: bool, as_json: bool,
                   company: str | None) -> None:
    """What would be sent on the day, which unpaid invoices are held back, why and until when, and which levels
    cannot reach a customer."""
    if only_held and only_passed_over:
        raise click.UsageError("--held and --passed-over list different things: give one of them")
    from worker.dunning.reminders import plan_reminders

    day = _as_of(as_of)
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        result = plan_reminders(repo, day)
        from worker.dunning.penalty_settings import plan_rates

        rates = plan_rates(repo, result.planned, day, app.settings)  # formal notices and legal files
    if result.bank_data_hold is not None:  # nothing leaves automatically on stale or missing bank data
        err_console.print(f"held: nothing is sent automatically: {result.bank_data_hold}", highlight=False,
                          soft_wrap=True, markup=False)
    if only_held:
        held = [{"invoice": h.number, "customer_ref": h.customer_ref, "open": money(h.open_amount),
                 "currency": h.currency, "reason": h.reason,
                 "held_until": h.hold_until.isoformat() if h.hold_until else None} for h in result.held]
        if as_json:
            print_json(held)
        else:
            print_table(f"Held back on {day} ({len(held)})", ["invoice", "customer", "open", "until", "why"],
                        [(h["invoice"], h["customer_ref"], h["open"], h["held_until"] or "", h["reason"])
                         for h in held], right=["open"])
        return
    if only_passed_over:
        from worker.dunning.plan_view import passed_over

        skipped = passed_over(result)
        if as_json:
            print_json(skipped)
        else:
            print_table(f"Passed over on {day} ({len(skipped)})", ["customer", "level", "channels", "invoices", "why"],
                        [(s["customer_ref"], s["level"] if s["kind"] == "level" else f"{s['level']} (in part)",
                          ", ".join(s["channels"]), ", ".join(s["invoices"]), s["reason"]) for s in skipped])
        return
    rows: list[dict[str, Any]] = [
        {"customer_ref": p.customer_ref, "invoices": list(p.invoice_numbers), "level": p.level,
         "channel": p.channel, "amount_due": money(p.amount_due), "currency": p.currency,
         "unallocated": money(p.unallocated), "reasons": list(p.reasons), "profile": p.profile, "approval": result.approval(p), "key": p.key,
         "retry": p.retry_of is not None,
         "warnings": [f"{n}: {result.warnings[n]}" for n in p.invoice_numbers if n in result.warnings],
         "provisional_rates": list(rates.provisional.get(p.key, ())),
         "penalty_suggestion": rates.suggestions.get(p.key)}
        for p in result.planned]
    if rates.warning:  # the day's half-year missing from the rate tables, or not confirmed yet
        err_console.print(f"warning: {rates.warning}", highlight=False, soft_wrap=True, markup=False)
    for key, line in rates.suggestions.items():
        err_console.print(f"suggestion: {key}: {line}", highlight=False, soft_wrap=True, markup=False)
    if as_json:
        print_json(rows)
        return
    print_table(f"Reminders planned for {day} ({len(rows)})",
                ["customer", "profile", "level", "channel", "amount due", "invoices", "approval"],
                [(r["customer_ref"], r["profile"], r["level"], r["channel"], r["amount_due"], ", ".join(r["invoices"]),
                  "" if r["approval"] == "not_required" else r["approval"]) for r in rows], right=["amount due"])
    if result.held:
        # A reason shared by many invoices (a weekend, a holiday) is said once, not once per invoice.
        counts = Counter(h.reason for h in result.held)
        shared = {reason for reason, n in counts.items() if n > 5 or (n > 1 and len(counts) == 1)}
        for reason in sorted(shared):
            count = sum(h.reason == reason for h in result.held)
            console.print(f"Held back: {count} invoices: {reason}", highlight=False)
        rest = [h for h in result.held if h.reason not in shared]
        if rest:
            print_table(f"Held back ({len(rest)})", ["invoice", "customer", "open", "until", "why"],
                        [(h.number, h.customer_ref, money(h.open_amount),
                          h.hold_until.isoformat() if h.hold_until else "", h.reason) for h in rest],
                        right=["open"])
    if result.skipped:  # levels or channels that cannot reach the customer: a task on the worklist
        print_table(f"Passed over ({len(result.skipped)})", ["customer", "level", "invoices", "why"],
                    [(s.customer_ref, s.level, ", ".join(s.invoice_numbers), s.reason) for s in result.skipped])
    for number, warning in sorted(result.warnings.items()):
        err_console.print(f"warning: {number}: {warning}")


def _login() -> str:
    """``cli:<login>``: the person at the terminal, for the audit log."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@reminders.command("send")
@click.option("--as-of", "as_of", type=ISO_DATE, default=None, help="Day to send for (YYYY-MM-DD; default today).")
@click.option("--despite-stale-bank-data", "despite_stale", is_flag=True,
              help="Send even though the bank data is older than the company's limit or missing (recorded in the "
                   "audit log with your name).")
@click.option("--by", "author", default=None,
              help="Who sends despite stale bank data, kept in the audit log (default cli:<your login>).")
@json_option
@company_option
@pass_app
def reminders_send(app: AppContext, as_of: Any, despite_stale: bool, author: str | None, as_json: bool,
                   company: str | None) -> None:
    """Send what is due on the day; each reminder at most once, so it is safe to run twice.

    Nothing is sent while the bank data of an account customers pay into is older than the company's limit
    (``[bank] max_age_business_days``, default 2 business days) or missing: the reason is said in one line."""
    from worker.bootstrap import company_channels
    from worker.dunning.reminders import send_reminders

    day = _as_of(as_of)
    with unit_of_work(app.engine) as session:
        found = resolve_company(session, company)
        ref, today = found.ref, app.today(found.timezone)
    if day > today:
        # A reminder dated in the future would reach the customer today, before its day has come.
        raise FutureDay(f"--as-of {day} is in the future (today is {today} in {found.timezone}): "
                        "reminders are sent for today or a past day only")
    s = app.settings
    channels = company_channels(s, ref)
    # Sending for today keeps to the company's sending window; a given --as-of is a run for that day.
    report = send_reminders(app.engine, ref, day, channels, s.mail_from, now=None if as_of else app.clock.now(),
                            template_dir=s.templates_dir, despite_stale_bank_data=despite_stale,
                            actor=(author or _login()) if despite_stale else "lettrage")
    if report.held is not None:  # one line, whatever the output: cron mails stderr
        err_console.print(f"nothing sent: {report.held} (or send anyway: lettrage reminders send "
                          "--despite-stale-bank-data)", highlight=False, soft_wrap=True, markup=False)
    rows = [r.as_json() for r in report.results]
    if as_json:
        print_json(rows)
    else:
        print_table(f"Reminders for {day}", ["customer", "level", "channel", "amount due", "status", "detail"],
                    [(r["customer_ref"], r["level"], r["channel"], r["amount_due"], r["status"],
                      r["detail"] or r["delivery"]) for r in rows], right=["amount due"])
    if report.count("failed"):
        raise SystemExit(1)


# -- sync -----------------------------------------------------------------
@cli.command("sync")
@click.option("--as-of", "as_of", type=ISO_DATE, default=None, help="Business day (default: today in the company's zone).")
@click.option("--no-send", is_flag=True, help="Plan reminders but send none.")
@json_option
@company_option
@pass_app
def sync_command(app: AppContext, as_of: Any, no_send: bool, as_json: bool, company: str | None) -> None:
    """The whole pipeline once: pull statements, import, match, plan and send reminders."""
    from worker.cli.progress_output import cli_progress
    from worker.workflows.sync import sync

    with cli_progress(as_json):  # a large file's import and the matching: a bar on a terminal
        summary = sync(app.engine, app.settings, company, as_of=as_of.date() if as_of else None, send=not no_send)
    data = summary.as_json()
    if as_json:
        print_json(data)
    else:
        from worker.cli.summary import print_sync_summary

        print_sync_summary(summary)
    # Whatever could be done was done; what could not is said on stderr and in the exit status,
    # so that cron and monitoring notice a quarantined file or an unreachable bank.
    for f in summary.files:
        if f.status == "failed":
            click.echo(f"error: {f.error} (quarantined)", err=True)
    for failure in summary.source_errors:
        click.echo(f"error: source {failure.source}: {failure.error}", err=True)
    if any(f.status == "failed" for f in summary.files) or summary.source_errors:
        raise SystemExit(1)


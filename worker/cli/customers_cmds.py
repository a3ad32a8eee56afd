"""`lettrage customers` (history, pause, resume, profile) and `lettrage reminders approve|policy|calls`."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, cast

import click

from worker.access.companies import resolve_company
from worker.cli.commands import ISO_DATE, _as_of, _read, pass_app, reminders
from worker.cli.main import AppContext, cli, company_option, json_option
from worker.cli.output import console, money, print_json, print_table
from worker.db.repository import Repository
from worker.db.uow import unit_of_work
from worker.dunning import reminder_customers as dunning
from worker.errors import LettrageError

ACTOR = "cli"


def _day(value: Any) -> date | None:
    return value.date() if value is not None else None


# -- reminders approve / policy / calls -------------------------------------
@reminders.command("approve")
@click.option("--as-of", "as_of", type=ISO_DATE, default=None, help="Day of the plan to approve (default today).")
@click.option("--customer", "customers", multiple=True, metavar="REF", help="Only this customer (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Approve every planned message, not only those waiting.")
@click.option("--by", "actor", default=ACTOR, show_default=True, help="Who approves (kept in the audit log).")
@json_option
@company_option
@pass_app
def reminders_approve(app: AppContext, as_of: Any, customers: tuple[str, ...], everything: bool, actor: str,
                      as_json: bool, company: str | None) -> None:
    """Approve the planned reminders that wait for a person (key accounts, or every one when the company
    requires approval); `reminders send` then sends them, while their invoices stay the same."""
    day = _as_of(as_of)
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        approved = dunning.approve_reminders(repo, day, list(customers) or None, actor, everything)
    rows: list[dict[str, Any]] = [
        {"customer_ref": p.customer_ref, "invoices": list(p.invoice_numbers), "level": p.level,
         "amount_due": money(p.amount_due), "currency": p.currency, "key": p.key} for p in approved]
    if as_json:
        print_json(rows)
        return
    print_table(f"Approved for {day} ({len(rows)})", ["customer", "level", "amount due", "invoices"],
                [(r["customer_ref"], r["level"], r["amount_due"], ", ".join(r["invoices"])) for r in rows],
                right=["amount due"])


@reminders.command("bounce")
@click.argument("message_id")
@click.option("--reason", default="undeliverable", show_default=True, help="What the bounce said.")
@json_option
@company_option
@pass_app
def reminders_bounce(app: AppContext, message_id: str, reason: str, as_json: bool, company: str | None) -> None:
    """Record that the email MESSAGE_ID bounced: its level goes out again by the fallback channel."""
    from worker.dunning.reminder_outbox import record_bounce

    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        outcome = record_bounce(repo, message_id, reason, ACTOR)
    if as_json:
        print_json({"message_id": message_id, "outcome": outcome})
    else:
        console.print(outcome)


@reminders.command("resolve")
@click.argument("message_id")
@click.option("--sent/--not-sent", "sent", required=True,
              help="What checking the mailbox (or the provider) showed for this message.")
@click.option("--as-of", "as_of", type=ISO_DATE, default=None, help="Send it again from this day (--not-sent).")
@json_option
@company_option
@pass_app
def reminders_resolve(app: AppContext, message_id: str, sent: bool, as_of: Any, as_json: bool,
                      company: str | None) -> None:
    """Settle a reminder whose sender stopped while sending it (reported by `send` and `customers history`)."""
    from worker.dunning.reminder_outbox import resolve_in_doubt

    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        outcome = resolve_in_doubt(repo, message_id, sent, _as_of(as_of), ACTOR)
    if as_json:
        print_json({"message_id": message_id, "outcome": outcome})
    else:
        console.print(outcome)


@reminders.command("policy")
@click.option("--set", "set_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Use this TOML dunning policy for the company (checked first).")
@click.option("--standard", is_flag=True, help="Go back to the standard policy.")
@json_option
@company_option
@pass_app
def reminders_policy(app: AppContext, set_file: str | None, standard: bool, as_json: bool, company: str | None) -> None:
    """Show the company's dunning policy, or set it from a TOML file (see reminders/policy.py)."""
    from reminders.policy import load_policy  # noqa: F401 - errors are ReminderError, one line

    if set_file and standard:
        raise click.UsageError("--set and --standard exclude each other")
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        if set_file or standard:
            dunning.set_policy(repo, _read(set_file).decode("utf-8") if set_file else None, ACTOR)
        policy = dunning.company_policy(repo.company)
    data = {"name": policy.name, "min_days_between": policy.min_days_between,
            "require_approval": policy.require_approval, "business_days_only": policy.business_days_only,
            "country": policy.country,
            "send_window": "-".join(f"{t:%H:%M}" for t in policy.send_window) if policy.send_window else "",
            "levels": [{"code": lv.code, "offset_days": lv.offset_days, "channels": list(lv.channels)}
                       for lv in policy.levels],
            "profiles": [p.name for p in policy.profiles]}
    if as_json:
        print_json(data)
        return
    console.print(f"Policy [bold]{policy.name}[/]: at least {policy.min_days_between} days between two reminders"
                  f"{', approval required' if policy.require_approval else ''}; window {data['send_window'] or 'any'}")
    print_table(None, ["level", "from", "channels"],
                [(lv.code, f"D{lv.offset_days:+d}", ", ".join(lv.channels)) for lv in policy.levels])


@reminders.command("calls")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False), default=None, help="Write the tasks as CSV.")
@click.option("--ics", "ics_file", type=click.Path(dir_okay=False), default=None, help="Write them as iCalendar.")
@json_option
@company_option
@pass_app
def reminders_calls(app: AppContext, csv_file: str | None, ics_file: str | None, as_json: bool,
                    company: str | None) -> None:
    """The phone tasks written by the `call` level, with their call script (also as CSV or iCalendar)."""
    from reminders.channels.phone import load_tasks, tasks_csv, tasks_ics

    with unit_of_work(app.engine) as session:
        ref = resolve_company(session, company).ref
    tasks = load_tasks(Path(app.settings.output_dir) / ref / "calls")
    if csv_file:
        Path(csv_file).write_bytes(tasks_csv(tasks))
    if ics_file:
        Path(ics_file).write_bytes(tasks_ics(tasks))
    if as_json:
        print_json(tasks)
        return
    # A task is the JSON reminders.channels.phone wrote: its phone and invoice numbers are lists of strings.
    print_table(f"Calls to make ({len(tasks)})", ["date", "customer", "phone", "level", "amount due", "invoices"],
                [(t["date"], f"{t['customer_ref']} {t['customer_name']}", " ".join(cast(list[str], t["phone_numbers"])),
                  t["level"], t["amount_due"], " ".join(cast(list[str], t["invoice_numbers"]))) for t in tasks],
                right=["amount due"])


# -- customers ----------------------------------------------------------------
@cli.group()
def customers() -> None:
    """Customers: the whole exchange with one, pauses, dunning profile."""


@customers.command("history")
@click.argument("ref")
@json_option
@company_option
@pass_app
def customers_history(app: AppContext, ref: str, as_json: bool, company: str | None) -> None:
    """Everything exchanged with customer REF: invoices, payments, every reminder (content, channel,
    outcome), approvals, pauses, profile changes; oldest first."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        events = dunning.customer_history(repo, ref)
    if as_json:
        print_json([e.as_json() for e in events])
        return
    print_table(f"History of {ref} ({len(events)})", ["when", "what", "who", "summary"],
                [(e.at.isoformat()[:16].replace("T", " "), e.kind, e.actor, e.summary) for e in events])


@customers.command("pause")
@click.argument("ref")
@click.option("--reason", type=click.Choice(dunning.PAUSE_REASONS), required=True,
              help="dispute, payment_plan (agreed schedule), promise (to pay by --until), other.")
@click.option("--until", "until", type=ISO_DATE, default=None, help="Last day paused (YYYY-MM-DD).")
@click.option("--invoice", "invoice", default=None, metavar="NUMBER", help="Pause only this invoice.")
@click.option("--note", default="", help="Free text kept with the pause.")
@json_option
@company_option
@pass_app
def customers_pause(app: AppContext, ref: str, reason: str, until: Any, invoice: str | None, note: str,
                    as_json: bool, company: str | None) -> None:
    """Stop reminding customer REF (or one invoice) for a reason, until a date or `customers resume`."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        row = dunning.pause(repo, ref, reason, _day(until), note, ACTOR, invoice)
        data = {"customer_ref": ref, "invoice": invoice, "reason": row.reason, "until": row.until, "note": row.note}
    if as_json:
        print_json(data)
    else:
        what = f"invoice {invoice} of {ref}" if invoice else ref
        console.print(f"Reminders to {what} paused ({reason})" + (f" until {row.until}" if row.until else ""))


@customers.command("resume")
@click.argument("ref")
@click.option("--invoice", "invoice", default=None, metavar="NUMBER", help="Resume only this invoice.")
@json_option
@company_option
@pass_app
def customers_resume(app: AppContext, ref: str, invoice: str | None, as_json: bool, company: str | None) -> None:
    """Lift the pauses of customer REF (or of one invoice)."""
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        lifted = dunning.resume(repo, ref, ACTOR, invoice)
    if as_json:
        print_json({"customer_ref": ref, "invoice": invoice, "lifted": lifted})
    else:
        console.print(f"{lifted} pause(s) lifted")
    if not lifted:
        raise LettrageError(f"{ref}{' ' + invoice if invoice else ''}: no active pause to lift")


def _offsets(values: tuple[str, ...]) -> dict[str, int]:
    out = {}
    for value in values:
        level, _, days = value.partition("=")
        try:
            out[level.strip()] = int(days)
        except ValueError:
            raise click.BadParameter(f"{value!r}: write LEVEL=DAYS, e.g. first_reminder=10",
                                     param_hint="--offset") from None
    return out


@customers.command("profile")
@click.argument("ref")
@click.option("--profile", "profile", type=click.Choice(["auto", "new", "standard", "loyal"]), default=None,
              help="Schedule profile; auto: by tenure and history.")
@click.option("--key-account/--no-key-account", default=None, help="Every reminder needs approval.")
@click.option("--consumer/--business", default=None, help="Consumer (B2C) wording, no B2B penalties.")
@click.option("--kind", "kind", type=click.Choice(["business", "consumer", "public"]), default=None,
              help="The customer's kind; public: a public body (intérêts moratoires, ECB + 8 points, L2192-13 CCP).")
@click.option("--language", type=click.Choice(["fr", "en"]), default=None)
@click.option("--phone", default=None, help="Phone number for calls and SMS.")
@click.option("--offset", "offsets", multiple=True, metavar="LEVEL=DAYS", help="Move a level for this customer.")
@click.option("--skip", "skip", multiple=True, metavar="LEVEL", help="Never send this level to this customer.")
@click.option("--min-gap", "min_gap", type=click.IntRange(min=0), default=None,
              help="Days between two reminders to this customer.")
@click.option("--clear-overrides", is_flag=True, help="Forget this customer's offsets, skips and gap.")
@json_option
@company_option
@pass_app
def customers_profile(app: AppContext, ref: str, profile: str | None, key_account: bool | None,
                      consumer: bool | None, kind: str | None, language: str | None, phone: str | None,
                      offsets: tuple[str, ...], skip: tuple[str, ...], min_gap: int | None, clear_overrides: bool,
                      as_json: bool, company: str | None) -> None:
    """Show customer REF's dunning settings, or change those given."""
    changing = any(v is not None for v in (profile, key_account, consumer, kind, language, phone, min_gap)) \
        or offsets or skip or clear_overrides
    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        if changing:
            data = dunning.set_profile(repo, ref, ACTOR, profile=profile, key_account=key_account, consumer=consumer,
                                       language=language, phone=phone, offsets=_offsets(offsets) or None,
                                       skip=list(skip) if skip else None, min_days_between=min_gap,
                                       clear_overrides=clear_overrides, kind=kind)
        else:
            data = dunning.profile_json(repo, dunning.customer_by_ref(repo, ref))
            session.rollback()
    if as_json:
        print_json(data)
        return
    print_table(f"Dunning settings of {ref}", ["setting", "value"], [(k, v) for k, v in data.items()])


@customers.group("plan")
def customers_plan() -> None:
    """Decide on a payment plan the customer asked on its page (one action each)."""


def _plan_decision(app: AppContext, decision: str, ref: str, note: str, as_json: bool, company: str | None) -> None:
    from worker.dunning.payment_plans import decide

    with unit_of_work(app.engine) as session:
        repo = Repository(session, resolve_company(session, company))
        done = decide(repo, ref, decision, ACTOR, app.clock.now(), note)
    if as_json:
        print_json(done.as_json())
    elif decision == "approve":
        console.print(f"Payment plan of {ref} approved ({len(done.instalments)} instalments): its invoices are "
                      f"paused (payment_plan) until {done.until}")
    else:
        console.print(f"Payment plan of {ref} refused: its reminders resume")


@customers_plan.command("approve")
@click.argument("ref")
@click.option("--note", default="", help="Free text kept with the decision.")
@json_option
@company_option
@pass_app
def customers_plan_approve(app: AppContext, ref: str, note: str, as_json: bool, company: str | None) -> None:
    """Approve customer REF's payment plan request: its invoices paused (payment_plan) until the last instalment
    plus the policy's notice_days. --json: {customer_ref, decision, invoices, instalments, until, note, by}."""
    _plan_decision(app, "approve", ref, note, as_json, company)


@customers_plan.command("refuse")
@click.argument("ref")
@click.option("--note", default="", help="Why (kept in the audit log and the customer's history).")
@json_option
@company_option
@pass_app
def customers_plan_refuse(app: AppContext, ref: str, note: str, as_json: bool, company: str | None) -> None:
    """Refuse customer REF's payment plan request: its pauses lifted, the reminders resume."""
    _plan_decision(app, "refuse", ref, note, as_json, company)

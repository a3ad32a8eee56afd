"""The promise benchmark: lettrage run day after day on eight months of a company, scored at the invoice and
reminder level (issue 15, item 8).

:func:`run_promise` creates a fresh database and, on each business day of the scenario
(``benchmarks/promise_data.py``) from 2 March to 30 October 2026, does what a user's daily run does, with an
explicit ``as_of`` (the wall clock is never read):

1. imports the billing tool's CSV export of the invoices and credit notes that reached it by that day
   (``import_invoice_file``, as ``lettrage invoices import``);
2. runs ``worker.workflows.sync.sync`` for the day: the bank's CAMT.053 of the movements booked since the
   last run (from an in-memory source), the matching, the profile moves, the reminder plan and the sending,
   through channels that keep nothing but refuse what the real ones refuse (:class:`BenchChannel`: an email
   without an address, a letter without a postal address; calls are the real call tasks, written to files);
3. scores the day against the truth (``benchmarks/promise_score.py``): the reminders just sent, the plan
   and holds left, the worklist (``build_worklist``), what lettrage shows each invoice settled by; each day's
   row is also appended to ``ROOT/progress.jsonl`` as it is scored (a run stopped early still tells).

``every`` runs one business day in ``every`` (the last day always runs): at 100,000 invoices the benchmark
runs weekly (``every=5``), which the score states. At the end the bank lines are scored (precision, automatic
rate, wrong automatic allocations).
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

from pypdf import PdfWriter
from sqlalchemy import Engine
from sqlmodel import col, select

from benchmarks.promise_data import COMPANY, COMPANY_NAME, Bill, Move, Scenario
from benchmarks.promise_score import SLACK_DAYS, DayRow, PromiseScore, Truth
from connectors.sources.memory import MemorySource
from reminders.channels.base import Delivery, Message, safe_name
from reminders.channels.phone import PhoneTaskChannel
from reminders.errors import ChannelError
from reminders.model import CustomerRules, DunningPolicy
from reminders.policy import SCHEDULE_PROFILES, policy_for
from worker.access.companies import add_company, resolve_company
from worker.company_sections import company_match_config
from worker.db.engine import make_engine, migrate
from worker.db.repository import Repository
from worker.db.tables import StatementLine
from worker.db.uow import unit_of_work
from worker.dunning import behaviour as behaviour_service
from worker.dunning.payment_facts import PaymentFacts
from worker.dunning.reminders import SendResult, company_policy, plan_reminders
from worker.dunning.worklist import build_worklist
from worker.invoices.invoices import invoice_views
from worker.settings import Settings, load_settings, settings_in_use
from worker.workflows.invoice_import import import_invoice_file
from worker.workflows.sync import sync

MAIL_FROM = "relances@promesse.example.fr"


class Shown(NamedTuple):
    """What lettrage shows of an invoice on a day."""

    id: int
    status: str
    open: Decimal


class BenchChannel:
    """Counts what it is given and keeps nothing; refuses, as the real channel does, a message it cannot
    deliver (``missing`` says why, or None)."""

    def __init__(self, name: str, missing: Callable[[Message], str | None]) -> None:
        self.name, self.missing, self.sent = name, missing, 0

    def send(self, message: Message) -> Delivery:
        why = self.missing(message)
        if why is not None:
            raise ChannelError(f"{self.name} to {message.customer_ref or 'customer'}: {why}")
        self.sent += 1
        return Delivery(channel=self.name, provider_id=f"bench-{self.name}-{self.sent}", detail="counted")


def bench_channels(out_dir: Path) -> dict[str, Any]:
    """Email and SMS need an address or a number, letters a postal address (LetterChannel's rule: the name and
    at least one line); the legal file is counted; calls are real call tasks under ``out_dir``."""
    return {
        "email": BenchChannel("email", lambda m: None if m.to else "no email address"),
        "sms": BenchChannel("sms", lambda m: None if m.to else "no mobile number"),
        "letter": BenchChannel("letter", lambda m: None if len(m.recipient_lines) >= 2
                               else "no postal address (need the name and at least one line)"),
        "export": BenchChannel("export", lambda m: None),
        "phone": PhoneTaskChannel(out_dir / "calls"),
    }


def waits(policy: DunningPolicy) -> tuple[int, int, str]:
    """(the longest wait between two overdue levels, the latest first overdue level, the last level's code)
    over the policy's schedule profiles, in days."""
    gap, first, last = policy.min_days_between, 0, policy.levels[-1].code
    for profile in SCHEDULE_PROFILES:
        own = policy_for(policy, CustomerRules(customer_id=0, profile=profile))
        offsets = [lv.offset_days for lv in own.levels if lv.offset_days >= 0]
        if offsets:
            first = max(first, offsets[0])
            gap = max([gap, own.min_days_between, *(b - a for a, b in pairwise(offsets))])
    return gap, first, last


# The company as a deployment configures it: a complete sender identity (nothing is sent in the name of a company
# that does not say who it is, C. com. R123-237: worker/dunning/sender_identity.py) and the provisional 2026-H2
# rates confirmed by the operator (reminders/law/data). Without them, from the first formal notice on, every level
# waits on the worklist for a person to complete the settings: the benchmark would measure an unconfigured company
# (1,509 messages on 2f2a929 to 876a8ce instead of 3,910).
DEPLOYED: dict[str, Any] = {
    "company": {"name": COMPANY_NAME, "legal_form": "SARL", "capital": "10000.00", "siren": "732829320",
                "rcs_city": "Paris", "address": ["4 rue Oberkampf", "75011 Paris"], "vat_number": "FR44732829320",
                "signatory_name": "Claire Martin", "signatory_title": "gérante"},
    "penalties": {"confirm": {"2026-H2": {}}},
}


def run_promise(root: Path, scenario: Scenario, every: int = 1, url: str | None = None,
                label: str = "") -> PromiseScore:
    """Runs the scenario through lettrage into a fresh database under ``root`` (or at ``url``) and scores it."""
    started = time.perf_counter()
    root.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url or f"sqlite:///{root / 'promise.db'}")
    migrate(engine)
    with unit_of_work(engine) as session:
        company = add_company(session, COMPANY, COMPANY_NAME)
        company.settings = {**(company.settings or {}), **DEPLOYED}
    settings = load_settings({"LETTRAGE_DATA_DIR": str(root / "var")}, env_file=None)
    settings = settings.with_overrides(output_dir=root / "out", mail_from=MAIL_FROM)
    channels = bench_channels(root / "out")
    days = scenario.business_days()
    run_days = days[::every] if days[-1] in days[::every] else [*days[::every], days[-1]]
    step = "every business day" if every == 1 else f"one business day in {every}"
    try:
        with company_documents(root, settings) as pdf:
            loop = _Loop(engine, settings, scenario, channels,
                         PromiseScore(label or f"seed {scenario.seed}", scenario.n_invoices, step=step), pdf)
            loop.progress = root / "progress.jsonl"
            loop.progress.write_text("", encoding="utf-8")
            for day in run_days:
                loop.run(day)
            loop.score_lines()
    finally:
        engine.dispose()
    loop.score.seconds = time.perf_counter() - started
    return loop.score


@contextmanager
def company_documents(root: Path, settings: Settings) -> Iterator[str]:
    """Every invoice's document (so reminders attach it instead of rendering one), in the company's documents
    folder as a deployment keeps them (``documents_dir/<company>/``, the only place besides its uploads lettrage
    reads a document from): yields the name the invoice CSV gives, ``settings`` with that folder being the
    process's settings while the block runs."""
    folder = root / "docs" / safe_name(COMPANY)
    folder.mkdir(parents=True, exist_ok=True)
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with (folder / "facture.pdf").open("wb") as out:
        writer.write(out)
    with settings_in_use(settings.with_overrides(documents_dir=root / "docs")):
        yield "facture.pdf"


class _Loop:
    def __init__(self, engine: Engine, settings: Settings, scenario: Scenario, channels: dict[str, Any],
                 score: PromiseScore, pdf: str) -> None:
        self.engine, self.settings, self.s, self.channels, self.score = engine, settings, scenario, channels, score
        self.pdf = pdf
        self.bills: list[Bill] = list(scenario.bills)  # by import day
        self.moves: list[Move] = list(scenario.moves)  # by booking day
        self.bill_at = self.move_at = 0
        self.balance = Decimal("25000.00")
        self.truth: Truth | None = None
        self.known: dict[str, Bill] = {}  # invoices imported so far
        self.chased: dict[str, date] = {}  # invoice -> last day a reminder naming it was sent
        self.levels: dict[str, str] = {}  # invoice -> last level of a reminder naming it
        self.policy: DunningPolicy | None = None
        self.progress: Path | None = None  # a JSON-lines file each scored day is appended to

    # -- one day ------------------------------------------------------------------------------------------
    def run(self, day: date) -> None:
        bills = []
        while self.bill_at < len(self.bills) and self.bills[self.bill_at].imported_on <= day:
            bills.append(self.bills[self.bill_at])
            self.bill_at += 1
        if bills:
            with unit_of_work(self.engine) as session:
                repo = Repository(session, resolve_company(session, COMPANY))
                import_invoice_file(repo, self.s.invoices_csv(bills, self.pdf), f"factures-{day}.csv", actor="bench")
            self.known.update({b.number: b for b in bills if not b.credit_note})
        moves = []
        while self.move_at < len(self.moves) and self.moves[self.move_at].booked_on < day:
            moves.append(self.moves[self.move_at])
            self.move_at += 1
        source = MemorySource()
        if moves:
            source.add(f"camt053-{day}.xml", Scenario.statement(moves, f"PROMESSE-{day}", self.balance))
            self.balance += sum((m.amount for m in moves), Decimal(0))
        summary = sync(self.engine, self.settings, COMPANY, as_of=day, send=True, sources=[source],
                       channels=self.channels)
        if source.quarantined:
            raise RuntimeError(f"statement of {day} refused: {source.quarantined}")
        if self.truth is None:
            self.truth = self._truth()
        self.truth.advance(day)
        known = len(self.score.examples), len(self.score.missed_examples)
        self._score_day(day, summary.reminders)
        if self.progress is not None:  # each day's row as it is scored: a run stopped early still tells
            row = self.score.days[-1].as_json()
            # the day's first examples of false and missed reminders (the first 40 of the run), to look into
            # while the run goes on
            row["examples"] = self.score.examples[known[0]:] + self.score.missed_examples[known[1]:]
            with self.progress.open("a", encoding="utf-8") as out:
                out.write(json.dumps(row) + "\n")

    def _truth(self) -> Truth:
        with unit_of_work(self.engine) as session:
            company = resolve_company(session, COMPANY)
            config = company_match_config(dict(company.settings))
            self.policy = company_policy(company)
        return Truth(self.s, getattr(config, "payment_difference_max", Decimal("0.00")),
                     getattr(config, "payment_difference_rate", Decimal(0)), self.policy.minimum_amount)

    def _score_day(self, day: date, results: list[SendResult]) -> None:
        truth, s, policy = self.truth, self.score, self.policy
        assert truth is not None and policy is not None
        row = DayRow(day)
        with unit_of_work(self.engine) as session:
            repo = Repository(session, resolve_company(session, COMPANY))
            facts = PaymentFacts.load(repo, day)  # the plan, the holds and the worklist read them once
            plan = plan_reminders(repo, day, facts=facts)
            holds = facts.held
            rules = behaviour_service.company_rules(repo.company, self.settings.companies_dir)
            worklist = {n for item in build_worklist(repo, day, rules, MAIL_FROM, facts=facts, plan=plan) for n in item.invoices}
            views = {v.invoice.number: Shown(v.invoice.id or 0, v.status, v.open) for v in invoice_views(repo)
                     if v.invoice.kind == "invoice"}
            session.rollback()  # reading only
        numbers = {v.id: n for n, v in views.items()}
        planned = {n for r in results for n in r.reminder.invoice_numbers}
        planned |= {numbers[i] for p in plan.planned for i in p.invoice_ids if i in numbers}
        # a message that failed and waits for its next attempt (ReminderPlan.waiting) is planned, with its date
        planned |= {numbers[i] for p, _ in getattr(plan, "waiting", ()) for i in p.invoice_ids if i in numbers}
        held = {h.number: h for h in plan.held}
        self._sent(day, row, [r for r in results if r.status == "sent"], views)
        gap, first, last = waits(policy)
        for number, bill in self.known.items():
            view = views.get(number)
            if view is None:
                continue
            if view.status in ("paid", "overpaid") and not truth.paid(number) and number not in s.wrongly_settled:
                s.wrongly_settled[number] = f"({bill.case}) {view.status} on {day}, owes {truth.still_owed(number)}"
            if view.id in holds:
                row.holds += 1
                hold = held.get(number)
                if hold is not None and getattr(hold, "hold_until", None) is None:
                    row.holds_no_end += 1
                    s.holds_no_end.setdefault(number, _kind(hold.reason))
            if bill.due_on >= day or truth.paid(number):
                continue
            row.overdue_unpaid += 1
            if number in planned or number in worklist:
                continue
            last_sent = self.chased.get(number)
            if last_sent is not None and ((day - last_sent).days <= gap + SLACK_DAYS or self.levels[number] == last):
                continue
            known_since = max(bill.due_on, bill.imported_on)
            if last_sent is None and (day - known_since).days <= first + SLACK_DAYS:
                continue
            row.nothing += 1
            s.nothing_invoices.add(number)
            # held with a visible reason and an end date not passed: a pending payment's hold, or a level waiting
            # its turn behind the customer's other levels (HeldInvoice.hold_until)
            hold = held.get(number)
            until = getattr(hold, "hold_until", None)
            if until is not None and until >= day:
                continue
            hold = hold if view.id in holds else None
            row.missed += 1
            if number not in s.missed_invoices:
                cause = (f"held without end ({_kind(hold.reason)})" if hold is not None
                         else "never reminded" if last_sent is None else f"stalled after {self.levels[number]}")
                s.missed_invoices[number] = f"{bill.case}: {cause}"
                if len(s.missed_examples) < 40:
                    s.missed_examples.append(f"missed {number} ({bill.case}) on {day}: {cause}; owes "
                                      f"{truth.still_owed(number)}; lettrage {view.status}, open {view.open}")
        row.wrongly_settled = sum(1 for n, v in views.items()
                                  if n in self.known and v.status in ("paid", "overpaid") and not truth.paid(n))
        s.days.append(row)

    def _sent(self, day: date, row: DayRow, sent: list[SendResult], views: dict[str, Shown]) -> None:
        """False reminders and over-claims among the messages sent on ``day``."""
        truth, s = self.truth, self.score
        assert truth is not None
        row.sent = len(sent)
        seen: set[tuple[str, str]] = set()
        paid_lines: list[tuple[str, str]] = []
        for r in sent:
            for number in r.reminder.invoice_numbers:
                self.chased[number] = day
                self.levels[number] = r.reminder.level
                if (number, r.reminder.level) in seen:
                    continue
                seen.add((number, r.reminder.level))
                if truth.paid(number):
                    row.false_reminders += 1
                    paid_lines.append((number, r.reminder.level))
                    continue
                view = views.get(number)
                if view is not None and view.open - truth.still_owed(number) > truth.tolerance[number] + Decimal("0.01"):
                    row.overclaims += 1
                    s.overclaim_by_case[self.s.invoice_case[number]] += 1
                    if len(s.examples) < 40:
                        s.examples.append(f"over-claim {r.reminder.level} for {number} ({self.s.invoice_case[number]}) "
                                          f"on {day}: lettrage {view.status}, open {view.open}, owes "
                                          f"{truth.still_owed(number)}, tolerance {truth.tolerance[number]}")
        if not paid_lines:
            return
        states = self._line_states({ref for n, _ in paid_lines for ref in truth.payers.get(n, [])})
        for number, level in paid_lines:
            case = self.s.invoice_case[number]
            view = views.get(number)
            lines = sorted({states.get(ref, "not imported") for ref in truth.payers.get(number, [])})
            shown = f"lettrage {view.status if view else '?'}, payment line {'/'.join(lines) or 'none'}"
            s.false_by_case[f"{case}: {shown}"] += 1
            if len(s.examples) < 40:
                s.examples.append(f"false {level} for {number} ({case}) on {day}: {shown}, "
                                  f"open {view.open if view else '?'}, owes {truth.still_owed(number)}")

    def _line_states(self, refs: set[str]) -> dict[str, str]:
        if not refs:
            return {}
        with unit_of_work(self.engine) as session:
            rows = session.execute(select(StatementLine.bank_ref, StatementLine.state)
                                   .where(col(StatementLine.bank_ref).in_(sorted(refs))))
            return {ref: state for ref, state in rows}

    # -- the bank lines, at the end -----------------------------------------------------------------------
    def score_lines(self) -> None:
        s = self.score
        truth = {m.ref: m for m in self.s.moves if m.amount > 0}
        with unit_of_work(self.engine) as session:
            repo = Repository(session, resolve_company(session, COMPANY))
            lines = {line.id: line for line in repo.lines()}
            numbers = {inv.id: inv.number for inv in repo.invoices()}
            # a credit note allocated beside the invoice a net payment pays is netting, not what the line pays
            notes = {inv.id for inv in repo.invoices() if inv.kind == "credit_note"}
            auto: dict[str, set[str]] = {}
            for a in repo.live_allocations():
                if a.status == "auto" and a.invoice_id not in notes:
                    auto.setdefault(lines[a.line_id].bank_ref, set()).add(numbers[a.invoice_id])
            state = {line.bank_ref: line.state for line in lines.values()}
            session.rollback()
        for ref, got in sorted(auto.items()):
            move = truth.get(ref)
            want = set(move.settles) if move is not None else set()
            s.auto_lines += 1
            if got == want:
                s.auto_correct += 1
            else:
                case = move.case if move is not None else "?"
                s.wrong_auto.append(f"line {ref} ({case}) applied to {sorted(got)}, truth {sorted(want) or 'no invoice'}")
        for ref, move in truth.items():
            if not move.settles or ref not in state:
                continue
            s.payments += 1
            if auto.get(ref) == set(move.settles):
                s.payments_auto += 1
                continue
            s.not_auto_by_case[f"{move.case}: line {state[ref]}"] += 1
            if state[ref] == "review":
                s.payments_review += 1
            elif state[ref] == "unmatched":
                s.payments_unmatched += 1


def _kind(reason: str) -> str:
    """A hold's reason without its figures (the line, the date, the amount), to count reasons together."""
    words = [w for w in reason.split() if not any(ch.isdigit() for ch in w)]
    return " ".join(words)[:80]

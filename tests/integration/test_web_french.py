"""Every page and fragment in French says everything in French, and in English everything in English (issue 18 item 5).

A French accountant reads the pages in French: no English word of the application (reasons, held-back reasons,
worklist reasons, levels, statuses), no internal code (``first_reminder``, ``partially_paid``), no ISO date, no
amount written the programmer's way ("1048278.40") and no UTC time. The walk signs in a French administrator of
the demo company (Atelier Lumière SARL, synced: matched payments, items in review with ties, payments to identify)
to which it adds what the demo lacks: an item to check later, one kept as customer credit, one not a customer
payment, an accepted one, a key account's reminders awaiting approval and approved, reminders sent and failed, a
dispute, a promise to pay that fell due. Text the people typed or the bank sent (names, bank texts, notes, numbers)
is taken out before the words are looked at: that is the data, shown as it is.

The law: the Code de commerce (art. L441-10) sets the penalties and the 40 EUR indemnity the reminders carry, and the
Loi Toubon (loi 94-665, art. 2) asks that what is offered to a French consumer or employee be in French: an accounting
firm's staff in France read French pages.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from tests.factories import Camt053, Payment
from tests.integration.web_book import PASSWORD, cheap_hashing
from worker.access.companies import resolve_company
from worker.access.users import add_user
from worker.db.reminder_tables import DunningPause
from worker.db.repository import Repository
from worker.db.tables import (
    BankAccount,
    Customer,
    Reminder,
    ReviewItem,
    StatementBalance,
    StatementImport,
    StatementLine,
)
from worker.db.uow import unit_of_work
from worker.dunning.reminder_customers import approve_reminders, pause, set_profile
from worker.dunning.reminders import plan_reminders
from worker.reconciliation import review, unidentified
from worker.reconciliation import review_resolve as resolve
from worker.reconciliation.matching import run_matching
from worker.settings import Settings, load_settings
from worker.statements.line_queries import STATES
from worker.statements.statements import import_statement
from worker.web.i18n import FRENCH
from worker.web.labels import KINDS, format_actor, format_moment, format_number, label, labels
from worker.web.labels_reasons import CATALOGUE, translate_reason
from worker.workflows.demo import DEMO_COMPANY, run_demo
from worker.workflows.invoice_import import import_invoice_file

TODAY = date(2026, 11, 25)
NOW = "2026-11-25T10:00:00+01:00"
FRENCH_ADMIN = "ada@lumiere.example.fr"
ENGLISH_ADMIN = "eve@lumiere.example.fr"
ACTOR = "user:ada@lumiere.example.fr"
C = f"/companies/{DEMO_COMPANY}"


@dataclass
class Shop:
    settings: Settings
    pages: list[str]  # every page and fragment to walk
    data: list[str]  # what people and banks wrote: shown as it is, whatever its language
    refusals: list[tuple[str, dict[str, Any]]]  # decisions the pages refuse (htmx posts), with their one-line reason


def _settings(root: Path) -> Settings:
    return load_settings({"LETTRAGE_DATA_DIR": str(root), "LETTRAGE_NOW": NOW,
                          "LETTRAGE_SECRET_KEY": "web-tests-secret-key-0123456789"}, env_file=None)


HEADER = ("number,customer_ref,customer_name,customer_email,customer_iban,customer_since,amount,currency,issued_on,"
          "due_on,payment_reference,customer_address\n")
MORE_INVOICES = [  # a customer without any contact, a credit note, customers paying by a known IBAN
    'FA-Z-001,Z001,"Traiteur Sans Contact SARL",,,2020-01-01,1500.00,EUR,2026-09-01,2026-10-01,,',
    'FA-Z-003,Z002,"Garage des Pins SAS",compta@pins.example.fr,,2020-01-01,480.00,EUR,2026-09-05,2026-10-05,,',
    'AV-Z-002,Z002,"Garage des Pins SAS",compta@pins.example.fr,,2020-01-01,-120.00,EUR,2026-09-20,2026-09-20,,',
    ('FA-Z-004,Z003,"Menuiserie Leroux SARL",compta@leroux.example.fr,FR1420041010050500013M02606,2020-01-01,900.00,'
     'EUR,2026-09-10,2026-10-10,,'),
    ('FA-Z-005,Z004,"Fleurs Martin EURL",compta@fleurs.example.fr,FR7630004000031234567890143,2020-01-01,250.00,EUR,'
     '2026-11-02,2026-12-02,,'),
]
MORE_PAYMENTS = [  # unknown payers, a payment that fits nothing, an over-payment and its duplicate, money owed nothing
    Payment("ZP1", date(2026, 11, 18), Decimal("77.70"), "M JEAN INCONNU", "VIREMENT DIVERS"),
    Payment("ZP2", date(2026, 11, 19), Decimal("333.33"), "MENUISERIE LEROUX", "VIREMENT",
            payer_iban="FR1420041010050500013M02606"),
    Payment("ZP3", date(2026, 11, 19), Decimal("1250.00"), "FLEURS MARTIN", "FACTURE FA-Z-005 ET AVANCE",
            payer_iban="FR7630004000031234567890143"),
    Payment("ZP4", date(2026, 11, 20), Decimal("45.00"), "URSSAF", "REMBOURSEMENT COTISATION"),
    Payment("ZP5", date(2026, 11, 20), Decimal("60.00"), "SARL INCONNUE", "REGLEMENT"),
    Payment("ZP6", date(2026, 11, 21), Decimal("250.00"), "FLEURS MARTIN", "FACTURE FA-Z-005",
            payer_iban="FR7630004000031234567890143"),
    Payment("ZP7", date(2026, 11, 22), Decimal("12.34"), "ASSOCIATION DU QUARTIER", "DON"),
    Payment("ZP8", date(2026, 11, 23), Decimal("99.00"), "FLEURS MARTIN", "VIREMENT",
            payer_iban="FR7630004000031234567890143"),
]


def _more(repo: Repository) -> None:
    """What the demo lacks: payments to identify (kept as credit, to refund, not a customer's, still to identify),
    a credit note, an over-payment, a customer no message can reach, a dispute on the e-invoicing platform."""
    import_invoice_file(repo, (HEADER + "\n".join(MORE_INVOICES) + "\n").encode(), "more.csv")
    import_statement(repo, Camt053(MORE_PAYMENTS, statement_id="Z-1").render(), "more.xml", today=TODAY)
    run_matching(repo)
    lines = {line.bank_ref: line.id or 0 for line in repo.session.exec(
        select(StatementLine).where(StatementLine.company_id == repo.company_id)).all()}
    unidentified.keep_on_account(repo, lines["ZP1"], "Z001", actor=ACTOR, note="acompte")
    unidentified.refund(repo, lines["ZP5"], "Z003", actor=ACTOR, note="erreur de virement")
    unidentified.dismiss(repo, lines["ZP4"], "remboursement de cotisation", actor=ACTOR)
    customer = repo.customers_by_ref(["Z002"])["Z002"]
    assert customer.id is not None
    repo.add(DunningPause(company_id=repo.company_id, customer_id=customer.id, reason="einvoice_disputed",
                          note="contestée sur la plateforme"))


def _decide(repo: Repository, items: list[ReviewItem]) -> dict[str, int]:
    """One pending item of each outcome: to check later, customer credit, not a customer, accepted, and one left."""
    pending = [i for i in items if i.state == "pending" and i.candidates]
    ids = iter(i.id for i in pending if i.id is not None)
    done = {"to_check": next(ids)}
    resolve.to_check(repo, done["to_check"], "appeler le client", actor=ACTOR)
    credit = next(ids)
    item = next(i for i in pending if i.id == credit)
    customer = repo.invoices_by_id([item.candidates[0]["invoices"][0]["invoice_id"]])
    ref = repo.customer_rows({inv.customer_id for inv in customer.values()})[0].ref
    resolve.keep_as_credit(repo, credit, ref, actor=ACTOR, note="avoir demandé")
    done["on_account"] = credit
    done["not_customer"] = next(ids)
    resolve.not_customer(repo, done["not_customer"], "remboursement de frais", actor=ACTOR)
    done["accepted"] = next(ids)
    review.accept(repo, done["accepted"], 0, actor=ACTOR)
    done["pending"] = next(ids)
    return done


def _dunning(repo: Repository) -> list[str]:
    """A key account's reminders awaiting approval and another's approved; reminders sent and failed; a dispute,
    a promise that fell due, a payment plan. Returns the refs of the customers touched."""
    plan = plan_reminders(repo, TODAY)
    refs = list(dict.fromkeys(p.customer_ref for p in plan.planned))
    key_accounts = refs[:2]
    for ref in key_accounts:
        set_profile(repo, ref, ACTOR, key_account=True)
    approve_reminders(repo, TODAY, [key_accounts[1]], ACTOR)
    customers = repo.customers_by_ref(refs[2:5])
    levels = [("first_reminder", "email", "sent"), ("formal_notice", "letter", "failed"),
              ("second_reminder", "email", "sending"), ("call", "phone", "sent")]
    for customer in customers.values():
        assert customer.id is not None
        for level, channel, status in levels:
            repo.add(Reminder(company_id=repo.company_id, customer_id=customer.id, level=level, channel=channel,
                              status=status, invoice_numbers=["FA-X"], amount_due=Decimal("1048278.40"),
                              planned_on=TODAY - timedelta(days=3),
                              sent_at=datetime(2026, 11, 22, 9, 30) if status == "sent" else None,
                              error="smtp refused" if status == "failed" else None))
    others = refs[5:8]
    pause(repo, others[0], "dispute", None, "conteste la livraison", ACTOR)
    pause(repo, others[1], "promise", TODAY - timedelta(days=2), "paiement promis", ACTOR)
    pause(repo, others[2], "payment_plan", TODAY + timedelta(days=30), "", ACTOR)
    return refs[:8]


def _pages(repo: Repository, done: dict[str, int], refs: list[str]) -> list[str]:
    lines = list(repo.session.exec(select(StatementLine).where(StatementLine.company_id == repo.company_id)).all())
    pages = ["/", "/dashboard", "/worklist", f"{C}/aged-balance", f"{C}/dashboard", f"{C}/dashboard/figures",
             f"{C}/invoices", f"{C}/invoices?q=a", f"{C}/lines", f"{C}/reminders", f"{C}/review",
             f"{C}/review/to-check", f"{C}/users", f"{C}/worklist", f"{C}/review?page=2",
             f"{C}/lines?state=to_identify", f"{C}/lines?sort=amount&page=2"]
    later = (TODAY + timedelta(days=75)).isoformat()  # every level of the ladder is due by then
    pages += [f"{C}/reminders?as_of={later}", f"{C}/worklist?as_of={later}", f"{C}/aged-balance?as_of={later}",
              f"{C}/dashboard?as_of={later}"]
    pages += [f"{C}/customers/{ref}" for ref in refs + ["Z001", "Z002", "Z003", "Z004"]]
    pages += [f"{C}/invoices?q=Z-00", f"{C}/review?kind=grouped", f"{C}/review?q=zzz"]
    pages += [f"{C}/lines/{line.id}" for line in lines[:: max(len(lines) // 40, 1)] + lines[-len(MORE_PAYMENTS):]]
    pages += [f"{C}/lines?state={state}" for state in STATES]
    for item_id in done.values():
        pages += [f"{C}/review/{item_id}/history", f"{C}/review/{item_id}/invoices?q=a",
                  f"{C}/review/{item_id}/invoices?q=100"]
    return pages


def _refusals(repo: Repository, item: int) -> list[tuple[str, dict[str, Any]]]:
    """Decisions the card refuses, each answered with the card and the reason in one line (nothing is written)."""
    line = next(line.id for line in repo.session.exec(select(StatementLine).where(
        StatementLine.company_id == repo.company_id, StatementLine.bank_ref == "ZP7")).all())
    card = f"{C}/review/{item}"
    return [(f"{card}/settle", {"invoice": ["FA-Z-004"], "amount": ["1.00"]}),  # the amounts do not add up
            (f"{card}/settle", {"invoice": ["FA-NOPE"], "amount": ["1.00"]}),  # no such invoice
            (f"{card}/settle", {"invoice": ["FA-Z-004"], "amount": ["1.00"], "write_off_kind": "bank_fee",
                                "write_off_amount": "500"}),  # above the company's limit
            (f"{card}/not-customer", {"reason": ""}), (f"{card}/to-check", {"note": ""}),
            (f"{card}/accept", {"candidate": "0", "version": "999"}),  # someone else's version
            (f"{card}/assign", {"invoice": "FA-NOPE"}),
            (f"{C}/payments/{line}/allocate", {"invoices": "FA-NOPE"}),
            (f"{C}/payments/{line}/on-account", {"customer": "NOPE"})]


def _data(repo: Repository) -> list[str]:
    """What the bank and the people wrote, and the identifiers: taken out of the text before it is looked at."""
    session = repo.session
    words: set[str | None] = {repo.company.name, repo.company.ref, FRENCH_ADMIN, ENGLISH_ADMIN}
    for line in session.exec(select(StatementLine).where(StatementLine.company_id == repo.company_id)).all():
        words.update(w for w in (line.counterparty, line.text, line.reference, line.counterparty_iban, line.bank_ref,
                                 line.end_to_end_id) if w)
    for account in session.exec(select(BankAccount).where(BankAccount.company_id == repo.company_id)).all():
        words.update(w for w in (account.identifier, account.name) if w)
    for imported in session.exec(select(StatementImport).where(StatementImport.company_id == repo.company_id)).all():
        words.add(imported.file_name)
    for balance in session.exec(select(StatementBalance).where(StatementBalance.company_id == repo.company_id)).all():
        words.add(balance.statement_id)
    for customer in session.exec(select(Customer).where(Customer.company_id == repo.company_id)).all():
        words.update(w for w in (customer.ref, customer.name, *customer.emails) if w)
    for invoice in repo.invoices():
        words.update(w for w in (invoice.number, invoice.payment_reference) if w)
    words.update(("appeler le client", "avoir demandé", "remboursement de frais", "conteste la livraison",
                  "paiement promis", "smtp refused", "FA-X", "acompte", "erreur de virement",
                  "remboursement de cotisation", "contestée sur la plateforme"))
    return sorted((w for w in words if w), key=len, reverse=True)  # the longest first: a name before its parts


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    root = tmp_path_factory.mktemp("french")
    settings = _settings(root / "var")
    report, engine = run_demo(settings, TODAY)
    with unit_of_work(engine) as session:
        company = resolve_company(session, DEMO_COMPANY)
        add_user(session, company, FRENCH_ADMIN, "admin", PASSWORD, locale="fr")
        add_user(session, company, ENGLISH_ADMIN, "admin", PASSWORD, locale="en")
        repo = Repository(session, company)
        _more(repo)
        done = _decide(repo, list(repo.review_items("pending")))
        refs = _dunning(repo)
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, DEMO_COMPANY))
        shop = Shop(settings.with_overrides(database_url=report.database_url), _pages(repo, done, refs), _data(repo),
                    _refusals(repo, done["pending"]))
    engine.dispose()
    yield shop


@pytest.fixture(scope="module")
def app(shop: Shop) -> Any:
    from worker.api.app import create_app

    return create_app(shop.settings)


class _Text(HTMLParser):
    """The text a person reads or hears: text nodes (not scripts nor styles), the title, aria-label, placeholder and
    alt attributes, and the text fields' values."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.chunks.append(value)
        kind = dict(attrs).get("type") or "text"
        if tag == "input" and kind in ("text", "search") and dict(attrs).get("value"):
            self.chunks.append(str(dict(attrs)["value"]))  # what a field shows filled in (an amount to split)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.chunks.append(data.strip())


def visible(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.chunks


def _english_words() -> set[str]:
    """The English words of the application: its UI keys (worker/web/i18n.py) and the words its reasons are made of
    (matching/, reminders/, worker/), less the words French shares (« Date », « Action », « Balance »…)."""
    words = {w.lower() for key in FRENCH for w in re.findall(r"[A-Za-z]{3,}", key)}
    words |= {"paid", "due", "overdue", "amount", "customer", "invoice", "reason", "reminder", "pending", "approved",
              "payment", "awaits", "approval", "held", "until", "ended", "hold", "review", "covered", "received",
              "allocated", "identify", "disputed", "since", "call", "reference", "payer", "name", "known", "exact",
              "typo", "away", "days", "late", "first", "formal", "notice", "second", "courteous", "letter", "email",
              "phone", "sent", "failed", "sending", "promise", "legal", "turn", "waits", "level", "behind", "refund",
              "account", "kept", "credit", "matched", "several", "invoices", "from", "with", "the", "and", "for",
              "this", "not", "yet", "are", "of", "by", "to", "its", "is", "be", "after", "before", "older", "newer",
              "user", "token", "automatic"}
    french_too = {"date", "action", "score", "note", "total", "iban", "client", "plan", "type", "code", "page",
                  "pages", "global", "minute", "minutes", "source", "balance", "dso", "wape", "abc",
                  "importe", "normal", "message", "messages", "signal", "direction", "options", "question", "six",
                  "permanent", "sort", "net", "solde", "art", "unique", "relance", "local", "place", "parts", "ratio",
                  "actions", "notes", "signe", "mots", "fin", "ref", "version", "file", "export", "lettrage", "section"}
    return words - french_too


ENGLISH = _english_words()
RAW = [
    (re.compile(r"\b[a-z]+_[a-z_]+\b"), "an internal code"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "an ISO date"),
    (re.compile(r"(?<![\d,])\d+\.\d{1,2}\b"), "a number written the English way"),
    (re.compile(r"(?<![\d/\u202f\u00a0])(?<!art\. )\d{4,}(?![\d/])"), "a number of thousands without its separator"),
    (re.compile(r"\bUTC\b"), "a time in UTC"),
]
# French UI words an English page must not show: the French of the dictionary and of the labels that is not English
# too, and the little words of the French reasons (worker/web/labels_reasons.py)
FRENCH_WORDS = sorted({v for k, v in FRENCH.items() if v != k and len(v) >= 5 and not v.isupper()
                       and v.lower() not in {k.lower() for k in FRENCH}}
                      | {fr for kind in KINDS.values() for en, fr in kind.values() if fr != en and len(fr) >= 5},
                      key=len, reverse=True)
FRENCH_LITTLE_WORDS = re.compile(r"\b(le|la|les|du|des|au|aux|jusqu'au|depuis|pas|client|paiement|facture|relance|"
                                 r"suspendu|reçus?|affectés?|échéance|montant|reste dû)\b", re.IGNORECASE)


def _without_data(chunk: str, data: list[str]) -> str:
    for word in data:
        if word in chunk:
            chunk = chunk.replace(word, " ")
    return chunk


def english_in(chunk: str) -> list[str]:
    found = [f"English word {w!r}" for w in re.findall(r"[^\W\d_]+", chunk) if w.lower() in ENGLISH
             and not (w.isupper() and len(w) > 1)]
    day_free = re.sub(r"\b\d{2}/\d{2}/\d{4}\b", " ", chunk)
    found += [f"{what} {m.group(0)!r}" for pattern, what in RAW for m in pattern.finditer(day_free)]
    return found


def french_in(chunk: str) -> list[str]:
    found = [f"French words {w!r}" for w in FRENCH_WORDS if w in chunk]
    return found + [f"French word {m.group(0)!r}" for m in FRENCH_LITTLE_WORDS.finditer(chunk)]


def signed_in(app: Any, email: str) -> TestClient:
    c = TestClient(app, base_url="https://testserver", follow_redirects=False)
    form = c.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token, form.text
    answer = c.post("/login", data={"email": email, "password": PASSWORD, "login_token": token.group(1),
                                    "next_path": "/"})
    assert answer.status_code == 303, answer.text
    return c


def walk(app: Any, shop: Shop, email: str, check: Any) -> tuple[list[str], set[str]]:
    """Every page and fragment as ``email`` reads it, and the refusals of decisions: one line per offending string,
    saying what is wrong in it and on which page it shows; and the states the pages showed (``data-action``,
    ``data-state``, ``data-status``)."""
    client = signed_in(app, email)
    faults: dict[str, tuple[list[str], list[str]]] = {}
    shown: set[str] = set()
    for path in shop.pages:
        answer = client.get(path, follow_redirects=True)
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:300]}"
        shown.update(re.findall(r'data-(?:action|state|status)="([^"]+)"', answer.text))
        for chunk in visible(answer.text):
            found = check(_without_data(chunk, shop.data))
            if found:
                faults.setdefault(chunk, (found, []))[1].append(path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(f"{C}/review").text)
    assert token
    for path, form in shop.refusals:
        answer = client.post(path, data={**form, "csrf_token": token.group(1)}, headers={"HX-Request": "true"})
        assert answer.status_code in (404, 409, 422), f"{path}: {answer.status_code} {answer.text[:300]}"
        for chunk in visible(answer.text):
            found = check(_without_data(chunk, shop.data))
            if found:
                faults.setdefault(chunk, (found, []))[1].append(f"POST {path}")
    return [f"{chunk[:600]!r} on {pages[0]}" + (f" (and {len(pages) - 1} more)" if len(pages) > 1 else "")
            + f": {', '.join(dict.fromkeys(found))}" for chunk, (found, pages) in faults.items()], shown


# What the walk must have shown, so that it proves something: worklist actions, review and bank-line states,
# invoice statuses (the pages' data-* attributes)
SHOWN = {"answer_dispute", "approve", "einvoice", "follow_promise", "missing_contact", "review", "waiting_turn",
         "pending", "to_check", "matched", "to_identify", "on_account", "refund_due", "not_customer", "debit",
         "open", "paid", "partially_paid", "credit_note"}


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(*cheap_hashing())


def test_a_french_page_shows_no_english_word_nor_raw_code(app: Any, shop: Shop) -> None:
    """Every page and fragment a French user opens, with data in every state: French words, French numbers
    (1 234,56 €), French dates (06/12/2026), local times; never an English reason, a code or a UTC time."""
    faults, shown = walk(app, shop, FRENCH_ADMIN, english_in)
    assert SHOWN <= shown, f"the walk showed none of {sorted(SHOWN - shown)}"
    assert not faults, f"{len(faults)} English or raw strings on French pages:\n" + "\n".join(faults)


def test_an_english_page_shows_no_french_ui_string(app: Any, shop: Shop) -> None:
    """The same walk for an English user: the interface speaks English (the data stays as it was written; the
    reasons as the CLI and the API write them)."""
    faults, shown = walk(app, shop, ENGLISH_ADMIN, french_in)
    assert SHOWN <= shown, f"the walk showed none of {sorted(SHOWN - shown)}"
    assert not faults, f"{len(faults)} French strings on English pages:\n" + "\n".join(faults)


SAMPLES = {"m": "1048278.40", "n": "3", "d": "2026-11-16", "r": "no reference to the invoice in the payment",
           "x": "FA-2026-00042", "l": "formal_notice", "c": "email, letter", "p": "payment_plan",
           "f": "loyal+consumer", "b": "B123", "o": "C0019", "k": "call task", "s": "rejected", "w": "bank fee",
           "t": "2026-11-16 09:30:00", "a": "user:ada@lumiere.example.fr", "e": "einvoice_disputed"}


@pytest.mark.parametrize("english", [english for english, _french in CATALOGUE])
def test_every_reason_of_the_catalogue_reads_french(english: str) -> None:
    """Each sentence the code writes (its parts filled with an amount, a date, a level…) comes out in French, with
    the amount as 1 048 278,40 € and the date as 16/11/2026 (arrêté du 3 décembre 1987: the price shown in euros);
    the customer C0019 by its name. The English pages keep the sentence as the CLI and the API write it."""
    text = re.sub(r"\{(\w+):(\w)\}", lambda m: SAMPLES[m.group(2)], english)
    french = translate_reason(text, "fr", customers={"C0019": "Imprimerie Montmartre"})
    assert french != text and not english_in(_without_data(french, ["FA-2026-00042", "B123", "C0019", FRENCH_ADMIN])), french
    assert "Imprimerie Montmartre (C0019)" in french or "C0019" not in text
    assert translate_reason(text, "en") == text


def test_numbers_moments_and_codes_are_written_the_local_way() -> None:
    """A time is the company's legal time (décret n° 2017-292 du 6 mars 2017 relatif à l'heure légale: UTC+1 in
    metropolitan France in winter, UTC-4 in Martinique), never UTC; numbers with a narrow no-break space between
    thousands and a decimal comma (the Imprimerie nationale's lexique); codes as words in both languages."""
    moment = datetime(2026, 12, 6, 23, 15)  # as the database keeps it: UTC, naive
    assert format_moment(moment, "fr", "Europe/Paris") == "07/12/2026 00:15"
    assert format_moment("2026-12-06T23:15:36+00:00", "fr", "America/Martinique") == "06/12/2026 19:15"
    assert format_moment(moment, "en", "Europe/Paris") == "2026-12-07 00:15"
    assert format_number("2038024.99", "fr") == "2\u202f038\u202f024,99" and format_number("64.6", "fr") == "64,6"
    assert format_number("2038024.99", "fr", 0) == "2\u202f038\u202f025" and format_number("1234.5", "en") == "1,234.5"
    assert (label("level", "formal_notice", "fr"), label("level", "formal_notice", "en")) == (
        "Mise en demeure", "Formal notice")
    assert labels("channel", "email, letter", "fr") == "e-mail, courrier"
    assert label("status", "failed", "fr") == "échec" and label("level", "legal_action", "fr") == "legal action"
    assert format_actor("user:ada@lumiere.example.fr", "fr") == "ada@lumiere.example.fr"
    assert format_actor("lettrage", "fr") == "lettrage (automatique)" and format_actor("token:erp", "en") == "API (erp)"

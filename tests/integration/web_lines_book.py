"""The web tests' book (tests/integration/web_book.py) with a bank line of every state, for the statement-lines page.

On top of acme's two payments in review: one accepted (matched), a payer nobody knows (a payment to identify,
with accents in its name), a loan dismissed by a person (not a customer payment), a direct debit, a transfer
from acme's own account and a line not yet through the matcher (both unmatched), and a payment on a second
account. ``LinesBook.lines`` names them by bank reference.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import select

from tests.integration.web_book import ACCOUNTANT, Book, build_book
from worker.access.companies import resolve_company
from worker.db.engine import engine_for
from worker.db.repository import Repository
from worker.db.tables import BankAccount, StatementImport, StatementLine
from worker.db.uow import unit_of_work
from worker.reconciliation import review, unidentified

SECOND_IBAN = "FR1420041010050500013M02606"


@dataclass(frozen=True)
class LinesBook:
    book: Book
    lines: dict[str, int]  # bank_ref -> line id
    matched: str  # the bank ref of the accepted payment
    other_line: int  # a line of company "other"


def _line(account: BankAccount, imported: StatementImport, bank_ref: str, booked_on: date, amount: str,
          counterparty: str | None, text: str, state: str, **extra: object) -> StatementLine:
    assert account.id is not None and imported.id is not None
    return StatementLine(company_id=account.company_id, bank_account_id=account.id, import_id=imported.id,
                         bank_ref=bank_ref, booked_on=booked_on, amount=Decimal(amount), currency="EUR",
                         counterparty=counterparty, text=text, state=state, **extra)


def build_lines_book(db_url: str) -> LinesBook:
    book = build_book(db_url)
    with unit_of_work(engine_for(db_url)) as session:
        acme = resolve_company(session, "acme")
        repo = Repository(session, acme)
        first = repo.session.exec(select(StatementLine).where(StatementLine.company_id == acme.id)
                                  .order_by(StatementLine.id)).first()
        assert first is not None
        account = session.get(BankAccount, first.bank_account_id)
        imported = session.get(StatementImport, first.import_id)
        assert account is not None and imported is not None
        second = BankAccount(company_id=acme.id, identifier=SECOND_IBAN, name="Compte épargne")
        second_import = StatementImport(company_id=acme.id, file_name="epargne.xml", content_hash="e" * 64,
                                        format="camt053")
        session.add_all([second, second_import])
        session.flush()
        rows = [
            _line(account, imported, "U1", date(2026, 2, 14), "1234.56", "BENOÎT Lefèvre", "Cotisation annuelle",
                  "unmatched", counterparty_iban="FR7612345000010000000000189", value_on=date(2026, 2, 16),
                  reference="RF18539007547034", end_to_end_id="E2E-BENOIT-1"),
            _line(account, imported, "N1", date(2026, 2, 16), "5000.00", "BPI FRANCE", "PRET 2026", "unmatched"),
            _line(account, imported, "D1", date(2026, 2, 18), "-120.00", "EDF", "PRELEVEMENT ELECTRICITE", "debit"),
            _line(account, imported, "T1", date(2026, 2, 20), "1000.00", "ATELIER ACME", "VIREMENT INTERNE",
                  "unmatched", counterparty_iban=" ".join([SECOND_IBAN[i:i + 4] for i in range(0, 27, 4)])),
            _line(account, imported, "W1", date(2026, 2, 21), "33.00", "JEAN DUPONT", "VIR", "new"),
            _line(second, second_import, "S1", date(2026, 2, 22), "250.00", "Plomberie Martin", "INTERETS",
                  "new"),
        ]
        session.add_all(rows)
        session.flush()
        lines = {line.bank_ref: line.id for line in rows if line.id is not None}
        unidentified.dismiss(repo, lines["N1"], "a loan from the bank", actor=f"user:{ACCOUNTANT}")
        accepted = book.acme_items[0]
        decided = review.accept(repo, accepted, 0, actor=f"user:{ACCOUNTANT}")
        assert decided.invoices
        for line in repo.lines():
            if line.id is not None:
                lines.setdefault(line.bank_ref, line.id)
        matched = next(ln.bank_ref for ln in repo.lines() if ln.state == "matched")
        other = resolve_company(session, "other")
        other_line = Repository(session, other).lines()[0].id
        assert other_line is not None
    return LinesBook(book, lines, matched, other_line)

"""Test data: invoice exports and bank statements written the way billing tools and banks write them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

INVOICE_HEADER = ("number,customer_ref,customer_name,customer_email,customer_iban,customer_since,amount,currency,"
                  "issued_on,due_on,payment_reference,customer_address")
COMPANY_IBAN = "FR7630006000011234567890189"


@dataclass
class InvoiceSpec:
    number: str
    customer_ref: str
    amount: str
    issued_on: date
    due_on: date
    customer_name: str = ""
    customer_email: str = ""
    customer_iban: str = ""
    customer_since: str = ""
    currency: str = "EUR"
    payment_reference: str = ""
    customer_address: str = "12 rue des Lilas|69003 Lyon"

    def csv_row(self) -> str:
        name = self.customer_name or f"Client {self.customer_ref}"
        email = self.customer_email or f"compta@{self.customer_ref.lower()}.example.fr"
        return ",".join([self.number, self.customer_ref, f'"{name}"', email, self.customer_iban,
                         self.customer_since, self.amount, self.currency, self.issued_on.isoformat(),
                         self.due_on.isoformat(), self.payment_reference, f'"{self.customer_address}"'])


def invoices_csv(specs: list[InvoiceSpec]) -> bytes:
    return ("\n".join([INVOICE_HEADER, *(s.csv_row() for s in specs)]) + "\n").encode("utf-8")


@dataclass
class Payment:
    ref: str
    booked_on: date
    amount: Decimal
    payer: str
    text: str
    payer_iban: str = ""
    structured_ref: str = ""


@dataclass
class Camt053:
    """A camt.053.001.02 statement whose balances reconcile."""

    payments: list[Payment] = field(default_factory=list)
    iban: str = COMPANY_IBAN
    opening: Decimal = Decimal("1000.00")
    statement_id: str = "STMT-1"
    closing_on: date | None = None  # the day the statement covers up to (default: its last entry's)

    def render(self) -> bytes:
        closing = self.opening + sum((p.amount for p in self.payments), Decimal(0))
        first = min((p.booked_on for p in self.payments), default=self.closing_on or date(2026, 1, 1))
        last = max((p.booked_on for p in self.payments), default=self.closing_on or date(2026, 1, 1))
        last = max(last, self.closing_on) if self.closing_on else last
        entries = "".join(self._entry(p) for p in self.payments)
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>MSG-{self.statement_id}</MsgId><CreDtTm>{last.isoformat()}T20:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>{self.statement_id}</Id>
   <CreDtTm>{last.isoformat()}T20:00:00</CreDtTm>
   <Acct><Id><IBAN>{self.iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>
   <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{abs(self.opening)}</Amt>
    <CdtDbtInd>{"CRDT" if self.opening >= 0 else "DBIT"}</CdtDbtInd><Dt><Dt>{first.isoformat()}</Dt></Dt></Bal>
   <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{abs(closing)}</Amt>
    <CdtDbtInd>{"CRDT" if closing >= 0 else "DBIT"}</CdtDbtInd><Dt><Dt>{last.isoformat()}</Dt></Dt></Bal>
{entries}  </Stmt>
 </BkToCstmrStmt>
</Document>
""".encode()

    @staticmethod
    def _entry(p: Payment) -> str:
        credit = p.amount > 0
        party = "Dbtr" if credit else "Cdtr"
        acct = f"<{party}Acct><Id><IBAN>{p.payer_iban}</IBAN></Id></{party}Acct>" if p.payer_iban else ""
        strd = (f"<Strd><CdtrRefInf><Ref>{p.structured_ref}</Ref></CdtrRefInf></Strd>" if p.structured_ref else "")
        return f"""   <Ntry>
    <Amt Ccy="EUR">{abs(p.amount)}</Amt><CdtDbtInd>{"CRDT" if credit else "DBIT"}</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>{p.booked_on.isoformat()}</Dt></BookgDt><ValDt><Dt>{p.booked_on.isoformat()}</Dt></ValDt>
    <AcctSvcrRef>{p.ref}</AcctSvcrRef>
    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
    <NtryDtls><TxDtls>
     <Refs><EndToEndId>E2E-{p.ref}</EndToEndId></Refs>
     <RltdPties><{party}><Nm>{p.payer}</Nm></{party}>{acct}</RltdPties>
     <RmtInf><Ustrd>{p.text}</Ustrd>{strd}</RmtInf>
    </TxDtls></NtryDtls>
   </Ntry>
"""


def ofx_statement(payments: list[Payment], acctid: str = "00012345678", bankid: str = "30006") -> bytes:
    """An OFX 1.02 SGML statement with unclosed leaf tags, cp1252, as French banks export it."""
    rows = "".join(
        f"<STMTTRN>\n<TRNTYPE>{'CREDIT' if p.amount > 0 else 'DEBIT'}\n<DTPOSTED>{p.booked_on:%Y%m%d}\n"
        f"<TRNAMT>{p.amount}\n<FITID>{p.ref}\n<NAME>{p.payer[:32]}\n<MEMO>{p.text}\n</STMTTRN>\n"
        for p in payments)
    start = min(p.booked_on for p in payments)
    end = max(p.booked_on for p in payments)
    text = f"""OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>{end:%Y%m%d}120000<LANGUAGE>FRA</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>{bankid}<BRANCHID>00001<ACCTID>{acctid}<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>{start:%Y%m%d}<DTEND>{end:%Y%m%d}
{rows}</BANKTRANLIST>
<LEDGERBAL><BALAMT>1000.00<DTASOF>{end:%Y%m%d}</LEDGERBAL>
</STMTRS></STMTTRNRS></BANKMSGSRSV1>
</OFX>
"""
    return text.replace("\n", "\r\n").encode("cp1252")


def fresh_bank_data(db: Any, day: date, company: str | None = None, iban: str = COMPANY_IBAN) -> None:
    """A statement of the company's account ``iban`` covering up to ``day``, without any movement, imported as a
    bank file is: the bank data is fresh on ``day``, so reminders may go out automatically (the freshness gate,
    reminders/freshness.py). ``db``: an engine or a database URL; ``company``: its ref (default: the default one)."""
    from sqlalchemy import Engine

    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.statements.statements import import_statement

    engine = db if isinstance(db, Engine) else make_engine(db)
    data = Camt053(iban=iban, statement_id=f"FRESH-{iban[-6:]}-{day.isoformat()}", closing_on=day).render()
    try:
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, company))
            import_statement(repo, data, f"fresh-{iban[-6:]}-{day.isoformat()}.xml", source="cli", today=day)
    finally:
        if engine is not db:
            engine.dispose()

"""A large, realistic CAMT.053.001.02 statement written to disk as a stream (never one giant string).

Each entry looks like a French business account's: the payer's or payee's name with a postal address, IBAN
and agent BIC, the account holder as the other party, bank transaction codes, the amount in ``TxAmt``,
unstructured remittance text naming an invoice, a structured ``SCOR`` creditor reference on half the
credits, an end-to-end id (``NOTPROVIDED`` on some debits). Every 40th entry is a batch of three
transactions (three lines, ``<AcctSvcrRef>/1`` to ``/3``). About 1.1 KB per entry: 100,000 entries make a
file of about 113 MB and 105,000 lines.

``write_camt053`` returns the facts the benchmark checks the import against: the number of lines
and the exact sum of their signed amounts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from benchmarks.data import ACTIVITIES, LEGAL_FORMS, SURNAMES, customer_name, fr_iban, invoice_number
from tests.factories import COMPANY_IBAN

START = date(2026, 1, 2)
BATCH_EVERY = 40
BATCH_SIZE = 3
STREETS = ("rue des Lilas", "avenue Jean Jaurès", "boulevard Voltaire", "place de la République",
           "chemin des Vignes", "rue du Général de Gaulle", "allée des Érables", "quai de la Loire")
TOWNS = (("69003", "Lyon"), ("75011", "Paris"), ("13001", "Marseille"), ("31000", "Toulouse"),
         ("44000", "Nantes"), ("67000", "Strasbourg"), ("33000", "Bordeaux"), ("59000", "Lille"))
BICS = ("BNPAFRPPXXX", "SOGEFRPPXXX", "CRLYFRPPXXX", "AGRIFRPPXXX", "CCBPFRPPXXX", "CMCIFR2AXXX")


@dataclass(frozen=True)
class BigStatement:
    path: Path
    entries: int
    lines: int
    total: Decimal
    size: int


def _cents(i: int) -> int:
    """The entry's absolute amount in cents: 1.00 to 15,000.99, spread deterministically."""
    return 100 + (i * 7_919 + (i * i) % 104_729) % 1_500_000


def _credit(i: int) -> bool:
    return i % 3 != 2


def _parts(i: int) -> list[int]:
    """The cents of each transaction of entry ``i``: one, or three adding up to the entry."""
    cents = _cents(i)
    if i % BATCH_EVERY != BATCH_EVERY - 1:
        return [cents]
    first, second = cents // 3, cents // 4
    return [first, second, cents - first - second]


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _party(i: int, k: int) -> tuple[str, str, str, str]:
    """(name, IBAN, street line, BIC) of the counterparty of transaction ``k`` of entry ``i``."""
    c = (i * 31 + k * 7) % 1_000
    if _credit(i):
        name = customer_name(c)
    else:
        name = f"{LEGAL_FORMS[c % 4] or 'SAS'} {ACTIVITIES[c % len(ACTIVITIES)].upper()} {SURNAMES[c % 40].upper()}"
    street = f"{c % 180 + 1} {STREETS[c % len(STREETS)]}"
    return name, fr_iban(10_000 + c), street, BICS[c % len(BICS)]


def _tx(i: int, k: int, cents: int, ref: str, booked: date, batch: bool) -> str:
    credit = _credit(i)
    ind = "CRDT" if credit else "DBIT"
    name, iban, street, bic = _party(i, k)
    postcode, town = TOWNS[(i + k) % len(TOWNS)]
    number = invoice_number((i * 3 + k) % 50_000)
    address = (f"<PstlAdr><StrtNm>{street}</StrtNm><PstCd>{postcode}</PstCd><TwnNm>{town}</TwnNm>"
               "<Ctry>FR</Ctry></PstlAdr>")
    them = f"<Nm>{name}</Nm>{address}"
    us = "<Nm>SARL LETTRAGE DEMO</Nm>"
    if credit:
        parties = f"<Dbtr>{them}</Dbtr><DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct><Cdtr>{us}</Cdtr>"
        agent = f"<DbtrAgt><FinInstnId><BIC>{bic}</BIC></FinInstnId></DbtrAgt>"
        ustrd = f"VIR SEPA RECU /DE {name[:30]} /MOTIF FACTURE {number}"
    else:
        parties = f"<Dbtr>{us}</Dbtr><Cdtr>{them}</Cdtr><CdtrAcct><Id><IBAN>{iban}</IBAN></Id></CdtrAcct>"
        agent = f"<CdtrAgt><FinInstnId><BIC>{bic}</BIC></FinInstnId></CdtrAgt>"
        ustrd = f"PRLV SEPA {name[:40]} ECHEANCE {booked:%m/%Y} CONTRAT {i % 9_000 + 1_000:06d}"
    e2e = "NOTPROVIDED" if not credit and i % 5 == 0 else f"E2E-{booked:%Y%m%d}-{i:07d}-{k}"
    strd = (f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>RF{(i * 97 + k) % 100:02d}"
            f"{number.replace('-', '')}</Ref></CdtrRefInf></Strd>") if credit and i % 2 == 0 else ""
    amount = _amount(cents)
    own = f'<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{ind}</CdtDbtInd>' if batch else ""
    return (f"<TxDtls><Refs><AcctSvcrRef>{ref}-TX{k}</AcctSvcrRef><EndToEndId>{e2e}</EndToEndId></Refs>"
            f'{own}<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>\n'
            f"<RltdPties>{parties}</RltdPties><RltdAgts>{agent}</RltdAgts>\n"
            f"<RmtInf><Ustrd>{ustrd}</Ustrd>{strd}</RmtInf></TxDtls>\n")


def _entry(i: int) -> str:
    booked = START + timedelta(days=(i * 320) // 100_000 % 320)
    parts = _parts(i)
    ref = f"{booked:%Y%m%d}BQ{i:08d}"
    credit = _credit(i)
    ind = "CRDT" if credit else "DBIT"
    batch = len(parts) > 1
    txs = "".join(_tx(i, k, cents, ref, booked, batch) for k, cents in enumerate(parts))
    info = f"<AddtlNtryInf>{'VIREMENTS GROUPES' if batch else 'VIR SEPA' if credit else 'PRLV SEPA'}</AddtlNtryInf>"
    family, sub = ("RCDT", "ESCT") if credit else ("IDDT", "ESDD")
    btch = f"<Btch><NbOfTxs>{len(parts)}</NbOfTxs></Btch>" if batch else ""
    return (f'<Ntry><NtryRef>{i:08d}</NtryRef><Amt Ccy="EUR">{_amount(_cents(i))}</Amt><CdtDbtInd>{ind}</CdtDbtInd>'
            f"<Sts>BOOK</Sts><BookgDt><Dt>{booked.isoformat()}</Dt></BookgDt><ValDt><Dt>{booked.isoformat()}</Dt>"
            f"</ValDt><AcctSvcrRef>{ref}</AcctSvcrRef>\n<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd>"
            f"<SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls>{btch}\n{txs}</NtryDtls>{info}</Ntry>\n")


def write_camt053(path: Path, entries: int = 100_000, statement_id: str = "BIG-100K") -> BigStatement:
    """Writes the statement to ``path`` entry by entry; the opening and closing balances reconcile."""
    opening = Decimal("25000.00")
    total_cents = sum((c if _credit(i) else -c) for i in range(entries) for c in _parts(i))
    lines = sum(len(_parts(i)) for i in range(entries))
    total = Decimal(total_cents).scaleb(-2)
    closing = opening + total
    last = START + timedelta(days=319)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>MSG-{statement_id}</MsgId><CreDtTm>{last.isoformat()}T20:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>{statement_id}</Id>
   <ElctrncSeqNb>1</ElctrncSeqNb>
   <CreDtTm>{last.isoformat()}T20:00:00</CreDtTm>
   <FrToDt><FrDtTm>{START.isoformat()}T00:00:00</FrDtTm><ToDtTm>{last.isoformat()}T23:59:59</ToDtTm></FrToDt>
   <Acct><Id><IBAN>{COMPANY_IBAN}</IBAN></Id><Ccy>EUR</Ccy><Ownr><Nm>SARL LETTRAGE DEMO</Nm></Ownr>
    <Svcr><FinInstnId><BIC>BNPAFRPPXXX</BIC></FinInstnId></Svcr></Acct>
   <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{abs(opening)}</Amt>
    <CdtDbtInd>{"CRDT" if opening >= 0 else "DBIT"}</CdtDbtInd><Dt><Dt>{START.isoformat()}</Dt></Dt></Bal>
   <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{abs(closing)}</Amt>
    <CdtDbtInd>{"CRDT" if closing >= 0 else "DBIT"}</CdtDbtInd><Dt><Dt>{last.isoformat()}</Dt></Dt></Bal>
   <TxsSummry><TtlNtries><NbOfNtries>{entries}</NbOfNtries></TtlNtries></TxsSummry>
""")
        chunk: list[str] = []
        for i in range(entries):
            chunk.append(_entry(i))
            if len(chunk) == 1_000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
        out.write("  </Stmt>\n </BkToCstmrStmt>\n</Document>\n")
    return BigStatement(path=path, entries=entries, lines=lines, total=total, size=path.stat().st_size)

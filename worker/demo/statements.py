"""Writes the demo account's movements as the three files a French bank gives.

* OFX 1.02 (SGML, cp1252, unclosed leaf tags). The account is named the way
  French banks do it: ``BANKID`` (code banque) 30006, ``BRANCHID`` (code
  guichet) 00001, ``ACCTID`` the 11-character account number and ``ACCTKEY``
  the 2-digit RIB key; the IBAN is ``FR76`` + those four, concatenated.
* camt.053.001.02 (UTF-8 XML). In this version a transaction's own amount is
  ``TxDtls/AmtDtls/TxAmt/Amt`` (``TxDtls/Amt`` only exists from .001.03 on).
* A French CSV export (cp1252, ``;``, preamble lines, decimal comma, space as
  thousands separator, newest line first, ``DD/MM/YYYY`` dates; debit and
  credit amounts are both written positive, in their own column). CSV lines
  carry no bank id.

Each writer returns the bank id it gave each movement (``None`` for the CSV),
for the truth.
"""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from schwifty import IBAN

from worker.demo.customers import (
    COMPANY_ACCOUNT_NO,
    COMPANY_BANK_ID,
    COMPANY_BIC,
    COMPANY_BRANCH_ID,
    COMPANY_IBAN,
    COMPANY_NAME,
    COMPANY_RIB_KEY,
    bank_name,
)
from worker.demo.payments import Movement

CAMT_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def booked_total(movements: list[Movement]) -> Decimal:
    """Sum of the booked (not pending) movements."""
    return sum((m.amount for m in movements if not m.pending), Decimal("0.00"))


def french_amount(value: Decimal) -> str:
    """``Decimal('1200.5')`` -> ``'1 200,50'``."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def _ofx_text(text: str, limit: int) -> str:
    text = text.encode("cp1252", "replace").decode("cp1252")
    return escape(" ".join(text.split())[:limit])


def write_ofx(path: Path, movements: list[Movement], lo: date, hi: date, opening: Decimal) -> list[str | None]:
    """OFX 1.02 SGML file of ``movements`` (all booked) from ``lo`` to ``hi``."""
    stamp = (hi + timedelta(days=1)).strftime("%Y%m%d") + "060000"
    lines = [
        "OFXHEADER:100", "DATA:OFXSGML", "VERSION:102", "SECURITY:NONE", "ENCODING:USASCII",
        "CHARSET:1252", "COMPRESSION:NONE", "OLDFILEUID:NONE", "NEWFILEUID:NONE", "",
        "<OFX>", "<SIGNONMSGSRSV1>", "<SONRS>", "<STATUS>", "<CODE>0", "<SEVERITY>INFO", "</STATUS>",
        f"<DTSERVER>{stamp}", "<LANGUAGE>FRA", "</SONRS>", "</SIGNONMSGSRSV1>",
        "<BANKMSGSRSV1>", "<STMTTRNRS>", f"<TRNUID>{hi:%Y%m%d}001", "<STATUS>", "<CODE>0",
        "<SEVERITY>INFO", "</STATUS>", "<STMTRS>", "<CURDEF>EUR", "<BANKACCTFROM>",
        f"<BANKID>{COMPANY_BANK_ID}", f"<BRANCHID>{COMPANY_BRANCH_ID}", f"<ACCTID>{COMPANY_ACCOUNT_NO}",
        "<ACCTTYPE>CHECKING", f"<ACCTKEY>{COMPANY_RIB_KEY}", "</BANKACCTFROM>",
        "<BANKTRANLIST>", f"<DTSTART>{lo:%Y%m%d}", f"<DTEND>{hi:%Y%m%d}",
    ]
    ids: list[str | None] = []
    for seq, m in enumerate(movements, start=1):
        fitid = f"{m.booked_on:%y%m%d}{COMPANY_BRANCH_ID}{seq:05d}"
        ids.append(fitid)
        if m.amount > 0:
            trntype = "CREDIT"
        elif m.text.startswith("PRLV"):
            trntype = "DIRECTDEBIT"
        elif m.text.startswith("FRAIS"):
            trntype = "FEE"
        else:
            trntype = "DEBIT"
        lines += ["<STMTTRN>", f"<TRNTYPE>{trntype}", f"<DTPOSTED>{m.booked_on:%Y%m%d}"]
        if m.value_date != m.booked_on:
            lines.append(f"<DTAVAIL>{m.value_date:%Y%m%d}")
        lines += [f"<TRNAMT>{m.amount:.2f}", f"<FITID>{fitid}",
                  f"<NAME>{_ofx_text(bank_name(m.payer or m.text), 32)}"]
        if m.text:
            lines.append(f"<MEMO>{_ofx_text(m.text, 255)}")
        lines.append("</STMTTRN>")
    closing = opening + booked_total(movements)
    lines += ["</BANKTRANLIST>", "<LEDGERBAL>", f"<BALAMT>{closing:.2f}", f"<DTASOF>{hi:%Y%m%d}",
              "</LEDGERBAL>", "</STMTRS>", "</STMTTRNRS>", "</BANKMSGSRSV1>", "</OFX>", ""]
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    return ids


def _x(tag: str, text: str | Decimal, **attrs: str) -> str:
    attr = "".join(f' {k}="{escape(v)}"' for k, v in attrs.items())
    return f"<{tag}{attr}>{escape(str(text))}</{tag}>"


def _bal(code: str, amount: Decimal, on: date) -> str:
    ind = "CRDT" if amount >= 0 else "DBIT"
    return (f"<Bal><Tp><CdOrPrtry>{_x('Cd', code)}</CdOrPrtry></Tp>{_x('Amt', f'{abs(amount):.2f}', Ccy='EUR')}"
            f"{_x('CdtDbtInd', ind)}<Dt>{_x('Dt', on.isoformat())}</Dt></Bal>")


def _bktxcd(m: Movement) -> str:
    if m.amount > 0:
        dom, fam, sub = "PMNT", "RCDT", "ESCT"
    elif m.text.startswith("PRLV"):
        dom, fam, sub = "PMNT", "RDDT", "ESDD"
    elif m.text.startswith("FRAIS"):
        dom, fam, sub = "ACMT", "MDOP", "CHRG"
    else:
        dom, fam, sub = "PMNT", "ICDT", "ESCT"
    return (f"<BkTxCd><Domn>{_x('Cd', dom)}<Fmly>{_x('Cd', fam)}{_x('SubFmlyCd', sub)}</Fmly></Domn>"
            "</BkTxCd>")


def _rmtinf(text: str, rf: str) -> str:
    out = ""
    if text and text != rf:
        out += _x("Ustrd", " ".join(text.split())[:140])
    if rf:
        out += ("<Strd><CdtrRefInf><Tp><CdOrPrtry>" + _x("Cd", "SCOR") + "</CdOrPrtry>" + _x("Issr", "ISO")
                + "</Tp>" + _x("Ref", rf) + "</CdtrRefInf></Strd>")
    return f"<RmtInf>{out}</RmtInf>" if out else ""


def _txdtls(m: Movement, amount: Decimal, text: str, rf: str, e2e: str) -> str:
    parties = ""
    if m.amount > 0:
        parties = f"<Dbtr>{_x('Nm', m.payer[:70])}</Dbtr>"
        if m.iban:
            parties += f"<DbtrAcct><Id>{_x('IBAN', m.iban)}</Id></DbtrAcct>"
    elif m.payer:
        parties = f"<Cdtr>{_x('Nm', m.payer[:70])}</Cdtr>"
    return (f"<TxDtls><Refs>{_x('EndToEndId', e2e)}</Refs>"
            f"<AmtDtls><TxAmt>{_x('Amt', f'{abs(amount):.2f}', Ccy='EUR')}</TxAmt></AmtDtls>"
            + (f"<RltdPties>{parties}</RltdPties>" if parties else "")
            + _rmtinf(text, rf) + "</TxDtls>")


def write_camt(path: Path, movements: list[Movement], lo: date, hi: date, opening: Decimal) -> list[str | None]:
    """camt.053.001.02 statement: OPBD + booked entries = CLBD; pending entries listed but not counted."""
    created = f"{hi + timedelta(days=1):%Y-%m-%d}T06:00:00"
    closing = opening + booked_total(movements)
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{CAMT_NS}"><BkToCstmrStmt>',
           f"<GrpHdr>{_x('MsgId', f'CAMT053-{hi:%Y%m%d}-0001')}{_x('CreDtTm', created)}</GrpHdr>",
           f"<Stmt>{_x('Id', f'{COMPANY_ACCOUNT_NO}-{hi:%Y%m%d}')}{_x('ElctrncSeqNb', hi.strftime('%Y%m'))}",
           (f"{_x('CreDtTm', created)}<FrToDt>{_x('FrDtTm', f'{lo}T00:00:00')}{_x('ToDtTm', f'{hi}T23:59:59')}"
           f"</FrToDt><Acct><Id>{_x('IBAN', COMPANY_IBAN)}</Id>{_x('Ccy', 'EUR')}"
           f"<Ownr>{_x('Nm', COMPANY_NAME)}</Ownr><Svcr><FinInstnId>{_x('BIC', COMPANY_BIC)}</FinInstnId></Svcr>"
           "</Acct>"),
           _bal("OPBD", opening, lo), _bal("CLBD", closing, hi)]
    ids: list[str | None] = []
    for seq, m in enumerate(movements, start=1):
        ref = f"{m.booked_on:%Y%m%d}{'P' if m.pending else 'B'}{seq:06d}"
        ids.append(ref)
        entry = [f"<Ntry>{_x('NtryRef', str(seq))}{_x('Amt', f'{abs(m.amount):.2f}', Ccy='EUR')}",
                 _x("CdtDbtInd", "CRDT" if m.amount > 0 else "DBIT"), _x("Sts", "PDNG" if m.pending else "BOOK"),
                 f"<BookgDt>{_x('Dt', m.booked_on.isoformat())}</BookgDt>",
                 f"<ValDt>{_x('Dt', m.value_date.isoformat())}</ValDt>", _x("AcctSvcrRef", ref), _bktxcd(m)]
        if m.parts:
            total = f"{sum((p.amount for p in m.parts), Decimal(0)):.2f}"
            entry.append(f"<NtryDtls><Btch>{_x('NbOfTxs', str(len(m.parts)))}{_x('TtlAmt', total, Ccy='EUR')}"
                         f"{_x('CdtDbtInd', 'CRDT')}</Btch>")
            entry += [_txdtls(m, p.amount, p.text, p.rf, p.e2e) for p in m.parts]
            entry.append("</NtryDtls>")
        else:
            entry.append(f"<NtryDtls>{_txdtls(m, m.amount, m.text, m.rf, m.e2e)}</NtryDtls>")
        label = bank_name(f"{'VIR SEPA RECU' if m.amount > 0 else ''} {m.payer}".strip() or m.text)[:500]
        entry.append(f"{_x('AddtlNtryInf', label)}</Ntry>")
        out.append("".join(entry))
    out.append("</Stmt></BkToCstmrStmt></Document>\n")
    path.write_bytes("\n".join(out).encode("utf-8"))
    return ids


def csv_label(m: Movement) -> str:
    """The single ``Libellé`` a French bank prints for a movement."""
    if m.amount < 0 or m.text.startswith("VIR SEPA RECU"):
        return " ".join(m.text.split())
    label = f"VIR SEPA RECU /DE {bank_name(m.payer)}"
    if m.text:
        label += f" /MOTIF {' '.join(m.text.split())}"
    return f"{label} /REF {m.e2e}"


def write_csv(path: Path, movements: list[Movement], lo: date, hi: date, opening: Decimal) -> list[str | None]:
    """The bank's CSV export, newest line first, with an account preamble and the closing balance."""
    closing = opening + booked_total(movements)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(["Compte courant", IBAN(COMPANY_IBAN).formatted])
    w.writerow(["Titulaire", bank_name(COMPANY_NAME)])
    w.writerow(["Période", f"du {lo:%d/%m/%Y} au {hi:%d/%m/%Y}"])
    w.writerow(["Solde au " + f"{hi:%d/%m/%Y}", french_amount(closing)])
    buf.write("\r\n")
    w.writerow(["Date opération", "Date valeur", "Libellé", "Débit", "Crédit"])
    for m in sorted(movements, key=lambda m: m.booked_on, reverse=True):
        debit = french_amount(-m.amount) if m.amount < 0 else ""
        credit = french_amount(m.amount) if m.amount > 0 else ""
        w.writerow([f"{m.booked_on:%d/%m/%Y}", f"{m.value_date:%d/%m/%Y}", csv_label(m), debit, credit])
    path.write_bytes(buf.getvalue().encode("cp1252"))
    return [None] * len(movements)

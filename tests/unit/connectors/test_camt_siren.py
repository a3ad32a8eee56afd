"""The payer's SIREN from a CAMT entry's organisation id (001.02 ``Dbtr/Id``, 001.08+ ``Dbtr/Pty/Id``): kept
only when the scheme says SIREN or SIRET (or INSEE issued it) and the check digit holds."""
from __future__ import annotations

import pytest

from connectors.camt import CamtParser

SIREN = "732829320"  # valid (Luhn)
SIRET = "73282932000074"


def _statement(version: str, debtor: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-10-05T10:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">1200.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-10-05</Dt></BookgDt><AcctSvcrRef>B1</AcctSvcrRef>
<NtryDtls><TxDtls><RltdPties>{debtor}</RltdPties><RmtInf><Ustrd>VIREMENT</Ustrd></RmtInf></TxDtls></NtryDtls>
</Ntry></Stmt></BkToCstmrStmt></Document>""".encode()


def _other(number: str, scheme: str = "<SchmeNm><Prtry>SIREN</Prtry></SchmeNm>") -> str:
    return f"<Id><OrgId><Othr><Id>{number}</Id>{scheme}</Othr></OrgId></Id>"


@pytest.mark.parametrize(("version", "debtor", "expected"), [
    ("02", f"<Dbtr><Nm>DUPONT SARL</Nm>{_other(SIREN)}</Dbtr>", SIREN),
    ("08", f"<Dbtr><Pty><Nm>DUPONT SARL</Nm>{_other(SIREN)}</Pty></Dbtr>", SIREN),
    ("02", f"<Dbtr><Nm>DUPONT SARL</Nm>{_other(SIRET, '<SchmeNm><Cd>SIRT</Cd></SchmeNm>')}</Dbtr>", SIREN),
    ("02", f"<Dbtr><Nm>DUPONT SARL</Nm>{_other(SIREN, '<Issr>INSEE</Issr>')}</Dbtr>", SIREN),
    ("02", f"<Dbtr><Nm>DUPONT SARL</Nm>{_other('732829321')}</Dbtr>", None),  # check digit wrong
    ("02", f"<Dbtr><Nm>DUPONT SARL</Nm>{_other(SIREN, '<SchmeNm><Cd>CUST</Cd></SchmeNm>')}</Dbtr>", None),
    ("02", "<Dbtr><Nm>DUPONT SARL</Nm></Dbtr>", None),
])
def test_the_payers_siren(version: str, debtor: str, expected: str | None) -> None:
    (statement,) = CamtParser().parse(_statement(version, debtor), "siren.xml").statements
    (line,) = statement.lines
    assert (line.counterparty, line.counterparty_siren) == ("DUPONT SARL", expected)

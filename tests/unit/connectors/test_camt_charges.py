"""A foreign payment's evidence in a CAMT entry: the charges taken (``Chrgs``: 001.02 ``Amt``, 001.04+
``TtlChrgsAndTaxAmt`` or ``Rcrd/Amt``) and the currency the payer sent (``AmtDtls/InstdAmt``), per transaction
or for the whole entry."""
from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.camt import CamtParser


def _statement(version: str, entry_extra: str = "", tx_extra: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-10-05T10:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">1487.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-10-05</Dt></BookgDt><AcctSvcrRef>B1</AcctSvcrRef>{entry_extra}
<NtryDtls><TxDtls>{tx_extra}<RmtInf><Ustrd>INVOICE FA-2026-00124</Ustrd></RmtInf></TxDtls></NtryDtls>
</Ntry></Stmt></BkToCstmrStmt></Document>""".encode()


@pytest.mark.parametrize(("version", "entry_extra", "tx_extra", "expected"), [
    ("02", "", '<Chrgs><Amt Ccy="EUR">12.50</Amt><CdtDbtInd>DBIT</CdtDbtInd></Chrgs>', (Decimal("12.50"), None)),
    ("08", "", '<Chrgs><TtlChrgsAndTaxAmt Ccy="EUR">12.50</TtlChrgsAndTaxAmt></Chrgs>', (Decimal("12.50"), None)),
    ("08", "", '<Chrgs><Rcrd><Amt Ccy="EUR">7.00</Amt></Rcrd></Chrgs>', (Decimal("7.00"), None)),
    ("02", "", '<AmtDtls><InstdAmt><Amt Ccy="USD">1630.00</Amt></InstdAmt></AmtDtls>', (None, "USD")),
    ("02", '<AmtDtls><InstdAmt><Amt Ccy="USD">1630.00</Amt></InstdAmt></AmtDtls>', "", (None, "USD")),
    ("02", "", '<AmtDtls><InstdAmt><Amt Ccy="EUR">1500.00</Amt></InstdAmt></AmtDtls>', (None, None)),
    ("02", "", "", (None, None)),
])
def test_the_charges_and_the_currency_sent(version: str, entry_extra: str, tx_extra: str,
                                           expected: tuple[Decimal | None, str | None]) -> None:
    (statement,) = CamtParser().parse(_statement(version, entry_extra, tx_extra), "fees.xml").statements
    (line,) = statement.lines
    assert (line.amount, (line.charges, line.instructed_currency)) == (Decimal("1487.50"), expected)

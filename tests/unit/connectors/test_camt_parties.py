"""Which related party of a CAMT entry is the line's counterparty: the other party (a credit's debtor, a debit's
creditor), the other way round on a reversal, and never the account holder when the other party is given."""
from __future__ import annotations

import pytest

from connectors.camt import CamtParser

OURS = "FR7630006000011234567890189"
THEIRS = "FR7630066100210001020304009"
US = "<Nm>ATELIER DUVAL</Nm>"
CUSTOMER = "<Nm>SARL CAFE DES CANUTS</Nm>"


def _statement(indicator: str, parties: str, reversal: bool = False, version: str = "02") -> bytes:
    rvsl = "<RvslInd>true</RvslInd>" if reversal else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-04-01T10:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>{OURS}</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">780.00</Amt><CdtDbtInd>{indicator}</CdtDbtInd>{rvsl}<Sts>BOOK</Sts>
<BookgDt><Dt>2026-04-01</Dt></BookgDt><AcctSvcrRef>B1</AcctSvcrRef>
<NtryDtls><TxDtls><RltdPties>{parties}</RltdPties></TxDtls></NtryDtls>
</Ntry></Stmt></BkToCstmrStmt></Document>""".encode()


def _party(role: str, name: str, iban: str | None, v08: bool = False) -> str:
    body = f"<{role}><Pty>{name}</Pty></{role}>" if v08 else f"<{role}>{name}</{role}>"
    return body + (f"<{role}Acct><Id><IBAN>{iban}</IBAN></Id></{role}Acct>" if iban else "")


def _counterparty(data: bytes, **options: bool) -> tuple[str | None, str | None]:
    (statement,) = CamtParser(**options).parse(data, "parties.xml").statements
    (line,) = statement.lines
    return line.counterparty, line.counterparty_iban


BOTH = _party("Dbtr", CUSTOMER, THEIRS) + _party("Cdtr", US, OURS)


@pytest.mark.parametrize(("indicator", "reversal", "parties", "expected"), [
    # a returned direct debit: the bank lists the original collection's parties (customer Dbtr, us Cdtr)
    ("DBIT", True, BOTH, ("SARL CAFE DES CANUTS", THEIRS)),
    # an ordinary credit and an ordinary debit: the debtor, the creditor
    ("CRDT", False, BOTH, ("SARL CAFE DES CANUTS", THEIRS)),
    ("DBIT", False, _party("Dbtr", US, OURS) + _party("Cdtr", CUSTOMER, THEIRS), ("SARL CAFE DES CANUTS", THEIRS)),
    # a recalled outgoing transfer booked back as a credit: the original's creditor
    ("CRDT", True, _party("Dbtr", US, OURS) + _party("Cdtr", CUSTOMER, THEIRS), ("SARL CAFE DES CANUTS", THEIRS)),
    # only the customer listed: taken whatever the side
    ("DBIT", True, _party("Dbtr", CUSTOMER, THEIRS), ("SARL CAFE DES CANUTS", THEIRS)),
    # the bank put the holder on the counterparty's side (a reversal without RvslInd): the other party
    ("DBIT", False, BOTH, ("SARL CAFE DES CANUTS", THEIRS)),
    # the counterparty named without an account: never the holder's own IBAN (nor name) in its place
    ("CRDT", False, _party("Dbtr", CUSTOMER, None) + _party("Cdtr", US, OURS), ("SARL CAFE DES CANUTS", None)),
    ("CRDT", False, _party("Dbtr", "", None) + _party("Cdtr", US, OURS), (None, None)),
])
def test_the_counterparty_is_the_other_party(indicator: str, reversal: bool, parties: str,
                                             expected: tuple[str | None, str | None]) -> None:
    assert _counterparty(_statement(indicator, parties, reversal)) == expected


def test_parties_under_pty_from_version_08() -> None:
    parties = _party("Dbtr", CUSTOMER, THEIRS, v08=True) + _party("Cdtr", US, OURS, v08=True)
    assert _counterparty(_statement("DBIT", parties, True, "08")) == ("SARL CAFE DES CANUTS", THEIRS)


def test_a_bank_sending_the_originals_indicator_is_not_swapped_twice() -> None:
    """With reversal_flips_sign the indicator already is the original operation's (here CRDT for a returned
    collection): the debtor stays the counterparty, and the amount is booked as a debit."""
    (statement,) = CamtParser(reversal_flips_sign=True).parse(_statement("CRDT", BOTH, True), "p.xml").statements
    (line,) = statement.lines
    assert (line.counterparty, line.counterparty_iban, str(line.amount)) == ("SARL CAFE DES CANUTS", THEIRS, "-780.00")


def test_the_siren_is_the_chosen_partys() -> None:
    siren = "<Id><OrgId><Othr><Id>732829320</Id><SchmeNm><Prtry>SIREN</Prtry></SchmeNm></Othr></OrgId></Id>"
    parties = (_party("Dbtr", CUSTOMER + siren, THEIRS)
               + _party("Cdtr", US + siren.replace("732829320", "552100554"), OURS))
    (statement,) = CamtParser().parse(_statement("DBIT", parties, True), "p.xml").statements
    assert statement.lines[0].counterparty_siren == "732829320"

"""ISO 20022 CAMT.052 (report), CAMT.053 (statement) and CAMT.054 (notification) files.

Namespace-agnostic: elements are matched on their local names, so every published
version (001.02 to 001.13) and banks' odd namespace prefixes read the same. The file
is streamed with ``iterparse`` and each ``Ntry`` is dropped once read, so a statement
with hundreds of thousands of entries does not sit in memory as a tree. The XML
parser is hardened: no entity expansion, no network, no huge trees, and any DOCTYPE
declaring entities is refused before parsing.

Sign convention: ``CdtDbtInd`` is the direction of the booking on the account, also
for reversals (ISO 20022 usage rule: "If CreditDebitIndicator is DBIT and
ReversalIndicator is Yes, the original operation was a credit entry"). Flipping the
sign of reversals would book returned payments the wrong way round, so it is only an
opt-in (``reversal_flips_sign=True``) for a bank known to send the original's indicator.
"""
from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from connectors._common import BadRows, RefDeriver, clean, one_line
from connectors.errors import ParseError
from connectors.model import ParsedFile, ParsedLine, ParsedStatement

_CONTAINERS = {"Stmt": "camt.053", "Rpt": "camt.052", "Ntfctn": "camt.054"}
_MESSAGES = {"BkToCstmrStmt": "camt.053", "BkToCstmrAcctRpt": "camt.052", "BkToCstmrDbtCdtNtfctn": "camt.054"}
_NS_FORMAT = re.compile(rb"camt\.05([234])\.001\.\d+")
_DOCTYPE_ENTITY = re.compile(rb"<!DOCTYPE[^>\[]*\[[^\]]*<!ENTITY", re.IGNORECASE)
_BOOKED = "BOOK"


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _child(el: etree._Element | None, *path: str) -> etree._Element | None:
    """The first element along ``path`` of local names, or None."""
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if _local(c) == name), None)
    return el


def _children(el: etree._Element | None, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c) == name] if el is not None else []


def _text(el: etree._Element | None, *path: str) -> str:
    found = _child(el, *path)
    return (found.text or "").strip() if found is not None else ""


def _date(el: etree._Element | None) -> date | None:
    """A date element holding ``Dt`` or ``DtTm`` (date part, as the bank wrote it)."""
    raw = _text(el, "Dt") or _text(el, "DtTm")[:10]
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def _amount(el: etree._Element | None) -> tuple[Decimal, str] | None:
    if el is None or not (el.text or "").strip():
        return None
    try:
        value = Decimal(el.text.strip())
    except InvalidOperation:
        return None
    return (value, (el.get("Ccy") or "").upper()) if value.is_finite() else None


@dataclass
class _Statement:
    """What is known of the statement being streamed."""

    kind: str
    statement_id: str | None = None
    account: str | None = None
    currency: str | None = None
    opening: tuple[Decimal, date | None] | None = None
    opening_is_opbd: bool = False
    closing: tuple[Decimal, date | None] | None = None
    lines: list[ParsedLine] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)


class CamtParser:
    """Reads one CAMT kind; ``format`` is "camt.053", "camt.052" or "camt.054"."""

    def __init__(self, format: str = "camt.053", *, reversal_flips_sign: bool = False) -> None:
        self.format = format
        self.reversal_flips_sign = reversal_flips_sign

    def detect(self, head: bytes, filename: str) -> bool:
        m = _NS_FORMAT.search(head[:4096])
        if m:
            return f"camt.05{m.group(1).decode()}" == self.format
        return any(f"<{msg}".encode() in head and kind == self.format for msg, kind in _MESSAGES.items())

    def parse(self, data: bytes, filename: str) -> ParsedFile:
        root_at = re.search(rb"<[A-Za-z_]", data)
        prolog = data[: root_at.start()] if root_at else data
        if _DOCTYPE_ENTITY.search(prolog) or b"<!ENTITY" in prolog:
            raise ParseError(filename, "DOCTYPE entities are not accepted")
        statements: list[ParsedStatement] = []
        current: _Statement | None = None
        kinds: set[str] = set()
        bad = BadRows(filename, "entry")
        derive = RefDeriver("camt")
        entry_no = 0
        events = etree.iterparse(
            io.BytesIO(data), events=("start", "end"), resolve_entities=False, no_network=True,
            huge_tree=False, load_dtd=False, remove_comments=True, remove_pis=True,
        )
        try:
            for event, el in events:
                name = _local(el)
                if event == "start":
                    up = el.getparent()
                    if name in _CONTAINERS and current is None and up is not None and _local(up) in _MESSAGES:
                        current = _Statement(kind=_CONTAINERS[name])
                    continue
                if current is None:
                    continue
                parent = el.getparent()
                at_top = parent is not None and _local(parent) in _CONTAINERS
                if name == "Ntry" and at_top:
                    entry_no += 1
                    self._entry(el, entry_no, current, bad, derive)
                    self._drop(el)
                elif name == "Bal" and at_top:
                    self._balance(el, current)
                    self._drop(el)
                elif name == "Acct" and at_top:
                    current.account = _text(el, "Id", "IBAN") or _text(el, "Id", "Othr", "Id") or None
                    current.currency = _text(el, "Ccy").upper() or None
                elif name == "Id" and at_top:
                    current.statement_id = (el.text or "").strip() or None
                elif name in _CONTAINERS and parent is not None and _local(parent) in _MESSAGES:
                    kinds.add(current.kind)
                    statements.append(self._finish(current))
                    current = None
                    self._drop(el)
        except etree.XMLSyntaxError as exc:
            raise ParseError(filename, f"not well-formed XML: {one_line(exc)}") from None
        bad.raise_if_any()
        if not statements:
            raise ParseError(filename, "no statement, report or notification (Stmt/Rpt/Ntfctn) in the document")
        kind = kinds.pop() if len(kinds) == 1 else self.format
        warnings = tuple(w for s in statements for w in s.warnings)
        return ParsedFile(format=kind, statements=tuple(statements), warnings=warnings)

    @staticmethod
    def _drop(el: etree._Element) -> None:
        """Frees an element already read, and the siblings before it."""
        el.clear()
        parent = el.getparent()
        if parent is not None:
            while el.getprevious() is not None:
                del parent[0]

    @staticmethod
    def _balance(el: etree._Element, st: _Statement) -> None:
        code = _text(el, "Tp", "CdOrPrtry", "Cd") or _text(el, "Tp", "CdOrPrtry", "Prtry")
        found = _amount(_child(el, "Amt"))
        if found is None:
            return
        value, ccy = found
        if _text(el, "CdtDbtInd") == "DBIT":
            value = -value
        on = _date(_child(el, "Dt"))
        if code == "OPBD" or (code == "PRCD" and not st.opening_is_opbd):
            st.opening, st.opening_is_opbd = (value, on), code == "OPBD"
        elif code == "CLBD":
            st.closing = (value, on)
        if st.currency is None and ccy and code in ("OPBD", "PRCD", "CLBD"):
            st.currency = ccy

    def _entry(self, ntry: etree._Element, number: int, st: _Statement, bad: BadRows,
               derive: RefDeriver) -> None:
        status = _text(ntry, "Sts", "Cd") or _text(ntry, "Sts")
        if status != _BOOKED:
            st.skipped[status or "missing"] += 1
            return
        found = _amount(_child(ntry, "Amt"))
        indicator = _text(ntry, "CdtDbtInd")
        booked_on = _date(_child(ntry, "BookgDt")) or _date(_child(ntry, "ValDt"))
        problems = []
        if found is None:
            problems.append(f"invalid or missing amount {_text(ntry, 'Amt')!r}")
        if indicator not in ("CRDT", "DBIT"):
            problems.append(f"invalid or missing CdtDbtInd {indicator!r}")
        if booked_on is None:
            problems.append("no booking date (BookgDt/Dt or DtTm)")
        if found is None or indicator not in ("CRDT", "DBIT") or booked_on is None:
            bad.add(number, f"entry {number}: " + "; ".join(problems))
            return
        amount, ccy = found
        ccy = ccy or st.currency or ""
        if st.currency is None:
            st.currency = ccy or None
        reversal = _text(ntry, "RvslInd").lower() in ("true", "1")
        details = [d for nd in _children(ntry, "NtryDtls") for d in _children(nd, "TxDtls")]
        parts: list[tuple[etree._Element | None, Decimal, str]] = []
        if len(details) > 1:
            for d in details:
                own = _amount(_child(d, "Amt")) or _amount(_child(d, "AmtDtls", "TxAmt", "Amt"))
                if own is None or (own[1] and own[1] != ccy):
                    st.warnings.append(f"entry {number}: batch details without amounts in {ccy}; kept as one line")
                    parts = [(None, amount, indicator)]
                    break
                parts.append((d, own[0], _text(d, "CdtDbtInd") or indicator))
        else:
            parts = [(details[0] if details else None, amount, indicator)]
        if len(parts) > 1:
            signed = sum((p[1] if p[2] == "CRDT" else -p[1] for p in parts), Decimal(0))
            if signed != (amount if indicator == "CRDT" else -amount):
                st.warnings.append(f"entry {number}: details add up to {signed}, the entry books {amount} "
                                   f"{indicator}; the difference (charges?) is not a line")
        base = _text(ntry, "AcctSvcrRef") or _text(ntry, "NtryRef")
        value_on = _date(_child(ntry, "ValDt"))
        extra_info = _text(ntry, "AddtlNtryInf")
        for n, (detail, value, ind) in enumerate(parts, start=1):
            sign = 1 if ind == "CRDT" else -1
            if reversal and self.reversal_flips_sign:
                sign = -sign
            line_amount = value if sign > 0 else -value
            party, account = ("Dbtr", "DbtrAcct") if ind == "CRDT" else ("Cdtr", "CdtrAcct")
            other, other_acct = ("Cdtr", "CdtrAcct") if ind == "CRDT" else ("Dbtr", "DbtrAcct")
            rp = _child(detail, "RltdPties")
            name = (_text(rp, party, "Nm") or _text(rp, party, "Pty", "Nm")
                    or _text(rp, other, "Nm") or _text(rp, other, "Pty", "Nm"))
            iban = _text(rp, account, "Id", "IBAN") or _text(rp, other_acct, "Id", "IBAN")
            rmt = _child(detail, "RmtInf")
            text = " ".join(clean(u.text) for u in _children(rmt, "Ustrd") if clean(u.text))
            text = text or clean(extra_info) or clean(_text(detail, "AddtlTxInf"))
            reference = next((r for s in _children(rmt, "Strd") if (r := _text(s, "CdtrRefInf", "Ref"))), None)
            e2e = _text(detail, "Refs", "EndToEndId")
            if base:
                ref = base if len(parts) == 1 else f"{base}/{n}"
            else:
                ref = derive.derive(booked_on, line_amount, text, extra=f"{st.account}|{e2e}")
            st.lines.append(ParsedLine(
                bank_ref=ref, booked_on=booked_on, amount=line_amount, currency=ccy, value_on=value_on,
                counterparty=clean(name) or None, counterparty_iban=iban.replace(" ", "").upper() or None,
                text=text, reference=reference,
                end_to_end_id=e2e if e2e and e2e.upper() != "NOTPROVIDED" else None, row=number,
            ))

    @staticmethod
    def _finish(st: _Statement) -> ParsedStatement:
        who = st.account or st.statement_id or "?"
        warnings = [f"account {who}: {w}" for w in st.warnings]
        for status, count in sorted(st.skipped.items()):
            warnings.append(f"account {who}: {count} entr{'y' if count == 1 else 'ies'} with status {status} "
                            "skipped (only BOOK entries are imported)")
        if st.opening is not None and st.closing is not None:
            total = st.opening[0] + sum((ln.amount for ln in st.lines), Decimal(0))
            if total != st.closing[0]:
                warnings.append(f"account {who}: balances do not reconcile: opening {st.opening[0]} + lines "
                                f"= {total}, but the closing balance is {st.closing[0]}")
        return ParsedStatement(
            account=st.account, currency=st.currency, lines=tuple(st.lines), statement_id=st.statement_id,
            opening_balance=st.opening[0] if st.opening else None, opening_on=st.opening[1] if st.opening else None,
            closing_balance=st.closing[0] if st.closing else None, closing_on=st.closing[1] if st.closing else None,
            warnings=tuple(warnings),
        )

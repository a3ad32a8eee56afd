"""ISO 20022 CAMT.052 (report), CAMT.053 (statement) and CAMT.054 (notification) files.

Namespace-agnostic: elements are matched on their local names, so every published
version (001.02 to 001.13) and banks' odd namespace prefixes read the same. The file
is streamed with ``iterparse`` and each ``Ntry`` is dropped once read, so a statement
with hundreds of thousands of entries does not sit in memory as a tree. The XML
parser is hardened: no entity expansion, no network, no huge trees; a DOCTYPE (declaring
entities or not) is refused before parsing, and so is an XInclude element.

Entries a camt.053 gives without a status are booked entries (the message is the statement of the entries booked
on the account), dated by their value date or else the end of the statement's period, and the file's warnings say
so once. A reference that is a placeholder (NONREF, NOTPROVIDED) is no id; one an earlier entry of the statement
already carries is numbered (``R#2``), so that no booked entry is taken for another. Amounts and balances are read
at their currency's ISO 4217 decimals, float artefacts removed (``connectors.amounts``).

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
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO

from lxml import etree

from connectors import progress
from connectors._common import BadRows, RefDeriver, check_amounts, clean, one_line
from connectors.amounts import normalised, normalised_line
from connectors.camt_state import LOCAL_NAMES, DocumentRun, PartWatch, StatementState, local_name
from connectors.errors import ParseError
from connectors.model import ParsedFile, ParsedLine, ParsedStatement

_CONTAINERS = {"Stmt": "camt.053", "Rpt": "camt.052", "Ntfctn": "camt.054"}
_MESSAGES = {"BkToCstmrStmt": "camt.053", "BkToCstmrAcctRpt": "camt.052", "BkToCstmrDbtCdtNtfctn": "camt.054"}
_NS_FORMAT = re.compile(rb"camt\.05([234])\.001\.\d+")
_ROOT = re.compile(rb"<[A-Za-z_]")
_DOCTYPE_ENTITY = re.compile(rb"<!DOCTYPE[^>\[]*\[[^\]]*<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_XINCLUDE = "{http://www.w3.org/2001/XInclude}"
_BOOKED = "BOOK"
# what banks write where the standard wants a reference they do not have (SWIFT's NONREF, ISO 20022's
# NOTPROVIDED): not an id, every entry of a German camt.052 may carry it
_NO_REF = frozenset({"NONREF", "NOTPROVIDED", "NONE", "NOREF"})
_EVENT_TAGS = ["{*}Stmt", "{*}Rpt", "{*}Ntfctn", "{*}Ntry", "{*}Bal", _XINCLUDE + "*"]
# by "the original operation is a credit": the party whose name and account describe the line (the other party:
# the debtor of a credit, the creditor of a debit), then the fallback side
_PARTIES = {True: ("Dbtr", "DbtrAcct", "Cdtr", "CdtrAcct"), False: ("Cdtr", "CdtrAcct", "Dbtr", "DbtrAcct")}
_HEAD_CHUNK = 65_536


# From this size on, a CAMT file may be read in two parts by two processes (connectors.camt_parallel).
PARALLEL_MIN_SIZE = 16_000_000



def _seekable_size(fileobj: IO[bytes]) -> int:
    """The size of a regular file read from its start; -1 for anything else (a pipe, a socket, a position > 0)."""
    try:
        if not fileobj.seekable() or fileobj.tell() != 0:
            return -1
        size = fileobj.seek(0, io.SEEK_END)
        fileobj.seek(0)
        return size
    except (AttributeError, OSError, ValueError):
        return -1


def _kids(el: etree._Element | None) -> dict[str, etree._Element]:
    """The first child of each local name, in one pass over the children."""
    out: dict[str, etree._Element] = {}
    if el is None:
        return out
    names = LOCAL_NAMES
    for c in el:
        name = names.get(c.tag)
        if name is None:
            name = local_name(c)
        if name not in out:
            out[name] = c
    return out


def _child(el: etree._Element | None, *path: str) -> etree._Element | None:
    """The first element along ``path`` of local names, or None."""
    names = LOCAL_NAMES
    for name in path:
        if el is None:
            return None
        parent, el = el, None
        for c in parent:
            own = names.get(c.tag)
            if (own if own is not None else local_name(c)) == name:
                el = c
                break
    return el


def _children(el: etree._Element | None, name: str) -> list[etree._Element]:
    return [c for c in el if local_name(c) == name] if el is not None else []


def _strip(el: etree._Element | None) -> str:
    """The element's own text, stripped ("" when the element is missing)."""
    if el is None:
        return ""
    value = el.text
    return value.strip() if value else ""


def _text(el: etree._Element | None, *path: str) -> str:
    if len(path) == 1 and el is not None:  # the common case, without the path loop
        names, name = LOCAL_NAMES, path[0]
        for c in el:
            if (names.get(c.tag) or local_name(c)) == name:
                value = c.text
                return value.strip() if value else ""
        return ""
    return _strip(_child(el, *path))


_DATES: dict[str, date] = {}


def _date(el: etree._Element | None) -> date | None:
    """A date element holding ``Dt`` or ``DtTm`` (date part, as the bank wrote it)."""
    if el is None:
        return None
    dt = tm = None
    names = LOCAL_NAMES
    for c in el:  # the first Dt, else the first DtTm, in one pass
        own = names.get(c.tag) or local_name(c)
        if own == "Dt":
            dt = c
            break
        if own == "DtTm" and tm is None:
            tm = c
    raw = _strip(dt) or _strip(tm)[:10]
    if not raw:
        return None
    raw = raw[:10]
    found = _DATES.get(raw)
    if found is None:
        try:
            found = date.fromisoformat(raw)
        except ValueError:
            return None
        if len(_DATES) < 20_000:
            _DATES[raw] = found
    return found


_SIREN_SCHEMES = frozenset({"SIREN", "SIRE", "SIRET", "SIRT"})


def _party_siren(party: etree._Element | None) -> str | None:
    """The party's SIREN from its organisation id (``Id/OrgId/Othr``, under ``Pty`` from version 001.08),
    when the scheme says SIREN or SIRET (or INSEE issued it) and the number's check digit holds; a SIRET
    gives its first nine digits."""
    if party is None:
        return None
    holder = _child(party, "Pty")
    org = _child(holder if holder is not None else party, "Id", "OrgId")
    if org is None:
        return None
    for othr in _children(org, "Othr"):
        scheme = (_text(othr, "SchmeNm", "Cd") or _text(othr, "SchmeNm", "Prtry")).upper()
        if scheme not in _SIREN_SCHEMES and _text(othr, "Issr").upper() != "INSEE":
            continue
        # imported here, when a statement gives one: it costs each parsing process a few MB otherwise
        from stdnum.fr import siren, siret

        number = "".join(_text(othr, "Id").split())
        if len(number) == 14 and siret.is_valid(number):
            return number[:9]
        if len(number) == 9 and siren.is_valid(number):
            return number
    return None


def _foreign(details: dict[str, etree._Element], currency: str) -> tuple[Decimal | None, str | None]:
    """A payment's charges (``Chrgs``: its total, else its first record's amount, positive) and the currency
    the payer sent when not ``currency`` (``AmtDtls/InstdAmt``), from a TxDtls or an entry's children."""
    charges = None
    found = details.get("Chrgs")
    if found is not None:
        given = (_amount(_child(found, "TtlChrgsAndTaxAmt")) or _amount(_child(found, "Rcrd", "Amt"))
                 or _amount(_child(found, "Amt")))
        charges = given[0] if given is not None and given[0] > 0 else None
    sent = _amount(_child(details.get("AmtDtls"), "InstdAmt", "Amt"))
    return charges, (sent[1] if sent is not None and sent[1] and sent[1] != currency else None)


def _amount(el: etree._Element | None) -> tuple[Decimal, str] | None:
    if el is None:
        return None
    raw = el.text
    if not raw or not (raw := raw.strip()):
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return (value, (el.get("Ccy") or "").upper()) if value.is_finite() else None


def _date_time(raw: str) -> date | None:
    """The date of an ISODateTime such as 2007-10-18T12:30:00+01:00 (or an ISODate), as written; None if invalid."""
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


_NO_DOCTYPE = "a document type declaration (DOCTYPE) is not accepted"


def _checked_prolog(fileobj: IO[bytes], filename: str) -> bytes:
    """Reads up to the root element's start and refuses a DOCTYPE declaring entities; returns what it read."""
    head = b""
    while True:
        chunk = fileobj.read(_HEAD_CHUNK)
        head += chunk
        root_at = _ROOT.search(head)
        if root_at or not chunk:
            break
    prolog = head[: root_at.start()] if root_at else head
    if _DOCTYPE_ENTITY.search(prolog) or b"<!ENTITY" in prolog:
        raise ParseError(filename, "DOCTYPE entities are not accepted")
    if _DOCTYPE.search(prolog):  # no bank sends one: as the e-invoice readers, refused whatever it declares
        raise ParseError(filename, _NO_DOCTYPE)
    return head


class _Prefixed:
    """A file object reading ``head`` (already consumed from ``rest``) and then ``rest``."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head = head
        self.rest = rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            if size is None or size < 0:
                out, self.head = self.head + self.rest.read(), b""
                return out
            out, self.head = self.head[:size], self.head[size:]
            return out
        return self.rest.read(size)


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
        if len(data) >= PARALLEL_MIN_SIZE:
            from connectors.camt_parallel import parse_in_parts

            parsed = parse_in_parts(self, data, filename)
            if parsed is not None:
                return parsed
        # BytesIO over bytes shares the buffer: the file is not copied.
        return self._parse_sequential(io.BytesIO(data), filename)

    def parse_stream(self, fileobj: IO[bytes], filename: str) -> ParsedFile:
        """Same as ``parse``, reading a binary file object: a large file is never held whole in memory.

        A large file on disk (at least ``PARALLEL_MIN_SIZE`` bytes, read from its start) whose layout allows
        it is read in two parts by two processes (``connectors.camt_parallel``), with the same result.
        """
        if _seekable_size(fileobj) >= PARALLEL_MIN_SIZE:
            from connectors.camt_parallel import parse_in_parts

            parsed = parse_in_parts(self, fileobj, filename)
            fileobj.seek(0)
            if parsed is not None:
                return parsed
        return self._parse_sequential(fileobj, filename)

    def _parse_sequential(self, fileobj: IO[bytes], filename: str) -> ParsedFile:
        """The whole document in this process, in one pass."""
        head = _checked_prolog(fileobj, filename)
        run = self.read_document(_Prefixed(head, fileobj), filename)
        run.bad.raise_if_any()
        return self.file_of(run.statements, run.kinds, filename)

    def file_of(self, statements: list[StatementState], kinds: set[str], filename: str) -> ParsedFile:
        """The ParsedFile of the statements read (each finished here, in document order)."""
        if not statements:
            raise ParseError(filename, "no statement, report or notification (Stmt/Rpt/Ntfctn) in the document")
        finished = [self._finish(st) for st in statements]
        kind = next(iter(kinds)) if len(kinds) == 1 else self.format
        decided = _assumptions(sum((st.assumed for st in statements), Counter()))
        warnings = tuple(w for s in finished for w in s.warnings) + ((decided,) if decided else ())
        return check_amounts(ParsedFile(format=kind, statements=tuple(finished), warnings=warnings), filename)

    def read_document(self, source: object, filename: str, first_entry: int = 0, watch: PartWatch | None = None) -> DocumentRun:
        """Reads every statement of the document ``source`` (a file object with ``read``).

        ``first_entry`` is the number of entries before this document's first one (a part of a larger file
        read by ``connectors.camt_parallel``), so that rows and messages name the entries as in the whole
        file. ``watch`` (that reader only) records what would make the part read differently from the same
        entries in the whole file; the sequential parse passes None and is not affected by it.
        """
        statements: list[StatementState] = []
        current: StatementState | None = None
        kinds: set[str] = set()
        bad = BadRows(filename, "entry")
        derive = RefDeriver("camt")
        entry_no = first_entry
        # Only the elements handled below raise events; the rest is built (and dropped) in C.
        events = etree.iterparse(
            source, events=("end",), tag=_EVENT_TAGS, resolve_entities=False,
            no_network=True, huge_tree=False, load_dtd=False, remove_comments=True, remove_pis=True,
            collect_ids=False,
        )
        checked = False
        try:
            for _event, el in events:
                if not checked:  # a DOCTYPE the prolog's bytes did not show (another encoding): refused too
                    checked = True
                    if el.getroottree().docinfo.doctype:
                        raise ParseError(filename, _NO_DOCTYPE)
                if el.tag.startswith(_XINCLUDE):  # never processed here; refused as the other XML readers would
                    raise ParseError(filename, "XInclude (xi:include) is not accepted")
                name = local_name(el)
                parent = el.getparent()
                up = local_name(parent) if parent is not None else ""
                if name in _CONTAINERS:
                    if up not in _MESSAGES:
                        continue
                    if current is None:  # a statement without entries nor balances
                        current = StatementState(kind=_CONTAINERS[name])
                    self._header(el, None, current)
                    kinds.add(current.kind)
                    statements.append(current)
                    current = None
                    self._drop(el)
                    continue
                if up not in _CONTAINERS:
                    if watch is not None and name == "Ntry":
                        watch.unsafe("an entry outside a statement, report or notification")
                    continue
                if current is None:
                    grand = parent.getparent() if parent is not None else None
                    if grand is None or local_name(grand) not in _MESSAGES:
                        if watch is not None and name == "Ntry":
                            watch.unsafe("an entry outside a message")
                        continue
                    current = StatementState(kind=_CONTAINERS[up])
                if watch is not None:
                    watch.before(el, parent, name, current)
                self._header(parent, el, current)
                if name == "Ntry":
                    entry_no += 1
                    if entry_no % progress.EVERY == 0:
                        progress.rows_read(progress.EVERY)  # to whoever listens (connectors/progress.py)
                    if watch is not None:
                        watch.entry(current, derive)
                    self._entry(el, entry_no, current, bad, derive)
                    if watch is not None:
                        watch.after_entry(current)
                else:
                    self._balance(el, current)
                self._drop(el)
        except etree.XMLSyntaxError as exc:
            raise ParseError(filename, f"not well-formed XML: {one_line(exc)}") from None
        progress.rows_read(entry_no % progress.EVERY)
        return DocumentRun(statements=statements, kinds=kinds, bad=bad, entries=entry_no - first_entry)

    @staticmethod
    def _header(container: etree._Element | None, until: etree._Element | None, st: StatementState) -> None:
        """Reads the statement's ``Id`` and ``Acct`` among the container's children still in the tree.

        Called before each entry or balance is dropped (``until``: only the children before it) and
        when the container ends (all the children left). Entries already read were dropped, so in a
        long statement this looks at one cleared sibling at most.
        """
        if container is None:
            return
        for child in container:
            if child is until:
                break
            name = local_name(child)
            if name == "Acct":
                st.account = _text(child, "Id", "IBAN") or _text(child, "Id", "Othr", "Id") or None
                st.currency = _text(child, "Ccy").upper() or None
            elif name == "Id":
                st.statement_id = _strip(child) or None
            elif name == "CreDtTm":
                st.created_on = _date_time(_strip(child))
            elif name == "FrToDt":
                st.period_end = _date_time(_text(child, "ToDtTm") or _text(child, "ToDt"))

    @staticmethod
    def _drop(el: etree._Element) -> None:
        """Frees an element already read, and the siblings before it."""
        el.clear()
        parent = el.getparent()
        if parent is not None:
            while el.getprevious() is not None:
                del parent[0]

    @staticmethod
    def _balance(el: etree._Element, st: StatementState) -> None:
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

    def _entry(self, ntry: etree._Element, number: int, st: StatementState, bad: BadRows,
               derive: RefDeriver) -> None:
        # One pass over the entry's children; every lookup below is a dict get, not a search.
        names = LOCAL_NAMES
        kids: dict[str, etree._Element] = {}
        groups: list[etree._Element] = []
        for c in ntry:
            own = names.get(c.tag) or local_name(c)
            if own == "NtryDtls":
                groups.append(c)
            elif own not in kids:
                kids[own] = c
        sts = kids.get("Sts")
        status = _text(sts, "Cd") or _strip(sts)
        unstated = not status and st.kind == "camt.053"
        if unstated:
            # A camt.053 is the account's statement: it reports the entries booked on it (ISO 20022
            # BankToCustomerStatement); a bank that leaves the status out (a Lithuanian bank does) still means booked.
            status = _BOOKED
            st.assumed["no status"] += 1
        if status != _BOOKED:
            st.skipped[status or "missing"] += 1
            return
        found = _amount(kids.get("Amt"))
        indicator = _strip(kids.get("CdtDbtInd"))
        value_on = _date(kids.get("ValDt"))
        booked_on = _date(kids.get("BookgDt"))
        if booked_on is None and value_on is not None:
            booked_on = value_on
            if unstated:
                st.assumed["value date"] += 1
        if booked_on is None and unstated and (st.period_end or st.created_on) is not None:
            # booked within the statement's period, which ends on this day at the latest (an entry that says BOOK
            # but gives no date at all is still refused below: the bank stated a booking it does not date)
            booked_on = st.period_end or st.created_on
            st.assumed["statement date"] += 1
        if booked_on is None and st.kind != "camt.053" and st.created_on is not None:
            # A notification (054) or intraday report (052) may leave the dates out: the booking is
            # the one it notifies, so it is dated by the message itself, and the statement says so.
            booked_on = st.created_on
            st.undated += 1
        if found is None or indicator not in ("CRDT", "DBIT") or booked_on is None:
            problems = []
            if found is None:
                problems.append(f"invalid or missing amount {_strip(kids.get('Amt'))!r}")
            if indicator not in ("CRDT", "DBIT"):
                problems.append(f"invalid or missing CdtDbtInd {indicator!r}")
            if booked_on is None:
                problems.append("no booking date (BookgDt/Dt or DtTm)")
            bad.add(number, f"entry {number}: " + "; ".join(problems))
            return
        amount, ccy = found
        ccy = ccy or st.currency or ""
        if st.currency is None:
            st.currency = ccy or None
        reversal = _strip(kids.get("RvslInd")).lower() in ("true", "1")
        details = [d for nd in groups for d in nd if (names.get(d.tag) or local_name(d)) == "TxDtls"]
        parts: list[tuple[etree._Element | None, Decimal, str]]
        if len(details) > 1:
            parts = []
            for d in details:
                own_amount = _amount(_child(d, "Amt")) or _amount(_child(d, "AmtDtls", "TxAmt", "Amt"))
                if own_amount is None or (own_amount[1] and own_amount[1] != ccy):
                    st.warnings.append(f"entry {number}: batch details without amounts in {ccy}; kept as one line")
                    parts = [(None, amount, indicator)]
                    break
                parts.append((d, own_amount[0], _text(d, "CdtDbtInd") or indicator))
        else:
            parts = [(details[0] if details else None, amount, indicator)]
        if len(parts) > 1:
            signed = sum((p[1] if p[2] == "CRDT" else -p[1] for p in parts), Decimal(0))
            if signed != (amount if indicator == "CRDT" else -amount):
                st.warnings.append(f"entry {number}: details add up to {signed}, the entry books {amount} "
                                   f"{indicator}; the difference (charges?) is not a line")
        base = _strip(kids.get("AcctSvcrRef"))
        if base.upper() in _NO_REF:
            base = ""
        if not base and (base := _strip(kids.get("NtryRef"))).upper() in _NO_REF:
            base = ""
        extra_info = _strip(kids.get("AddtlNtryInf"))
        flip = reversal and self.reversal_flips_sign
        # A reversal's parties are the original operation's (a returned direct debit still names the customer as
        # Dbtr and us as Cdtr): its counterparty is on the other side, unless the indicator already is the
        # original's (reversal_flips_sign).
        swap = reversal and not self.reversal_flips_sign
        own = "".join(st.account.split()).upper() if st.account else ""
        lines, shared = st.lines, st.shared
        for n, (detail, value, ind) in enumerate(parts, start=1):
            sign = 1 if ind == "CRDT" else -1
            if flip:
                sign = -sign
            line_amount = value if sign > 0 else -value
            party, account, other, other_acct = _PARTIES[(ind == "CRDT") != swap]
            dk = _kids(detail)
            rk = _kids(dk.get("RltdPties"))
            first, second = rk.get(party), rk.get(other)
            iban = _text(rk.get(account), "Id", "IBAN")
            other_iban = _text(rk.get(other_acct), "Id", "IBAN")
            if own and "".join(iban.split()).upper() == own and (second is not None or other_iban):
                # the side read is the account holder itself: the other party, when given, is the counterparty
                first, second, iban, other_iban = second, first, other_iban, iban
            ours = bool(own) and "".join(other_iban.split()).upper() == own  # the fallback side is the holder
            name = _text(first, "Nm") or _text(first, "Pty", "Nm")
            if not name and not ours:
                name = _text(second, "Nm") or _text(second, "Pty", "Nm")
            if not iban and not ours:
                iban = other_iban
            text = ""
            reference = None
            rmt = dk.get("RmtInf")
            if rmt is not None:
                unstructured = []
                for c in rmt:
                    own = names.get(c.tag) or local_name(c)
                    if own == "Ustrd":
                        if piece := clean(c.text):
                            unstructured.append(piece)
                    elif own == "Strd" and reference is None:
                        reference = _text(c, "CdtrRefInf", "Ref") or None
                text = " ".join(unstructured)
            if not text:
                text = clean(extra_info) or clean(_strip(dk.get("AddtlTxInf")))
            e2e = _text(dk.get("Refs"), "EndToEndId")
            if base:
                ref = base if len(parts) == 1 else f"{base}/{n}"
            else:
                ref = derive.derive(booked_on, line_amount, text, clean(name) or None,
                                    scope=f"{st.account}|{st.statement_id}", extra=f"{st.account}|{e2e}")
            name = clean(name)
            iban = iban.replace(" ", "").upper()
            charges, sent_in = _foreign(dk, ccy)
            if charges is None and sent_in is None and len(parts) == 1:
                charges, sent_in = _foreign(kids, ccy)  # given for the whole entry
            lines.append(ParsedLine(
                bank_ref=ref, booked_on=booked_on, amount=line_amount, currency=shared.setdefault(ccy, ccy),
                value_on=value_on, counterparty=shared.setdefault(name, name) if name else None,
                counterparty_iban=shared.setdefault(iban, iban) if iban else None, text=text, reference=reference,
                end_to_end_id=e2e if e2e and e2e.upper() != "NOTPROVIDED" else None, row=number,
                counterparty_siren=_party_siren(first), charges=charges, instructed_currency=sent_in,
            ))

    @staticmethod
    def _finish(st: StatementState) -> ParsedStatement:
        who = st.account or st.statement_id or "?"
        warnings = [f"account {who}: {w}" for w in st.warnings]
        # amounts as their currency writes them, float artefacts removed (connectors.amounts), before the balances
        # are compared: a closing balance written 100.0000000000005 is 100.00
        st.lines = [normalised_line(ln) for ln in st.lines]
        if st.opening is not None:
            st.opening = (normalised(st.opening[0], st.currency), st.opening[1])
        if st.closing is not None:
            st.closing = (normalised(st.closing[0], st.currency), st.closing[1])
        if repeated := _number_repeated_refs(st.lines):
            warnings.append(f"account {who}: {repeated}")
        if st.undated:
            warnings.append(f"account {who}: {st.undated} booked entr{'y' if st.undated == 1 else 'ies'} without "
                            f"a booking or value date, dated {st.created_on} (the message's creation date)")
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


def _number_repeated_refs(lines: list[ParsedLine]) -> str | None:
    """Gives a distinct bank reference to each entry whose reference an earlier entry of the statement already
    carries, and says so; None when every entry's reference is its own.

    ISO 20022 wants AcctSvcrRef to identify the entry unambiguously, but some banks repeat one on several
    entries; the lines are each booked (the balances count them all), and the import keeps one line per bank
    reference, so without this only the first would be stored. The n-th entry carrying reference R becomes
    ``R#n``, in document order: the same file read again gives the same ids.
    """
    first_row: dict[str, int | None] = {}
    repeats: dict[tuple[str, int | None], int] = {}
    per_ref: Counter[str] = Counter()
    example = None
    for i, line in enumerate(lines):
        owner = first_row.setdefault(line.bank_ref, line.row)
        if owner == line.row:
            continue
        key = (line.bank_ref, line.row)
        if key not in repeats:
            per_ref[line.bank_ref] += 1
            repeats[key] = per_ref[line.bank_ref] + 1
        example = example or line.bank_ref
        lines[i] = replace(line, bank_ref=f"{line.bank_ref}#{repeats[key]}")
    if not repeats:
        return None
    count = len(repeats)
    return (f"{count} entr{'y repeats' if count == 1 else 'ies repeat'} the bank reference of an earlier entry "
            f"(AcctSvcrRef, e.g. {example!r}); each is kept as a line of its own, numbered {example}#2, ...")


def _assumptions(counts: Counter[str]) -> str | None:
    """The one warning of a file that says what was decided for camt.053 entries lacking a status or a booking date
    (``StatementState.assumed``), or None when nothing was."""
    parts = []
    if unstated := counts["no status"]:
        parts.append(f"{unstated} entr{'y' if unstated == 1 else 'ies'} without a status (Sts) taken as booked: "
                     "a camt.053 statement reports the entries booked on the account (ISO 20022 "
                     "BankToCustomerStatement)")
    dated = []
    if by_value := counts["value date"]:
        dated.append(f"{by_value} by the value date (ValDt)")
    if by_statement := counts["statement date"]:
        dated.append(f"{by_statement} by the end of the statement's period (FrToDt) or else its creation date")
    if dated:
        parts.append("entries without a booking date (BookgDt) dated " + " and ".join(dated))
    return "; ".join(parts) or None

"""SWIFT MT940/MT942 statements, read through the ``mt-940`` package behind a clean-up step.

The clean-up (``_tags``) handles what real files do that ``mt940`` trips on: SWIFT block
framing ``{1:}{2:}{4:`` ... ``-}``, SOH/ETX bytes, CRLF, a tag split as ``:`` newline ``86:``,
``:28C:`` wrapped onto the next line, a ``:61:`` wrapped before its amount or inside its bank
reference, a customer reference longer than 16 characters (SNS puts the 18-character IBAN
there), zero-padded amounts, and ``:86:`` padded to 65 columns. The file is split into one
statement per ``:20:``; ``mt940`` reads the balances and each ``:61:``; ``:86:`` is read here
(slash-coded ``/EREF/ /CNTP/ /REMI/`` fields, German ``?20``-``?29`` sub-fields, else free text).

A statement the file stops in the middle of (begun, without its mandatory closing balance :62F:/:62M: nor the end
of its message) is refused (``_cut_short``): a truncated download must not import as if it were whole. Amounts are
read at their currency's ISO 4217 decimals (``connectors.amounts``).
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import mt940 as mt940lib

from connectors._common import RefDeriver, check_amounts, clean, one_line
from connectors.amounts import normalised, normalised_line
from connectors.errors import ParseError
from connectors.labels import read_label
from connectors.model import ParsedFile, ParsedLine, ParsedStatement

_TAG = re.compile(r"^:(\d\d[A-Z]?|NS):(.*)$")
_SWIFT_BLOCK = re.compile(r"\{[1235]:(?:[^{}]|\{[^{}]*\})*\}")
_BALANCE = re.compile(r"^([CD])(\d{6})([A-Z]{3})0*(\d)")
_61_HEAD = re.compile(r"^(\d{6}(?:\d{4})?R?[CD][A-Z]?\n?)0*(\d[\d,]*)")
_61_TO_AMOUNT = re.compile(r"^\d{6}(?:\d{4})?R?[CD][A-Z]?[\d,]+[A-Z][A-Z0-9]{3}")
_NOT_REF = {"", "NONREF", "NOTPROVIDED", "NONE"}
_SLASH_TAGS = ("EREF", "CNTP", "REMI", "NAME", "IBAN", "BIC", "TRTP", "MARF", "CSID", "PREF", "RTRN", "ORDP",
               "BENM", "ADDR", "ISDT", "ULTC", "ULTD", "ULTB", "PURP", "KREF", "SUM", "CDTR", "DBTR", "TRCD")
_SLASH_TAG = re.compile(r"/(" + "|".join(_SLASH_TAGS) + r")/")
_SEPA_KEYS = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC)\+")
_END = "-"  # the record _tags leaves where a message ends ("-}", or "-" alone)


def _iban_shape(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", text.replace(" ", "").upper()))


def _iban_ok(text: str) -> bool:
    """An IBAN with a valid check sum (used where the file does not say the field is an IBAN)."""
    s = text.replace(" ", "").upper()
    if not _iban_shape(s):
        return False
    digits = "".join(str(int(ch, 36)) for ch in s[4:] + s[:4])
    return int(digits) % 97 == 1


def decode(data: bytes) -> str:
    """UTF-8 (BOM or not), else Windows-1252, else Latin-1 (which always decodes)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


@dataclass
class _Block:
    """One statement's tags in order: (tag, value); ``details[i]`` is the :86: of the i-th :61:."""

    tags: list[tuple[str, str]] = field(default_factory=list)
    details: list[str | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ended: bool = False  # an end of message ("-}" or "-") or another statement (:20:) follows its last tag


def _tags(text: str) -> tuple[list[tuple[str, list[str]]], int]:
    """Raw (tag, lines) records after removing framing; and the count of lines before the first tag."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x01", "\n").replace("\x03", "\n")
    text = _SWIFT_BLOCK.sub("\n", text).replace("{4:", "\n")
    text = re.sub(r"(?m)^:\n(?=(?:\d\d[A-Z]?|NS):)", ":", text)  # ":" newline "86:"
    records: list[tuple[str, list[str]]] = []
    preamble = 0
    lines = text.split("\n")
    for i, raw in enumerate(lines):
        line = raw.rstrip()
        if line in ("-}", "}") or (line == "-" and (not records or records[-1][0] != "86")) or (
                line == "-" and not any(x.strip() and not _TAG.match(x) for x in lines[i + 1:i + 2])):
            # end of message (not a "-" inside a wrapped :86:): kept as a mark, so a statement cut short is told
            # from one that ended
            if records and records[-1][0] != _END:
                records.append((_END, []))
            continue
        m = _TAG.match(line)
        if m:
            # :86: keeps its lines' trailing spaces: a wrap at 65 columns may fall on a space (see _join_86)
            records.append((m.group(1), [raw[4:] if m.group(1) == "86" else m.group(2)]))
        elif records:
            if line.strip():
                if records[-1][0] == _END:
                    records.pop()  # text after the mark: the message went on, as it was always read
                records[-1][1].append(raw if records[-1][0] == "86" else line)
        elif line.strip():
            preamble += 1
    return records, preamble


def _join_86(lines: list[str]) -> str:
    """One line of :86: text from its lines, as written (trailing spaces included).

    Lines are joined without separator when the previous one is full (65 columns: the wrap may cut a word,
    or a ``?xx`` sub-field code), but a space at the end of a line or at the start of the next one is kept: the
    wrap fell on it, and dropping it glued two words ("LIÈGEMARS"). Structured fields (slash-coded, ``?xx``
    sub-fields, which may restart on each new line) are always joined that way; free text also gets a space
    after a shorter line (written short, or padded with spaces, to end on a word).
    """
    parts = [ln for ln in lines if ln.strip()]
    if not parts:
        return ""
    head = parts[0].lstrip()
    if head.startswith("/") or re.match(r"^\d{3}\?|^\?\d\d", head):
        return (head + "".join(parts[1:])).rstrip()
    out = head
    for prev, part in itertools.pairwise(parts):
        out += ("" if len(prev.rstrip()) >= 65 else " ") + part
    return clean(out)


def _fix_61(lines: list[str]) -> tuple[str, str | None]:
    """The :61: text mt940 can read, and the over-long customer reference moved out of it (or None)."""
    first, rest = lines[0].strip(), [ln.strip() for ln in lines[1:] if ln.strip()]
    while rest and not _61_TO_AMOUNT.match(first):
        first += rest.pop(0)  # wrapped before the amount or the transaction type
    if "//" in first and rest and re.fullmatch(r"[A-Za-z0-9]+", rest[0]) and \
            len(first.split("//", 1)[1]) + len(rest[0]) <= 16:
        first += rest.pop(0)  # bank reference wrapped onto the next line
    first = _61_HEAD.sub(lambda m: m.group(1) + m.group(2), first)
    moved = None
    m = _61_TO_AMOUNT.match(first)
    if m:
        ref, sep, bank = first[m.end():].partition("//")
        if len(ref) > 16:
            moved, first = ref, first[: m.end()] + (sep + bank if sep else "")
    return first + ("\n" + "".join(rest) if rest else ""), moved


def _blocks(text: str) -> tuple[list[_Block], int]:
    records, preamble = _tags(text)
    blocks: list[_Block] = []
    for tag, lines in records:
        if tag == _END:
            if blocks:
                blocks[-1].ended = True
            continue
        if tag == "20" or not blocks:
            if blocks:
                blocks[-1].ended = True  # a new statement begins: the one before was not cut short
            blocks.append(_Block())
        block = blocks[-1]
        block.ended = False
        if tag == "86":
            if block.details and block.details[-1] is None:
                block.details[-1] = _join_86(lines)
            continue  # :86: of the statement itself (after :62:) carries no line
        if tag == "61":
            value, moved = _fix_61(lines)
            block.details.append(None)
            block.notes.append(moved or "")
        else:
            value = "".join(ln.strip() for ln in lines) if tag != "NS" else "\n".join(lines)
            if tag[:2] in ("60", "62", "64", "65"):
                value = _BALANCE.sub(lambda m: "".join(m.groups()), value)
        block.tags.append((tag, value))
    return blocks, preamble


def _slash_fields(text: str) -> dict[str, str]:
    matches = list(_SLASH_TAG.finditer(text))
    fields: dict[str, str] = {}
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        fields.setdefault(m.group(1), text[m.end():end].strip("/").strip())
    return fields


@dataclass(frozen=True)
class _Details:
    text: str
    counterparty: str | None = None
    iban: str | None = None
    reference: str | None = None
    end_to_end_id: str | None = None


def read_details(raw: str) -> _Details:
    """Splits an :86: into remittance text, counterparty name and IBAN, structured reference, end-to-end id."""
    if raw.startswith("/") and _SLASH_TAG.match(raw):
        f = _slash_fields(raw)
        cntp = f.get("CNTP", "").split("/")
        name = f.get("NAME") or (cntp[2] if len(cntp) > 2 else "")
        iban = f.get("IBAN") or (cntp[0] if cntp else "")
        remi = f.get("REMI", "")
        reference = None
        if m := re.match(r"^STRD/(?:CUR|ISO)/(.+)$", remi):
            reference = m.group(1).strip("/")
        remi = re.sub(r"^(?:USTD|STRD/(?:CUR|ISO))//?", "", remi).strip("/").strip()
        e2e = f.get("EREF", "")
        return _Details(text=clean(remi) or clean(raw), counterparty=clean(name) or None,
                        iban=iban.replace(" ", "").upper() if _iban_shape(iban) else None, reference=reference,
                        end_to_end_id=None if e2e.upper() in _NOT_REF else e2e)
    if re.match(r"^\d{3}\?|^\?\d\d", raw):
        sub: dict[str, str] = {}
        for m in re.finditer(r"\?(\d\d)((?:(?!\?\d\d).)*)", raw):
            sub[m.group(1)] = sub.get(m.group(1), "") + m.group(2)
        purpose = "".join(sub.get(f"{n}", "") for n in range(20, 30))
        keys = list(_SEPA_KEYS.finditer(purpose))
        sepa = {k.group(1): purpose[k.end():(keys[i + 1].start() if i + 1 < len(keys) else None)].strip()
                for i, k in enumerate(keys)}
        remittance = sepa.get("SVWZ") if keys else purpose
        iban = sub.get("31", "").strip()
        e2e = sepa.get("EREF", "")
        return _Details(text=clean(remittance) or clean(sub.get("00", "")) or clean(raw),
                        counterparty=clean(sub.get("32", "") + sub.get("33", "")) or None,
                        iban=iban.upper() if _iban_shape(iban) else None,
                        end_to_end_id=None if e2e.upper() in _NOT_REF else e2e)
    parts = read_label(raw)
    return _Details(text=clean(raw), counterparty=parts.counterparty, end_to_end_id=parts.end_to_end_id)


_OPENING = ("60F", "60M")
_CLOSING = ("62F", "62M")
_INTERIM = ("34F", "13", "13D", "90C", "90D")  # MT942 fields: an interim report has no closing balance


def _cut_short(block: _Block, first: int) -> str | None:
    """What a statement the file stops in the middle of lacks, or None when it ended.

    SWIFT MT940 makes the closing balance (field 62a, :62F: or :62M:) mandatory in every message, after the last
    :61: and its :86:. A statement begun (:20: or an opening balance :60F:/:60M:) that has none, with neither an end
    of message ("-}", "-") nor another statement after its last tag, was cut: a truncated download or copy, whose lines would otherwise be
    imported as if the account had moved no further. A bare run of :61: lines (no :20:, no :60a:, as a German
    savings bank exports) and an MT942 interim report (no closing balance by design) are not statements begun.
    """
    tags = [tag for tag, _ in block.tags]
    if block.ended or any(t in _CLOSING for t in tags) or any(t in _INTERIM for t in tags):
        return None
    if not any(t == "20" or t in _OPENING for t in tags):
        return None
    where = "no closing balance (:62F:/:62M:)"
    if block.details and tags[-1] == "61":  # the last tag read is a :61: (its :86: is kept apart, in details)
        line = first + len(block.details) - 1
        if block.details[-1] is None:
            where = f"it stops after :61: line {line}, without its :86: details and the closing balance (:62F:/:62M:)"
        else:
            where = f"it stops in or after the :86: of line {line}, without the closing balance (:62F:/:62M:)"
    return where


def _named(block: _Block) -> str:
    """`` (:20: REF)`` for the statement's own reference, "" when it has none."""
    ref = next((value.strip() for tag, value in block.tags if tag == "20" and value.strip()), "")
    return f" (:20: {ref})" if ref else ""


def _plain_date(value: Any) -> date | None:
    return date(value.year, value.month, value.day) if value is not None else None


def _balance(data: dict[str, Any], *keys: str) -> tuple[Decimal | None, date | None, str | None]:
    for key in keys:
        bal = data.get(key)
        if bal is not None:
            return Decimal(bal.amount.amount), _plain_date(bal.date), bal.amount.currency
    return None, None, None


def _account(raw: str | None, currency: str | None) -> str | None:
    if not raw:
        return None
    s = raw.replace(" ", "")
    if currency and s.upper().endswith(currency) and s[: -len(currency)][-1:].isdigit():
        s = s[: -len(currency)]  # ING writes "NL77INGB0574908765EUR", Rabobank "1291.99.348EUR"
    return s.upper() if _iban_shape(s) else s


class Mt940Parser:
    """Reads SWIFT MT940 (and MT942) statements; one ParsedStatement per :20: block."""

    format = "mt940"

    def __init__(self, default_currency: str = "EUR") -> None:
        self.default_currency = default_currency

    def detect(self, head: bytes, filename: str) -> bool:
        text = head.decode("latin-1")
        if "{4:" in text and re.search(r"(?m)^:20:", text):
            return True
        if re.search(r"(?m)^:20:", text) and re.search(r"(?m)^:(?:61|60[FM]):", text):
            return True
        # A bare fragment of transactions (some banks' exports, e.g. sparkassen.sta): it starts with a
        # :61: booking line (6-digit value date) and carries :86: details.
        first = text.lstrip("\ufeff\r\n\t ")
        return bool(re.match(r":61:\d{6}", first) and re.search(r"(?m)^:?86:", text))

    def parse(self, data: bytes, filename: str) -> ParsedFile:
        blocks, preamble = _blocks(decode(data))
        if not blocks or not any(t == "61" or t.startswith(("60", "62")) for b in blocks for t, _ in b.tags):
            raise ParseError(filename, "no MT940 statement found (no :61: line and no :60F:/:62F: balance)")
        file_warnings = [f"{preamble} line(s) before the first tag ignored"] if preamble else []
        derive = RefDeriver("mt940")
        seen: dict[str, int] = {}
        statements, first = [], 1
        for n, block in enumerate(blocks, start=1):
            if missing := _cut_short(block, first):
                raise ParseError(filename, f"statement {n}{_named(block)}: the file is cut short: {missing}")
            statements.append(self._statement(block, n, first, filename, derive, seen))
            first += len(block.details)
        return check_amounts(ParsedFile(format=self.format, statements=tuple(statements),
                                        warnings=tuple(file_warnings)), filename)

    def _statement(self, block: _Block, number: int, first: int, filename: str, derive: RefDeriver,
                   seen: dict[str, int]) -> ParsedStatement:
        text = "\n".join(f":{t}:{v}" for t, v in block.tags)
        options = mt940lib.options.Options(reversal_sign=True, case_insensitive_marks=True, merge_keeps_values=True)
        parsed = mt940lib.models.Transactions(options=options)
        try:
            parsed.parse(text)
        except Exception as exc:  # noqa: BLE001 - mt940 raises RuntimeError/ValueError with the bad tag
            raise ParseError(filename, f"statement {number}: mt940 could not read it: {one_line(exc)}") from None
        if len(parsed) != len(block.details):
            raise ParseError(filename, f"statement {number}: {len(block.details)} :61: tags but mt940 read "
                                       f"{len(parsed)} lines")
        info = parsed.data
        opening, opening_on, ccy_open = _balance(info, "final_opening_balance", "intermediate_opening_balance")
        closing, closing_on, ccy_close = _balance(info, "final_closing_balance", "intermediate_closing_balance")
        warnings: list[str] = []
        currency = ccy_open or ccy_close
        if currency is None:
            currency = self.default_currency
            warnings.append(f"no :60:/:62: balance gives the currency; {currency} assumed")
        if opening is not None and closing is None and block.ended:
            warnings.append(f"statement {number}: no closing balance (:62F:/:62M:), which SWIFT MT940 requires; the "
                            "statement is not cut short (its message is closed or another follows), so its lines are "
                            "kept")
        # amounts as their currency writes them, float artefacts removed (connectors.amounts)
        opening = normalised(opening, currency) if opening is not None else None
        closing = normalised(closing, currency) if closing is not None else None
        account = _account(info.get("account_identification"), currency)
        lines: list[ParsedLine] = []
        for i, (tx, raw86, moved) in enumerate(zip(parsed, block.details, block.notes, strict=True), start=first):
            lines.append(normalised_line(self._line(tx.data, raw86 or "", moved, currency, account, i, derive, seen)))
        ref = info.get("transaction_reference")
        seq = info.get("statement_number")
        if seq is not None and info.get("sequence_number"):
            seq = f"{seq}/{info['sequence_number']}"
        statement_id = "/".join(str(x) for x in (ref, seq) if x) or None
        return ParsedStatement(account=account, currency=currency, lines=tuple(lines), statement_id=statement_id,
                               opening_balance=opening, opening_on=opening_on, closing_balance=closing,
                               closing_on=closing_on, warnings=tuple(warnings))

    @staticmethod
    def _line(tx: dict[str, Any], raw86: str, moved: str, currency: str, account: str | None, number: int,
              derive: RefDeriver, seen: dict[str, int]) -> ParsedLine:
        value_on = _plain_date(tx.get("date"))
        booked_on = _plain_date(tx.get("guessed_entry_date") or tx.get("entry_date")) or value_on
        assert booked_on is not None
        amount = Decimal(tx["amount"].amount)
        details = read_details(raw86) if raw86 else _Details(text="")
        customer_ref = (moved or tx.get("customer_reference") or "").strip()
        extra = clean(tx.get("extra_details") or "")
        iban, name = details.iban, details.counterparty
        if _iban_ok(customer_ref):  # SNS: the counterparty's IBAN as customer reference, its name on the next line
            iban = iban or customer_ref.upper()
            name = name or (extra if extra and not extra.startswith("/") else None)
        text = details.text or extra
        bank_ref = (tx.get("bank_reference") or "").strip()
        if bank_ref.upper() in _NOT_REF:
            ref = derive.derive(booked_on, amount, text, name or None, extra=f"{account}|{customer_ref}")
        else:
            seen[bank_ref] = seen.get(bank_ref, 0) + 1
            ref = bank_ref if seen[bank_ref] == 1 else f"{bank_ref}/{seen[bank_ref]}"
        return ParsedLine(bank_ref=ref, booked_on=booked_on, amount=amount, currency=currency, value_on=value_on,
                          counterparty=name, counterparty_iban=iban, text=text, reference=details.reference,
                          end_to_end_id=details.end_to_end_id, row=number)

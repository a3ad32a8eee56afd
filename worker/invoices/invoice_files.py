"""Reading the billing tool's invoice exports (CSV or JSON) into validated rows.

Every row is checked before anything is written; a file with bad rows is
rejected whole, with every bad row listed (line number and reason).
"""
from __future__ import annotations

import codecs
import csv
import functools
import io
import json
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from matching.discount import InvoiceTerms
from worker.errors import InvoiceImportError
from worker.invoices.document_sources import DocumentRefused, DocumentSources, accept_pdf
from worker.invoices.invoice_terms import TERMS_COLUMNS, parse_terms

REQUIRED = ("number", "customer_ref", "amount", "issued_on", "due_on")
KNOWN = REQUIRED + (
    "customer_name", "customer_email", "customer_iban", "customer_since", "currency", "payment_reference",
    "kind", "status", "customer_kind", "pdf", "customer_address", "credit_note_for", "customer_siren",
    "delivered_on", "service_period_end",  # BT-72, BT-74: where the limitation period starts (reminders.law)
) + TERMS_COLUMNS  # an early-payment discount, retention money (worker/invoices/invoice_terms.py)
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_AMOUNT = re.compile(r"^-?[0-9]+(\.[0-9]{1,2})?$")
# The largest amount an invoice may carry (in absolute value): the money columns hold 10^-4 units in a
# BIGINT (worker/db/types.py, about 9.2 * 10^14); an amount beyond this bound is a broken export.
MAX_AMOUNT = Decimal(10) ** 12
# How deep a JSON export may nest: a list of invoice objects (or {"invoices": [...]}) whose own extra fields
# may hold small objects; anything deeper is refused before it can exhaust the parser's stack.
MAX_JSON_DEPTH = 16
# A character no text column stores (PostgreSQL refuses NUL; a lone surrogate is not encodable as UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# business | consumer | public (a public body, B2G: intérêts moratoires, Code de la commande publique L2192-13)
CUSTOMER_KINDS = ("business", "consumer", "public")


@dataclass(frozen=True)
class InvoiceRow:
    """One validated invoice line of the billing tool's export."""

    row: int
    number: str
    customer_ref: str
    customer_name: str | None
    customer_emails: tuple[str, ...]
    customer_address: tuple[str, ...]
    customer_iban: str | None
    customer_since: date | None
    customer_kind: str | None
    amount: Decimal
    currency: str
    issued_on: date
    due_on: date
    payment_reference: str | None
    kind: str
    status: str
    pdf: str | None
    credit_note_for: str | None = None  # a credit note: the number of the invoice it corrects
    pdf_refused: str | None = None  # why the row's pdf was refused (the invoice comes without it)
    customer_siren: str | None = None  # 9 digits, check digit verified: BODACC notices find the customer by it
    terms: InvoiceTerms | None = None  # its early-payment discount, retention money (invoice_terms.py)
    # the delivery or the service's completion (BT-72) and the end of the invoicing period (BT-74): the limitation
    # period runs from them, else from the issue date (reminders.law.limitation_start)
    delivered_on: date | None = None
    service_period_end: date | None = None


@lru_cache(maxsize=65_536)  # a customer's IBAN comes back on each of its invoices
def normalise_iban(value: str) -> str:
    """The IBAN in compact upper-case form; raises ValueError when it is not a valid IBAN."""
    try:
        return str(IBAN(value).compact)
    except SchwiftyException as exc:
        raise ValueError(f"invalid IBAN {shown(value)!r} ({_reason(exc)})") from None


def shown(value: str) -> str:
    """``value`` as an error message quotes it: a hostile cell is not echoed whole."""
    return value if len(value) <= 40 else value[:40] + "…"


def _reason(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 80 else text[:80] + "…"


def iban_error(value: str) -> str | None:
    """Why ``value`` is not a valid IBAN (unknown country code, length, checksum digits...), or None."""
    try:
        IBAN(value)
    except SchwiftyException as exc:
        return _reason(exc)
    return None


_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")


def iban_shaped(value: str) -> bool:
    """Whether ``value`` is presented as an IBAN (two letters, two digits, 11 to 30 letters or digits, spaces
    aside): such a value must then be a valid IBAN; a bank's own account number never has this shape."""
    return bool(_IBAN_SHAPE.fullmatch("".join(value.split()).upper()))


def printable_iban(value: str | None) -> str:
    """The IBAN to print as the account to pay (reminders, letters): ``value`` as written (spaces normalised)
    when it is a valid IBAN (country, length, checksum), else "": an account id that is not one, or an IBAN
    with a wrong checksum, is never printed as the account to pay."""
    if not value:
        return ""
    try:
        normalise_iban(value)
    except ValueError:
        return ""
    return " ".join(value.split())


def _date(value: str, name: str) -> date:
    if len(value) == 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit():
        try:  # the common, zero-padded ISO form, without strptime's cost
            return date.fromisoformat(value)
        except ValueError:
            pass
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{name} {shown(value)!r} is not a date (YYYY-MM-DD)")


def _customer_iban(value: str) -> str:
    try:
        return normalise_iban(value)
    except ValueError as exc:  # checksum, country code, length: the row is refused, never stored
        raise ValueError(f"customer_iban: {exc}") from None


def _amount(value: str) -> Decimal:
    text = value.replace("\u00a0", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    if not _AMOUNT.match(text):
        raise ValueError(f"amount {shown(value)!r} is not a number with at most two decimals")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"amount {shown(value)!r} is not a number") from None
    if abs(amount) >= MAX_AMOUNT:
        raise ValueError(f"amount {shown(value)!r} is beyond the largest amount lettrage stores "
                         f"(less than {MAX_AMOUNT:,} in absolute value)")
    return amount


def _text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if isinstance(value, float):
        raise ValueError(f"{key} must be written as a string or an exact number, not a float")  # noqa: TRY004 - a row problem
    if isinstance(value, (bool, list, dict)):
        kind = "true/false" if isinstance(value, bool) else f"a JSON {'list' if isinstance(value, list) else 'object'}"
        raise ValueError(f"{key} must be text or a number, not {kind}")  # noqa: TRY004 - a row problem
    raw = str(value)
    result = raw.strip()
    lead = raw[:len(raw) - len(raw.lstrip())]
    if result[:1] in ("=", "+", "-", "@") and ("\t" in lead or "\r" in lead):
        # "\t=1+1" is text to a spreadsheet; stripped it would be a live formula: the tab or CR stays
        result = raw.rstrip().lstrip(" ")
    if _UNSTORABLE.search(result):
        raise ValueError(f"{key} contains a NUL character or an invalid code point")
    return result


def validate_record(record: dict[str, Any], row: int) -> InvoiceRow:
    """One record to an InvoiceRow; raises ValueError with every problem of the row, joined."""
    problems: list[str] = []
    # every column read once (a value is read up to three times below)
    try:
        field: Any = {key: _text(record, key) for key in KNOWN}.__getitem__
    except ValueError:  # a float: refused where it was always read, beside the row's other problems
        field = functools.partial(_text, record)

    def check(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except ValueError as exc:
            problems.append(str(exc))
            return None

    for key in REQUIRED:
        if not field(key):
            problems.append(f"{key} is empty")
    number = field("number")
    if len(number) > 64:
        problems.append("number is longer than 64 characters")
    if len(field("customer_ref")) > 64:
        problems.append("customer_ref is longer than 64 characters")
    amount = check(_amount, field("amount")) if field("amount") else None
    issued_on = check(_date, field("issued_on"), "issued_on") if field("issued_on") else None
    due_on = check(_date, field("due_on"), "due_on") if field("due_on") else None
    if issued_on and due_on and due_on < issued_on:
        problems.append(f"due_on {due_on} is before issued_on {issued_on}")
    since_text = field("customer_since")
    since = check(_date, since_text, "customer_since") if since_text else None
    currency = (field("currency") or "EUR").upper()
    if not _CURRENCY.match(currency):
        problems.append(f"currency {shown(currency)!r} is not an ISO 4217 code")
    iban_text = field("customer_iban")
    iban = check(_customer_iban, iban_text) if iban_text else None
    emails = tuple(e.strip() for e in re.split(r"[;,]", field("customer_email")) if e.strip())
    for email in emails:
        if not _EMAIL.match(email):
            problems.append(f"customer_email {shown(email)!r} is not an email address")
    kind = (field("kind") or "invoice").lower()
    if kind in ("credit", "avoir", "credit-note"):
        kind = "credit_note"
    if kind not in ("invoice", "credit_note"):
        problems.append(f"kind {shown(kind)!r} is not invoice or credit_note")
    if amount is not None and amount < 0:
        kind = "credit_note"
    status = (field("status") or "open").lower()
    if status in ("canceled", "void", "annulee", "annulée"):
        status = "cancelled"
    if status not in ("open", "cancelled", "paid"):
        problems.append(f"status {shown(status)!r} is not open or cancelled")
    customer_kind = field("customer_kind").lower() or None
    if customer_kind not in (None, *CUSTOMER_KINDS):
        problems.append(f"customer_kind {shown(customer_kind)!r} is not business, consumer or public")
    customer_siren = check(_siren, field("customer_siren")) if field("customer_siren") else None
    reference = field("payment_reference") or None
    if reference and len(reference) > 64:
        problems.append("payment_reference is longer than 64 characters")
    credit_note_for = field("credit_note_for") or None
    if credit_note_for and len(credit_note_for) > 64:
        problems.append("credit_note_for is longer than 64 characters")
    if credit_note_for and kind != "credit_note":
        problems.append(f"credit_note_for {shown(credit_note_for)!r} is set on an invoice that is not a credit note")
    delivered_on = check(_date, field("delivered_on"), "delivered_on") if field("delivered_on") else None
    period_end = (check(_date, field("service_period_end"), "service_period_end")
                  if field("service_period_end") else None)
    terms = parse_terms(field, _date, amount, issued_on, due_on, kind, problems)
    if problems:
        raise ValueError("; ".join(problems))
    assert amount is not None and issued_on is not None and due_on is not None
    return InvoiceRow(
        row=row, number=number, customer_ref=field("customer_ref"),
        customer_name=field("customer_name") or None, customer_emails=emails, customer_iban=iban,
        customer_address=tuple(p.strip() for p in re.split(r"\n|\|", field("customer_address"))
                               if p.strip()),
        customer_since=since, customer_kind=customer_kind, amount=amount, currency=currency,
        issued_on=issued_on, due_on=due_on, payment_reference=reference, kind=kind,
        status="open" if status == "paid" else status, pdf=field("pdf") or None,
        credit_note_for=credit_note_for, terms=terms, customer_siren=customer_siren,
        delivered_on=delivered_on, service_period_end=period_end,
    )


def _siren(value: str) -> str:
    """A customer's SIREN: 9 digits (spaces allowed) whose check digit is right (python-stdnum's fr.siren)."""
    from stdnum.exceptions import ValidationError
    from stdnum.fr import siren as stdnum_siren

    try:
        return str(stdnum_siren.validate(value))
    except ValidationError:
        raise ValueError(f"customer_siren {shown(value)!r} is not a SIREN (9 digits, right check digit)") from None


def _decode(data: bytes, filename: str) -> str:
    """The file's text: UTF-8 (with or without its BOM), UTF-16 when it starts with its BOM (a spreadsheet's
    "Unicode text"), else Windows-1252; raises InvoiceImportError naming the line of a byte none of them reads,
    or of a NUL character (a binary file)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            failure = exc
            continue
        nul = text.find("\x00")
        if nul >= 0:
            raise InvoiceImportError(filename, [(text.count("\n", 0, nul) + 1,
                                                 "a NUL character: not a text file (CSV or JSON)")])
        return text
    line = data.count(b"\n", 0, failure.start) + 1 if encodings[0] != "utf-16" else 1
    names = "UTF-16" if encodings[0] == "utf-16" else "UTF-8 nor Windows-1252"
    reason = f"byte 0x{data[failure.start]:02x} is not {names} text: save the export as UTF-8"
    raise InvoiceImportError(filename, [(line, reason)])


def _too_deep(value: Any, depth: int) -> bool:
    """Whether ``value`` (at nesting level ``depth``) nests deeper than MAX_JSON_DEPTH; no recursion."""
    pending = [(value, depth)]
    while pending:
        item, level = pending.pop()
        if level > MAX_JSON_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item
        pending.extend((c, level + 1) for c in children if isinstance(c, (dict, list)))
    return False


def _json_records(text: str, filename: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        payload = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as exc:
        raise InvoiceImportError(filename, [(exc.lineno, f"not valid JSON: {exc.msg}")]) from None
    except RecursionError:
        raise InvoiceImportError(filename, [(1, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")]) from None
    if isinstance(payload, dict) and isinstance(payload.get("invoices"), list):
        payload, depth = payload["invoices"], 2
    else:
        depth = 1
    if not isinstance(payload, list) or not all(isinstance(r, dict) for r in payload):
        raise InvoiceImportError(filename, [(1, "JSON must be a list of invoice objects")])
    records: list[tuple[int, dict[str, Any]]] = []
    for i, r in enumerate(payload):
        record: dict[str, Any] = {}
        for k, v in r.items():
            if isinstance(v, (dict, list)) and _too_deep(v, depth + 2):
                raise InvoiceImportError(filename, [(i + 1, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")])
            record[k] = str(v) if isinstance(v, Decimal) else v
        records.append((i + 1, record))
    return records


def _csv_error(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"a field is longer than {csv.field_size_limit():,} characters"
    return f"not a readable CSV file ({_reason(exc)})"


def read_records(data: bytes, filename: str) -> list[tuple[int, dict[str, Any]]]:
    """(row number, record) pairs from a CSV or JSON export; the row number is the file's line (a JSON
    export's: the invoice's position in the list). Raises InvoiceImportError naming the row and the reason."""
    text = _decode(data, filename)
    stripped = text.lstrip()
    if filename.lower().endswith(".json") or stripped.startswith(("[", "{")):
        return _json_records(text, filename)
    if not stripped:
        raise InvoiceImportError(filename, [(1, "the file is empty")])
    first_line = stripped.splitlines()[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise InvoiceImportError(filename, [(reader.line_num + 1, _csv_error(exc))]) from None
    missing = [k for k in REQUIRED if k not in header]
    if missing:
        raise InvoiceImportError(filename, [(1, f"header lacks column(s) {', '.join(missing)}")])
    reader.fieldnames = header
    records: list[tuple[int, dict[str, Any]]] = []
    try:
        for record in reader:
            if None in record:
                raise InvoiceImportError(filename, [(reader.line_num, "more fields than the header names")])
            if all(not (v or "").strip() for v in record.values()):
                continue
            records.append((reader.line_num, record))
    except csv.Error as exc:  # the reader counts a line once read whole: the bad one is the next
        raise InvoiceImportError(filename, [(reader.line_num + 1, _csv_error(exc))]) from None
    return records


def resolve_pdf(value: str | None, sources: DocumentSources) -> tuple[str | None, str | None]:
    """(the ``pdf`` as stored, why it was refused): an allowed URL as it is, an allowed path resolved, or
    (None, the reason) when the company's document sources do not allow it (worker/invoices/
    document_sources.py); raises ValueError when the file, allowed, is not there."""
    try:
        return accept_pdf(value, sources), None
    except DocumentRefused as exc:
        return None, str(exc)


def parse_invoice_file(data: bytes, filename: str, sources: DocumentSources | None = None) -> list[InvoiceRow]:
    """Every row of the file, validated; raises InvoiceImportError listing every bad row.

    ``sources``: where the company's invoice documents may come from (a relative ``pdf`` path is read from
    its documents folder); without them no ``pdf`` is accepted. A refused ``pdf`` does not refuse its row:
    the row comes without it, the reason in ``pdf_refused``."""
    sources = sources or DocumentSources(company_ref="")
    records = read_records(data, filename)
    if not records:
        raise InvoiceImportError(filename, [(1, "no invoice in the file")])
    rows: list[InvoiceRow] = []
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for line, record in records:
        try:
            row = validate_record(record, line)
        except ValueError as exc:
            errors.append((line, str(exc)))
            continue
        if row.pdf is not None:  # no copy of the row when there is no pdf to resolve
            try:
                pdf, refused = resolve_pdf(row.pdf, sources)
                row = replace(row, pdf=pdf, pdf_refused=refused)
            except ValueError as exc:
                errors.append((line, str(exc)))
                continue
        if row.number in seen:
            errors.append((line, f"invoice {row.number} already appears on row {seen[row.number]}"))
            continue
        seen[row.number] = line
        rows.append(row)
    if errors:
        raise InvoiceImportError(filename, errors)
    return rows

"""Bank CSV/TSV exports (French and English banks).

The parser finds the encoding, the delimiter and the header row (skipping account
preambles), then picks the bank profile (connectors.csv_profiles, TOML files in
connectors/profiles/) whose header signature matches best; the profile says which column
holds what and how amounts and dates are written. When no profile matches, the generic
profile maps columns by their (accent-, case- and unit-insensitive) names and reads
amounts and dates by their shape. When that finds no header either, the layout detector
(connectors.csv_detect) reads the file by its cells (a file without a header row included) and imports it
when it is sure. A file is taken whole or not at all: every bad row is collected and the first is reported
with its physical line number, its column and the count of the others.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from connectors import progress
from connectors._common import BadRows, RefDeriver, check_amounts, clean, join_text
from connectors.csv_detect import INFERRED_NAME, Detection, detect_layout
from connectors.csv_profiles import PROFILE_WARNING, CsvProfile, builtin_profiles, check_encoding, fold
from connectors.errors import ParseError
from connectors.labels import read_label
from connectors.model import ParsedFile, ParsedLine, ParsedStatement

# Column roles, each with its header names in order of preference (normalised form).
_ROLES: dict[str, tuple[str, ...]] = {
    "date": ("date de comptabilisation", "date comptable", "booking date", "settlement date", "date completed",
             "completed date", "date", "date operation", "date de l'operation", "date d'operation",
             "operation date", "dateop", "transaction date", "date started", "started date"),
    "value": ("date de valeur", "date valeur", "value date", "dateval", "date de la valeur"),
    "label": ("libelle operation", "libelle de l'operation", "detail de l'ecriture", "libelle", "label",
              "description", "wording", "details", "narrative"),
    "extra": ("informations complementaires", "commentaire", "comment", "note"),
    "counterparty": ("counterparty name", "nom de la contrepartie", "counterparty", "partner name",
                     "contrepartie", "beneficiaire", "payee", "beneficiary name"),
    "cp_iban": ("iban de la contrepartie", "counterparty iban", "beneficiary iban", "iban contrepartie"),
    "account": ("iban", "accountnum", "numero de compte", "account number", "numero compte"),
    "amount": ("montant total", "total amount", "montant", "amount", "montant operation",
               "montant de l'operation", "montant net"),
    "debit": ("debit", "montant debit"),
    "credit": ("credit", "montant credit"),
    "reference": ("reference", "ref", "communication"),
    "bank_ref": ("transaction id", "identifiant de transaction", "id", "operation number",
                 "numero d'operation", "id transaction", "reference bancaire", "bank reference"),
    "currency": ("devise", "currency", "payment currency", "monnaie"),
    "status": ("status", "statut", "state", "etat"),
}
_NOT_BOOKED = {"pending", "processing", "non execute", "en attente", "en cours", "declined", "failed",
               "cancelled", "canceled", "reverted", "rejected", "rejete", "refuse", "annule"}
_DELIMITERS = (";", "\t", ",")
# The header row is looked for among the first _HEADER_ROWS records, and only in rows a header can be: at most
# _HEADER_CELLS cells and _HEADER_CHARS characters (a bank's export has a few dozen short column names). The
# work of finding the layout is so bounded whatever the file (an 8 MB single line is refused at once).
_HEADER_ROWS = 60
_HEADER_CELLS = 100
_HEADER_CHARS = 8192
_SPACES = "\u00a0\u202f\u2009 "
_CURRENCY_AFFIX = re.compile(r"^(?:[A-Za-z]{3}|[€$£])|(?:[A-Za-z]{3}|[€$£])$")
_DATE_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_FOOTER = re.compile(r"\b(solde|balance|total|sous-total)\b", re.IGNORECASE)
_PREAMBLE_ACCOUNT = (
    re.compile(r"^=?\"?(\d{8,})\"?$"),
    re.compile(r"\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30})\b"),
    re.compile(r"(?:num[eé]ro (?:de )?compte|account number|compte n°|n°)\s*:?\s*;?\s*([A-Z0-9]{8,34})\b", re.IGNORECASE),
)


def normalise_header(cell: str) -> str:
    """``"Montant(EUROS)"`` → ``"montant"``, ``"Débit Euros"`` → ``"debit"``, ``"Date de l’opération (UTC)"``
    → ``"date de l'operation"``."""
    text = unicodedata.normalize("NFKD", cell.replace("\ufeff", "")).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"\(.*?\)", " ", text.replace("’", "'").replace("`", "'"))
    text = re.sub(r"\s+", " ", text).strip(" :;.")
    return re.sub(r"\s+(?:en )?(?:euros?|eur)$", "", text)


def parse_amount(raw: str, decimal_hint: str | None = None) -> Decimal | None:
    """Parses a bank-formatted amount to an exact Decimal, or None when it is not one.

    Accepts ``1 200,00`` (space, NBSP or narrow NBSP groups), ``-1.234,56``, ``1,533.50``,
    ``2 400,00 EUR``, ``€12.5``, ``(12.50)``, ``12,50-`` and a leading ``+``. A lone separator
    followed by exactly three digits is a decimal point unless ``decimal_hint`` (the file's
    decimal separator) says otherwise.
    """
    s = raw.strip().lstrip("=").strip('"').strip()
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    s = _CURRENCY_AFFIX.sub("", s).strip()
    if s.endswith("-"):
        negative, s = not negative, s[:-1].strip()
    if s[:1] in "+-" and s:
        negative, s = (not negative if s[0] == "-" else negative), s[1:].strip()
    s = s.translate({ord(c): " " for c in _SPACES})
    if not s or not re.fullmatch(r"[\d., ]+", s) or not re.search(r"\d", s):
        return None
    if " " in s:
        if not re.fullmatch(r"\d{1,3}(?: \d{3})+(?:[.,]\d+)?", s):
            return None
        s = s.replace(" ", "")
    dot, comma = s.rfind("."), s.rfind(",")
    decimal_sep: str | None = None
    thousands: str | None = None
    if dot >= 0 and comma >= 0:
        decimal_sep, thousands = (".", ",") if dot > comma else (",", ".")
    elif dot >= 0 or comma >= 0:
        sep = "." if dot >= 0 else ","
        if s.count(sep) > 1 or (decimal_hint not in (None, sep) and len(s) - s.rfind(sep) - 1 == 3):
            thousands = sep
        else:
            decimal_sep = sep
    whole, _, frac = s.partition(decimal_sep) if decimal_sep else (s, "", "")
    if decimal_sep and (not frac.isdigit() or thousands and thousands in frac):
        return None
    if thousands:
        if not re.fullmatch(r"\d{1,3}(?:" + re.escape(thousands) + r"\d{3})+", whole):
            return None
        whole = whole.replace(thousands, "")
    if not (whole.isdigit() or (whole == "" and frac)):
        return None
    return Decimal(("-" if negative else "") + (whole or "0") + ("." + frac if decimal_sep else ""))


def parse_date(raw: str, dayfirst: bool = True) -> date | None:
    """``dd/mm/yyyy``, ``dd/mm/yy``, ``dd-mm-yyyy HH:MM:SS``, ``dd.mm.yyyy``, ``yyyy-mm-dd[ HH:MM:SS]``;
    None when malformed or impossible (31/02/2026)."""
    s = raw.strip().lstrip("=").strip('"')
    try:
        if m := _DATE_ISO.match(s):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _DATE_DMY.match(s):
            a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if len(m.group(3)) == 2:
                y += 2000 if y < 70 else 1900
            day, month = (a, b) if dayfirst else (b, a)
            return date(y, month, day)
    except ValueError:
        return None
    return None


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252; charset-normalizer
    only for bytes Windows-1252 cannot represent."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        return str(best) if best is not None else data.decode("latin-1")


@dataclass(frozen=True)
class _Layout:
    delimiter: str
    header_line: int  # physical line of the header row, 1-based
    columns: dict[str, int]  # role -> column index
    names: tuple[str, ...]
    profile: CsvProfile
    labels: tuple[int, ...] = ()  # label column indexes, joined in order
    headerless: bool = False  # no header row: header_line is the line before the first data row
    currency: str | None = None  # the file's currency when no column gives it (a detected layout)


# Profile column attribute -> role in _Layout.columns.
_PROFILE_ROLES = {"date": "date", "value_date": "value", "amount": "amount", "debit": "debit", "credit": "credit",
                  "counterparty": "counterparty", "counterparty_iban": "cp_iban", "reference": "reference",
                  "bank_ref": "bank_ref", "currency": "currency", "account": "account", "status": "status"}


def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(physical start line, cells) for every record, multi-line quoted fields included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[tuple[int, list[str]]] = []
    previous = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return out
        except csv.Error as exc:
            raise ParseError("", f"unreadable CSV record: {exc}", previous + 1) from None
        out.append((previous + 1, row))
        previous = reader.line_num


def _may_be_header(cells: list[str]) -> bool:
    """A row with the shape of a header: 2 to _HEADER_CELLS cells, _HEADER_CHARS characters at most."""
    return 2 <= len(cells) <= _HEADER_CELLS and sum(map(len, cells)) <= _HEADER_CHARS


def _header(cells: list[str]) -> dict[str, int] | None:
    names = [normalise_header(c) for c in cells]
    columns: dict[str, int] = {}
    for role, synonyms in _ROLES.items():
        for synonym in synonyms:
            if synonym in names:
                columns[role] = names.index(synonym)
                break
    if "date" not in columns or not {"amount", "debit", "credit"} & columns.keys():
        return None
    return columns


def _profile_layout(profile: CsvProfile, delimiter: str, line: int, cells: list[str]) -> _Layout:
    folded = [fold(c) for c in cells]
    columns: dict[str, int] = {}
    for attr, role in _PROFILE_ROLES.items():
        name = profile.column(attr)
        if name and fold(name) in folded:
            columns[role] = folded.index(fold(name))
    labels = tuple(folded.index(fold(n)) for n in profile.label if fold(n) in folded)
    return _Layout(delimiter, line, columns, tuple(clean(c) for c in cells), profile, labels,
                   currency=profile.file_currency)


def find_layout(text: str, profiles: Sequence[CsvProfile] = ()) -> tuple[_Layout, list[tuple[int, list[str]]]] | None:
    """The profile whose header signature matches best (largest signature, then earliest row, then list
    order); else the delimiter and header row giving the earliest recognised header (most columns on ties)."""
    profiles = tuple(profiles) or builtin_profiles()
    delimiters = list(_DELIMITERS) + [p.delimiter for p in profiles if p.delimiter and p.delimiter not in _DELIMITERS]
    best_profile: tuple[tuple[int, int, int], _Layout, list[tuple[int, list[str]]]] | None = None
    best: tuple[tuple[int, int], _Layout, list[tuple[int, list[str]]]] | None = None
    generic = next((p for p in profiles if p.generic), None)
    for delimiter in delimiters:
        try:
            records = _records(text, delimiter)
        except ParseError:
            continue
        head = records[:_HEADER_ROWS]
        shaped = [_may_be_header(cells) for _, cells in head]
        folded: dict[int, set[str]] = {}  # each candidate row folded once for all the profiles
        for order, profile in enumerate(profiles):
            if profile.generic or profile.delimiter not in (None, delimiter):
                continue
            for index, (line, cells) in enumerate(head):
                if not shaped[index] or profile.skip_rows not in (None, index):
                    continue
                if index not in folded:
                    folded[index] = {fold(c) for c in cells}
                if score := profile.match(cells, folded[index]):
                    key = (-score, line, order)
                    if best_profile is None or key < best_profile[0]:
                        best_profile = (key, _profile_layout(profile, delimiter, line, cells), records)
                    break
        if generic is None or best_profile is not None:
            continue
        for index, (line, cells) in enumerate(head):
            columns = _header(cells) if shaped[index] else None
            if columns:
                gkey = (line, -len(columns))
                if best is None or gkey < best[0]:
                    labels = tuple(columns[r] for r in ("label", "extra") if r in columns)
                    layout = _Layout(delimiter, line, columns, tuple(clean(c) for c in cells), generic, labels)
                    best = (gkey, layout, records)
                break
    if best_profile is not None:
        return best_profile[1], best_profile[2]
    return (best[1], best[2]) if best else None


class CsvParser:
    """Reads bank CSV/TSV exports into one ParsedStatement per (account, currency).

    ``profiles`` are tried before the built-in ones (see connectors.csv_profiles), the generic profile (columns
    by their names) last; when none reads the file, the layout detector (connectors.csv_detect) reads it if it
    is sure, else the file is refused with the detector's doubts in one line. The file's warnings start with
    ``read with CSV profile <name> (<bank>)`` (``inferred (layout detected, confidence …)`` for a detected one).
    ``builtin=False`` leaves out the built-in profiles, the generic one included: the detector alone.
    """

    format = "csv"

    def __init__(self, default_currency: str = "EUR", profiles: Sequence[CsvProfile] = (),
                 builtin: bool = True) -> None:
        self.default_currency = default_currency
        self.profiles = (*profiles, *builtin_profiles()) if builtin else tuple(profiles)

    def detect(self, head: bytes, filename: str) -> bool:
        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return False
        text = decode(head)
        # drop a possibly truncated last line so a cut multi-line record does not confuse csv
        text = text[: text.rfind("\n") + 1] if len(head) >= 4096 and "\n" in text else text
        try:
            if self.profiles and find_layout(text, self.profiles) is not None:
                return True
        except ParseError:
            pass
        return detect_layout(text.encode("utf-8"), filename).found_table

    def parse(self, data: bytes, filename: str) -> ParsedFile:
        text = decode(data)
        try:
            found = find_layout(text, self.profiles) if self.profiles else None
            if found is not None and found[0].profile.encoding:
                found = find_layout(check_encoding(data, found[0].profile, filename), (found[0].profile,))
        except ParseError as exc:
            raise ParseError(filename, exc.reason, exc.row) from None
        if found is None:
            detection = detect_layout(data, filename)
            if not detection.sure:
                raise ParseError(filename, detection.refusal() if "date" in detection.columns else
                                 "no header row with a date and an amount (or debit/credit) column found, and no "
                                 f"table of dated amounts ({'; '.join(detection.ambiguities)})")
            return self._read(*_detected_layout(detection, data, filename), filename, [detection.summary()])
        return self._read(*found, filename, [])

    def _read(self, layout: _Layout, records: list[tuple[int, list[str]]], filename: str,
              notes: list[str]) -> ParsedFile:
        """The file's lines read with ``layout``; ``notes`` (for a detected layout: its summary first) lead the
        warnings."""
        profile = layout.profile
        col = layout.columns
        preamble = [cells for line, cells in records
                    if line < layout.header_line or (layout.headerless and line == layout.header_line)]
        body = [(line, cells) for line, cells in records if line > layout.header_line]
        file_account = _preamble_account(preamble)

        def cell(cells: list[str], role: str) -> str:
            i = col.get(role)
            return clean(cells[i]) if i is not None and i < len(cells) else ""

        amount_roles = [r for r in ("amount", "debit", "credit") if r in col]
        hint = _decimal_hint(cell(c, r) for _, c in body for r in amount_roles)
        dayfirst = _dayfirst(cell(c, r) for _, c in body for r in ("date", "value"))

        def to_date(raw: str) -> date | None:
            return parse_date(raw, dayfirst) if profile.generic else profile.parse_date(raw)

        not_booked = _NOT_BOOKED if profile.generic else {normalise_header(v) for v in profile.not_booked}
        formats = "" if profile.generic else f" (expected {' or '.join(profile.date_formats)})"
        bad = BadRows(filename)
        derive = RefDeriver("csv")
        skipped: dict[str, int] = {}
        footers: list[int] = []
        groups: dict[tuple[str | None, str], list[ParsedLine]] = {}
        for n, (line, cells) in enumerate(body, start=1):
            if n % progress.EVERY == 0:
                progress.rows_read(progress.EVERY)  # to whoever listens (connectors/progress.py)
            if not any(c.strip() for c in cells):
                continue
            status = cell(cells, "status")
            if normalise_header(status) in not_booked:
                skipped[status.casefold()] = skipped.get(status.casefold(), 0) + 1
                continue
            raw_date = cell(cells, "date")
            amounts = [cell(cells, r) for r in amount_roles]
            booked_on = to_date(raw_date)
            if booked_on is None and (
                not any(amounts) or (_FOOTER.search(" ".join(cells)) and re.search(r"[A-Za-z]", raw_date))
            ):
                footers.append(line)  # a balance/total line or an empty trailer, not a movement
                continue
            problems: list[str] = []
            if booked_on is None:
                problems.append(f"invalid date {raw_date!r} in column {layout.names[col['date']]!r}{formats}")
            raw_value = cell(cells, "value")
            value_on = to_date(raw_value) if raw_value else None
            if raw_value and value_on is None:
                problems.append(f"invalid value date {raw_value!r} in column {layout.names[col['value']]!r}{formats}")
            if profile.generic:
                amount = self._amount(cells, col, cell, hint, layout.names, problems)
            else:
                amount = _profile_amount(profile, {r: cell(cells, r) for r in amount_roles}, col, layout.names,
                                         problems)
            currency = (cell(cells, "currency") or layout.currency or self.default_currency).upper()
            if not re.fullmatch(r"[A-Z]{3}", currency):
                problems.append(f"invalid currency {currency!r} in column {layout.names[col['currency']]!r}")
            if problems or booked_on is None or amount is None:
                bad.add(line, "; ".join(problems))
                continue
            column_party = cell(cells, "counterparty") or None
            label = join_text(*(clean(cells[i]) for i in layout.labels if i < len(cells))) or join_text(column_party)
            parts = read_label(label)
            counterparty = column_party or parts.counterparty
            account = cell(cells, "account").replace(" ", "") or file_account
            # The derived id uses what the bank wrote (label, counterparty column), never what our label
            # reading guessed, so a better guess in a later version cannot make old lines look new.
            derived = None if cell(cells, "bank_ref") else derive.derive(
                booked_on, amount, label, column_party, scope=f"{account or ''}|{currency}")
            groups.setdefault((account, currency), []).append(ParsedLine(
                bank_ref=cell(cells, "bank_ref") or str(derived),
                booked_on=booked_on, amount=amount, currency=currency, value_on=value_on,
                counterparty=counterparty, counterparty_iban=cell(cells, "cp_iban").replace(" ", "") or None,
                text=label, reference=cell(cells, "reference") or None, end_to_end_id=parts.end_to_end_id,
                row=line,
            ))
        progress.rows_read(len(body) % progress.EVERY)
        bad.raise_if_any()
        warnings = [f"{n} row(s) with status {s!r} skipped (not booked)" for s, n in skipped.items()]
        if footers:
            warnings.append(f"{len(footers)} balance/total or empty line(s) after the header ignored "
                            f"(first at line {footers[0]})")
        statements = tuple(
            ParsedStatement(account=acct, currency=ccy, lines=tuple(lines), warnings=tuple(warnings))
            for (acct, ccy), lines in groups.items()
        ) or (ParsedStatement(account=file_account, currency=None, lines=(), warnings=tuple(warnings)),)
        inferred = profile.name == INFERRED_NAME and bool(notes)
        note = f"{PROFILE_WARNING}{profile.name} ({notes[0] if inferred else profile.bank})"
        return check_amounts(ParsedFile(format=self.format, statements=statements,
                                        warnings=(note, *notes[inferred:], *warnings)), filename)

    @staticmethod
    def _amount(cells: list[str], col: dict[str, int], get: Callable[[list[str], str], str], hint: str | None,
                names: tuple[str, ...], problems: list[str]) -> Decimal | None:
        if "amount" in col and get(cells, "amount"):
            raw = get(cells, "amount")
            value = parse_amount(raw, hint)
            if value is None:
                problems.append(f"invalid amount {raw!r} in column {names[col['amount']]!r}")
            return value
        total: Decimal | None = None
        for role, sign in (("credit", 1), ("debit", -1)):
            raw = get(cells, role) if role in col else ""
            if not raw:
                continue
            value = parse_amount(raw, hint)
            if value is None:
                problems.append(f"invalid amount {raw!r} in column {names[col[role]]!r}")
                return None
            # Debit means money out whether the bank writes it signed or not.
            total = (total or Decimal(0)) + sign * abs(value)
        if total is None:
            problems.append("no amount (the cells of " + ", ".join(
                repr(names[col[r]]) for r in ("amount", "debit", "credit") if r in col) + " are all empty)")
        return total


def _profile_amount(profile: CsvProfile, raw: dict[str, str], col: dict[str, int], names: tuple[str, ...],
                    problems: list[str]) -> Decimal | None:
    """The signed amount under a bank profile: its separators, and its way of writing debits."""
    seps = f"decimal {profile.decimal!r}" + (f", thousands {profile.thousands!r}" if profile.thousands else "")
    total: Decimal | None = None
    for role in ("amount", "credit", "debit"):
        if not raw.get(role):
            continue
        value = profile.parse_amount(raw[role])
        where = f"in column {names[col[role]]!r}"
        if value is None:
            problems.append(f"invalid amount {raw[role]!r} {where} (profile {profile.name}: {seps})")
            return None
        if role == "debit":
            if (value < 0) == profile.debit_positive and value != 0:
                way = "positive" if profile.debit_positive else "negative"
                problems.append(f"debit {raw[role]!r} {where} has the wrong sign (profile {profile.name} "
                                f"writes debits {way})")
                return None
            value = -value if profile.debit_positive else value
        total = (total or Decimal(0)) + value
        if role == "amount":
            break
    if total is None:
        problems.append("no amount (the cells of " + ", ".join(
            repr(names[col[r]]) for r in ("amount", "debit", "credit") if r in col) + " are all empty)")
    return total


def _detected_layout(detection: Detection, data: bytes,
                     filename: str) -> tuple[_Layout, list[tuple[int, list[str]]]]:
    """The reader's layout for a sure detection: its profile, columns and header (or first data) row."""
    try:
        records = _records(data.decode(detection.encoding), detection.delimiter)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ParseError(filename, f"cannot decode the file as {detection.encoding}: {exc}") from None
    except ParseError as exc:
        raise ParseError(filename, exc.reason, exc.row) from None
    headerless = detection.header_line is None
    header_line = detection.data_line - 1 if detection.header_line is None else detection.header_line
    columns = {role: i for role, i in detection.columns.items() if role != "balance"}
    return _Layout(detection.delimiter, header_line, columns, tuple(clean(n) for n in detection.names),
                   detection.profile(), detection.labels, headerless, detection.currency), records


def _decimal_hint(values: Iterable[str]) -> str | None:
    """The file's decimal separator, from amounts where it is unambiguous."""
    for raw in values:
        s = raw.strip()
        m = re.search(r"([.,])(\d{1,2}|\d{4,})\s*(?:[A-Za-z]{3}|[€$£])?-?$", s)
        if m and re.search(r"\d", s[: m.start()]):
            return m.group(1)
    return None


def _dayfirst(values: Iterable[str]) -> bool:
    """False only when some date cannot be day-first (15/12/2018) and none is month-first-impossible."""
    first_over, second_over = False, False
    for raw in values:
        m = _DATE_DMY.match(raw.strip())
        if m:
            first_over |= int(m.group(1)) > 12
            second_over |= int(m.group(2)) > 12
    return not (second_over and not first_over)


def _preamble_account(preamble: list[list[str]]) -> str | None:
    """An account number or IBAN named in the lines before the header, if any."""
    for cells in preamble:
        joined = " ; ".join(clean(c) for c in cells)
        for i, c in enumerate(cells):
            if m := _PREAMBLE_ACCOUNT[0].match(c.strip()):
                return m.group(1)
            if re.search(r"num[eé]ro\s+(?:de\s+)?compte", c, re.IGNORECASE) and i + 1 < len(cells) and cells[i + 1].strip():
                return clean(cells[i + 1])
        for pattern in _PREAMBLE_ACCOUNT[1:]:
            if m := pattern.search(joined):
                return m.group(1).replace(" ", "")
    return None

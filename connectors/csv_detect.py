"""The layout of a bank's CSV export, read as a person would read it: no profile needed.

Given the file's bytes (nothing else: no I/O, no clock), :func:`detect_layout` finds the encoding (BOM, UTF-8,
else Windows-1252 or Latin-9), the delimiter (``;`` ``,`` tab ``|``), the header row or its absence (a preamble
of account lines is skipped), the date columns and their format (day/month/year with ``/ . -``, ISO, with or
without a time, two- or four-digit years), the amount as one signed column or a debit and a credit column, the
decimal mark and the thousands separators (space, no-break and narrow no-break space, apostrophe, dot, comma),
the label, counterparty, currency, status and reference columns. Header names in French, English, German and
Italian are evidence; the cells themselves are the rest (a running balance column is told from the amount by
its differences, a debit column from a credit column by its signs).

The result is a :class:`Detection`: the proposed profile, a confidence between 0 and 1, the reasons for each
choice and what stays ambiguous. It is ``sure`` when nothing is ambiguous and the confidence is at least
:data:`SURE`; the CSV reader then imports with it (its warnings name the inferred profile), else it refuses with
one line naming the file and the doubt (:meth:`Detection.refusal`). ``lettrage statements profile FILE`` shows
the detection and writes it as a ``[[profile]]`` table (:meth:`Detection.to_toml`).
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from connectors.csv_profiles import CsvProfile

#: The confidence from which a detection is imported without asking.
SURE = 0.8
INFERRED_NAME = "inferred"
_DELIMITERS = (";", ",", "\t", "|")
_DELIMITER_NAMES = {";": "semicolon", ",": "comma", "\t": "tab", "|": "pipe"}
_HEAD_RECORDS = 60  # the header is looked for among the first records
_SAMPLE_ROWS = 500  # the columns are typed on the first data rows
_MAX_HEADER_CELLS = 100
_MAX_COLUMNS = 200
_HEAD_BYTES = 1 << 20  # the layout is read from the first MiB (the whole file is still imported)
_SPACES = "\u00a0\u202f\u2009 "
_TIME_SUFFIXES = ("", " %H:%M:%S", " %H:%M", "T%H:%M:%S", "T%H:%M:%SZ", "T%H:%M:%S%z", "T%H:%M:%S.%fZ",
                  "T%H:%M:%S.%f%z", " %H:%M:%S.%f", "T%H:%M:%S.%f", "T%H:%M")
_DATE_SHAPE = re.compile(r"^\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}(?:[ T]\d{1,2}:\d{2}.*)?$")
_AMOUNT_SHAPE = re.compile(r"^[+\-]?\(?[+\-]?(?:[A-Za-z]{3}\s?|[€$£]\s?)?\d[\d.,'\u00a0\u202f\u2009 ]*"
                           r"(?:\s?(?:[A-Za-z]{3}|[€$£]))?\)?-?$")
_CURRENCY_AFFIX = re.compile(r"^(?:[A-Za-z]{3}|[€$£])\s?|\s?(?:[A-Za-z]{3}|[€$£])$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_CURRENCIES = frozenset(
    ["EUR", "USD", "GBP", "CHF", "JPY", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RON", "BGN", "HRK", "ISK", "TRY", "RUB", "UAH", "CNY", "HKD", "SGD", "INR", "BRL", "MXN", "ZAR", "MAD", "TND", "DZD", "XOF", "XAF", "XPF", "AED", "SAR", "ILS", "KRW", "THB"])
_FOOTER_WORDS = re.compile(r"\b(solde|balance|total|sous-total|saldo|summe|totale|kontostand)\b", re.IGNORECASE)

# Header names of each role (folded: lower case, no accents, no parenthesised unit), French, English, German,
# Italian, best first. A name is evidence, not a verdict: the cells must agree.
_HINTS: dict[str, tuple[str, ...]] = {
    "date": ("date de comptabilisation", "date comptable", "booking date", "buchungstag", "buchungsdatum",
             "data contabile", "data di contabilizzazione", "settlement date", "date completed", "completed date",
             "date de fin", "date operation", "date de l'operation", "date d'operation", "operation date",
             "dateop", "transaction date", "date de transaction", "data operazione", "data", "datum", "date",
             "date started", "started date", "date de debut"),
    "value": ("date de valeur", "date valeur", "value date", "valuta", "valutadatum", "wertstellung",
              "data valuta", "dateval", "date de la valeur"),
    "amount": ("montant total", "total amount", "montant", "amount", "betrag", "importo", "montant operation",
               "montant de l'operation", "montant net", "umsatz", "somme"),
    "debit": ("debit", "montant debit", "debits", "soll", "lastschrift", "addebiti", "addebito", "uscite",
              "dare", "withdrawal", "withdrawals", "paid out", "money out", "sortie", "depenses"),
    "credit": ("credit", "montant credit", "credits", "haben", "gutschrift", "accrediti", "accredito", "entrate",
               "avere", "deposit", "deposits", "paid in", "money in", "entree", "recettes"),
    "balance": ("solde", "balance", "saldo", "kontostand", "accountbalance", "solde bancaire", "running balance",
                "solde mouvement"),
    "not_amount": ("frais", "fee", "fees", "gebuhr", "commissioni", "montant ht", "montant de tva total", "tva",
                   "vat", "orig amount", "amount currency", "betrag fremdwahrung", "exchange rate", "wechselkurs",
                   "taux de change", "cambio", "sous-montant"),
    "label": ("libelle operation", "libelle de l'operation", "detail de l'ecriture", "libelle", "label",
              "description", "verwendungszweck", "buchungstext", "descrizione", "causale", "descrizione operazione",
              "texte de notification", "wording", "details", "narrative", "memo", "payment reference",
              "intitule", "libelle de l'ecriture", "objet", "motif", "description1", "description 1",
              "libelle simplifie", "libelle court"),
    "extra": ("informations complementaires", "commentaire", "comment", "note", "notes", "description 2",
              "description2", "description3", "description 3"),
    "counterparty": ("counterparty name", "nom de la contrepartie", "counterparty", "partner name", "contrepartie",
                     "beneficiaire", "payee", "beneficiary name", "empfanger", "auftraggeber/empfanger",
                     "beguenstigter/zahlungspflichtiger", "zahlungsempfanger", "controparte", "beneficiario",
                     "ordinante", "tiers"),
    "cp_iban": ("iban de la contrepartie", "counterparty iban", "beneficiary iban", "iban contrepartie",
                "kontonummer/iban", "kontonummer", "iban beneficiario"),
    "account": ("iban", "accountnum", "numero de compte", "account number", "numero compte", "compte", "konto",
                "conto"),
    "reference": ("reference", "ref", "communication", "referenz", "riferimento", "mandatsreferenz"),
    "bank_ref": ("transaction id", "identifiant de transaction", "id", "operation number", "numero d'operation",
                 "id transaction", "reference bancaire", "bank reference", "numero de transaction",
                 "n° de transaction", "unique id"),
    "currency": ("devise", "currency", "payment currency", "monnaie", "wahrung", "valuta", "divisa"),
    "status": ("status", "statut", "state", "etat", "stato"),
}
_NOT_BOOKED = ("pending", "processing", "non execute", "en attente", "en cours", "declined", "failed", "cancelled",
               "canceled", "reverted", "rejected", "rejete", "refuse", "annule", "ausstehend", "vorgemerkt",
               "in sospeso", "in attesa", "annullato", "prevu", "a venir", "planifie", "programme",
               "geplant", "scheduled", "upcoming", "reverted", "rembourse", "reversed")


def fold(cell: str) -> str:
    """``"Débit (EUR)"`` → ``"debit"``: case, accents, units in brackets, a trailing currency and spacing
    left out."""
    text = unicodedata.normalize("NFKD", cell.replace("\ufeff", "").replace("’", "'")).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", text)
    text = re.sub(r"\s+", " ", text).strip(" :;.\"'")
    return re.sub(r"\s+(?:en |in )?(?:euros?|eur|chf|usd|gbp)$", "", text)


# -- encoding ---------------------------------------------------------------------------------------------------
def guess_encoding(data: bytes) -> tuple[str, str]:
    """(Python codec, the reason): a BOM, else UTF-8 when the bytes are valid UTF-8, else Windows-1252 when a byte
    of its 0x80-0x9F range is there, else Latin-9 when the euro sign's byte 0xA4 is, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", "UTF-8 with a BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", "UTF-16 with a BOM"
    try:
        data.decode("utf-8")
        return "utf-8", "UTF-8" if not data.isascii() else "ASCII (read as UTF-8)"
    except UnicodeDecodeError:
        pass
    if any(0x80 <= b <= 0x9F for b in data):
        try:
            data.decode("cp1252")
            return "cp1252", "Windows-1252 (not UTF-8; bytes 0x80-0x9F in use)"
        except UnicodeDecodeError:
            return "latin-1", "Latin-1 (neither UTF-8 nor Windows-1252)"
    if b"\xa4" in data:
        return "iso-8859-15", "Latin-9 (not UTF-8; byte 0xA4 read as the euro sign)"
    return "cp1252", "Windows-1252 (not UTF-8)"


# -- records ----------------------------------------------------------------------------------------------------
def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]] | None:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[tuple[int, list[str]]] = []
    previous = 0
    try:
        for row in reader:
            out.append((previous + 1, row))
            previous = reader.line_num
    except csv.Error:
        return None
    return out


def _width(cells: list[str]) -> int:
    """Cells up to the last non-empty one (a trailing delimiter adds nothing)."""
    n = len(cells)
    while n and not cells[n - 1].strip():
        n -= 1
    return n


def _blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


def _choose_delimiter(text: str) -> tuple[str, list[tuple[int, list[str]]], str] | None:
    """The delimiter that splits the most records into the same number (2 or more) of cells."""
    best: tuple[tuple[int, int, int], str, list[tuple[int, list[str]]], int] | None = None
    for order, delimiter in enumerate(_DELIMITERS):
        records = _records(text, delimiter)
        if not records:
            continue
        counts: dict[int, int] = {}
        for _line, cells in records:
            w = len(cells)
            if w >= 2:
                counts[w] = counts.get(w, 0) + 1
        if not counts:
            continue
        width, rows = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        key = (rows, width, -order)
        if best is None or key > best[0]:
            best = (key, delimiter, records, width)
    if best is None:
        return None
    (rows, width, _), delimiter, records, _ = best
    return delimiter, records, f"delimiter {_DELIMITER_NAMES[delimiter]} ({rows} records of {width} cells)"


# -- cells ------------------------------------------------------------------------------------------------------
def _strip(raw: str) -> str:
    return raw.strip().lstrip("=").strip('"').strip()


def _date_formats() -> list[str]:
    formats: list[str] = []
    for base in ("%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d",
                 "%d/%m/%y", "%m/%d/%y", "%d.%m.%y", "%d-%m-%y", "%Y%m%d"):
        for suffix in _TIME_SUFFIXES:
            if suffix and base == "%Y%m%d":
                continue
            formats.append(base + suffix)
    return formats


_FORMATS = _date_formats()


def _parses(value: str, fmt: str) -> date | None:
    try:
        return datetime.strptime(value, fmt).date()
    except ValueError:
        return None


def _date_like(value: str) -> bool:
    s = _strip(value)
    return bool(_DATE_SHAPE.match(s)) or (len(s) == 8 and s.isdigit() and s[:2] in ("19", "20")
                                          and _parses(s, "%Y%m%d") is not None)


def _amount_like(value: str) -> bool:
    s = _strip(value)
    return bool(s) and bool(_AMOUNT_SHAPE.match(s)) and not _date_like(s)


@dataclass(frozen=True)
class _Number:
    negative: bool
    decimal: str | None  # "," or "." when this cell shows it; None when it cannot tell
    groups: frozenset[str]  # thousands separators seen (" " for any space)
    ambiguous: str | None  # "," or ".": one separator before exactly three digits (1,500)


def _number(raw: str) -> _Number | None:
    """The shape of an amount cell: its sign, the decimal mark it shows and the separators grouping its
    thousands; None when the cell is not an amount."""
    s = _strip(raw)
    if not s or not _amount_like(s):
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    s = _CURRENCY_AFFIX.sub("", s).strip()
    if s.endswith("-"):
        negative, s = not negative, s[:-1].strip()
    if s[:1] in "+-":
        negative, s = (not negative) if s[0] == "-" else negative, s[1:].strip()
    s = s.translate({ord(c): " " for c in _SPACES})
    if not re.fullmatch(r"\d[\d.,' ]*", s):
        return None
    groups: set[str] = set()
    if " " in s:
        groups.add(" ")
    if "'" in s:
        groups.add("'")
    bare = s.replace(" ", "").replace("'", "")
    dot, comma = bare.rfind("."), bare.rfind(",")
    if dot >= 0 and comma >= 0:
        decimal = "." if dot > comma else ","
        groups.add("," if decimal == "." else ".")
        return _Number(negative, decimal, frozenset(groups), None)
    sep = "." if dot >= 0 else "," if comma >= 0 else None
    if sep is None:
        return _Number(negative, None, frozenset(groups), None)
    if bare.count(sep) > 1:
        groups.add(sep)
        return _Number(negative, None, frozenset(groups), None)
    digits_after = len(bare) - bare.rfind(sep) - 1
    if digits_after == 3 and 1 <= bare.rfind(sep) <= 3 and not groups:
        return _Number(negative, None, frozenset(groups), sep)
    return _Number(negative, sep, frozenset(groups), None)


# -- the result -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Detection:
    """What the detector read in a CSV file, and how sure it is.

    ``columns`` maps a role (``date``, ``value``, ``amount``, ``debit``, ``credit``, ``counterparty``,
    ``cp_iban``, ``reference``, ``bank_ref``, ``currency``, ``account``, ``status``, ``balance``) to a column
    index; ``labels`` are the label columns, joined in order. ``header_line`` is the header's physical line
    (None: the file has no header row, and ``data_line`` is the first data row's).
    """

    filename: str
    encoding: str = "utf-8"
    delimiter: str = ";"
    header_line: int | None = None
    data_line: int = 1
    names: tuple[str, ...] = ()
    columns: dict[str, int] = field(default_factory=dict)
    labels: tuple[int, ...] = ()
    date_format: str = "%d/%m/%Y"
    value_format: str | None = None
    decimal: str = ","
    thousands: str = " "
    debit_positive: bool = False
    not_booked: tuple[str, ...] = ()
    confidence: float = 0.0
    reasons: tuple[str, ...] = ()
    ambiguities: tuple[str, ...] = ()
    sample: tuple[tuple[int, tuple[str, ...]], ...] = ()  # the first data rows, as (physical line, cells)
    currency: str | None = None  # the file's one currency, when no column gives it (a header unit, the preamble)

    @property
    def sure(self) -> bool:
        """Whether the file may be imported with this layout without asking a person."""
        return not self.ambiguities and self.confidence >= SURE and "date" in self.columns and (
            "amount" in self.columns or "debit" in self.columns or "credit" in self.columns)

    @property
    def found_table(self) -> bool:
        """Whether the file looks like a statement at all (a date column and a column of amounts)."""
        return "date" in self.columns and bool({"amount", "debit", "credit"} & self.columns.keys())

    def name(self, role: str) -> str | None:
        i = self.columns.get(role)
        return self.names[i] if i is not None and i < len(self.names) else None

    def summary(self) -> str:
        """One line: the inferred profile's main choices, for the import's warnings."""
        amount = (f"amount {self.name('amount')!r}" if "amount" in self.columns else
                  f"debit {self.name('debit')!r} / credit {self.name('credit')!r}")
        header = f"header at line {self.header_line}" if self.header_line else "no header row"
        return (f"layout detected, confidence {self.confidence:.2f}: {header}, delimiter "
                f"{_DELIMITER_NAMES[self.delimiter]}, date {self.name('date')!r} {self.date_format}, {amount}, "
                f"decimal {self.decimal!r}")

    def refusal(self) -> str:
        """The one line saying why the layout is not sure enough to import (the file's name is added by
        ParseError)."""
        doubts = "; ".join(self.ambiguities) or f"confidence {self.confidence:.2f} below {SURE}"
        return (f"CSV layout not recognised for sure ({doubts}); check it with `lettrage statements profile "
                f"{self.filename}` and save it with --write")

    def profile(self, name: str = INFERRED_NAME, bank: str = "detected layout") -> CsvProfile:
        """The detection as a CSV profile (its header signature is the header's non-empty cells; a file without
        a header row gets the positional names ``column 1``…)."""
        def col(role: str) -> str | None:
            return self.name(role)

        formats = tuple(dict.fromkeys(f for f in (self.date_format, self.value_format) if f))
        return CsvProfile(
            name=name, bank=bank, header=tuple(n for n in self.names if n.strip()), date=col("date") or "",
            amount=col("amount"), debit=col("debit"), credit=col("credit"), debit_positive=self.debit_positive,
            label=tuple(self.names[i] for i in self.labels), counterparty=col("counterparty"),
            counterparty_iban=col("cp_iban"), reference=col("reference"), value_date=col("value"),
            bank_ref=col("bank_ref"), currency=col("currency"), account=col("account"), status=col("status"),
            not_booked=self.not_booked, encoding=None if self.encoding in ("utf-8", "utf-8-sig") else self.encoding,
            delimiter=self.delimiter, decimal=self.decimal, thousands=self.thousands, date_formats=formats,
            skip_rows=None, source=f"detected by lettrage from {self.filename}", file_currency=self.currency,
        )

    def to_toml(self, name: str, bank: str) -> str:
        """A ``[[profile]]`` table reading this layout (connectors.csv_profiles), for the company's profiles
        file. Needs a header row: a profile recognises its export by the header's cells."""
        if self.header_line is None:
            raise ValueError("a file without a header row cannot be described by a profile (profiles recognise "
                             "an export by its header cells)")
        p = self.profile(name, bank)
        lines = ["[[profile]]", f"name = {_toml_str(name)}", f"bank = {_toml_str(bank)}",
                 f"source = {_toml_str(p.source)}"]
        if p.encoding:
            lines.append(f"encoding = {_toml_str(p.encoding)}")
        lines += [f"delimiter = {_toml_str('tab' if self.delimiter == chr(9) else self.delimiter)}",
                  f"decimal = {_toml_str(p.decimal)}", f"thousands = {_toml_str(p.thousands)}",
                  f"date_formats = [{', '.join(_toml_str(f) for f in p.date_formats)}]",
                  f"header = [{', '.join(_toml_str(h) for h in p.header)}]"]
        if p.file_currency:
            lines.append(f"currency = {_toml_str(p.file_currency)}")
        if p.debit and p.credit:
            lines.append(f"debit_positive = {'true' if p.debit_positive else 'false'}")
        if p.not_booked:
            lines.append(f"not_booked = [{', '.join(_toml_str(v) for v in p.not_booked)}]")
        lines += ["", "[profile.columns]"]
        for key, value in (("date", p.date), ("value_date", p.value_date), ("amount", p.amount),
                           ("debit", p.debit), ("credit", p.credit), ("counterparty", p.counterparty),
                           ("counterparty_iban", p.counterparty_iban), ("reference", p.reference),
                           ("bank_ref", p.bank_ref), ("currency", p.currency), ("account", p.account),
                           ("status", p.status)):
            if value:
                lines.append(f"{key} = {_toml_str(value)}")
        if p.label:
            lines.append(f"label = [{', '.join(_toml_str(v) for v in p.label)}]")
        return "\n".join(lines) + "\n"


def _toml_str(value: str) -> str:
    """A TOML basic string."""
    out = value.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
    out = "".join(ch if ord(ch) >= 0x20 and ord(ch) != 0x7F else f"\\u{ord(ch):04x}" for ch in out)
    return f'"{out}"'


# -- the detector -----------------------------------------------------------------------------------------------
@dataclass(eq=False)
class _Column:
    index: int
    name: str
    folded: str
    values: list[str]  # the non-empty cells of the sample, stripped
    filled: int  # rows of the sample with a non-empty cell
    date_formats: list[str] = field(default_factory=list)  # formats reading at least 80 % (or half) of the cells
    date_share: float = 0.0
    numbers: list[_Number | None] = field(default_factory=list)
    number_share: float = 0.0


def _hint(folded: str, role: str) -> int | None:
    """The rank of ``folded`` among the role's header names (0 best), or None."""
    names = _HINTS[role]
    return names.index(folded) if folded in names else None


def _header_row(records: list[tuple[int, list[str]]], width: int) -> int | None:
    """The index of the header row: a row of text cells only (no date, no amount), at least two of them, followed
    by a row holding a date; the one with most known header names wins, then the latest."""
    best: tuple[tuple[int, int], int] | None = None
    head = records[:_HEAD_RECORDS]
    for i, (_line, cells) in enumerate(head):
        texts = [c.strip() for c in cells if c.strip()]
        if len(texts) < 2 or len(cells) > _MAX_HEADER_CELLS or _width(cells) < max(2, width // 2):
            continue
        if any(_date_like(c) or _amount_like(c) for c in texts):
            continue
        nxt = next((c for _l, c in records[i + 1:] if not _blank(c)), None)
        if nxt is None or not any(_date_like(c) for c in nxt):
            continue
        known = sum(1 for c in texts if any(_hint(fold(c), r) is not None for r in _HINTS))
        key = (known, i)
        if best is None or key > best[0]:
            best = (key, i)
    return best[1] if best else None


def _type_columns(names: list[str], rows: list[list[str]]) -> list[_Column]:
    cols: list[_Column] = []
    for i, name in enumerate(names):
        values = [_strip(r[i]) for r in rows if i < len(r) and _strip(r[i])]
        col = _Column(i, name, fold(name), values, len(values))
        if values:
            dated = [v for v in values if _date_like(v)]
            if dated:
                probes = dated[:5]  # the formats worth counting: those reading one of the first dates
                read = {fmt: sum(1 for v in values if _parses(v, fmt) is not None)
                        for fmt in _FORMATS if any(_parses(v, fmt) is not None for v in probes)}
                top = max(read.values(), default=0)
                if top:  # the formats reading the most cells (several when day and month may be swapped)
                    col.date_formats = [f for f, n in read.items() if n == top]
                    col.date_share = top / len(values)
            col.numbers = [_number(v) for v in values]
            col.number_share = sum(1 for n in col.numbers if n is not None) / len(values)
        cols.append(col)
    return cols


class _Reasons:
    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.doubts: list[str] = []
        self.confidence = 1.0

    def say(self, reason: str, factor: float = 1.0) -> None:
        self.reasons.append(reason)
        self.confidence *= factor

    def doubt(self, what: str) -> None:
        self.doubts.append(what)
        self.confidence *= 0.5


def detect_layout(data: bytes, filename: str) -> Detection:
    """Reads ``data`` (a whole CSV export, or its head) and proposes its layout; never raises on odd bytes:
    what it cannot tell is in the result's ``ambiguities``."""
    why = _Reasons()
    encoding, reason = guess_encoding(data)
    why.say(f"encoding {reason}")
    head = data if len(data) <= _HEAD_BYTES else data[:data.rfind(b"\n", 0, _HEAD_BYTES) + 1 or _HEAD_BYTES]
    text = head.decode(encoding, errors="replace")
    chosen = _choose_delimiter(text)
    if chosen is None:
        return Detection(filename, encoding, reasons=tuple(why.reasons),
                         ambiguities=("no delimiter splits the lines into columns",))
    delimiter, records, reason = chosen
    why.say(reason)
    widths = [_width(c) for _l, c in records if _width(c) >= 2]
    width = max(set(widths), key=widths.count) if widths else 0
    header_index = _header_row(records, width)
    if header_index is not None:
        header_line = records[header_index][0]
        header = records[header_index][1]
        body = [(line, cells) for line, cells in records[header_index + 1:] if not _blank(cells)]
        names = [c.strip() for c in header]
        why.say(f"header row at line {header_line}" + (f" ({header_index} preamble record(s) skipped)"
                                                       if header_index else ""))
    else:
        first = next((i for i, (_l, c) in enumerate(records)
                      if _width(c) >= max(2, width - 1) and any(_date_like(x) for x in c)), None)
        if first is None:
            return Detection(filename, encoding, delimiter, reasons=tuple(why.reasons),
                             ambiguities=("no row holds a date: no table of bank lines found",))
        header_line = None
        body = [(line, cells) for line, cells in records[first:] if not _blank(cells)]
        names = [f"column {i + 1}" for i in range(max(len(c) for _l, c in body))]
        why.say(f"no header row: data from line {records[first][0]}" + (f" ({first} preamble record(s) skipped)"
                                                                        if first else ""), 0.95)
    data_line = body[0][0] if body else (header_line or 1) + 1
    sample_rows = [cells for _l, cells in body[:_SAMPLE_ROWS]]
    n_cols = max([len(names), *(len(r) for r in sample_rows)]) if sample_rows else len(names)
    if n_cols > _MAX_COLUMNS:
        return Detection(filename, encoding, delimiter, reasons=tuple(why.reasons),
                         ambiguities=(f"{n_cols} columns: not the table of a bank statement",))
    names = [*names, *(f"column {i + 1}" for i in range(len(names), n_cols))]
    cols = _type_columns(names, sample_rows)
    hinted = header_line is not None
    columns: dict[str, int] = {}

    def hint_rank(col: _Column, role: str) -> int | None:
        return _hint(col.folded, role) if hinted else None

    # dates
    def is_date(col: _Column) -> bool:
        threshold = 0.5 if hint_rank(col, "date") is not None or hint_rank(col, "value") is not None else 0.8
        return bool(col.date_formats) and col.date_share >= threshold

    date_cols = [c for c in cols if is_date(c)]
    if not date_cols:
        why.doubt("no column of dates")
    else:
        ranked = sorted(date_cols, key=lambda c: (hint_rank(c, "date") is None, hint_rank(c, "date") or 0,
                                                  c.index))
        booking = ranked[0]
        if hint_rank(booking, "date") is None and hinted and any(hint_rank(c, "value") is None for c in date_cols):
            why.say(f"booking date: column {booking.name!r}, the first column of dates", 0.95)
        else:
            why.say(f"booking date: column {booking.name!r}"
                    + (" (by its name)" if hint_rank(booking, "date") is not None else " (the first column of dates)"))
        columns["date"] = booking.index
        others = [c for c in date_cols if c is not booking]
        value_cols = sorted(others, key=lambda c: (hint_rank(c, "value") is None, hint_rank(c, "value") or 0, c.index))
        if value_cols and (hint_rank(value_cols[0], "value") is not None or not hinted):
            columns["value"] = value_cols[0].index
            why.say(f"value date: column {value_cols[0].name!r}")
    # amounts
    numeric = [c for c in cols if c.index not in columns.values() and not is_date(c) and (
        (c.values and (c.number_share >= 0.8 or (c.number_share >= 0.5 and _amount_hinted(c, hinted))))
        or (not c.values and _amount_hinted(c, hinted)))]  # a debit or credit column empty in every sampled row
    decimal, thousands = _separators(numeric, why)
    european = decimal == "," or delimiter == ";" or any(not n.isascii() for n in names)
    date_format, value_format = _resolve_date_formats(cols, columns, european, why)
    amount_roles = _amount_columns(numeric, cols, hinted, decimal, body, why)
    columns.update(amount_roles[0])
    debit_positive = amount_roles[1]

    # text roles
    used = set(columns.values())
    _text_roles(cols, columns, used, hinted, why)
    labels = _labels(cols, columns, hinted, why)
    not_booked: tuple[str, ...] = ()
    if "status" in columns:
        not_booked = _NOT_BOOKED  # all of them: a later row may be declined though the first ones are not
        seen = sorted({v for v in cols[columns["status"]].values if fold(v) in _NOT_BOOKED})
        if seen:
            why.say(f"rows with status {', '.join(repr(v) for v in seen)} skipped (not booked)")
    return Detection(
        filename=filename, encoding=encoding, delimiter=delimiter, header_line=header_line, data_line=data_line,
        names=tuple(names), columns=columns, labels=labels, date_format=date_format, value_format=value_format,
        decimal=decimal, thousands=thousands, debit_positive=debit_positive, not_booked=not_booked,
        currency=None if "currency" in columns else _file_currency(records, header_index, names, columns, why),
        confidence=round(why.confidence, 2), reasons=tuple(why.reasons), ambiguities=tuple(why.doubts),
        sample=tuple((line, tuple(cells)) for line, cells in body[:10]),
    )


_UNIT = re.compile(r"(?:\(|\b(?:en|in)\s+)([A-Z]{3})\)?\s*$")


def _file_currency(records: list[tuple[int, list[str]]], header_index: int | None, names: list[str],
                   columns: dict[str, int], why: _Reasons) -> str | None:
    """The file's currency when no column gives it: the unit of the amount columns' names (``Betrag (EUR)``,
    ``Débit en CHF``), else a preamble line naming it (``Monnaie:;CHF``, ``Currency;USD``)."""
    units = {m.group(1) for role in ("amount", "debit", "credit") if role in columns
             for m in [_UNIT.search(names[columns[role]].strip())] if m and m.group(1) in _CURRENCIES}
    if len(units) == 1:
        (unit,) = units
        why.say(f"currency {unit}, the unit of the amount columns")
        return unit
    end = header_index if header_index is not None else 0
    for _line, cells in records[:end]:
        texts = [_strip(c) for c in cells if _strip(c)]
        if len(texts) == 2 and fold(texts[0]) in ("monnaie", "devise", "currency", "wahrung", "valuta", "divisa") \
                and texts[1].upper() in _CURRENCIES:
            why.say(f"currency {texts[1].upper()}, named before the header")
            return texts[1].upper()
    return None


def _amount_hinted(col: _Column, hinted: bool) -> bool:
    return hinted and any(_hint(col.folded, r) is not None for r in ("amount", "debit", "credit"))


def _day_first_format(fmt: str) -> bool:
    return fmt.startswith("%d")


def _resolve_date_formats(cols: list[_Column], columns: dict[str, int], european: bool,
                          why: _Reasons) -> tuple[str, str | None]:
    """The booking and value dates' formats. The day/month order is settled by any date column where one order
    fails (a day above 12); when none settles it, day first in a file written the European way (decimal comma,
    semicolons, accented headers), else a doubt."""
    roles = [r for r in ("date", "value") if r in columns]
    settled = [f for r in roles for f in cols[columns[r]].date_formats if len(cols[columns[r]].date_formats) == 1]
    chosen: dict[str, str] = {}
    unsettled: list[str] = []
    for role in roles:
        col = cols[columns[role]]
        formats = col.date_formats
        day_first = [f for f in formats if f.startswith("%d")]
        other = [f for f in formats if not f.startswith("%d")]
        if len(formats) == 1 or not (day_first and other):
            chosen[role] = formats[0]
        elif settled:
            chosen[role] = next((f for f in formats if f.startswith("%d") == settled[0].startswith("%d")), formats[0])
        else:
            chosen[role] = day_first[0]
            unsettled.append(col.name)
    if unsettled and european:
        why.say(f"no day above 12 in {', '.join(repr(n) for n in unsettled)}: day first, as a file written the "
                "European way (decimal comma or semicolons) does", 0.97)
    elif unsettled:
        why.doubt(f"no day above 12 in {', '.join(repr(n) for n in unsettled)}: day and month could be swapped")
    if "date" in chosen:
        why.say(f"dates written {_shown_format(chosen['date'])}")
    return chosen.get("date", "%d/%m/%Y"), chosen.get("value")


def _shown_format(fmt: str) -> str:
    return (fmt.replace("%d", "dd").replace("%m", "mm").replace("%Y", "yyyy").replace("%y", "yy")
            .replace("%H", "HH").replace("%M", "MM").replace("%S", "SS").replace("%f", "ffffff").replace("%z", "+hh:mm"))


def _separators(numeric: list[_Column], why: _Reasons) -> tuple[str, str]:
    """The decimal mark and thousands separators, voted by the amount cells that show them."""
    votes = {",": 0, ".": 0}
    groups: set[str] = set()
    ambiguous: set[str] = set()
    for col in numeric:
        for n in col.numbers:
            if n is None:
                continue
            if n.decimal:
                votes[n.decimal] += 1
            groups |= n.groups
            if n.ambiguous:
                ambiguous.add(n.ambiguous)
    if votes[","] and votes["."]:
        # a file may write a balance column one way and the amounts the other (BoursoBank): the majority wins
        decimal = "," if votes[","] >= votes["."] else "."
        why.say(f"decimal mark {decimal!r} ({votes[decimal]} amounts show it, {votes[_other(decimal)]} the other)",
                0.95)
    elif votes[","] or votes["."]:
        decimal = "," if votes[","] else "."
        why.say(f"decimal mark {decimal!r}")
    elif ambiguous:
        decimal = ","
        why.doubt(f"every amount is like 1{min(ambiguous)}500: the decimal mark and the thousands separator cannot "
                  "be told apart")
    else:
        decimal = ","
        why.say("whole amounts only: decimal mark ',' assumed", 0.95)
    thousands = {" ", _other(decimal)} | ({"'"} if "'" in groups else set())
    seen = groups - {decimal}
    if seen:
        why.say("thousands grouped with " + ", ".join(sorted({" ": "spaces", "'": "apostrophes", ".": "dots",
                                                              ",": "commas"}[g] for g in seen)))
    return decimal, "".join(sorted(thousands))


def _other(decimal: str) -> str:
    return "." if decimal == "," else ","


def _value(raw: str, decimal: str) -> Decimal | None:
    """The amount a cell holds under the file's decimal mark (or None)."""
    n = _number(raw)
    if n is None:
        return None
    s = _CURRENCY_AFFIX.sub("", _strip(raw).strip("()")).strip()
    s = s.rstrip("-").lstrip("+-").translate({ord(c): None for c in _SPACES + "'"})
    s = s.replace(_other(decimal), "").replace(decimal, ".")
    try:
        v = Decimal(s)
    except ArithmeticError:
        return None
    return -v if n.negative else v


def _amount_columns(numeric: list[_Column], cols: list[_Column], hinted: bool, decimal: str,
                    body: list[tuple[int, list[str]]], why: _Reasons) -> tuple[dict[str, int], bool]:
    """The amount's columns: one signed column or a debit and a credit column; and whether debits are written
    as positive numbers."""
    def rank(col: _Column, role: str) -> int | None:
        return _hint(col.folded, role) if hinted else None

    rows = [cells for _l, cells in body[:_SAMPLE_ROWS]]

    def vals(col: _Column) -> list[Decimal | None]:
        return [_value(r[col.index], decimal) if col.index < len(r) and r[col.index].strip() else None for r in rows]

    candidates = [c for c in numeric if rank(c, "balance") is None and rank(c, "not_amount") is None]
    excluded = [c for c in numeric if c not in candidates]
    if excluded:
        why.say("not the amount, by their names: " + ", ".join(repr(c.name) for c in excluded))
    # a running balance: each value the previous one plus (or, newest first, minus) another column's amount
    balances = _running_balances(candidates, vals)
    if balances:
        for b, a in balances.items():
            why.say(f"column {b.name!r} is a running balance of column {a.name!r}")
        candidates = [c for c in candidates if c not in balances]
    named = sorted((c for c in candidates if rank(c, "amount") is not None),
                   key=lambda c: (rank(c, "amount") or 0, c.index))
    debits = sorted((c for c in candidates if rank(c, "debit") is not None), key=lambda c: (rank(c, "debit") or 0))
    credits = sorted((c for c in candidates if rank(c, "credit") is not None), key=lambda c: (rank(c, "credit") or 0))
    if named and not (debits and credits and len(named) > 1):
        amount = named[0]
        return _signed(amount, vals(amount), why, "by its name")
    if debits and credits:
        return _debit_credit(debits[0], credits[0], vals(debits[0]), vals(credits[0]), why, "by their names")
    if debits or credits:
        one = (debits or credits)[0]
        if len(candidates) == 1:
            why.doubt(f"only a {'debit' if debits else 'credit'} column ({one.name!r}) and no other amount column")
            return {}, False
    # by content alone
    if not candidates:
        why.doubt("no column of amounts")
        return {}, False
    pairs = [(a, b) for i, a in enumerate(candidates) for b in candidates[i + 1:] if _exclusive(vals(a), vals(b))]
    signed = [c for c in candidates if any(v is not None and v < 0 for v in vals(c))]
    if len(candidates) == 1:
        only = candidates[0]
        if not signed:
            why.doubt(f"the only column of amounts ({only.name!r}) has no negative amount: money in and money "
                      "out cannot be told apart")
            return {}, False
        return _signed(only, vals(only), why, "the only column of amounts", 0.95)
    if len(pairs) == 1 and len(candidates) == 2:
        a, b = pairs[0]
        va, vb = vals(a), vals(b)
        neg_a = all(v is None or v <= 0 for v in va) and any(v is not None and v < 0 for v in va)
        neg_b = all(v is None or v <= 0 for v in vb) and any(v is not None and v < 0 for v in vb)
        if neg_a != neg_b:
            debit, credit = (a, b) if neg_a else (b, a)
            return _debit_credit(debit, credit, vals(debit), vals(credit), why, "the negative one is the debit")
        why.doubt(f"columns {a.name!r} and {b.name!r} each hold one amount per row, all positive: which is money "
                  "out cannot be told")
        return {}, False
    if len(signed) == 1:
        return _signed(signed[0], vals(signed[0]), why, "the only column with negative amounts", 0.9)
    why.doubt("several columns of amounts (" + ", ".join(repr(c.name) for c in candidates)
              + "): which is the line's amount cannot be told")
    return {}, False


def _running_balances(candidates: list[_Column],
                      get: Callable[[_Column], list[Decimal | None]]) -> dict[_Column, _Column]:
    """The columns that are a running balance of another: each value the previous one plus (or, newest first,
    minus) the other column's amount."""
    found: dict[_Column, _Column] = {}
    for b in candidates:
        bv = get(b)
        for a in candidates:
            if a is b:
                continue
            av = get(a)
            steps: list[tuple[Decimal, Decimal, Decimal | None, Decimal | None]] = []
            for i in range(1, len(bv)):
                prev_b, cur_b = bv[i - 1], bv[i]
                if prev_b is not None and cur_b is not None:
                    steps.append((prev_b, cur_b, av[i], av[i - 1]))
            if not steps:
                continue
            forward = all(x is not None and cur - prev == x for prev, cur, x, _y in steps)
            backward = all(y is not None and prev - cur == y for prev, cur, _x, y in steps)
            if forward or backward:
                found[b] = a
                break
    return found


def _exclusive(a: list[Decimal | None], b: list[Decimal | None]) -> bool:
    """Whether every row fills exactly one of two columns (a zero counts as empty)."""
    def filled(v: Decimal | None) -> bool:
        return v is not None and v != 0

    return bool(a) and all(filled(x) != filled(y) for x, y in zip(a, b, strict=False))


def _signed(col: _Column, values: list[Decimal | None], why: _Reasons, how: str,
            factor: float = 1.0) -> tuple[dict[str, int], bool]:
    why.say(f"amount: column {col.name!r}, signed ({how})", factor)
    return {"amount": col.index}, False


def _debit_credit(debit: _Column, credit: _Column, dv: list[Decimal | None], cv: list[Decimal | None],
                  why: _Reasons, how: str) -> tuple[dict[str, int], bool]:
    d_neg = any(v is not None and v < 0 for v in dv)
    d_pos = any(v is not None and v > 0 for v in dv)
    c_neg = any(v is not None and v < 0 for v in cv)
    if d_neg and d_pos:
        why.doubt(f"debit column {debit.name!r} holds both negative and positive amounts: which way the money "
                  "went cannot be told")
    if c_neg:
        why.doubt(f"credit column {credit.name!r} holds negative amounts: which way the money went cannot be told")
    positive = not d_neg
    why.say(f"debit: column {debit.name!r}, credit: column {credit.name!r} ({how}); debits written "
            f"{'positive' if positive else 'negative'}")
    return {"debit": debit.index, "credit": credit.index}, positive


def _text_roles(cols: list[_Column], columns: dict[str, int], used: set[int], hinted: bool, why: _Reasons) -> None:
    """Currency, IBANs, counterparty, reference, bank id and status columns, by name and by their cells."""
    free = [c for c in cols if c.index not in used and c.values]
    for c in free:
        if all(v.upper() in _CURRENCIES and v == v.upper() for v in c.values) and "currency" not in columns:
            columns["currency"] = c.index
            why.say(f"currency: column {c.name!r}")
    for c in free:
        if c.index in columns.values() or not all(_IBAN.match(v.replace(" ", "")) for v in c.values):
            continue
        own = len(set(c.values)) == 1 and _hint(c.folded, "cp_iban") is None
        role = "account" if own else "cp_iban"
        if role not in columns:
            columns[role] = c.index
            why.say(f"{'account IBAN' if own else 'counterparty IBAN'}: column {c.name!r}")
    if not hinted:
        return
    for role in ("counterparty", "cp_iban", "account", "reference", "bank_ref", "status", "currency"):
        if role in columns:
            continue
        ranked = sorted((c for c in cols if c.index not in columns.values() and _hint(c.folded, role) is not None),
                        key=lambda c: _hint(c.folded, role) or 0)
        if ranked:
            columns[role] = ranked[0].index
            why.say(f"{role.replace('_', ' ')}: column {ranked[0].name!r}")


def _labels(cols: list[_Column], columns: dict[str, int], hinted: bool, why: _Reasons) -> tuple[int, ...]:
    """The label columns: the best named one and the named extras; without names, the text column with the
    longest cells."""
    taken = set(columns.values())
    free = [c for c in cols if c.index not in taken and c.values and c.number_share < 0.5 and c.date_share < 0.5]
    labels: list[int] = []
    if hinted:
        named = sorted((c for c in free if _hint(c.folded, "label") is not None),
                       key=lambda c: _hint(c.folded, "label") or 0)
        if named:
            labels.append(named[0].index)
        labels += [c.index for c in sorted(free, key=lambda c: c.index)
                   if _hint(c.folded, "extra") is not None and c.index not in labels]
    if not labels and hinted and "counterparty" in columns:
        why.say("label: the counterparty's name (no column named as a label)")
        return ()
    if not labels:
        texts = sorted(free, key=lambda c: (-sum(map(len, c.values)), c.index))  # most text over all rows
        if texts:
            labels.append(texts[0].index)
            why.say(f"label: column {texts[0].name!r} (its longest text)", 0.95 if hinted else 1.0)
        elif "counterparty" not in columns:
            why.doubt("no column of text for the label")
    else:
        why.say("label: " + " + ".join(repr(cols[i].name) for i in labels))
    return tuple(labels)


def rows_for(detection: Detection, limit: int = 10) -> list[dict[str, str]]:
    """The first data rows read with the detection: booking date, amount, label, for a person to check."""
    out: list[dict[str, str]] = []
    profile = detection.profile()
    cols = detection.columns
    for line, cells in detection.sample[:limit]:
        def cell(role: str, cells: Sequence[str] = cells) -> str:
            i = cols.get(role)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        booked = profile.parse_date(cell("date"))
        amount: Decimal | None = None
        for role in ("amount", "credit", "debit"):
            raw = cell(role)
            if not raw:
                continue
            v = profile.parse_amount(raw)
            if v is None:
                amount = None
                break
            if role == "debit" and detection.debit_positive:
                v = -v
            amount = (amount or Decimal(0)) + v
            if role == "amount":
                break
        label = " ".join(" ".join(cells[i].split()) for i in detection.labels if i < len(cells) and cells[i].strip())
        out.append({"line": str(line), "date": booked.isoformat() if booked else f"? {cell('date')!r}",
                    "amount": str(amount) if amount is not None else "?", "currency": cell("currency"),
                    "label": label, "counterparty": cell("counterparty")})
    return out

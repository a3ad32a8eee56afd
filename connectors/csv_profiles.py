"""CSV mapping profiles: how one bank's export is laid out.

A profile names the header cells that identify the export (its signature), the
columns holding each field, and how numbers and dates are written. Built-in profiles
live as TOML files in ``connectors/profiles/``; users add their own with
:func:`load_profiles`. A profile with an empty signature is the generic fallback,
which recognises columns by their usual French and English names instead.

TOML layout (one ``[[profile]]`` table per profile)::

    [[profile]]
    name = "ma-banque"                    # required, unique
    bank = "Ma Banque"                    # required
    source = "where the layout comes from"
    encoding = "cp1252"                   # omit to detect; UTF-8 bytes are still read as UTF-8
    delimiter = ";"                       # omit to detect (";", tab, ",")
    decimal = ","                         # "," or "."
    thousands = " "                       # characters grouping thousands ("" for none; " " also accepts NBSPs)
    date_formats = ["%d/%m/%Y"]           # strptime formats, tried in order
    skip_rows = 3                         # header is the 4th record; omit to search the first 60
    currency = "CHF"                      # the file's currency when no column gives it (default: the company's)
    header = ["Date", "Libellé", "Montant"]   # required signature (case/accent-insensitive)
    debit_positive = true                 # debits written as positive numbers in the debit column
    not_booked = ["En attente"]           # status values of rows not booked yet (skipped)

    [profile.columns]
    date = "Date"                         # required
    amount = "Montant"                    # or debit = "...", credit = "..."
    label = ["Libellé"]                   # joined with spaces
    value_date, counterparty, counterparty_iban, reference, bank_ref, currency, account, status
"""
from __future__ import annotations

import codecs
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime
from decimal import Decimal
from importlib import resources
from typing import Any

from connectors.errors import ParseError

_SINGLE_COLUMNS = ("date", "amount", "debit", "credit", "value_date", "counterparty", "counterparty_iban",
                   "reference", "bank_ref", "currency", "account", "status")
_PROFILE_KEYS = {"name", "bank", "source", "encoding", "delimiter", "decimal", "thousands", "date_formats", "currency",
                 "skip_rows", "header", "debit_positive", "not_booked", "columns"}
_DELIMITERS = {";": ";", ",": ",", "\t": "\t", "tab": "\t", "|": "|"}
PROFILE_WARNING = "read with CSV profile "
_CURRENCY_AFFIX = re.compile(r"^(?:[A-Za-z]{3}|[€$£])|(?:[A-Za-z]{3}|[€$£])$")
_SPACES = {ord(c): " " for c in "\u00a0\u202f\u2009"}


class ProfileError(ValueError):
    """A profile definition is invalid; the message names the profile and the key."""


def fold(cell: str) -> str:
    """Case-, accent- and spacing-insensitive form of a header cell (units are kept, unlike the generic
    recognition: "Débit Euros" stays "debit euros")."""
    text = unicodedata.normalize("NFKD", cell.replace("\ufeff", "").replace("’", "'")).casefold()
    return " ".join("".join(ch for ch in text if not unicodedata.combining(ch)).split()).strip('"')


@dataclass(frozen=True)
class CsvProfile:
    name: str
    bank: str
    header: tuple[str, ...]  # signature; empty for the generic profile (columns recognised by name)
    date: str = ""
    amount: str | None = None
    debit: str | None = None
    credit: str | None = None
    debit_positive: bool = False
    label: tuple[str, ...] = ()
    counterparty: str | None = None
    counterparty_iban: str | None = None
    reference: str | None = None
    value_date: str | None = None
    bank_ref: str | None = None
    currency: str | None = None
    account: str | None = None
    status: str | None = None
    not_booked: tuple[str, ...] = ()
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = ","
    thousands: str = " "
    date_formats: tuple[str, ...] = ("%d/%m/%Y",)
    skip_rows: int | None = None
    source: str = ""
    file_currency: str | None = None  # ``currency``: the file's currency when no column gives it

    @property
    def generic(self) -> bool:
        return not self.header

    def column(self, role: str) -> str | None:
        value = getattr(self, role)
        return value if isinstance(value, str) and value else None

    def match(self, cells: list[str], present: set[str] | None = None) -> int:
        """How strongly a header row matches: the signature's size when every signature cell is present, else 0.
        ``present``: the row's cells already folded (``fold``), when the caller tries several profiles."""
        if self.generic:
            return 0
        present = {fold(c) for c in cells} if present is None else present
        return len(self.header) if all(fold(h) in present for h in self.header) else 0

    def parse_amount(self, raw: str) -> Decimal | None:
        """The amount written with this profile's decimal and thousands separators, or None."""
        s = _CURRENCY_AFFIX.sub("", raw.strip().lstrip("=").strip('"').strip()).strip()
        negative = False
        if s.endswith("-"):
            negative, s = True, s[:-1].strip()
        if s[:1] in ("+", "-"):
            negative, s = negative != (s[0] == "-"), s[1:].strip()
        if " " in self.thousands:
            s = s.translate(_SPACES)
        whole, sep, frac = s.rpartition(self.decimal) if self.decimal in s else (s, "", "")
        if sep and not frac.isdigit():
            return None
        if self.thousands and any(c in self.thousands for c in whole):
            group = "[" + re.escape(self.thousands) + "]"
            if not re.fullmatch(r"\d{1,3}(?:" + group + r"\d{3})+", whole):
                return None
            whole = re.sub(group, "", whole)
        if not (whole.isdigit() or (whole == "" and frac)):
            return None
        return Decimal(("-" if negative else "") + (whole or "0") + ("." + frac if sep else ""))

    def parse_date(self, raw: str) -> Date | None:
        s = raw.strip().lstrip("=").strip('"').strip()
        for fmt in self.date_formats:
            try:
                return datetime.strptime(s, fmt).date()
            except ValueError:
                continue
        return None


def _err(where: str, key: str, problem: str) -> ProfileError:
    return ProfileError(f"CSV profile {where}: key {key!r} {problem}")


def _str(table: dict[str, Any], key: str, where: str, required: bool = False) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            raise _err(where, key, "is missing")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise _err(where, key, "must be a non-empty string")
    return value


def _str_list(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _err(where, key, "must be a list of non-empty strings")
    return tuple(value)


def _profile(table: dict[str, Any], index: int, builtin: bool) -> CsvProfile:
    where = f"#{index}"
    if not isinstance(table, dict):
        raise ProfileError(f"CSV profile #{index} is not a table")
    name = _str(table, "name", where, required=True)
    assert name is not None
    where = repr(name)
    for key in table:
        if key not in _PROFILE_KEYS:
            raise _err(where, key, "is unknown")
    bank = _str(table, "bank", where, required=True) or ""
    header = _str_list(table, "header", where)
    if not header and not (builtin and name == "generic"):
        raise _err(where, "header", "must list the header cells that identify the export")
    columns = table.get("columns", {})
    if not isinstance(columns, dict):
        raise _err(where, "columns", "must be a table")
    for key in columns:
        if key not in (*_SINGLE_COLUMNS, "label"):
            raise _err(where, f"columns.{key}", "is unknown")
    single = {k: _str(columns, k, where) for k in _SINGLE_COLUMNS}
    label = _str_list(columns, "label", where)
    delimiter = _str(table, "delimiter", where)
    if delimiter is not None and delimiter not in _DELIMITERS:
        raise _err(where, "delimiter", f"must be one of {sorted(_DELIMITERS)}")
    decimal = _str(table, "decimal", where) or ","
    if decimal not in (",", "."):
        raise _err(where, "decimal", "must be ',' or '.'")
    thousands = table.get("thousands", " ")
    if not isinstance(thousands, str) or decimal in thousands or any(c.isalnum() for c in thousands):
        raise _err(where, "thousands", "must be a string of separator characters other than the decimal one")
    formats = _str_list(table, "date_formats", where) or ("%d/%m/%Y",)
    for fmt in formats:
        probe = Date(2026, 12, 31)
        try:
            ok = datetime.strptime(probe.strftime(fmt), fmt).date() == probe
        except ValueError:
            ok = False
        if not ok or "%" not in fmt:
            raise _err(where, "date_formats", f"has {fmt!r}, which cannot write and read back a full date")
    skip = table.get("skip_rows")
    if skip is not None and (not isinstance(skip, int) or isinstance(skip, bool) or skip < 0):
        raise _err(where, "skip_rows", "must be a non-negative integer")
    debit_positive = table.get("debit_positive", False)
    if not isinstance(debit_positive, bool):
        raise _err(where, "debit_positive", "must be true or false")
    encoding = _str(table, "encoding", where)
    file_currency = _str(table, "currency", where)
    if file_currency is not None and not re.fullmatch(r"[A-Z]{3}", file_currency):
        raise _err(where, "currency", "must be a three-letter currency code such as \"EUR\"")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise _err(where, "encoding", f"names an unknown encoding {encoding!r}") from None
    if header:
        if not single["date"]:
            raise _err(where, "columns.date", "is missing")
        if not single["amount"] and not (single["debit"] and single["credit"]):
            raise _err(where, "columns.amount", "is missing (or give both columns.debit and columns.credit)")
        signature = {fold(h) for h in header}
        for key in ("date", "amount", "debit", "credit"):
            if single[key] and fold(single[key] or "") not in signature:
                raise _err(where, f"columns.{key}", f"names {single[key]!r}, which is not among the header cells")
    return CsvProfile(
        name=name, bank=bank, header=header, label=label, debit_positive=debit_positive,
        not_booked=_str_list(table, "not_booked", where), encoding=encoding,
        delimiter=_DELIMITERS[delimiter] if delimiter else None, decimal=decimal, thousands=thousands,
        date_formats=formats, skip_rows=skip, source=_str(table, "source", where) or "", file_currency=file_currency,
        **{k: v for k, v in single.items() if v},
    )


def load_profiles(toml_text: str, *, builtin: bool = False) -> list[CsvProfile]:
    """Profiles from TOML text holding ``[[profile]]`` tables; raises ProfileError (a ValueError) naming the
    profile and key at fault."""
    try:
        doc = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"CSV profiles: not valid TOML: {exc}") from None
    extra = set(doc) - {"profile"}
    if extra:
        raise ProfileError(f"CSV profiles: unknown top-level key {min(extra)!r} (expected [[profile]] tables)")
    tables = doc.get("profile")
    if not isinstance(tables, list) or not tables:
        raise ProfileError("CSV profiles: key 'profile' is missing (expected one or more [[profile]] tables)")
    profiles = [_profile(t, i, builtin) for i, t in enumerate(tables, start=1)]
    names = [p.name for p in profiles]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ProfileError(f"CSV profile {dup!r}: key 'name' is used twice")
    return profiles


_BUILTIN: tuple[CsvProfile, ...] | None = None


def builtin_profiles() -> tuple[CsvProfile, ...]:
    """The profiles shipped in ``connectors/profiles/*.toml``, in file-name order, the generic one last."""
    global _BUILTIN
    if _BUILTIN is None:
        found: list[CsvProfile] = []
        folder = resources.files("connectors.profiles")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".toml"):
                try:
                    found.extend(load_profiles(entry.read_text(encoding="utf-8"), builtin=True))
                except ProfileError as exc:
                    raise ProfileError(f"{entry.name}: {exc}") from None
        found.sort(key=lambda p: p.generic)
        _BUILTIN = tuple(found)
    return _BUILTIN


def profile_name(warnings: tuple[str, ...]) -> str | None:
    """The name of the profile that read a CSV file, from its ParsedFile warnings."""
    for w in warnings:
        if w.startswith(PROFILE_WARNING):
            return w[len(PROFILE_WARNING):].split(" ", 1)[0]
    return None


def check_encoding(data: bytes, profile: CsvProfile, filename: str) -> str:
    """The file decoded with the profile's fixed encoding; ParseError when the bytes are not in it.

    UTF-8 bytes (a BOM, or accents that decode as UTF-8) are read as UTF-8 whatever the profile says: the bank's
    file re-saved by a spreadsheet or an editor, which a single-byte encoding would turn into mojibake
    ("DÃ©bit", so that not even the header matches). Accented Latin-1/Latin-9/Windows-1252 text is practically
    never valid UTF-8, so the bank's own file still gets the profile's encoding.
    """
    assert profile.encoding is not None
    if data.startswith(codecs.BOM_UTF8) or not data.isascii():
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    encoding = "utf-8-sig" if profile.encoding.replace("_", "-").lower() in ("utf-8", "utf8") else profile.encoding
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(filename, f"CSV profile {profile.name!r} expects {profile.encoding} but byte "
                                   f"{exc.start} is not valid {profile.encoding}") from None

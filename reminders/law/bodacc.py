"""A BODACC notice file read: the open-data export of the BODACC « annonces commerciales » (DILA, on
bodacc-datadila.opendatasoft.com, dataset ``annonces-commerciales``), as the operator downloaded it.

Pure: bytes in, notices out; lettrage never fetches the file. Both exports are read:

- JSON: a list of records (the export), ``{"results": [...]}`` (the API's answer) or the older API's records
  ``{"fields": {...}}``;
- CSV: the export's semicolon-separated file with its header (commas are accepted too).

Of each record the fields documented by the dataset are read: ``id``, ``familleavis`` (``collective``: the
procédures collectives; other families are passed over), ``typeavis`` (``annonce``; a ``rectificatif`` or an
``annulation`` is reported, not applied), ``registre`` (the SIREN, written "833 310 592,833310592" or as a list),
``commercant`` (the debtor), ``tribunal``, ``dateparution``, ``publicationavis`` and ``parution`` and
``numeroannonce`` (the notice's reference), and ``jugement`` (a JSON object, often as a string: ``famille``,
``nature``, ``date``, ``complementJugement``). The judgment is classed by its ``famille`` and ``nature``: an
opening (« Jugement d'ouverture », or one pronouncing the liquidation or converting the proceedings) of a
sauvegarde, a redressement or a liquidation judiciaire; a plan; a closure; anything else. The mandataire
judiciaire or liquidateur is read, when the text names one, from ``complementJugement`` (« ... désignant
mandataire judiciaire SELARL X 1 rue Y 69002 Lyon. ... »): it is free text, so what is read is shown to the
operator, who may correct it.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from reminders.law.errors import BodaccFileError

COLLECTIVE = "collective"
MAX_RECORDS = 200_000


@dataclass(frozen=True)
class BodaccNotice:
    """One notice of the « procédures collectives » family, as lettrage uses it."""

    notice_id: str
    sirens: tuple[str, ...]
    debtor: str
    published_on: date | None
    reference: str  # "BODACC A n°20260123, annonce 456"
    court: str
    judgment_on: date | None
    family: str  # the judgment's « famille »
    nature: str  # the judgment's « nature »
    action: str  # opening | plan | closure | other
    kind: str | None  # opening: sauvegarde | redressement_judiciaire | liquidation_judiciaire
    representative_name: str
    representative_address: tuple[str, ...]
    notice_type: str  # annonce | rectificatif | annulation (``typeavis``)
    text: str  # complementJugement


def _records(data: bytes, filename: str) -> list[dict[str, Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BodaccFileError(f"{filename}: not UTF-8 text (the BODACC export is UTF-8 JSON or CSV)") from None
    stripped = text.lstrip()
    if stripped[:1] in ("[", "{"):
        try:
            loaded = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise BodaccFileError(f"{filename}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        if isinstance(loaded, dict):
            loaded = loaded.get("results", loaded.get("records", [loaded]))
        if not isinstance(loaded, list):
            raise BodaccFileError(f"{filename}: a JSON export is a list of records")
        out = []
        for record in loaded:
            if isinstance(record, dict) and isinstance(record.get("fields"), dict):  # the older API's records
                record = {"id": record.get("recordid", ""), **record["fields"]}
            if not isinstance(record, dict):
                raise BodaccFileError(f"{filename}: a record is not a JSON object")
            out.append(record)
        return out
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if not reader.fieldnames or "registre" not in reader.fieldnames:
        raise BodaccFileError(f"{filename}: neither a JSON export nor a CSV with the BODACC columns "
                              "(registre, familleavis, jugement, dateparution...)")
    try:
        return [dict(row) for row in reader]
    except csv.Error as exc:
        raise BodaccFileError(f"{filename}: unreadable CSV ({exc})") from None


def _day(value: Any) -> date | None:
    text = str(value or "").strip()[:10]
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _sirens(value: Any) -> tuple[str, ...]:
    parts = value if isinstance(value, list) else re.split(r"[,;|]", str(value or ""))
    out: list[str] = []
    for part in parts:
        digits = re.sub(r"\s", "", str(part))
        if re.fullmatch(r"\d{9}", digits) and digits not in out:
            out.append(digits)
    return tuple(out)


def _judgment(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    text = str(value or "").strip()
    if not text:
        return {}
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError:
        return {"nature": text}
    return loaded if isinstance(loaded, dict) else {}


def classify(family: str, nature: str) -> tuple[str, str | None]:
    """(action, kind) of a judgment by its « famille » and « nature »: an opening of a sauvegarde, a redressement
    or a liquidation judiciaire (the one it converts to, when it converts), a plan, a closure, or other."""
    words = f"{family} {nature}".lower()
    if "clôture" in words or "cloture" in words:
        return "closure", None
    if "plan" in words and "ouverture" not in words:
        return "plan", None
    opening = any(w in words for w in ("ouverture", "prononçant la liquidation", "prononcant la liquidation",
                                       "conversion", "convertissant", "extension"))
    kind = ("liquidation_judiciaire" if "liquidation judiciaire" in words
            else "redressement_judiciaire" if "redressement judiciaire" in words
            else "sauvegarde" if "sauvegarde" in words else None)
    if opening and kind is not None:
        return "opening", kind
    return "other", None


_ROLE = re.compile(r"(?:mandataire judiciaire|liquidateur(?: judiciaire)?)\s*:?\s*", re.IGNORECASE)
_STREET = re.compile(r"\s(?=\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|chemin|all[ée]e|quai"
                     r"|cours|route|impasse|square|rond-point|parc|esplanade|passage|promenade)\b)", re.IGNORECASE)
_POSTCODE = re.compile(r"\s(?=\d{5}\s)")


def representative(text: str) -> tuple[str, tuple[str, ...]]:
    """(name, address lines) of the mandataire judiciaire or liquidateur the judgment's text designates, or
    ("", ()) when it names none: the text after the role, up to the end of its sentence, split at the street
    number and the postcode."""
    found = _ROLE.search(text)
    if found is None:
        return "", ()
    rest = text[found.end():]
    end = re.search(r"\.\s|;|\s-\s|, (?:et |administrateur|juge)|$", rest)
    phrase = rest[:end.start() if end else len(rest)].strip(" ,.:")
    if not phrase or phrase.lower().startswith(("ou ", "sur ", "au ", "à ", "a ")):
        return "", ()
    parts = _STREET.split(phrase, maxsplit=1)
    name = parts[0].strip(" ,")
    address: list[str] = []
    if len(parts) > 1:
        lines = _POSTCODE.split(parts[1].strip(" ,"), maxsplit=1)
        address = [line.strip(" ,") for line in lines if line.strip(" ,")]
    return name, tuple(address)


_SMALL_WORDS = {"de", "du", "des", "d'", "la", "le", "les", "l'", "et", "en", "sur", "à"}


def court_name(value: str) -> str:
    """« TRIBUNAL DE COMMERCE DE LYON » as written in a letter: « Tribunal de commerce de Lyon » (the court's kind
    in lower case, the place capitalised)."""
    words = value.split()
    if not words:
        return ""
    if value != value.upper():  # already written in mixed case: kept as it is
        return " ".join(words)
    out = []
    for index, word in enumerate(w.lower() for w in words):
        if index == 0:
            out.append(word.capitalize())
        elif word in _SMALL_WORDS or word in ("commerce", "judiciaire", "mixte", "grande", "instance"):
            out.append(word)
        elif word.startswith(("d'", "l'")):
            out.append(word[:2] + word[2:].capitalize())
        else:
            out.append("-".join(part.capitalize() for part in word.split("-")))
    return " ".join(out)


def _reference(record: dict[str, Any]) -> str:
    bulletin = str(record.get("publicationavis") or "").strip()
    issue = str(record.get("parution") or "").strip()
    number = str(record.get("numeroannonce") or "").strip()
    ref = f"BODACC {bulletin} n°{issue}".replace("  ", " ") if issue else ""
    if number:
        ref = f"{ref}, annonce {number}" if ref else f"annonce {number}"
    return ref or str(record.get("id") or "")


def read_notices(data: bytes, filename: str = "bodacc") -> tuple[list[BodaccNotice], list[str]]:
    """The collective-proceedings notices of a BODACC export, in the file's order, and one line per record that
    could not be used (no SIREN, no publication date). Other families are passed over silently."""
    records = _records(data, filename)
    if len(records) > MAX_RECORDS:
        raise BodaccFileError(f"{filename}: {len(records)} records, more than {MAX_RECORDS}: export the notices "
                              "of a shorter period")
    notices: list[BodaccNotice] = []
    problems: list[str] = []
    for index, record in enumerate(records, start=1):
        family_of_notice = str(record.get("familleavis") or "").strip().lower()
        label = str(record.get("familleavis_lib") or "").lower()
        if family_of_notice != COLLECTIVE if family_of_notice else "procédures collectives" not in label:
            continue
        notice_id = str(record.get("id") or f"record {index}")
        sirens = _sirens(record.get("registre"))
        published = _day(record.get("dateparution"))
        if not sirens:
            problems.append(f"{filename}: {notice_id}: no SIREN in registre {str(record.get('registre'))[:40]!r}")
            continue
        if published is None:
            problems.append(f"{filename}: {notice_id}: no publication date (dateparution)")
            continue
        judgment = _judgment(record.get("jugement"))
        family, nature = str(judgment.get("famille") or ""), str(judgment.get("nature") or "")
        text = " ".join(str(judgment.get("complementJugement") or "").split())
        action, kind = classify(family, nature)
        name, address = representative(text) if action == "opening" else ("", ())
        notices.append(BodaccNotice(
            notice_id=notice_id, sirens=sirens, debtor=str(record.get("commercant") or "").strip(),
            published_on=published, reference=_reference(record)[:64],
            court=court_name(str(record.get("tribunal") or "")),
            judgment_on=_day(judgment.get("date")), family=family, nature=nature, action=action, kind=kind,
            representative_name=name, representative_address=address,
            notice_type=str(record.get("typeavis") or "annonce").strip().lower(), text=text))
    return notices, problems

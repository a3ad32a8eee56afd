"""Active content in a PDF: what a viewer could run or open by itself, refused in an invoice's document.

An invoice's PDF is shown to accountants and attached to reminders sent to customers: it must be a document,
not a program. ``active_content`` names what it finds, looking twice:

- the object graph as pypdf reads it, from the trailer (also inside compressed object streams): JavaScript
  (``/JS``, ``/JavaScript`` name trees, ``/S /JavaScript`` actions), launch actions (``/Launch``), automatic
  actions (``/AA``, on the document, a page, a field or an annotation), an ``/OpenAction`` that runs any of
  them, data import, form submission and embedded-go-to actions, XFA forms, rich media, and embedded files;
- the bytes outside streams, for the same names written however (``/J#53`` is ``/JS``): a viewer that repairs
  a damaged file may find an object pypdf did not link.

Links (``/URI``) and go-to actions inside the document are not active content. An embedded file is refused
too, except the XML of an electronic invoice (Factur-X, ZUGFeRD, XRechnung, Order-X), which is data.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

from worker.errors import LettrageError

#: Embedded files accepted: the XML of an electronic invoice, by the names its standards give it.
EINVOICE_ATTACHMENTS = frozenset({"factur-x.xml", "zugferd-invoice.xml", "zugferd_invoice.xml", "xrechnung.xml",
                                  "order-x.xml"})
_ACTIONS = {  # /S of an action dictionary
    "/JavaScript": "JavaScript",
    "/Launch": "a launch action (/Launch)",
    "/ImportData": "a data import action (/ImportData)",
    "/SubmitForm": "a form submission (/SubmitForm)",
    "/GoToE": "a go-to-embedded-file action (/GoToE)",
    "/RichMediaExecute": "rich media (/RichMediaExecute)",
}
_KEYS = {  # a key of any dictionary
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/AA": "automatic actions (/AA)",
    "/XFA": "an XFA form (/XFA)",
    "/RichMedia": "rich media (/RichMedia)",
    "/RichMediaContent": "rich media (/RichMedia)",
}
# In the bytes outside streams: the names above, whatever they are keys or values of.
_RAW_NAMES = {name[1:].encode(): reason for name, reason in (*_KEYS.items(), *_ACTIONS.items())}
_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"(?<![A-Za-z])stream\r?\n.*?endstream", re.DOTALL)
_MAX_OBJECTS = 2_000_000


class ActivePdf(LettrageError):
    """Raised when an invoice's PDF carries active content (JavaScript, launch actions, embedded files…)."""


def refuse_active_content(data: bytes, what: str) -> None:
    """Raises ActivePdf naming what ``data`` carries; nothing when it carries nothing active."""
    found = active_content(data)
    if found:
        raise ActivePdf(f"{what}: a PDF with active content is refused ({', '.join(found)})")


def active_content(data: bytes) -> list[str]:
    """What of ``data`` a PDF viewer could run or open by itself, each said once; [] for a plain document.

    Bytes pypdf cannot read at all give []: whether they are a PDF is ``check_pdf``'s business."""
    found: dict[str, None] = {}
    for reason in _raw_names(data):
        found.setdefault(reason)
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            found.setdefault("an encrypted PDF, which cannot be inspected")
            return list(found)
        for reason in _walk(reader.trailer):
            found.setdefault(reason)
    except Exception:  # noqa: BLE001, S110 - a damaged file: pypdf raises many kinds; check_pdf says why
        pass
    return list(found)


def _raw_names(data: bytes) -> Iterator[str]:
    outside = _STREAM.sub(b" ", data)
    for match in _NAME.finditer(outside):
        name = match.group(1)
        if b"#" in name:
            name = _HEX.sub(lambda m: bytes([int(m.group(1), 16)]), name)
        reason = _RAW_NAMES.get(name)
        if reason is not None:
            yield reason


def _walk(root: Any) -> Iterator[str]:
    """Every dictionary reachable from ``root`` (the trailer), each object once, without recursion."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen or len(seen) >= _MAX_OBJECTS:
                continue
            seen.add(key)
            try:
                item = item.get_object()
            except Exception:  # noqa: BLE001, S112 - a missing or broken object: nothing to run in it
                continue
        if isinstance(item, DictionaryObject):
            yield from _dictionary(item)
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def _dictionary(d: Any) -> Iterator[str]:
    for key in d:
        if key in _KEYS:
            yield _KEYS[key]
    kind = d.get("/S")
    if isinstance(kind, str) and kind in _ACTIONS:
        yield _ACTIONS[kind]
    if "/EF" in d and not _einvoice_attachment(d):
        name = _filespec_name(d)
        yield f"an embedded file{f' ({name})' if name else ''}"


def _filespec_name(spec: Any) -> str:
    for key in ("/UF", "/F"):
        try:
            value = spec.get(key)
            value = value.get_object() if hasattr(value, "get_object") else value
        except Exception:  # noqa: BLE001, S112 - an unreadable name: none
            continue
        if isinstance(value, str) and value:
            return "".join(c for c in value if c.isprintable())[:80]
    return ""


def _einvoice_attachment(spec: Any) -> bool:
    return _filespec_name(spec).strip().lower() in EINVOICE_ATTACHMENTS

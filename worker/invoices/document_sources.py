"""Where a company's invoice documents may come from: checked when an invoice is imported, and again each
time its document is read (``GET /api/invoices/{number}/document``, reminders, duplicates).

An invoice's ``pdf`` (the billing export's column, or the API's field) is accepted only when it names:

- a file lettrage wrote for this company: an upload (``<data dir>/documents/<company>/``) or an e-invoice
  (``<data dir>/einvoices/<company>/``);
- a file under the company's documents folder: ``[documents] folder`` in its TOML (relative to the TOML's
  folder), else ``<LETTRAGE_DOCUMENTS_DIR>/<company ref>/``. A relative path is read from that folder; the
  path, resolved (``..`` and symbolic links followed), must stay inside it;
- an http(s) URL whose host is on the company's ``[documents] allow_hosts`` (``*.example.org`` for a
  domain's hosts); it is fetched through the outbound client (worker/outbound.py), which refuses internal
  addresses unless the operator allows the host with ``LETTRAGE_OUTBOUND_ALLOW_HOSTS``.

Anything else (another absolute path such as ``/etc/shadow``, ``file://``, another scheme, another host,
another company's file) is refused with its reason: the invoice is imported without a document and the
import lists the refusal. The same rule read again when a document is served means a value stored before a
rule changed is not read either; a refused document and a missing one look the same to the caller (404).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from reminders.channels.base import safe_name
from worker.company_setup import resolve_company
from worker.outbound import OutboundClient, host_allowed
from worker.settings import Settings

SOURCES = "an uploaded file, a file under the company's documents folder, or an http(s) URL of an allowed host"


class DocumentRefused(ValueError):
    """Raised when an invoice's ``pdf`` names a source the company's rules do not allow."""


@dataclass(frozen=True)
class DocumentSources:
    """The places an invoice document of one company may be read from (every folder resolved)."""

    company_ref: str
    written: tuple[Path, ...] = ()  # folders lettrage itself writes the company's documents to
    folder: Path | None = None  # the operator's documents folder of the company
    allow_hosts: tuple[str, ...] = ()  # hosts documents may be fetched from
    outbound: OutboundClient = field(default_factory=OutboundClient)


def document_sources(settings: Settings, company_ref: str) -> DocumentSources:
    """The company's document sources from the deployment's settings and its TOML ``[documents]``."""
    documents = resolve_company(None, settings.companies_dir, company_ref).documents
    folder, hosts = documents.folder, documents.allow_hosts
    base = getattr(settings, "documents_dir", None)
    if folder is None and base is not None:
        folder = Path(base) / safe_name(company_ref)
    data_dir = Path(settings.data_dir)
    written = (data_dir / "documents" / safe_name(company_ref), data_dir / "einvoices" / company_ref)
    return DocumentSources(company_ref, tuple(_resolved(p) for p in written),
                           _resolved(folder) if folder is not None else None, hosts,
                           OutboundClient.for_settings(settings))


def _resolved(path: Path) -> Path:
    return Path(path).expanduser().resolve()


def _shown(value: str) -> str:
    return value if len(value) <= 80 else value[:80] + "…"


def _scheme(value: str) -> str | None:
    """The URL scheme ``value`` starts with (``http``, ``file``, ``data``...), or None for a path."""
    head, sep, _ = value.partition(":")
    if not sep or len(head) < 2 or not head[0].isalpha():  # "C:\\..." is a drive, not a scheme
        return None
    return head.lower() if all(c.isalnum() or c in "+.-" for c in head) else None


def inside(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def locate(value: str, sources: DocumentSources, trusted: tuple[Path, ...] = ()) -> str | Path:
    """Where ``value`` may be read from: the URL (its host allowed) or the resolved path (inside an allowed
    folder, ``trusted`` ones too); raises DocumentRefused with the reason. Whether a file exists is not
    looked at, so a refusal says nothing of what is on the server's disk."""
    shown = _shown(value)
    if "\x00" in value:
        raise DocumentRefused(f"pdf {shown!r} refused: not a file path or URL")
    scheme = _scheme(value)
    if scheme is not None:
        if scheme not in ("http", "https"):
            raise DocumentRefused(f"pdf {shown!r} refused: a {scheme}: address is not a document source ({SOURCES})")
        try:
            host = urlsplit(value).hostname or ""
        except ValueError:
            host = ""
        if not host:
            raise DocumentRefused(f"pdf {shown!r} refused: not a valid http(s) URL")
        if not host_allowed(host, sources.allow_hosts):
            raise DocumentRefused(f"pdf {shown!r} refused: {host} is not on the company's "
                                  "[documents] allow_hosts")
        return value
    roots = (*sources.written, *trusted, *((sources.folder,) if sources.folder else ()))
    path = Path(value)
    try:
        if path.is_absolute():
            resolved = path.resolve()
        elif sources.folder is None:
            raise DocumentRefused(f"pdf {shown!r} refused: a relative path is read from the company's documents "
                                  "folder, and it has none ([documents] folder, or LETTRAGE_DOCUMENTS_DIR)")
        else:
            resolved = (sources.folder / path).resolve()
            roots = (sources.folder,)
    except (OSError, RuntimeError, ValueError) as exc:
        if isinstance(exc, DocumentRefused):
            raise
        raise DocumentRefused(f"pdf {shown!r} refused: not a usable file path") from None
    if not inside(resolved, roots):
        where = "the company's documents folder" if not path.is_absolute() else \
            "the company's documents folder or lettrage's own files of the company"
        raise DocumentRefused(f"pdf {shown!r} refused: outside {where}")
    return resolved


def accept_pdf(value: str | None, sources: DocumentSources) -> str | None:
    """The ``pdf`` of an imported row as stored: an allowed URL as it is, an allowed path resolved; raises
    DocumentRefused (the row is imported without it) or ValueError when the file, allowed, is not there."""
    if value is None:
        return None
    where = locate(value, sources)
    if isinstance(where, str):
        return where
    if not where.is_file():
        shown = sources.folder / value if sources.folder is not None and not Path(value).is_absolute() else where
        raise ValueError(f"pdf {_shown(value)!r}: no such file ({shown})")
    return str(where)

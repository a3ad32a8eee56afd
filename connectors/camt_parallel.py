"""A large CAMT file read in two parts by two processes, with exactly the result of the sequential parse.

Why: building the tree (libxml2) and reading each entry in Python take about 11 s of one core for a
113 MB statement of 100,000 entries; the machine has two cores. The file is cut between two entries of
its statement into two documents that are each well-formed on their own:

    part 0 = head + entries 1..k   + tail
    part 1 = head + entries k+1..n + tail

where ``head`` is every byte before the first entry (prolog, root, message, statement header, balances)
and ``tail`` every byte after the last one (the closing tags, anything after). Each part goes through
``CamtParser.read_document`` (the very code of the sequential parse, same hardened XML parser) in a process of its
own, ``first_entry`` numbering part 1's entries from k + 1; this process merges the two statements and
finishes them with ``CamtParser.file_of``. Lines, rows, bank references, warnings, skipped counts and
balances are those of the sequential parse.

The cut is only made when that equality is certain, otherwise ``parse_in_parts`` returns None and the
caller parses the file sequentially (which also gives every error its exact wording and position):

- in the bytes: no ``<!`` at all (no comment, CDATA section, DOCTYPE or entity declaration), no ``<?``
  but the XML declaration, an ASCII-compatible encoding, so that every ``<`` opens a tag; entries written
  ``<Ntry>`` with the root element's prefix; only XML white space between entries k and k+1;
- in each part (checked while it is read): it holds one statement, report or notification and exactly the
  number of entries counted in its bytes, every ``Ntry`` directly in it, nothing but entries between its
  first and last entry, the account's currency known before the first entry (an entry may otherwise set
  it), no derived bank reference in part 1 (their occurrence counters run over the whole statement), no
  bad entry, no XML error; both parts end with the same statement header and balances.

Any failure of a worker process (it cannot start, crashes, answers garbage) also falls back. The parts
are fed to the workers through pipes from the bytes or the open file, and the workers send their lines
back in batches, so no process holds the whole file.
"""
from __future__ import annotations

import io
import json
import os
import pickle
import re
import resource
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from itertools import starmap
from operator import attrgetter
from pathlib import Path
from typing import IO, Any, Protocol

from lxml import etree

from connectors._common import RefDeriver
from connectors.camt_state import DocumentRun, StatementState, local_name
from connectors.errors import ConnectorError
from connectors.model import ParsedFile, ParsedLine


class PartParser(Protocol):
    """What a two-part read needs of ``connectors.camt.CamtParser`` (which imports this module, so this one names
    the parser by what it does, not by its class)."""

    format: str
    reversal_flips_sign: bool

    def read_document(self, source: object, filename: str, first_entry: int = 0,
                      watch: Any = None) -> DocumentRun: ...

    def file_of(self, statements: list[StatementState], kinds: set[str], filename: str) -> ParsedFile: ...


#: builds the parser a part is read with, from the part's parameters (format, reversal_flips_sign)
ParserFactory = Callable[[dict[str, Any]], PartParser]

_BLOCK = 2 << 20  # bytes scanned at a time
_WINDOW = 1 << 16  # bytes searched back from the cut for the end of the entry before it
_PIPE_CHUNK = 1 << 20
_BATCH = 5_000  # lines a worker sends at a time
_ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.-]*:)?[A-Za-z_][\w.-]*")
_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# encodings in which every byte below 0x80 is that ASCII character and no other character uses those bytes
_ASCII_SAFE = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "iso-8859-15",
               "windows-1252", "cp1252"}
_XML_SPACE = b" \t\r\n"
_ROOT = Path(__file__).resolve().parents[1]
# A line travels as the tuple of its fields, in ParsedLine's order: instances built by its constructor on
# arrival take less memory than unpickled ones (about 20 MB less for 105,000 lines).
_line_values = attrgetter(*(f.name for f in fields(ParsedLine)))

# What the last call of parse_in_parts did (for the benchmarks: the workers' peak memory); not used otherwise.
last_run: dict[str, Any] = {}


@dataclass(frozen=True)
class Layout:
    """Where the file is cut: byte offsets, and the number of entries on each side of the cut."""

    first: int  # start of the first entry's tag
    cut_end: int  # just after the end tag of entry k
    cut: int  # start of entry k + 1
    last_end: int  # just after the end tag of the last entry
    size: int
    before: int  # k
    after: int  # n - k

    def parts(self) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
        """The byte ranges of part 0 and of part 1."""
        return (((0, self.cut_end), (self.last_end, self.size)),
                ((0, self.first), (self.cut, self.size)))


class _Reader:
    """Reads byte ranges of the bytes or of the seekable file being parsed."""

    def __init__(self, source: bytes | IO[bytes]) -> None:
        self.source = source
        self.lock = threading.Lock()
        if isinstance(source, bytes | bytearray | memoryview):
            self.size = len(source)
        else:
            self.size = source.seek(0, os.SEEK_END)
            source.seek(0)

    def read(self, start: int, end: int) -> bytes:
        end = min(end, self.size)
        if start >= end:
            return b""
        if isinstance(self.source, bytes | bytearray | memoryview):
            return bytes(self.source[start:end])
        with self.lock:
            self.source.seek(start)
            return self.source.read(end - start)


def _find_markup(block: bytes, mark: bytes, start: int, end: int) -> int:
    """``block.find(b"<" + mark, start, end)``, found through the rare byte ``mark`` (``!`` or ``?``):
    in XML ``<`` comes every few bytes, which makes the two-byte search about twenty times slower."""
    at = block.find(mark, start + 1, end)
    while at >= 0:
        if block[at - 1] == 0x3C:  # "<"
            return at - 1
        at = block.find(mark, at + 1, end)
    return -1


def find_layout(reader: _Reader) -> Layout | None:
    """Where to cut the file in two, or None when the bytes do not show that a cut is safe (see above)."""
    size = reader.size
    head = reader.read(0, 4096)
    start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head:
        return None  # UTF-16 or UTF-32, with or without a byte order mark
    declared = _ENCODING.match(head[start:])
    if declared and declared.group(1).decode("ascii").lower() not in _ASCII_SAFE:
        return None
    pi_allowed = start if head.startswith(b"<?xml", start) else -1
    root = _ROOT_TAG.search(head, start)
    if root is None:
        return None
    prefix = root.group(1) or b""
    opening, closing = b"<" + prefix + b"Ntry>", b"</" + prefix + b"Ntry>"
    first = last_end = -1
    counts: list[tuple[int, int]] = []  # (block start, entries starting in the block)
    overlap = max(len(closing), 2) - 1
    for offset in range(0, size, _BLOCK):
        block = reader.read(offset, offset + _BLOCK + overlap)
        scan = min(_BLOCK, len(block))
        if _find_markup(block, b"!", 0, scan + 1) >= 0:
            return None
        pi = _find_markup(block, b"?", 0, scan + 1)
        while pi >= 0:
            if offset + pi != pi_allowed:
                return None
            pi = _find_markup(block, b"?", pi + 1, scan + 1)
        found = block.find(opening, 0, scan + len(opening) - 1)
        if first < 0 and found >= 0:
            first = offset + found
        counts.append((offset, block.count(opening, 0, scan + len(opening) - 1)))
        end = block.rfind(closing, 0, scan + len(closing) - 1)
        if end >= 0:
            last_end = offset + end + len(closing)
    if first < 0 or last_end <= first:
        return None
    middle = (first + last_end) // 2
    window = reader.read(middle, middle + _WINDOW)
    at = window.find(opening)
    if at < 0:
        return None
    cut = middle + at
    if cut >= last_end:
        return None
    before = reader.read(max(first, cut - _WINDOW), cut)
    end_at = before.rfind(closing)
    if end_at < 0 or before[end_at + len(closing):].strip(_XML_SPACE):
        return None
    cut_end = cut - len(before) + end_at + len(closing)
    entries_before = 0
    for block_start, count in counts:
        if block_start + _BLOCK <= cut:
            entries_before += count
        else:
            entries_before += reader.read(block_start, cut + len(opening) - 1).count(opening)
            break
    total = sum(count for _start, count in counts)
    if entries_before < 1 or total - entries_before < 1:
        return None
    return Layout(first=first, cut_end=cut_end, cut=cut, last_end=last_end, size=size,
                  before=entries_before, after=total - entries_before)


# -- the worker side --------------------------------------------------------------------------------------------
class _Unsafe(Exception):
    """Raised when the part being read could read differently from the same entries in the whole file."""


@dataclass
class _PartWatch:
    """The checks of one part, made while ``CamtParser.read_document`` reads it; sends the lines in batches."""

    index: int
    send: Callable[[object], None]
    seen_entry: bool = False
    tail: bool = False
    sent: int = 0
    derive: RefDeriver | None = None

    def unsafe(self, reason: str) -> None:
        raise _Unsafe(reason)

    def before(self, el: etree._Element, container: etree._Element, name: str, st: StatementState) -> None:
        if name != "Ntry":
            if self.seen_entry:
                self.tail = True  # a balance after the entries: fine unless an entry follows it
            return
        if self.tail:
            self.unsafe("a balance between two entries")
        if self.seen_entry:
            for child in container:
                if child is el:
                    break
                if local_name(child) != "Ntry":
                    self.unsafe(f"{local_name(child) or 'a node'} between two entries")

    def entry(self, st: StatementState, derive: RefDeriver) -> None:
        self.derive = derive
        if not self.seen_entry:
            self.seen_entry = True
            if st.currency is None:
                self.unsafe("the statement's currency is not known before its first entry")

    def after_entry(self, st: StatementState) -> None:
        if len(st.lines) >= _BATCH:
            self.flush(st)

    def flush(self, st: StatementState) -> None:
        """Sends the lines read so far as plain tuples (rebuilt with ParsedLine's own constructor)."""
        if st.lines:
            self.send(("lines", list(map(_line_values, st.lines))))
            self.sent += len(st.lines)
            st.lines = []


def _write(out: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(struct.pack("<Q", len(data)))
    out.write(data)
    out.flush()


def _read_message(stream: IO[bytes]) -> Any:
    size = stream.read(8)
    if len(size) != 8:
        raise EOFError("the worker stopped without an answer")
    (length,) = struct.unpack("<Q", size)
    data = stream.read(length)
    if len(data) != length:
        raise EOFError("the worker's answer is cut short")
    return pickle.loads(data)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _high_water_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def read_part(make_parser: ParserFactory, stdin: IO[bytes] | None = None, stdout: IO[bytes] | None = None) -> None:
    """A worker: reads its parameters then its part on stdin, answers on stdout (length-prefixed pickles).

    Answers: ("lines", [line fields, ...]) batches, then ("done", statement without its lines, kind, peak
    resident MB, CPU seconds) or ("unsafe", reason) or ("error", reason).
    """
    source = stdin or sys.stdin.buffer
    out = stdout or sys.stdout.buffer
    params = _read_message(source)
    parser = make_parser(params)
    watch = _PartWatch(index=params["index"], send=lambda message: _write(out, message))
    try:
        run = parser.read_document(source, params["filename"], first_entry=params["first_entry"], watch=watch)
        if run.bad:
            raise _Unsafe("a bad entry (the sequential parse words the error)")
        if len(run.statements) != 1 or len(run.kinds) != 1:
            raise _Unsafe(f"{len(run.statements)} statements in the part")
        if run.entries != params["entries"]:
            raise _Unsafe(f"{run.entries} entries read, {params['entries']} counted in the bytes")
        st = run.statements[0]
        if params["index"] > 0 and watch.derive is not None and watch.derive.derived:
            raise _Unsafe("derived bank references (their occurrences are counted over the whole statement)")
        watch.flush(st)
        _write(out, ("done", st, run.kinds.pop(), _high_water_mb(), _cpu_seconds()))
    except _Unsafe as exc:
        _write(out, ("unsafe", str(exc)))
    except ConnectorError as exc:  # XML errors: the sequential parse reports them with their position
        _write(out, ("error", str(exc)))


# -- the parent side --------------------------------------------------------------------------------------------
@dataclass
class _Part:
    process: subprocess.Popen[bytes] | None  # None: read in this process (``inline``)
    lines: list[ParsedLine] = field(default_factory=list)
    answer: tuple[Any, ...] | None = None
    failure: str | None = None


def _worker_command() -> list[str]:
    """The same interpreter, isolated from the environment, with this process's import path."""
    path = [str(_ROOT), *(p for p in sys.path if p)]
    code = ("import sys, json; sys.path[:0] = json.loads(sys.argv[1]); "
            "from connectors.camt_part import main; main()")
    return [sys.executable, "-I", "-c", code, json.dumps(path)]


def _feed(process: subprocess.Popen[bytes], params: dict[str, Any], reader: _Reader,
          ranges: tuple[tuple[int, int], ...]) -> None:
    stdin = process.stdin
    assert stdin is not None
    try:
        _write(stdin, params)
        for start, end in ranges:
            for at in range(start, end, _PIPE_CHUNK):
                stdin.write(reader.read(at, min(end, at + _PIPE_CHUNK)))
    except (BrokenPipeError, OSError, ValueError):
        pass  # the worker stopped early (unsafe part, crash): its answer or its absence says so
    finally:
        try:
            stdin.close()
        except OSError:
            pass


def _collect(part: _Part, parts: list[_Part], stdout: IO[bytes] | None = None) -> None:
    """Receives a worker's lines and answer; when it cannot be used, stops the other worker too."""
    if stdout is None:
        assert part.process is not None
        stdout = part.process.stdout
    assert stdout is not None
    try:
        while True:
            message = _read_message(stdout)
            if message[0] == "lines":
                part.lines.extend(starmap(ParsedLine, message[1]))
                continue
            part.answer = message
            break
    except Exception as exc:  # noqa: BLE001 - a crashed worker, garbage on the pipe: fall back
        part.failure = f"{type(exc).__name__}: {exc}"
    if part.answer is None or part.answer[0] != "done":
        for other in parts:
            if other.process is not None and other.process.poll() is None:
                other.process.kill()


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def parse_in_parts(parser: PartParser, source: bytes | IO[bytes], filename: str, *,
                   inline: bool = False) -> ParsedFile | None:
    """The file parsed in two parts by two worker processes, or None when that is not certain to give
    the sequential result (then the caller parses it sequentially). ``source``: the file's bytes or a
    seekable binary file positioned at its start (left at an unspecified position). ``inline`` reads the
    two parts one after the other in this process, through the same messages (for tests)."""
    last_run.clear()
    try:
        return _parse_in_parts(parser, source, filename, inline)
    except Exception as exc:  # noqa: BLE001 - whatever went wrong here, the sequential parse decides
        last_run["fallback"] = f"{type(exc).__name__}: {exc}"
        return None


def _parse_in_parts(parser: PartParser, source: bytes | IO[bytes], filename: str, inline: bool) -> ParsedFile | None:
    if not inline and (_cpus() < 2 or not sys.executable):
        last_run["fallback"] = "one CPU" if sys.executable else "no interpreter to start"
        return None
    reader = _Reader(source)
    layout = find_layout(reader)
    if layout is None:
        last_run["fallback"] = "layout"
        return None
    params = [{"format": parser.format, "reversal_flips_sign": parser.reversal_flips_sign,
               "filename": filename, "index": index,
               "first_entry": 0 if index == 0 else layout.before,
               "entries": layout.before if index == 0 else layout.after} for index in (0, 1)]
    if inline:
        return _merge(parser, [_inline(parser, p, reader, r) for p, r in zip(params, layout.parts(), strict=True)],
                      filename)
    parts: list[_Part] = []
    threads: list[threading.Thread] = []
    try:
        for index, ranges in enumerate(layout.parts()):
            try:
                process = subprocess.Popen(_worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           stderr=subprocess.DEVNULL, close_fds=True)
            except OSError as exc:
                last_run["fallback"] = f"worker: {exc}"
                return None
            part = _Part(process)
            parts.append(part)
            threads.append(threading.Thread(target=_feed, args=(process, params[index], reader, ranges), daemon=True))
            threads.append(threading.Thread(target=_collect, args=(part, parts), daemon=True))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for part in parts:
            assert part.process is not None
            if part.process.poll() is None and (part.answer is None or part.answer[0] != "done"):
                part.process.kill()
            part.process.wait()
    return _merge(parser, parts, filename)


def _same_as(parser: PartParser, params: dict[str, Any]) -> PartParser:
    """A parser of the same class as ``parser`` for a part's parameters (the in-process read of the tests)."""
    return type(parser)(params["format"], reversal_flips_sign=params["reversal_flips_sign"])  # type: ignore[call-arg]


def _inline(parser: PartParser, params: dict[str, Any], reader: _Reader,
            ranges: tuple[tuple[int, int], ...]) -> _Part:
    """One part read by ``read_part`` in this process (tests): same input bytes, same answers."""
    request, answer = io.BytesIO(), io.BytesIO()
    _write(request, params)
    for start, end in ranges:
        request.write(reader.read(start, end))
    request.seek(0)
    read_part(lambda part: _same_as(parser, part), request, answer)
    answer.seek(0)
    part = _Part(process=None)
    _collect(part, [], answer)
    return part


def _merge(parser: PartParser, parts: list[_Part], filename: str) -> ParsedFile | None:
    answers = []
    for part in parts:
        failed = part.process is not None and part.process.returncode != 0
        if part.answer is None or part.answer[0] != "done" or failed:
            last_run["fallback"] = part.failure or (part.answer[1] if part.answer else "no answer")
            return None
        answers.append(part.answer)
    (_, first, kind, peak0, cpu0), (_, second, kind1, peak1, cpu1) = answers
    same = ("kind", "statement_id", "account", "currency", "opening", "opening_is_opbd", "closing", "created_on")
    if kind != kind1 or any(getattr(first, name) != getattr(second, name) for name in same):
        last_run["fallback"] = "the two parts end with different statement headers"
        return None
    merged = first
    merged.lines = parts[0].lines + parts[1].lines
    merged.warnings = first.warnings + second.warnings
    merged.skipped = first.skipped + second.skipped
    merged.undated = first.undated + second.undated
    merged.assumed = first.assumed + second.assumed
    last_run.update({"parts": 2, "worker_peak_mb": [peak0, peak1], "worker_cpu_s": [cpu0, cpu1]})
    return parser.file_of([merged], {kind}, filename)


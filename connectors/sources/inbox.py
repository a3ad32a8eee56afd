"""A folder inbox: banks' files dropped into ``root``, moved out once handled.

Imported files go to ``root/archive/YYYY-MM-DD/``; rejected ones to ``root/quarantine/``
with ``<name>.error.txt`` beside them, so an operator can read why, fix and drop the
file back into the inbox. Nothing is ever overwritten: a name clash gets a numeric suffix.

A file still being written is never read: files modified less than ``settle_seconds``
ago, files whose size or modification time changes between two looks taken
``recheck_seconds`` apart, and files with a temporary name (``.part``, ``.tmp``,
``.crdownload``, ``~``, dot-files) wait for a later run. Sub-folders are ignored.
"""
from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from connectors.errors import SourceError
from connectors.protocol import IncomingFile

#: Suffixes of files that browsers, SFTP clients and editors are still writing.
TEMPORARY_SUFFIXES = (".part", ".partial", ".filepart", ".tmp", ".temp", ".crdownload", ".download", "~")
ERROR_SUFFIX = ".error.txt"


def is_temporary_name(name: str) -> bool:
    """True for hidden files and names that say the file is still being written."""
    lowered = name.lower()
    return name.startswith(".") or lowered.endswith(TEMPORARY_SUFFIXES)


def free_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/stem.1.ext``, ``stem.2.ext``… when taken (with its error note)."""
    candidate = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 0
    while candidate.exists() or candidate.with_name(candidate.name + ERROR_SUFFIX).exists():
        n += 1
        candidate = folder / f"{stem}.{n}{suffix}"
    return candidate


def set_aside(folder: Path, name: str, data: bytes | None, source: Path | None, reason: str | None) -> Path:
    """Puts a file into ``folder`` (moving ``source``, or writing ``data``) under a free name.

    With a ``reason``, writes ``<name>.error.txt`` beside it. Returns where the file went.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = free_path(folder, name)
    if source is not None:
        shutil.move(str(source), str(target))
    else:
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(data or b"")
        os.replace(tmp, target)
    if reason is not None:
        target.with_name(target.name + ERROR_SUFFIX).write_text(reason + "\n", encoding="utf-8")
    return target


class InboxSource:
    """Files directly in ``root`` (not hidden, not temporary, not in sub-folders), oldest first.

    ``clock`` (seconds since the epoch) and ``sleep`` are parameters so tests can drive time.
    """

    def __init__(self, root: Path, name: str = "inbox", today: Callable[[], date] = date.today,
                 settle_seconds: float = 5.0, recheck_seconds: float = 0.5,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> None:
        self.root = Path(root)
        self.name = name
        self.settle_seconds = settle_seconds
        self.recheck_seconds = recheck_seconds
        self._today = today
        self._clock = clock
        self._sleep = sleep
        #: Names left for a later run on the last listing because they were still being written.
        self.waiting: list[str] = []

    def _settled(self) -> list[Path]:
        """The candidate files, each looked at twice: unchanged and old enough."""
        if not self.root.is_dir():
            raise SourceError(f"inbox folder {self.root} does not exist")
        try:
            first = {p: p.stat() for p in self.root.iterdir()
                     if p.is_file() and not is_temporary_name(p.name)}
        except OSError as exc:
            raise SourceError(f"cannot list inbox {self.root}: {exc.strerror or exc}") from exc
        self.waiting = []
        now = self._clock()
        # A modification time ahead of this clock (a share's clock, a replayed day) says nothing about a write
        # in progress: such a file is judged by the second look alone.
        fresh = {p for p, st in first.items() if 0 <= now - st.st_mtime < self.settle_seconds}
        self.waiting.extend(sorted(p.name for p in fresh))
        candidates = {p: st for p, st in first.items() if p not in fresh}
        if candidates and self.recheck_seconds > 0:
            self._sleep(self.recheck_seconds)
        settled = []
        for path, st in candidates.items():
            try:
                again = path.stat()
            except FileNotFoundError:
                continue  # taken by another worker meanwhile
            except OSError as exc:
                raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc
            if (again.st_size, again.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
                self.waiting.append(path.name)
                continue
            settled.append(path)
        settled.sort(key=lambda p: (first[p].st_mtime, p.name))
        return settled

    def pending(self) -> Iterator[IncomingFile]:
        for path in self._settled():
            # Handed over as a path: the import streams it (and reports a file gone meanwhile or unreadable).
            if not path.exists():
                continue  # taken by another worker meanwhile
            if not os.access(path, os.R_OK):
                raise SourceError(f"cannot read {path}: permission denied")
            yield IncomingFile(name=path.name, data=None, key=str(path), path=path)

    def acknowledge(self, item: IncomingFile, ok: bool, reason: str | None = None) -> None:
        source = Path(item.key)
        if ok:
            folder = self.root / "archive" / self._today().isoformat()
        else:
            folder = self.root / "quarantine"
        try:
            set_aside(folder, item.name, None, source, None if ok else (reason or "no reason given"))
        except OSError as exc:
            raise SourceError(f"cannot move {source} to {folder}: {exc.strerror or exc}") from exc

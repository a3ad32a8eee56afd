"""A folder inbox: banks' files dropped into ``root``, moved out once handled.

Handled files go to ``root/processed/YYYY-MM-DD/``; rejected ones to ``root/quarantine/``
with ``<name>.reason.txt`` beside them, so an operator can read why, fix and drop the
file back into the inbox. Nothing is ever overwritten: a name clash gets a numeric suffix.
"""
from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from connectors.errors import SourceError
from connectors.protocol import IncomingFile


def _free_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/stem.1.ext``, ``stem.2.ext``… when taken."""
    candidate = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 0
    while candidate.exists() or candidate.with_name(candidate.name + ".reason.txt").exists():
        n += 1
        candidate = folder / f"{stem}.{n}{suffix}"
    return candidate


class InboxSource:
    """Files directly in ``root`` (not hidden, not in sub-folders), oldest first."""

    def __init__(self, root: Path, name: str = "inbox", today: Callable[[], date] = date.today) -> None:
        self.root = Path(root)
        self.name = name
        self._today = today

    def pending(self) -> Iterator[IncomingFile]:
        if not self.root.is_dir():
            raise SourceError(f"inbox folder {self.root} does not exist")
        try:
            files = [p for p in self.root.iterdir() if p.is_file() and not p.name.startswith(".")]
            files.sort(key=lambda p: (p.stat().st_mtime, p.name))
        except OSError as exc:
            raise SourceError(f"cannot list inbox {self.root}: {exc}") from exc
        for path in files:
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue  # taken by another worker meanwhile
            except OSError as exc:
                raise SourceError(f"cannot read {path}: {exc}") from exc
            yield IncomingFile(name=path.name, data=data, key=str(path))

    def acknowledge(self, item: IncomingFile, ok: bool, reason: str | None = None) -> None:
        source = Path(item.key)
        if ok:
            folder = self.root / "processed" / self._today().isoformat()
        else:
            folder = self.root / "quarantine"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = _free_path(folder, item.name)
            shutil.move(str(source), str(target))
            if not ok:
                target.with_name(target.name + ".reason.txt").write_text(
                    (reason or "no reason given") + "\n", encoding="utf-8"
                )
        except OSError as exc:
            raise SourceError(f"cannot move {source} to {folder}: {exc}") from exc

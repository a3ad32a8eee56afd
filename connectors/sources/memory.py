"""An in-memory statement source, for tests and demos: same protocol as the folder inbox."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from connectors.errors import SourceError
from connectors.protocol import IncomingFile


@dataclass
class MemorySource:
    """Holds files by name; remembers what was acknowledged and why files were rejected."""

    name: str = "memory"
    files: dict[str, bytes] = field(default_factory=dict)
    processed: list[str] = field(default_factory=list)
    quarantined: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, data: bytes) -> None:
        self.files[name] = data

    def pending(self) -> Iterator[IncomingFile]:
        for name, data in list(self.files.items()):  # insertion order stands for "oldest first"
            yield IncomingFile(name=name, data=data, key=name)

    def acknowledge(self, item: IncomingFile, ok: bool, reason: str | None = None) -> None:
        if item.key not in self.files:
            raise SourceError(f"{item.key} is not pending in {self.name}")
        del self.files[item.key]
        if ok:
            self.processed.append(item.key)
        else:
            self.quarantined[item.key] = reason or "no reason given"

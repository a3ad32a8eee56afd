"""One registry of the readers of platforms' messages, by the ``syntax`` a client gives each message.

A reader is pure: the message's bytes and a name for errors in, a ``CdarMessage`` out (the statuses in the
reform's codes, einvoicing.codes), or ``CdarError``/``PlatformMessageError`` naming the message and the reason.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from einvoicing.cdar_reader import CdarMessage, read_cdar
from einvoicing.platforms import pennylane, qonto

Reader = Callable[[bytes, str, Path | None], CdarMessage]
CDAR = "CDAR"

READERS: dict[str, Reader] = {CDAR: read_cdar, pennylane.SYNTAX: pennylane.read_pennylane,
                              qonto.SYNTAX: qonto.read_qonto}


def register(syntax: str, reader: Reader) -> None:
    """Adds a platform's reader (each platform module registers itself when imported, from ``known()``)."""
    READERS[syntax] = reader


def read_message(syntax: str, content: bytes, name: str, rules_dir: Path | None) -> CdarMessage:
    """The statuses of one platform message; raises PlatformMessageError for a syntax nobody reads."""
    from einvoicing.platforms.errors import PlatformMessageError

    reader = READERS.get(syntax)
    if reader is None:
        raise PlatformMessageError(f"{name}: no reader for platform messages in {syntax!r}")
    return reader(content, name, rules_dir)

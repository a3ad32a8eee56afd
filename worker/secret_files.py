"""Secrets read from files (Docker or systemd credentials, ``*_file`` settings): one reader for every setting that
takes one (bank feeds, e-invoicing platforms), so each refuses the same files with the same words."""
from __future__ import annotations

from pathlib import Path

from worker.errors import ConfigurationError

MAX_SECRET_FILE_BYTES = 64 * 1024  # a secret is a key or a token: a larger file is not one


def read_secret_file(where: str, path: Path) -> str:
    """The secret held in ``path``, stripped; ConfigurationError in one line, ``"<where>: <reason>"`` (``where``
    names the setting and the path), when it is missing, not a file, bigger than 64 KiB, empty or not UTF-8 text.
    Never its content."""
    try:
        if not path.is_file():
            raise ConfigurationError(f"{where}: no such file" if not path.exists() else f"{where}: not a file")
        if path.stat().st_size > MAX_SECRET_FILE_BYTES:
            raise ConfigurationError(f"{where}: bigger than {MAX_SECRET_FILE_BYTES // 1024} KiB (not a secret)")
        value = path.read_bytes().decode("utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(f"{where}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"{where}: not UTF-8 text") from None
    if not value:
        raise ConfigurationError(f"{where}: empty")
    return value

"""Structured logs: one JSON object per line, for the worker, the scheduler and the API.

Fields: ``ts`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``process``, and
whatever a call passes in ``extra`` (``event``, ``actor``, ``company``, ``message_id``,
``seconds``…); an exception adds ``error`` (one line) and ``traceback``.
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName", "color_message"}


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = _plain(value)
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            data["error"] = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
            data["traceback"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


#: uvicorn's loggers (server, access log) and the root logger writing JSON lines to stderr (``lettrage serve``).
UVICORN_LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "worker.logging.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["stderr"], "level": "INFO"},
}


def use_json(logger: logging.Logger | None = None) -> None:
    """Gives every handler of ``logger`` (default: the root logger) the JSON formatter."""
    for handler in (logger or logging.getLogger()).handlers:
        handler.setFormatter(JsonFormatter())


def configure_json_logging(level: int = logging.INFO, stream: IO[str] | None = None) -> None:
    """The root logger writes JSON lines to ``stream`` (default: stderr); for the scheduler and the API."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)


def json_logs_for_dramatiq() -> None:
    """Makes the dramatiq command line's own logging (its main and worker processes) write JSON.

    dramatiq configures logging in each process it starts (``setup_parent_logging`` and
    ``setup_worker_logging``); each is wrapped so that, once it has run, its handlers format JSON.
    Worker processes are forked, so they inherit the wrapped functions.
    """
    import dramatiq.cli as dramatiq_cli

    if getattr(dramatiq_cli, "_lettrage_json", False):
        return
    parent, worker = dramatiq_cli.setup_parent_logging, dramatiq_cli.setup_worker_logging

    def parent_logging(*args: Any, **kwargs: Any) -> Any:
        logger = parent(*args, **kwargs)
        use_json()
        return logger

    def worker_logging(*args: Any, **kwargs: Any) -> Any:
        logger = worker(*args, **kwargs)
        use_json()
        return logger

    dramatiq_cli.setup_parent_logging = parent_logging
    dramatiq_cli.setup_worker_logging = worker_logging
    dramatiq_cli._lettrage_json = True  # type: ignore[attr-defined]

"""worker/einvoices/platform_pennylane.py without a server: its settings, the webhook's signature, the changelog's
paging guard.

Sources: the webhook subscription's secret (https://pennylane.readme.io/docs/quickstart), the changelog's cursor
paging (https://pennylane.readme.io/docs/tracking-data-changes-with-pennylane-api).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from einvoicing.platforms.errors import PlatformError
from worker.company_sections import EinvoicingSettings
from worker.einvoices.platform_pennylane import (
    DEFAULT_BASE_URL,
    PennylaneClient,
    PennylaneWebhookRefused,
    pennylane_settings,
    sign,
    verify_signature,
)
from worker.errors import ConfigurationError
from worker.json_api import FeedHttp

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def settings(tmp_path: Path | None = None, **table: Any) -> EinvoicingSettings:
    return EinvoicingSettings(platform="pennylane", platform_tables={"pennylane": table}, base_dir=tmp_path)


def test_the_defaults_and_a_secret_file_relative_to_the_toml(tmp_path: Path) -> None:
    config = pennylane_settings(settings())
    assert (config.base_url, config.token_env) == (DEFAULT_BASE_URL, "LETTRAGE_PENNYLANE_TOKEN")
    assert config.token({"LETTRAGE_PENNYLANE_TOKEN": " t0k "}) == "t0k"
    (tmp_path / "hook").write_text("s3cret\n", encoding="utf-8")
    assert pennylane_settings(settings(tmp_path, webhook_secret_file="hook")).webhook_secret({}) == "s3cret"


@pytest.mark.parametrize(("table", "words"), [
    ({"token": "x"}, "unknown key einvoicing.pennylane.token"),
    ({"base_url": "ftp://x"}, "einvoicing.pennylane.base_url"),
    ({"token_env": "HOME"}, "einvoicing.pennylane.token_env must name a LETTRAGE_* variable"),
    ({"token_env": "LETTRAGE_A", "token_file": "/a"}, "not both"),
    ({"timeout_seconds": 0}, "einvoicing.pennylane.timeout_seconds"),
])
def test_a_bad_setting_is_named(table: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigurationError, match=words.replace("*", r"\*")):
        pennylane_settings(settings(**table))


def test_a_missing_secret_names_its_variable_never_a_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="token_env: LETTRAGE_PENNYLANE_TOKEN is not set"):
        pennylane_settings(settings()).token({})
    with pytest.raises(ConfigurationError, match="webhook_secret_file .*: no such file"):
        pennylane_settings(settings(tmp_path, webhook_secret_file="absent")).webhook_secret({})


def test_the_signature_is_checked_in_full_and_in_time() -> None:
    body = b'{"event":"customer_invoice.e_invoicing_status_updated"}'
    at = int(NOW.timestamp())
    verify_signature("s", body, sign("s", body, at), NOW)
    verify_signature("s", body, f"t={at},v1=00,{sign('s', body, at).split(',')[1]}", NOW)  # any v1 may match
    for header, words in ((None, "missing"), ("v1=abc", "malformed"), (sign("other", body, at), "does not match"),
                          (sign("s", body + b" ", at), "does not match"), (sign("s", body, at - 301), "a replay"),
                          (sign("s", body, at + 301), "a replay")):
        with pytest.raises(PennylaneWebhookRefused, match=words):
            verify_signature("s", body, header, NOW)


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Script:
    """An outbound client answering from a list, recording the URLs asked."""

    answers: list[Answer]
    urls: list[str] = field(default_factory=list)

    def request(self, method: str, url: str, **_: Any) -> Answer:
        self.urls.append(url)
        return self.answers.pop(0)


def page(items: list[dict[str, Any]], cursor: str | None) -> Answer:
    return Answer(200, json.dumps({"items": items, "has_more": cursor is not None, "next_cursor": cursor}).encode())


def client(script: Script) -> PennylaneClient:
    return PennylaneClient(FeedHttp("pennylane", "https://pl.example/v2", cast(Any, script),
                                    headers={"Authorization": "Bearer t"}, sleep=lambda _: None))


def test_the_cursor_is_followed_alone_and_a_repeated_one_stops_the_pull() -> None:
    script = Script([page([{"id": 1, "operation": "update", "processed_at": "2026-10-05T09:30:00+02:00"}], "c1"),
                     page([], "c1")])
    with pytest.raises(PlatformError, match="the same cursor came twice") as caught:
        client(script).fetch_statuses(datetime(2026, 10, 1, 8, 0))
    assert caught.value.transient is False
    assert script.urls[0].endswith("?limit=100&start_date=2026-10-01T08%3A00%3A00%2B00%3A00")
    assert script.urls[1].endswith("?cursor=c1&limit=100")


def test_a_refused_token_is_not_transient_and_a_server_error_is() -> None:
    with pytest.raises(PlatformError, match="refused the token") as refused:
        client(Script([Answer(403, b"{}")])).fetch_statuses()
    assert (refused.value.transient, refused.value.status) == (False, 401)
    with pytest.raises(PlatformError, match="answered 502") as failed:
        client(Script([Answer(502, b"")])).fetch_statuses()
    assert (failed.value.transient, failed.value.status) == (True, 502)

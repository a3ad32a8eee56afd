"""schemathesis against the OpenAPI schema: generated requests to every /api/ operation, with a valid
token and a company that has invoices, payments under review and allocations; no answer is a server error."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.integration.api_helpers import app_client, company_with_queue, token
from tests.integration.test_api_auth import ENDPOINTS, SIGNED

# Per operation, in the suite. By hand, 50 per operation with every check but positive-data acceptance
# passed on SQLite and PostgreSQL.
EXAMPLES = 5


# PostgreSQL, the stricter database (a stray NUL in a text once made it fail there only).
@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_no_server_error(cli: Any, tmp_path: Path, monkeypatch: Any) -> None:
    # Webhook URLs made up by the generator are never called: the post is answered here.
    monkeypatch.setattr("worker.webhooks.webhooks.http_post", lambda url, body, headers, outbound=None: (200, None))
    company_with_queue(cli, tmp_path)
    client = app_client(cli, tmp_path)
    auth = token(cli, "fuzz")
    item = client.get("/api/review", headers=auth).json()["items"][0]["id"]
    client.post(f"/api/review/{item}/accept", headers=auth, json={})  # an allocation to list and undo
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app, headers=auth)
    operations = [result.ok() for result in schema.get_all_operations()]
    tried = 0
    for operation in operations:
        if not operation.path.startswith("/api/"):
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def no_server_error(case: Any) -> None:
            case.call_and_validate(headers=auth, checks=[not_a_server_error])

        no_server_error()
        tried += 1
    assert tried == len(ENDPOINTS) + len(SIGNED)  # every operation under /api/, as test_api_auth.py lists them

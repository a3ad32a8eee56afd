"""Health and readiness over real HTTP requests (in-process ASGI client)."""
from __future__ import annotations

from fastapi.testclient import TestClient

from worker.api.app import create_app
from worker.settings import load_settings


def test_health_and_ready(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings({"LETTRAGE_DATABASE_URL": db_url, "LETTRAGE_DATA_DIR": str(tmp_path)}, env_file=None)
    client = TestClient(create_app(settings))
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ready"}
    assert client.get("/openapi.json").status_code == 401  # the schema answers credentials only (issue 16)
    assert client.app.openapi()["info"]["title"] == "lettrage"


def test_not_ready_when_broker_is_down(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings({"LETTRAGE_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                              "LETTRAGE_BROKER_URL": "redis://127.0.0.1:1/0"}, env_file=None)
    response = TestClient(create_app(settings)).get("/ready")
    assert response.status_code == 503 and response.json()["problems"][0].startswith("broker 127.0.0.1:1")

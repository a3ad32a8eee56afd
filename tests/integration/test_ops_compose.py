"""docker-compose.yml describes the whole stack: every service with a health check, the worker stopped
gracefully, the volumes that hold what must survive, the image built by the Dockerfile beside it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import IN_CI, ROOT


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return YAML(typ="safe", pure=True).load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_file_is_valid_compose() -> None:
    exe = Path(sys.executable).parent / "check-jsonschema"
    if not exe.exists():
        if IN_CI:
            pytest.fail("check-jsonschema is not installed (requirements-dev.lock) and CI=true")
        pytest.skip("check-jsonschema is not installed")
    proc = subprocess.run([str(exe), "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_service_has_a_health_check(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "mailpit", "api", "worker", "scheduler"}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
        assert service.get("restart") == "unless-stopped", name


def test_worker_and_scheduler_roles(compose: dict[str, Any]) -> None:
    services = compose["services"]
    worker, scheduler = services["worker"], services["scheduler"]
    assert worker["deploy"]["replicas"] == 2
    assert scheduler["deploy"]["replicas"] == 1  # one clock; a second would only wait on its lock
    # docker stop waits longer than the worker's own shutdown timeout (600 s), so the task under way ends.
    grace = worker["stop_grace_period"]
    assert grace.endswith("m") and int(grace[:-1]) * 60 > 600
    assert "--appendonly" in services["redis"]["command"]


def test_volumes_hold_the_database_the_broker_and_the_inbox(compose: dict[str, Any]) -> None:
    services, volumes = compose["services"], compose["volumes"]
    assert {"pgdata", "redisdata", "inbox", "appdata"} <= set(volumes)
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redisdata:/data" in services["redis"]["volumes"]
    for app in ("api", "worker", "scheduler"):
        assert {"inbox:/data/inbox", "appdata:/data/var"} <= set(services[app]["volumes"]), app
        assert services[app]["environment"]["LETTRAGE_INBOX_DIR"] == "/data/inbox"


def test_the_image_runs_each_role_and_stops_gracefully() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install -r requirements.lock" in dockerfile
    assert "STOPSIGNAL SIGTERM" in dockerfile
    assert 'CMD ["lettrage", "worker"]' in dockerfile
    for package in ("worker", "connectors", "matching", "reminders"):
        assert f"COPY {package} ./{package}" in dockerfile

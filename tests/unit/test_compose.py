"""docker-compose.yml is valid Compose and wires the services as documented."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


def _load() -> dict[str, Any]:
    """The compose file as plain data, YAML merge keys (``<<``) resolved."""
    try:
        from ruamel.yaml import YAML
    except ImportError:  # pragma: no cover - fallback when only PyYAML is there
        yaml = pytest.importorskip("yaml")
        return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return YAML(typ="safe", pure=True).load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return _load()


def test_compose_validates_against_builtin_schema() -> None:
    exe = Path(sys.executable).parent / "check-jsonschema"
    if not exe.exists():
        pytest.skip("check-jsonschema is not installed next to the interpreter")
    proc = subprocess.run(
        [str(exe), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_expected_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("postgres", "redis", "mailpit", "worker", "scheduler", "api"):
        assert name in services, name
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    assert services["worker"]["command"] == ["lettrage", "worker"]
    assert services["scheduler"]["command"] == ["lettrage", "scheduler"]
    assert services["api"]["command"][:2] == ["lettrage", "serve"]
    assert any(str(p).startswith("8000:") for p in services["api"]["ports"])


def test_worker_runs_two_replicas(compose: dict[str, Any]) -> None:
    assert compose["services"]["worker"]["deploy"]["replicas"] == 2


def test_dependencies_wait_until_healthy(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, svc in services.items():
        deps = svc.get("depends_on")
        if not deps:
            continue
        assert isinstance(deps, dict), f"{name}: depends_on must use the long form with a condition"
        for dep, spec in deps.items():
            assert spec.get("condition") == "service_healthy", f"{name} -> {dep}"
            assert "healthcheck" in services[dep], f"{dep} has no healthcheck to wait on"
    for app in ("worker", "scheduler", "api"):
        assert {"postgres", "redis"} <= set(services[app]["depends_on"]), app


def test_healthchecks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    assert "/health" in " ".join(services["api"]["healthcheck"]["test"])


def test_environment_and_volumes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    volumes = compose["volumes"]
    for app in ("worker", "scheduler", "api"):
        env = services[app]["environment"]
        assert env["LETTRAGE_DATABASE_URL"] == "postgresql+psycopg://lettrage:lettrage@postgres:5432/lettrage"
        assert env["LETTRAGE_BROKER_URL"] == "redis://redis:6379/0"
        assert env["LETTRAGE_SMTP_URL"] == "smtp://mailpit:1025"
        assert env["LETTRAGE_INBOX_DIR"] == "/data/inbox"
        assert env["LETTRAGE_DATA_DIR"] == "/data/var"
        assert {"path": ".env", "required": False} in services[app]["env_file"]
        mounts = [str(v) for v in services[app]["volumes"]]
        assert any(m.endswith(":/data/inbox") for m in mounts), app
        for mount in mounts:
            source = mount.split(":", 1)[0]
            assert source in volumes, f"{app}: named volume {source} is not declared"
    pg_mounts = [str(v) for v in services["postgres"]["volumes"]]
    assert any(m.split(":", 1)[0] in volumes and "postgresql" in m for m in pg_mounts)

"""The shape of the code holds (issue 17, docs/architecture.md): the import contracts of pyproject.toml, checked by
import-linter in `make test` as in `make lint` — the pure wing never imports worker/, the entrypoints sit above the
capabilities (worker/reconciliation/, worker/dunning/…, in their one-way order) and those above persistence,
settings/errors/clock depend on no layer, and no two sibling modules import each other, directly or through
others (imports inside functions count: they are imports too)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_are_kept() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None, "import-linter is a dev requirement (requirements-dev.lock): run `make install`"
    done = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=False)
    broken = done.stdout[done.stdout.find("Broken contracts"):] if "Broken contracts" in done.stdout else done.stdout
    assert done.returncode == 0, broken[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_the_contracts_cover_every_package() -> None:
    """A new subpackage joins the no-cycle contract: its modules may not import each other in a circle either."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["importlinter"]
    acyclic = next(c for c in config["contracts"] if c["type"] == "acyclic_siblings")
    packages = {".".join(p.parent.relative_to(ROOT).parts) for top in config["root_packages"]
                for p in (ROOT / top).rglob("__init__.py")
                if "migrations" not in p.parts and "templates" not in p.parts and "data" not in p.parts
                and "profiles" not in p.parts}
    assert packages <= set(acyclic["ancestors"]), sorted(packages - set(acyclic["ancestors"]))

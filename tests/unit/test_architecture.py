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


# -- persistence in one convention (issue 17 item 5) ---------------------------------------------------------------
# SQL is written in worker/db/ (the Repository, the shared queries, the outbox, the unit of work), in a capability's
# query modules (named *_queries.py, or *_search.py and review_queue_page.py, which page and search in SQL) and in
# the migrations; every other module calls those by name. Services therefore never build a query of their own, and
# the company filter, the indexes a query relies on and its cost are found in one place per capability.
QUERY_BUILDERS = frozenset({"select", "insert", "update", "delete", "text", "union", "union_all", "exists",
                            "bindparam", "literal_column", "table", "column"})
SESSION_CALLS = frozenset({"execute", "exec", "exec_driver_sql", "scalars", "scalar", "scalar_one"})


def _query_module(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return (parts[1] in {"db", "migrations"} or path.stem.endswith(("_queries", "_search"))
            or path.stem == "review_queue_page")


def _sql_written_in(path: Path) -> list[str]:
    """Where ``path`` builds SQL itself: query builders imported from sqlalchemy or sqlmodel, or statements run on
    a session or connection (``x.execute(...)``, ``x.exec(...)``...)."""
    import ast

    tree = ast.parse(path.read_text("utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in {"sqlalchemy", "sqlmodel"}:
            found += [f"{path.name}:{node.lineno} imports {a.name}" for a in node.names if a.name in QUERY_BUILDERS]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in SESSION_CALLS and not isinstance(node.func.value, ast.Constant)):
            found.append(f"{path.name}:{node.lineno} calls .{node.func.attr}()")
    return found


def test_services_build_no_sql_of_their_own() -> None:
    """Every SQL statement of worker/ is in a query module; a service that wrote one would fail here."""
    offenders = [where for path in sorted((ROOT / "worker").rglob("*.py")) if not _query_module(path)
                 for where in _sql_written_in(path)]
    assert not offenders, "SQL outside the query modules:\n" + "\n".join(offenders)


def test_the_sql_scan_sees_a_service_that_queries(tmp_path: Path) -> None:
    """The scan itself: a module that selects through the session is found, one that calls a query is not."""
    service = tmp_path / "service.py"
    service.write_text("from sqlalchemy import select\n\ndef f(repo):\n    return repo.session.execute(select(1))\n")
    plain = tmp_path / "plain.py"
    plain.write_text("from worker.db.repository import Repository\n\ndef f(repo):\n    return repo.invoices()\n")
    assert _sql_written_in(service) == ["service.py:1 imports select", "service.py:4 calls .execute()"]
    assert _sql_written_in(plain) == []

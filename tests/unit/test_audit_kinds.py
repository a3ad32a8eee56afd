"""The catalogue of audit event kinds (worker/db/audit_kinds.py, issue 17) against the code that writes and
reads them: every kind written or read in worker/ is in the catalogue, every kind in the catalogue is written
somewhere, and kinds built at run time are listed here with where their parts come from.

The code is read with ast, not imported. A kind is found where it is

- written: the first argument of ``Repository.audit(...)``, ``AuditEvent(kind=...)``, a ``{"kind": ...}`` row
  of a module that inserts ``AuditEvent`` rows in bulk, the matcher's ``event(kind, ...)``;
- read: the kind argument of the query helpers (``has_event``, ``event_subjects``, ...), ``AuditEvent.kind``
  compared or filtered (``==``, ``in``, ``.in_([...])``), a ``kind`` / ``x.kind`` compared with a dotted
  literal (``row.kind == "allocation.undone"``), and prefixes (``kind.startswith("einvoice.status_")``).

An argument may be a literal, a conditional of literals, an f-string of those, or a name bound to them (in the
function, the module, or imported from another worker module). A name bound to a parameter of a function that
takes a kind is followed through that function's callers: such a function is listed in KIND_PARAMETERS.
"""
from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from worker.db.audit_kinds import AUDIT_KINDS

ROOT = Path(__file__).resolve().parents[2]
WORKER = ROOT / "worker"
DOTTED = re.compile(r"^[a-z_]+\.[a-z_]+$")
_Function = ast.FunctionDef | ast.AsyncFunctionDef

# The functions that take an audit kind: name -> (the parameter, its position among the call's arguments,
# whether the function writes events of that kind). Their callers are checked at that argument; inside them,
# the parameter is not a kind to check. A new function that passes a kind parameter on to one of these, or to
# AuditEvent, must be listed (the test says so).
KIND_PARAMETERS: dict[str, tuple[str, int, bool]] = {
    "audit": ("kind", 0, True),  # Repository.audit, worker/db/repository.py
    "event": ("kind", 0, True),  # the matcher's bulk rows, nested in worker/reconciliation/matching.py match_lines
    "has_event": ("kind", 2, False),  # worker/db/repository.py: the scheduler's once-a-day check
    "event_subjects": ("kind", 1, False),  # worker/db/reminder_queries.py: what was already flagged once
    "audit_events": ("kind", 1, False),  # worker/einvoices/einvoice_status_queries.py: the e-reports issued
    "refused_flows": ("kind", 1, False),  # worker/einvoices/einvoice_incoming_queries.py: platform messages refused
    "events": ("kinds", 1, False),  # worker/reconciliation/allocation_queries.py: an item's history
    "events_after": ("kinds", 2, False),  # worker/webhooks/webhook_queries.py: an endpoint's events after its cursor
    "company_ids_with_work": ("kinds", 2, False),  # worker/webhooks/webhook_queries.py: who has webhooks to post
}

# Kinds built at run time from a value the code cannot read here: (file, the f-string as ast.unparse writes
# it) -> the kinds it makes. Each part after the literal prefix must be a string literal of that file.
DYNAMIC: dict[tuple[str, str], set[str]] = {
    # _credit(repo, line_id, kind, ...) from keep_on_account "on_account", refund "refund_due",
    # dismiss "not_customer"
    ("worker/reconciliation/unidentified.py", "f'payment.{kind}'"): {
        "payment.on_account", "payment.refund_due", "payment.not_customer"},
    # _allocate(..., state, ...): accept and split "accepted", assign "assigned"
    ("worker/reconciliation/review.py", "f'review.{state}'"): {"review.accepted", "review.assigned"},
}


class Unresolved(Exception):
    """An expression whose kinds cannot be read from the source."""


@dataclass(frozen=True)
class PassedOn(Exception):
    """A kind that is a parameter of the enclosing function ``function``."""

    function: str
    parameter: str
    position: int


@dataclass
class Found:
    written: dict[str, list[str]] = field(default_factory=dict)  # kind -> where
    read: dict[str, list[str]] = field(default_factory=dict)
    prefixes: dict[str, list[str]] = field(default_factory=dict)
    dynamic: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _sources() -> Iterator[Path]:
    for path in sorted(WORKER.rglob("*.py")):
        if "migrations" not in path.relative_to(WORKER).parts:
            yield path


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _module_file(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _parameters(function: _Function) -> list[str]:
    args = function.args
    names = [a.arg for a in [*args.posonlyargs, *args.args]]
    if names and names[0] in ("self", "cls"):
        names = names[1:]
    return [*names, *(a.arg for a in args.kwonlyargs)]


def _assigned(body: list[ast.stmt] | ast.AST, name: str) -> list[ast.expr]:
    """The values ``name`` is assigned: in a module's top-level statements, or anywhere in a function."""
    nodes = body if isinstance(body, list) else list(ast.walk(body))
    values: list[ast.expr] = []
    for node in nodes:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        value = getattr(node, "value", None)
        if value is not None and any(isinstance(t, ast.Name) and t.id == name for t in targets):
            values.append(value)
    return values


class Scope:
    """Where a name is looked up: the enclosing functions (innermost last), then the module."""

    def __init__(self, path: Path, functions: tuple[_Function, ...] = ()) -> None:
        self.path, self.functions = path, functions

    def kinds(self, expr: ast.expr) -> set[str]:
        """The strings ``expr`` can be; raises Unresolved or PassedOn."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        if isinstance(expr, ast.IfExp):
            return self.kinds(expr.body) | self.kinds(expr.orelse)
        if isinstance(expr, ast.JoinedStr):
            parts: list[set[str]] = []
            for part in expr.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    parts.append({part.value})
                elif isinstance(part, ast.FormattedValue) and not part.format_spec and part.conversion == -1:
                    try:
                        parts.append(self.kinds(part.value))
                    except PassedOn:
                        raise Unresolved from None
                else:
                    raise Unresolved
            return {"".join(p) for p in itertools.product(*parts)}
        if isinstance(expr, (ast.Tuple, ast.List, ast.Set)):
            return set().union(*(self.kinds(e) for e in expr.elts))
        if isinstance(expr, ast.Starred):
            return self.kinds(expr.value)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in (
                "list", "tuple", "set") and len(expr.args) == 1:
            return self.kinds(expr.args[0])
        if isinstance(expr, ast.Name):
            return self._name(expr.id)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            module = self._imported_module(expr.value.id)
            if module is not None:
                return Scope(module).kinds(ast.Name(expr.attr))
        raise Unresolved

    def _name(self, name: str) -> set[str]:
        for function in reversed(self.functions):
            values = _assigned(function, name)
            if values:
                return set().union(*(Scope(self.path, self.functions).kinds(v) for v in values))
            parameters = _parameters(function)
            if name in parameters:
                raise PassedOn(function.name, name, parameters.index(name))
        tree = _tree(self.path)
        values = _assigned(tree.body, name)
        if values:
            return set().union(*(Scope(self.path).kinds(v) for v in values))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    if (alias.asname or alias.name) == name:
                        source = _module_file(node.module)
                        if source is None:
                            raise Unresolved
                        return Scope(source).kinds(ast.Name(alias.name))
        raise Unresolved

    def _imported_module(self, name: str) -> Path | None:
        for node in ast.walk(_tree(self.path)):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    if (alias.asname or alias.name) == name:
                        return _module_file(f"{node.module}.{alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname == name:
                        return _module_file(alias.name)
        return None


def _called(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)


def _argument(call: ast.Call, parameter: str, position: int) -> ast.expr | None:
    keyword = next((k.value for k in call.keywords if k.arg == parameter), None)
    if keyword is not None:
        return keyword
    return call.args[position] if len(call.args) > position else None


def _audit_column(expr: ast.expr) -> bool:
    """``AuditEvent.kind`` or ``col(AuditEvent.kind)``."""
    if isinstance(expr, ast.Call) and _called(expr) == "col" and len(expr.args) == 1:
        expr = expr.args[0]
    return (isinstance(expr, ast.Attribute) and expr.attr == "kind" and isinstance(expr.value, ast.Name)
            and expr.value.id == "AuditEvent")


def _kindish(expr: ast.expr) -> bool:
    """``kind``, ``x.kind`` or ``col(x.kind)``: maybe an audit kind (compared with a dotted literal)."""
    if isinstance(expr, ast.Call) and _called(expr) == "col" and len(expr.args) == 1:
        expr = expr.args[0]
    return (isinstance(expr, ast.Name) and expr.id == "kind") or (isinstance(expr, ast.Attribute)
                                                                  and expr.attr == "kind")


class Scanner(ast.NodeVisitor):
    def __init__(self, path: Path, found: Found, source_name: str | None = None) -> None:
        self.path, self.found = path, found
        self.name = source_name or _relative(path)
        self.functions: tuple[_Function, ...] = ()
        self.bulk_rows = any(isinstance(n, ast.Name) and n.id == "AuditEvent" for n in ast.walk(_tree(path)))

    def visit_FunctionDef(self, node: _Function) -> None:
        outer = self.functions
        self.functions = (*outer, node)
        self.generic_visit(node)
        self.functions = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def _where(self, node: ast.AST) -> str:
        return f"{self.name}:{getattr(node, 'lineno', '?')}"

    def _take(self, expr: ast.expr, node: ast.AST, into: dict[str, list[str]], *, strict: bool = True,
              dotted_only: bool = False) -> None:
        """Records the kinds of ``expr``; ``strict``: what cannot be read is a problem (else ignored)."""
        where = self._where(node)
        try:
            kinds = Scope(self.path, self.functions).kinds(expr)
        except PassedOn as passed:
            spec = KIND_PARAMETERS.get(passed.function)
            if spec is not None and spec[0] == passed.parameter:
                return  # its callers are checked
            if strict:
                self.found.problems.append(
                    f"{where}: {passed.function}() passes its parameter {passed.parameter!r} on as an audit "
                    f"kind: add it to KIND_PARAMETERS in tests/unit/test_audit_kinds.py")
            return
        except Unresolved:
            if isinstance(expr, ast.JoinedStr) and into is self.found.written:
                self.found.dynamic.setdefault((self.name, ast.unparse(expr)), []).append(where)
            elif strict:
                self.found.problems.append(f"{where}: audit kind {ast.unparse(expr)} cannot be read from the "
                                           f"source: write it as a literal (or list it in DYNAMIC)")
            return
        for kind in kinds:
            if not dotted_only or DOTTED.match(kind):
                into.setdefault(kind, []).append(where)

    def visit_Call(self, node: ast.Call) -> None:
        name = _called(node)
        spec = KIND_PARAMETERS.get(name or "")
        if spec is not None:
            parameter, position, writes = spec
            argument = _argument(node, parameter, position)
            if argument is not None:
                self._take(argument, node, self.found.written if writes else self.found.read)
        if name == "AuditEvent":
            argument = next((k.value for k in node.keywords if k.arg == "kind"), None)
            if argument is not None:
                self._take(argument, node, self.found.written)
        if isinstance(node.func, ast.Attribute) and node.args:
            if node.func.attr == "in_" and _audit_column(node.func.value):
                self._take(node.args[0], node, self.found.read)
            elif node.func.attr == "in_" and _kindish(node.func.value):
                self._take(node.args[0], node, self.found.read, strict=False, dotted_only=True)
            elif node.func.attr in ("startswith", "removeprefix") and _kindish(node.func.value):
                self._take(node.args[0], node, self.found.prefixes, strict=False)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq, ast.In, ast.NotIn)):
            left, right = node.left, node.comparators[0]
            for column, other in ((left, right), (right, left)):
                if _audit_column(column):
                    self._take(other, node, self.found.read)
                elif _kindish(column) and not _kindish(other):
                    self._take(other, node, self.found.read, strict=False, dotted_only=True)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        if self.bulk_rows:  # rows inserted in bulk: {"company_id": ..., "kind": ..., "subject": ...}
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == "kind":
                    self._take(value, node, self.found.written)
        self.generic_visit(node)


def scan(paths: list[Path]) -> Found:
    found = Found()
    for path in paths:
        Scanner(path, found).visit(_tree(path))
    return found


@pytest.fixture(scope="module")
def found() -> Found:
    return scan(list(_sources()))


def test_the_scan_finds_the_audit_log_writers(found: Found) -> None:
    """Guards against a scan that finds nothing (and so passes): the writers are many and spread out."""
    places = {w.rsplit(":", 1)[0] for where in found.written.values() for w in where}
    assert len(found.written) >= 60 and len(places) >= 25, (len(found.written), sorted(places))
    assert {"allocation.auto", "line.unmatched", "user.removed", "sync.scheduled"} <= set(found.written)
    assert {"allocation.undone", "statement.imported", "sync.scheduled", "invoice.payment_terms",
            "einvoice.ereporting_issued", "einvoice.status_refused", "einvoice.status_received",
            "reminder.sent"} <= set(found.read)


def test_every_kind_can_be_read_from_the_source(found: Found) -> None:
    assert not found.problems, "\n".join(found.problems)


def test_every_kind_written_or_read_is_in_the_catalogue(found: Found) -> None:
    kinds = {**found.read, **found.written}
    for key, made in DYNAMIC.items():
        for kind in made:
            kinds.setdefault(kind, []).append(f"{key[0]} {key[1]}")
    missing = sorted(set(kinds) - set(AUDIT_KINDS))
    assert not missing, "\n".join(f"add {kind} to worker/db/audit_kinds.py with its meaning "
                                  f"(at {', '.join(kinds[kind])})" for kind in missing)


def test_every_catalogue_kind_is_written_somewhere(found: Found) -> None:
    written = set(found.written).union(*DYNAMIC.values())
    dead = sorted(set(AUDIT_KINDS) - written)
    assert not dead, f"kinds in worker/db/audit_kinds.py that nothing writes (remove them): {dead}"


def test_kinds_built_at_run_time_are_listed(found: Found) -> None:
    unlisted = sorted(set(found.dynamic) - set(DYNAMIC))
    assert not unlisted, "\n".join(
        f"{found.dynamic[key][0]}: the audit kind {key[1]} is built at run time: list the kinds it makes in "
        f"DYNAMIC (tests/unit/test_audit_kinds.py) and in worker/db/audit_kinds.py" for key in unlisted)
    stale = sorted(set(DYNAMIC) - set(found.dynamic))
    assert not stale, f"DYNAMIC names f-strings no longer found in worker/: {stale}"


@pytest.mark.parametrize("key", sorted(DYNAMIC))
def test_the_parts_of_a_dynamic_kind_are_literals_of_its_file(key: tuple[str, str]) -> None:
    """Each kind listed for an f-string is its literal prefix followed by a string the file spells out (the
    argument its callers give): a renamed decision shows here."""
    path, fstring = key
    prefix = fstring[2:fstring.index("{")]
    literals = {n.value for n in ast.walk(_tree(ROOT / path))
                if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    for kind in DYNAMIC[key]:
        assert kind.startswith(prefix) and kind.removeprefix(prefix) in literals, (path, fstring, kind)


def test_every_prefix_read_names_some_kinds(found: Found) -> None:
    lonely = {prefix: where for prefix, where in found.prefixes.items()
              if "." in prefix and not any(kind.startswith(prefix) for kind in AUDIT_KINDS)}
    assert not lonely, f"prefixes of audit kinds that no kind in the catalogue has: {lonely}"


def test_the_kind_parameters_exist() -> None:
    defined = {node.name for path in _sources() for node in ast.walk(_tree(path))
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    assert not set(KIND_PARAMETERS) - defined, sorted(set(KIND_PARAMETERS) - defined)


def test_the_catalogue_is_well_formed() -> None:
    for kind, meaning in AUDIT_KINDS.items():
        assert DOTTED.match(kind) and len(kind) <= 64, kind  # AuditEvent.kind: max_length=64
        assert meaning.strip() and "\n" not in meaning, kind


def test_an_unknown_kind_fails_the_scan(tmp_path: Path) -> None:
    """The check itself: a kind written or read that the catalogue lacks is found, whatever its form."""
    source = tmp_path / "writer.py"
    source.write_text(
        'BOGUS = "bogus.constant"\n'
        "def f(repo, session, flag, kind):\n"
        '    repo.audit("bogus.kind", subject="x")\n'
        '    repo.audit("bogus.yes" if flag else "bogus.no")\n'
        "    repo.audit(BOGUS)\n"
        '    session.add(AuditEvent(kind="bogus.row"))\n'
        '    has_event(session, 1, "bogus.read", "s")\n'
        '    select(AuditEvent).where(col(AuditEvent.kind).in_(["bogus.in"]))\n'
        '    return row.kind == "bogus.compared"\n'
        "def g(repo, what):\n"
        "    repo.audit(what)\n", encoding="utf-8")
    found = Found()
    Scanner(source, found, "writer.py").visit(_tree(source))
    assert set(found.written) == {"bogus.kind", "bogus.yes", "bogus.no", "bogus.constant", "bogus.row"}
    assert set(found.read) == {"bogus.read", "bogus.in", "bogus.compared"}
    assert found.problems and "g() passes its parameter 'what'" in found.problems[0]

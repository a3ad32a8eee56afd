"""Fuzzing the statement parsers and the statement import: the shared real statement files (OFX, CAMT, MT940,
bank CSVs) and a company's own CSV layout, mutated (bytes flipped, files cut, hostile values inserted: huge
numbers, many decimals, NUL, deep nesting, long fields, odd encodings), never raise anything but the
connectors' errors; what they return can be stored; a refused import leaves every table as it was."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fuzz_support import PROJECT_ERRORS, TRIED, Mutation, fuzz_settings, mutate, mutations, statement_problems
from hypothesis import given, note
from hypothesis import strategies as st

from connectors.csv_profiles import load_profiles
from connectors.errors import ConnectorError
from connectors.registry import parse_file
from tests.conftest import STATEMENTS, table_counts

TODAY = date(2026, 11, 25)  # the suite's "today" (tests/conftest.py TEST_NOW)


def _seeds(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (STATEMENTS / folder).rglob("*") if p.is_file())


SEEDS = {
    "ofx": _seeds("ofx"),
    "camt": _seeds("camt052", "camt053", "camt054"),
    "mt940": _seeds("mt940"),
    "csv": _seeds("csv"),
}
ALL_SEEDS = [p for paths in SEEDS.values() for p in paths]
_BYTES: dict[Path, bytes] = {}


def seed_bytes(path: Path) -> bytes:
    if path not in _BYTES:
        _BYTES[path] = path.read_bytes()
    return _BYTES[path]


def seeds_of(kind: str) -> st.SearchStrategy[Path]:
    return st.sampled_from(SEEDS[kind] or [Path("absent")])


def require(kind: str) -> None:
    if not SEEDS.get(kind, ALL_SEEDS):
        pytest.skip(f"no shared {kind} statement fixture under {STATEMENTS} (../shared is not beside this clone)")


def parses_or_refuses(target: str, data: bytes, filename: str, **kwargs: object) -> None:
    """The rule: parse_file returns something storable or raises one line of the connectors' error tree."""
    TRIED[target] += 1
    try:
        parsed = parse_file(data, filename, **kwargs)  # type: ignore[arg-type]
    except ConnectorError as exc:
        assert "\n" not in str(exc), f"a multi-line error: {str(exc)[:300]!r}"
        return
    problems = statement_problems(parsed)
    assert not problems, f"{filename}: parsed but not storable: {problems[:5]}"


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_mutated_statement_files_parse_or_are_refused(kind: str) -> None:
    require(kind)

    @fuzz_settings(60)
    @given(seeds_of(kind), mutations)
    def run(seed: Path, changes: list) -> None:
        note(f"seed {seed.relative_to(STATEMENTS)}, changes {changes}")
        parses_or_refuses(f"parse_file[{kind}]", mutate(seed_bytes(seed), changes), seed.name)

    run()


# A company's own CSV layout (its configuration file's [[profile]]), fuzzed with a generated export.
PROFILE = load_profiles('''
[[profile]]
name = "banque-fuzz"
bank = "Banque Fuzz"
source = "made-up export for the fuzzing harness"
encoding = "cp1252"
delimiter = "|"
decimal = ","
thousands = "."
date_formats = ["%Y%m%d"]
skip_rows = 1
header = ["Jour", "Sortie", "Entrée", "Intitulé", "Tiers"]
debit_positive = true

[profile.columns]
date = "Jour"
debit = "Sortie"
credit = "Entrée"
label = ["Intitulé"]
counterparty = "Tiers"
''')
profile_rows = st.lists(st.tuples(
    st.dates(date(2025, 1, 1), date(2026, 11, 20)), st.booleans(),
    st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False),
    st.text(st.characters(codec="cp1252", exclude_characters="|\r\n"), max_size=30),
), min_size=1, max_size=8)


def profile_export(rows: list[tuple[date, bool, object, str]]) -> bytes:
    lines = ["Export Banque Fuzz|compte 42", "Jour|Sortie|Entrée|Intitulé|Tiers"]
    for day, debit, amount, label in rows:
        text = f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
        lines.append(f"{day:%Y%m%d}|{text if debit else ''}|{'' if debit else text}|VIR {label}|{label}")
    return ("\n".join(lines) + "\n").encode("cp1252")


def test_mutated_exports_in_a_company_csv_profile_parse_or_are_refused() -> None:
    @fuzz_settings(60)
    @given(profile_rows, mutations)
    def run(rows: list, changes: list) -> None:
        note(f"rows {rows}, changes {changes}")
        parses_or_refuses("parse_file[csv company profile]", mutate(profile_export(rows), changes), "export.csv",
                          csv_profiles=PROFILE)

    run()


def test_mutated_statement_files_import_whole_or_not_at_all(fuzz_db: object, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Through the import service into a fresh SQLite database: imported, or refused with the project's error
    and not one row written (statement import, and the file import that streams CAMT)."""
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.statements.statements import import_statement, import_statement_file

    require("all")
    folder = tmp_path_factory.mktemp("statements")

    @fuzz_settings(40)
    @given(st.sampled_from(ALL_SEEDS), mutations, st.booleans())
    def run(seed: Path, changes: list, from_disk: bool) -> None:
        TRIED["import_statement" + ("_file" if from_disk else "")] += 1
        note(f"seed {seed.relative_to(STATEMENTS)}, changes {changes}, from disk {from_disk}")
        data = mutate(seed_bytes(seed), changes)
        with fuzz_db.fresh() as engine:  # type: ignore[attr-defined]
            try:
                with unit_of_work(engine) as session:
                    repo = Repository(session, resolve_company(session, None))
                    if from_disk:
                        path = folder / seed.name
                        path.write_bytes(data)
                        import_statement_file(repo, path, today=TODAY)
                    else:
                        import_statement(repo, data, seed.name, today=TODAY)
            except PROJECT_ERRORS as exc:
                assert "\n" not in str(exc), f"a multi-line error: {str(exc)[:300]!r}"
                assert table_counts(fuzz_db.url) == fuzz_db.counts, "a refused import wrote rows"  # type: ignore[attr-defined]

    run()


# What the harness found in the statement parsers (the rule above, replayed on every run; the connectors'
# amount bounds and text checks make them pass): (seed, the bytes replaced, by what).
FOUND = [
    ("csv-builtin-profile-huge-amount", "csv/oca-bank-statement-import/original_currency.csv", None,
     b"999999999999999"),
    ("mt940-nul-in-statement-id", "mt940/oca-bank-statement-import/test-ing.940", b":20:", b":20:\xff\xfe\xe9\x00"),
    ("ofx-currency-longer-than-3", "ofx/ofxparse/checking.ofx", b"<CURDEF>USD", b"<CURDEF>USDOLLAR"),
    ("ofx-fitid-longer-than-128", "ofx/ofxparse/checking.ofx", b"<FITID>", b"<FITID>" + b"A" * 200),
    ("ofx-nul-in-name", "ofx/ofxparse/checking.ofx", b"<NAME>", b"<NAME>A\x00B"),
    ("ofx-huge-amount", "ofx/ofxparse/checking.ofx", b"<TRNAMT>", b"<TRNAMT>999999999999999"),
    ("camt-currency-longer-than-3", "camt053/kledg/camt053.xml", b'Ccy="EUR"', b'Ccy="EURO"'),
    ("camt-ref-longer-than-128", "camt053/kledg/camt053.xml", b"<AcctSvcrRef>", b"<AcctSvcrRef>" + b"R" * 200),
]
CAMT_IMPORT_FOUND = [b"1E+999999", b"0.123456789", b"999999999999999"]  # a balance of the minimal CAMT


def found_input(relative: str, old: bytes | None, new: bytes) -> bytes:
    data = seed_bytes(STATEMENTS / relative)
    if old is None:  # the file's fourth number
        return mutate(data, [Mutation("number", 3, new)])
    assert old in data
    return data.replace(old, new, 1)


@pytest.mark.parametrize(("relative", "old", "new"), [f[1:] for f in FOUND], ids=[f[0] for f in FOUND])
def test_statement_parser_findings_parse_or_are_refused(relative: str, old: bytes | None, new: bytes) -> None:
    if not (STATEMENTS / relative).is_file():
        pytest.skip(f"shared fixture {relative} is absent")
    parses_or_refuses("parse_file[found]", found_input(relative, old, new), Path(relative).name)


@pytest.mark.parametrize("value", CAMT_IMPORT_FOUND, ids=lambda v: v.decode()[:20])
def test_statement_import_findings_are_refused_whole(fuzz_db: Any, value: bytes) -> None:
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.statements.statements import import_statement

    relative = "camt053/genkgo-camt/camt053.v2.minimal.ultimate.xml"
    if not (STATEMENTS / relative).is_file():
        pytest.skip(f"shared fixture {relative} is absent")
    data = mutate(seed_bytes(STATEMENTS / relative), [Mutation("number", 131, value)])
    with fuzz_db.fresh() as engine, pytest.raises(PROJECT_ERRORS) as refused, unit_of_work(engine) as session:
        import_statement(Repository(session, resolve_company(session, None)), data, "camt.xml", today=TODAY)
    assert "\n" not in str(refused.value)
    assert table_counts(fuzz_db.url) == fuzz_db.counts

"""Registry (detection order, error wrapping) and the inbox/memory sources."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from connectors_fixtures import ABSENT, FIXTURES, fixture_bytes

from connectors import registry
from connectors.errors import ConnectorError, ParseError, UnknownFormat
from connectors.model import ParsedFile
from connectors.protocol import IncomingFile
from connectors.sources import InboxSource, MemorySource


def all_fixtures() -> list[Any]:
    if not FIXTURES.is_dir():  # one skipped case saying why, rather than pytest's bare "empty parameter set"
        return [pytest.param("", marks=pytest.mark.skip(reason=ABSENT))]
    return sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*")
                  if p.is_file() and p.parts[len(FIXTURES.parts)] in ("ofx", "camt052", "camt053", "camt054", "csv"))


@pytest.mark.parametrize("relative", all_fixtures())
def test_every_fixture_is_detected_as_its_format_and_parses_or_is_rejected_cleanly(relative: str) -> None:
    data = fixture_bytes(relative)
    expected = {"ofx": "ofx", "camt052": "camt.052", "camt053": "camt.053", "camt054": "camt.054",
                "csv": "csv"}[relative.split("/")[0]]
    assert registry.detect(data, relative).format == expected
    try:
        pf = registry.parse_file(data, relative)
    except ParseError as exc:
        assert exc.filename == relative and exc.reason
        return
    assert pf.format == expected


def test_order_is_camt_ofx_csv() -> None:
    formats = [p.format for p in registry.PARSERS]
    assert formats[-1] == "csv" and formats.index("ofx") > max(
        i for i, f in enumerate(formats) if f.startswith("camt"))


def test_mt940_is_read_and_garbage_is_unknown() -> None:
    assert registry.parse_file(fixture_bytes("mt940/wolph-mt940/jejik/ing.sta"), "ing.sta").format == "mt940"
    with pytest.raises(UnknownFormat, match="image.png: not a statement format lettrage reads"):
        registry.parse_file(b"\x89PNG\r\n\x1a\n\x00\x00", "image.png")


def test_unexpected_parser_exception_becomes_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class Boom:
        format = "boom"

        def detect(self, head: bytes, filename: str) -> bool:
            return True

        def parse(self, data: bytes, filename: str) -> ParsedFile:
            raise KeyError("column\nmissing")

    monkeypatch.setattr(registry, "PARSERS", (Boom(),))
    with pytest.raises(ParseError) as err:
        registry.parse_file(b"x", "f.bin")
    assert err.value.filename == "f.bin" and "\n" not in err.value.reason and "KeyError" in err.value.reason


def test_truncated_or_mangled_inputs_only_raise_connector_errors() -> None:
    samples = [fixture_bytes("ofx/kledg/statement-v1.ofx"), fixture_bytes("camt053/kledg/camt053.xml"),
               fixture_bytes("csv/kledg/credit-agricole.csv")]
    for data in samples:
        for cut in range(0, len(data), max(1, len(data) // 40)):
            for mangled in (data[:cut], data[:cut] + b"\xff\xfe<&>\x00" + data[cut + 3:]):
                try:
                    registry.parse_file(mangled, "m")
                except ConnectorError:
                    pass


def _drop(root: Path, name: str, data: bytes, mtime: int) -> None:
    path = root / name
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))


def test_inbox_lists_visible_top_level_files_oldest_first(tmp_path: Path) -> None:
    _drop(tmp_path, "b.ofx", b"B", 2_000)
    _drop(tmp_path, "a.csv", b"A", 1_000)
    _drop(tmp_path, ".partial", b"X", 500)
    (tmp_path / "sub").mkdir()
    _drop(tmp_path / "sub", "c.xml", b"C", 100)
    inbox = InboxSource(tmp_path, sleep=lambda _: None)
    assert [(f.name, f.read()) for f in inbox.pending()] == [("a.csv", b"A"), ("b.ofx", b"B")]


def test_inbox_acknowledge_moves_without_overwriting(tmp_path: Path) -> None:
    inbox = InboxSource(tmp_path, today=lambda: date(2026, 3, 10), sleep=lambda _: None)
    for _ in range(2):
        _drop(tmp_path, "releve.ofx", b"data", 1_000)
        (item,) = inbox.pending()
        inbox.acknowledge(item, ok=True)
    done = tmp_path / "archive" / "2026-03-10"
    assert sorted(p.name for p in done.iterdir()) == ["releve.1.ofx", "releve.ofx"]
    assert list(inbox.pending()) == []


def test_inbox_quarantine_writes_the_reason(tmp_path: Path) -> None:
    inbox = InboxSource(tmp_path, sleep=lambda _: None)
    for _ in range(2):
        _drop(tmp_path, "bad.csv", b"x", 1_000)
        (item,) = inbox.pending()
        inbox.acknowledge(item, ok=False, reason="bad.csv: row 3: invalid amount")
    q = tmp_path / "quarantine"
    assert sorted(p.name for p in q.iterdir()) == ["bad.1.csv", "bad.1.csv.error.txt", "bad.csv",
                                                   "bad.csv.error.txt"]
    assert (q / "bad.csv.error.txt").read_text(encoding="utf-8").strip() == "bad.csv: row 3: invalid amount"


def test_memory_source_keeps_acknowledgements() -> None:
    src = MemorySource()
    src.add("one.ofx", b"1")
    src.add("two.csv", b"2")
    one, two = src.pending()
    src.acknowledge(one, ok=True)
    src.acknowledge(two, ok=False, reason="nope")
    assert (src.processed, src.quarantined, list(src.pending())) == (["one.ofx"], {"two.csv": "nope"}, [])
    with pytest.raises(ConnectorError):
        src.acknowledge(IncomingFile("ghost", b"", "ghost"), ok=True)


def test_connectors_read_no_environment_and_import_no_other_layer() -> None:
    root = Path(__file__).resolve().parents[3] / "connectors"
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "os.environ" not in text and "getenv" not in text, path
        for banned in ("worker", "matching", "reminders", "dramatiq", "fastapi"):
            assert f"import {banned}" not in text and f"from {banned}" not in text, (path, banned)

"""The folder inbox: files still being written wait, handled files are archived or quarantined, nothing clobbered."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from connectors.errors import SourceError
from connectors.sources import InboxSource

NOW = 1_800_000_000.0


def _drop(root: Path, name: str, data: bytes = b"data", age: float = 60.0) -> Path:
    path = root / name
    path.write_bytes(data)
    os.utime(path, (NOW - age, NOW - age))
    return path


def _inbox(root: Path, **kwargs: object) -> InboxSource:
    kwargs.setdefault("sleep", lambda _: None)
    return InboxSource(root, clock=lambda: NOW, today=lambda: date(2026, 3, 10), **kwargs)  # type: ignore[arg-type]


def test_recent_files_wait_until_they_settle(tmp_path: Path) -> None:
    _drop(tmp_path, "old.xml", age=60)
    _drop(tmp_path, "fresh.xml", age=2)
    inbox = _inbox(tmp_path)
    assert [f.name for f in inbox.pending()] == ["old.xml"]
    assert inbox.waiting == ["fresh.xml"]
    assert [f.name for f in _inbox(tmp_path, settle_seconds=1).pending()] == ["old.xml", "fresh.xml"]


def test_a_file_dated_ahead_of_the_clock_is_judged_by_the_second_look(tmp_path: Path) -> None:
    """A share whose clock runs ahead, or a day replayed with LETTRAGE_NOW: a modification time in the future
    says nothing about a write in progress; the file is read once two looks agree."""
    _drop(tmp_path, "ahead.xml", age=-3600)
    assert [f.name for f in _inbox(tmp_path).pending()] == ["ahead.xml"]


def test_a_file_growing_between_two_looks_is_not_read(tmp_path: Path) -> None:
    growing = _drop(tmp_path, "growing.ofx", b"OFXHEADER", age=30)
    _drop(tmp_path, "done.ofx", age=30)
    pauses: list[float] = []

    def writer_appends(seconds: float) -> None:
        pauses.append(seconds)
        with growing.open("ab") as handle:
            handle.write(b"<OFX>")

    inbox = _inbox(tmp_path, sleep=writer_appends, recheck_seconds=0.25)
    assert [f.name for f in inbox.pending()] == ["done.ofx"]
    assert pauses == [0.25] and inbox.waiting == ["growing.ofx"]


def test_no_pause_when_nothing_is_ready(tmp_path: Path) -> None:
    _drop(tmp_path, "fresh.xml", age=0)
    pauses: list[float] = []
    assert list(_inbox(tmp_path, sleep=pauses.append).pending()) == []
    assert pauses == []


@pytest.mark.parametrize("name", ["releve.xml.part", "releve.ofx.tmp", "export.csv.crdownload", "releve.xml~",
                                  ".releve.xml", "RELEVE.XML.PART", "releve.xml.filepart"])
def test_temporary_and_hidden_names_are_ignored(tmp_path: Path, name: str) -> None:
    _drop(tmp_path, name)
    (tmp_path / "sub").mkdir()
    _drop(tmp_path / "sub", "nested.xml")
    assert list(_inbox(tmp_path).pending()) == []


def test_archive_by_day_and_quarantine_with_error_note(tmp_path: Path) -> None:
    _drop(tmp_path, "good.xml", b"G")
    _drop(tmp_path, "bad.csv", b"B")
    inbox = _inbox(tmp_path)
    for item in list(inbox.pending()):
        inbox.acknowledge(item, ok=item.name == "good.xml", reason=None if item.name == "good.xml" else "row 2: no date")
    assert (tmp_path / "archive" / "2026-03-10" / "good.xml").read_bytes() == b"G"
    assert (tmp_path / "quarantine" / "bad.csv").read_bytes() == b"B"
    assert (tmp_path / "quarantine" / "bad.csv.error.txt").read_text(encoding="utf-8") == "row 2: no date\n"
    assert not (tmp_path / "archive" / "2026-03-10" / "good.xml.error.txt").exists()
    assert list(inbox.pending()) == []


def test_name_clash_gets_a_suffix_and_never_overwrites(tmp_path: Path) -> None:
    archive = tmp_path / "archive" / "2026-03-10"
    archive.mkdir(parents=True)
    (archive / "releve.xml").write_bytes(b"first")
    (archive / "releve.1.xml").write_bytes(b"second")
    _drop(tmp_path, "releve.xml", b"third")
    inbox = _inbox(tmp_path)
    (item,) = inbox.pending()
    inbox.acknowledge(item, ok=True)
    assert {p.name: p.read_bytes() for p in archive.iterdir()} == {
        "releve.xml": b"first", "releve.1.xml": b"second", "releve.2.xml": b"third"}


def test_a_file_taken_meanwhile_is_skipped(tmp_path: Path) -> None:
    gone = _drop(tmp_path, "gone.xml")
    _drop(tmp_path, "here.xml")
    inbox = _inbox(tmp_path, sleep=lambda _: gone.unlink())
    assert [f.name for f in inbox.pending()] == ["here.xml"]


def test_missing_folder_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        list(_inbox(tmp_path / "nope").pending())

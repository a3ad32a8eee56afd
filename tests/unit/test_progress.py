"""Progress of long work (worker/progress.py, issue 21 item 5): phases told to whoever listens, only for work of
a few thousand lines; the running state the API and the dashboard read, with its rate, time left and staleness;
the CLI's bar only on a terminal and never with --json."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

from matching.engine import PROGRESS_EVERY, match_lines
from matching.model import BankLine
from worker.cli.progress_output import BarReporter, cli_progress, wants_bar
from worker.clock import FixedClock
from worker.progress import MIN_LINES, STALLED_AFTER, RunStateFile, current_run, reporting, state_path, track

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def start(self, label: str, total: int | None, unit: str) -> None:
        self.events.append(("start", (label, total, unit)))

    def advance(self, n: int) -> None:
        self.events.append(("advance", n))

    def finish(self, ok: bool) -> None:
        self.events.append(("finish", ok))


class Ticks:
    """A monotonic timer the test moves."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_a_phase_is_told_to_every_listener_with_its_steps() -> None:
    first, second = Recorder(), Recorder()
    with reporting(first), reporting(second), track("matching", 5000) as step:
        step(2000)
        step(3000)
    assert first.events == second.events == [("start", ("matching", 5000, "lines")), ("advance", 2000),
                                              ("advance", 3000), ("finish", True)]


def test_small_work_and_work_no_one_listens_to_are_not_told() -> None:
    listener = Recorder()
    with reporting(listener), track("importing small.xml", MIN_LINES - 1) as step:
        step(MIN_LINES - 1)
    assert listener.events == []
    with track("matching", 50_000) as step:  # no one listens: nothing happens, nothing fails
        step(50_000)
    with reporting(listener):
        pass
    with track("matching", 50_000) as step:  # the listener was set for its block only
        step(1)
    assert listener.events == []


def test_a_failed_phase_says_so() -> None:
    listener = Recorder()
    with pytest.raises(ValueError), reporting(listener), track("matching", 5000) as step:
        step(10)
        raise ValueError("boom")
    assert listener.events[-1] == ("finish", False)


def test_the_running_state_gives_the_rate_and_the_time_left(tmp_path: Path) -> None:
    ticks = Ticks()
    state = RunStateFile(tmp_path / "runs", "acme", "import", FixedClock(NOW), timer=ticks)
    with reporting(state), track("importing big.xml", 50_000) as step:
        written = json.loads(state_path(tmp_path / "runs", "acme").read_text())
        assert (written["state"], written["done"], written["total"], written["rate"]) == ("running", 0, 50_000, None)
        step(5000)  # within the second: not written yet
        assert json.loads(state.path.read_text())["done"] == 0
        ticks.t += 2.0
        step(5000)  # 10,000 lines in 2 s: 5,000 lines/s, 40,000 left: 8 s
        run = current_run(tmp_path / "runs", "acme", NOW)
        assert run is not None
        assert (run["phase"], run["done"], run["rate"], run["eta_seconds"], run["state"]) == (
            "importing big.xml", 10_000, 5000.0, 8.0, "running")
        assert run["kind"] == "import" and run["unit"] == "lines" and run["started_at"] == NOW.isoformat()
        ticks.t += 8.0
        step(40_000)
    done = current_run(tmp_path / "runs", "acme", NOW)
    assert done is not None and done["state"] == "done" and done["done"] == 50_000 and done["eta_seconds"] is None
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["acme.json"]  # no partial file left behind


def test_a_running_state_no_longer_written_is_stalled(tmp_path: Path) -> None:
    state = RunStateFile(tmp_path, "acme", "matching", FixedClock(NOW), timer=Ticks())
    state.start("matching", 30_000, "lines")
    assert current_run(tmp_path, "acme", NOW + STALLED_AFTER)["state"] == "running"  # type: ignore[index]
    assert current_run(tmp_path, "acme", NOW + STALLED_AFTER + timedelta(seconds=1))["state"] == "stalled"  # type: ignore[index]
    assert current_run(tmp_path, "other", NOW) is None
    state_path(tmp_path, "broken").write_text("{not json", encoding="utf-8")
    assert current_run(tmp_path, "broken", NOW) is None


def test_a_company_ref_is_a_safe_file_name(tmp_path: Path) -> None:
    assert state_path(tmp_path, "../../etc/passwd").parent == tmp_path


def test_the_matching_tells_its_progress_by_steps() -> None:
    lines = [BankLine(id=i, booked_on=date(2026, 11, 2), amount=Decimal("10.00"), currency="EUR", text="VIREMENT")
             for i in range(1, PROGRESS_EVERY * 2 + 42)]
    told: list[int] = []
    decisions = match_lines(lines, [], [], progress=told.append)
    assert len(decisions) == len(lines)
    assert told == [PROGRESS_EVERY, PROGRESS_EVERY, 41] and sum(told) == len(lines)


def test_the_bar_is_only_for_a_terminal_and_never_for_json() -> None:
    terminal = Console(file=StringIO(), force_terminal=True)
    pipe = Console(file=StringIO(), force_terminal=False)
    assert wants_bar(False, terminal) and not wants_bar(True, terminal) and not wants_bar(False, pipe)
    with cli_progress(False, console=pipe), track("matching", 50_000) as step:  # a log or a pipe: nothing shown
        step(50_000)
    assert pipe.file.getvalue() == ""  # type: ignore[attr-defined]


def test_the_bar_shows_lines_per_second_and_the_time_left() -> None:
    out = StringIO()
    terminal = Console(file=out, force_terminal=True, width=160)
    bar = BarReporter(terminal)
    bar.start("matching", 10_000, "lines")
    bar.advance(2500)
    bar.bar.refresh()
    shown = out.getvalue()
    bar.finish(True)
    assert "matching" in shown and "2500/10000" in shown and "lines/s" in shown and "eta" in shown
    assert not bar.bar.live.is_started


def test_the_parsers_tell_the_rows_and_entries_they_read() -> None:
    """connectors/progress.py: the CSV parser tells its data rows, the CAMT parser its entries, by EVERY; a parse
    no one listens to tells nothing."""
    from connectors import progress
    from connectors.camt import CamtParser
    from connectors.csvfile import CsvParser
    from tests.factories import Camt053, Payment

    rows = ["Date;Libellé;Montant"] + [f"02/10/2025;VIR {i};{10 + i},00" for i in range(progress.EVERY * 2 + 7)]
    told: list[int] = []
    with progress.listening(told.append):
        parsed = CsvParser().parse("\n".join(rows).encode(), "releve.csv")
    assert parsed.line_count == len(rows) - 1
    assert told == [progress.EVERY, progress.EVERY, 7]
    payments = [Payment(f"BQ-{i}", date(2026, 11, 2), Decimal("10.00"), "CLIENT", "VIREMENT")
                for i in range(progress.EVERY + 3)]
    told.clear()
    with progress.listening(told.append):
        CamtParser().parse(Camt053(payments).render(), "releve.xml")
    assert told == [progress.EVERY, 3]
    told.clear()
    CsvParser().parse("\n".join(rows).encode(), "releve.csv")
    assert told == []

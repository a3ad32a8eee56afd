"""The CLI's progress bar for long work (worker.progress): lines done of the total, lines per second and the time
left, on stderr, on a terminal only and never with ``--json`` (a script reads the JSON, a log reads no bar)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from worker.cli.output import err_console
from worker.clock import Clock
from worker.progress import Reporter, RunStateFile, reporting


class RateColumn(ProgressColumn):
    """``12,345 lines/s``: the task's speed in its own unit."""

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", "lines")
        if not task.speed:
            return Text(f"– {unit}/s", style="progress.data.speed")
        return Text(f"{task.speed:,.0f} {unit}/s", style="progress.data.speed")


def progress_bar(console: Console = err_console, disable: bool = False) -> Progress:
    """The CLI's bar: what, the bar, done of total, the rate, the time spent and the time left."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
                    TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=console,
                    transient=True, disable=disable)


class BarReporter:
    """A line of a rich progress bar per phase of work, removed when the phase ends. ``bar``: one the command
    shows already (started and stopped by it), else one of its own, shown while a phase runs."""

    def __init__(self, console: Console, bar: Progress | None = None) -> None:
        self.own = bar is None
        self.bar = bar if bar is not None else progress_bar(console)
        self.task: TaskID | None = None

    def start(self, label: str, total: int | None, unit: str) -> None:
        if self.own and not self.bar.live.is_started:
            self.bar.start()
        self.task = self.bar.add_task(label, total=total, unit=unit)

    def advance(self, n: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, n)

    def finish(self, ok: bool) -> None:
        if self.task is not None:
            self.bar.remove_task(self.task)
            self.task = None
        if self.own:
            self.bar.stop()


def wants_bar(as_json: bool, console: Console = err_console) -> bool:
    """Whether a bar is shown: on a terminal, and not for ``--json``."""
    return not as_json and console.is_terminal


@contextmanager
def cli_progress(as_json: bool, runs_dir: Path | None = None, company: str | None = None, kind: str = "",
                 clock: Clock | None = None, console: Console = err_console,
                 bar: Progress | None = None) -> Iterator[None]:
    """Long work inside the block shows a bar (``wants_bar``; on ``bar`` when the command shows one) and, with
    ``runs_dir``, writes the company's running state there (``GET /api/runs/current``, the dashboard)."""
    reporters: list[Reporter] = []
    if wants_bar(as_json, console):
        reporters.append(BarReporter(console, bar))
    if runs_dir is not None and company is not None and clock is not None:
        reporters.append(RunStateFile(runs_dir, company, kind, clock))
    with ExitStack() as stack:
        if reporters:
            stack.enter_context(reporting(*reporters))
        yield

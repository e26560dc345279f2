"""The live progress of a run in an interactive terminal: one line per stage, sources counted as they are read.

Why: the log of a run is about a hundred lines; at a terminal a statistician wants to see where the run is. The
flow reports its stages here (:func:`stage`, :func:`advance`, :func:`done`); by default nothing is shown (the
plain log stays, as in a scheduled run or a pipe). ``bisa-sdg run`` switches to :class:`LiveDisplay` when its
output is a terminal, and lowers Prefect's console log to warnings meanwhile (the API keeps every log line).
"""

from __future__ import annotations

import threading
import time
from typing import Any


class Display:
    """Shows nothing: the plain log is the record (scheduled runs, pipes, tests)."""

    def stage(self, name: str, total: int | None = None) -> None:
        """A stage starts; ``total``: how many items it will count (sources), if any."""

    def advance(self, name: str) -> None:
        """One more item of the stage is done."""

    def done(self, name: str, note: str = "") -> None:
        """The stage ended; ``note`` is shown beside it (cached, rows)."""

    def close(self) -> None:
        """The run ended (the live display stops)."""


class LiveDisplay(Display):
    """rich's live progress bars (rich comes with Prefect), refreshed from the run's thread and its tasks'."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

        self._progress = Progress(
            SpinnerColumn(finished_text="✓"),
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            console=Console(stderr=True),
            transient=False,
        )
        self._tasks: dict[str, Any] = {}
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()
        self._progress.start()

    def stage(self, name: str, total: int | None = None) -> None:
        with self._lock:
            self._started[name] = time.perf_counter()
            self._tasks[name] = self._progress.add_task(name, total=total or 1, note="")

    def advance(self, name: str) -> None:
        with self._lock:
            if name in self._tasks:
                self._progress.advance(self._tasks[name])

    def done(self, name: str, note: str = "") -> None:
        with self._lock:
            if name not in self._tasks:
                return
            task = self._tasks[name]
            seconds = time.perf_counter() - self._started[name]
            total = self._progress.tasks[task].total
            self._progress.update(task, completed=total, note=f"{seconds:5.1f} s  {note}".rstrip())

    def close(self) -> None:
        self._progress.stop()


_current: Display = Display()


def use(display: Display) -> None:
    global _current
    _current = display


def current() -> Display:
    return _current

"""SIGINT and SIGTERM stop a run as one exception, raised where the run is, so it cleans up and records itself.

Why: Python's default SIGINT raises KeyboardInterrupt, but SIGTERM ends the process on the spot (no cleanup,
the run log left at 'running'); and a second Ctrl-C while the run cleans up would cut the cleanup short. Here
both signals raise :class:`Interrupted` once; later ones are ignored until the run has recorded its end.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from bisa_sdg.run.log_filters import add_to_handlers

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The run was asked to stop (SIGINT or SIGTERM). A KeyboardInterrupt, so libraries treat it as Ctrl-C."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.signal_name = signal.Signals(signum).name
        super().__init__(f"stopped by {self.signal_name}")

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as a shell reports a process a signal ended."""
        return 128 + self.signum


@contextmanager
def signals_interrupt() -> Iterator[None]:
    """Within the block, the first SIGINT or SIGTERM raises :class:`Interrupted` (main thread only)."""

    def stop(signum: int, frame: FrameType | None) -> None:
        for name in STOP_SIGNALS:
            signal.signal(name, signal.SIG_IGN)
        raise Interrupted(signum)

    previous = {name: signal.signal(name, stop) for name in STOP_SIGNALS}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(name, handler)


def signal_of(exc: BaseException) -> signal.Signals | None:
    """The signal that stopped a run, when ``exc`` (or what it was raised from) is a stop; else None.

    Prefect replaces the SIGTERM handler while a flow runs and raises its own ``TerminationSignal`` (which
    carries ``signal``); a plain KeyboardInterrupt is a SIGINT.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, Interrupted):
            return signal.Signals(current.signum)
        if type(current).__name__ == "TerminationSignal" and isinstance(
            getattr(current, "signal", None), int
        ):
            return signal.Signals(current.signal)
        if isinstance(current, KeyboardInterrupt):
            return signal.SIGINT
        current = current.__cause__ or current.__context__
    return None


class QuietInterrupts(logging.Filter):
    """Log an interruption as its one-line message, without the traceback Prefect's engine attaches to it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None and signal_of(record.exc_info[1]):
            record.exc_info = None
            record.exc_text = None
        return True


def install_quiet_interrupts() -> None:
    """On every handler of the root and Prefect loggers (handler filters see propagated records too)."""
    add_to_handlers(QuietInterrupts)

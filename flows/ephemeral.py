"""The ephemeral Prefect server ends with the run that started it, even when that run is killed with SIGKILL.

Why: without a configured Prefect API a run starts its own server as a child process and stops it at exit. A
run killed with SIGKILL never reaches that exit: the server (about 200 MB, listening on a port) stayed behind.
On Linux the child is asked, as it starts, to receive SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG).
Elsewhere nothing changes.

The server also starts in a session of its own: Ctrl-C in a terminal signals the whole foreground process group,
and a server that stopped at once left the run's last API calls (recording the interruption) retrying against a
closed port for minutes. The run stops it when it ends (Prefect's own exit handling), or the parent-death signal
does.
"""

from __future__ import annotations

import ctypes
import logging
import signal
import subprocess
import sys
import threading
from typing import Any

_PR_SET_PDEATHSIG = 1


def _terminate_with_parent() -> None:
    """Runs in the server's process between fork and exec (so: only async-signal-safe work)."""
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class _SubprocessDyingWithParent:
    """The subprocess module as Prefect's server module sees it, with Popen asking for the parent-death signal."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    @staticmethod
    def Popen(*args: Any, **kwargs: Any) -> subprocess.Popen:  # named as what it stands in for
        kwargs.setdefault("preexec_fn", _terminate_with_parent)
        kwargs.setdefault("start_new_session", True)
        return subprocess.Popen(*args, **kwargs)


def server_dies_with_this_process() -> bool:
    """Make the ephemeral server Prefect may start die with this process; True when it applies (Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    from prefect.server.api import server as prefect_server

    if not isinstance(prefect_server.subprocess, _SubprocessDyingWithParent):
        prefect_server.subprocess = _SubprocessDyingWithParent()
    return True


def start_server_early() -> threading.Event:
    """Start Prefect (import, and the ephemeral server when no API is configured) while the caller does other
    work; the event is set once it is up (or failed: the flow then starts the server itself and reports why).

    Why: the server takes seconds to answer its health check; the run's own checks (loading the catalog, the
    profile, pandas and DuckDB) need none of it and run meanwhile. A thread that started the server then waits
    until the process ends: the parent-death signal fires when the *thread* that started the server ends
    (prctl semantics), so that thread must outlive the run.
    """
    ready = threading.Event()

    def work() -> None:
        started = False
        try:
            from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

            ephemeral = not PREFECT_API_URL.value() and PREFECT_SERVER_EPHEMERAL_ENABLED.value()
            if server_dies_with_this_process() and ephemeral:
                from prefect.server.api.server import SubprocessASGIServer

                SubprocessASGIServer().start()
                started = True
        except Exception as exc:
            logging.getLogger(__name__).debug("early start of the Prefect server failed: %s", exc)
        finally:
            ready.set()
        if started:
            threading.Event().wait()  # never set: see above

    threading.Thread(target=work, name="prefect-start", daemon=True).start()
    return ready

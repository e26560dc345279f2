"""Prefect's ephemeral server for a run with no API configured: started first, ended with the run, SIGKILL included.

Why start it ourselves: the server takes 7–14 s to answer its health check (its process imports Prefect's whole
server, then prepares its database). Prefect starts it only when a flow first asks for a client, after importing
its own server module in the run's process as well (4–6 s, to reach the class that starts it). A run that starts
the same server command at once, before importing Prefect, spends that wait importing and checking what it needs,
and points Prefect at the server with ``PREFECT_API_URL`` for the flow (Prefect's documented way to use a server).
When an API is configured after all (environment, Prefect profile) the early server is stopped unused; when it
fails to start, Prefect starts its own as before.

Why it ends with the run: a run killed with SIGKILL never reaches its exit handling; on Linux the server is asked,
as it starts, to receive SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG: when the *thread* that started it
ends, so it is started from the main thread). It also starts in a session of its own: Ctrl-C in a terminal
signals the whole foreground process group, and a server that stopped at once left the run's last API calls
(recording the interruption) retrying against a closed port for minutes. The run stops it as it exits, after
Prefect has sent its last logs and events.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import http.client
import importlib.util
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_PR_SET_PDEATHSIG = 1
# What Prefect's own ephemeral start sets for the server process (prefect.server.api.server.SubprocessASGIServer)
_SERVER_ENVIRONMENT = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}
_DEFAULT_STARTUP_TIMEOUT = 120.0
# A local server: never asked through a proxy named in the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))

log = logging.getLogger(__name__)


def _terminate_with_parent() -> None:
    """Runs in the server's process between fork and exec (so: only async-signal-safe work)."""
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _popen_dying_with_parent(*args: Any, **kwargs: Any) -> subprocess.Popen:
    if sys.platform.startswith("linux"):  # prctl is Linux's; elsewhere only the session of its own
        kwargs.setdefault("preexec_fn", _terminate_with_parent)
    kwargs.setdefault("start_new_session", True)
    return subprocess.Popen(*args, **kwargs)


class _SubprocessDyingWithParent:
    """The subprocess module as Prefect's server module sees it, with Popen asking for the parent-death signal."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    Popen = staticmethod(_popen_dying_with_parent)  # named as what it stands in for


def server_dies_with_this_process() -> bool:
    """Make the ephemeral server Prefect may start itself die with this process; True when it applies (Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    from prefect.server.api import server as prefect_server

    if not isinstance(prefect_server.subprocess, _SubprocessDyingWithParent):
        prefect_server.subprocess = _SubprocessDyingWithParent()
    return True


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EarlyServer:
    """One ephemeral Prefect server process, started before Prefect is imported; healthy once it answers."""

    def __init__(self) -> None:
        package = importlib.util.find_spec("prefect")
        if package is None or not package.submodule_search_locations:
            raise ModuleNotFoundError("prefect")
        self.port = _free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.process = _popen_dying_with_parent(
            [
                sys.executable, "-m", "uvicorn",
                "--app-dir", str(Path(next(iter(package.submodule_search_locations))).parent),
                "--factory", "prefect.server.api.server:create_app",
                "--host", "127.0.0.1", "--port", str(self.port),
                "--log-level", "error", "--lifespan", "on",
            ],
            env={**os.environ, **_SERVER_ENVIRONMENT},
        )  # fmt: skip
        self._healthy = threading.Event()
        self._done = threading.Event()
        # Registered before Prefect's exit handlers, so it runs after them: they send the last logs and events.
        atexit.register(self.stop)
        threading.Thread(target=self._watch, name="prefect-server-health", daemon=True).start()

    def _watch(self) -> None:
        """Ask for /health every 0.1 s until it answers, the process ends, or the run stops the server."""
        try:
            while self.process.poll() is None and not self._done.is_set():
                with (
                    contextlib.suppress(OSError, http.client.HTTPException),
                    _DIRECT.open(f"{self.api_url}/health", timeout=2) as response,
                ):
                    if response.status == 200:
                        self._healthy.set()
                        return
                time.sleep(0.1)
        finally:
            self._done.set()

    def wait(self, timeout: float) -> str | None:
        """The API's URL once the server answers; None when it ended or did not answer within ``timeout``."""
        self._done.wait(timeout)
        return self.api_url if self._healthy.is_set() else None

    def stop(self) -> None:
        """Terminate (SIGTERM, then SIGKILL after 5 s) and reap the server; safe to call twice."""
        self._done.set()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server_early() -> EarlyServer | None:
    """Start the server now, unless Prefect will certainly not need it (an API in the environment, or Prefect
    already imported and configured); from the main thread (see the module's docstring)."""
    if os.name != "posix" or os.environ.get("PREFECT_API_URL"):
        return None
    if "prefect.settings" in sys.modules and not _wants_ephemeral():
        return None
    try:
        return EarlyServer()
    except (OSError, ModuleNotFoundError, subprocess.SubprocessError) as exc:
        log.debug("early start of the Prefect server failed: %s", exc)
        return None


def _wants_ephemeral() -> bool:
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    return not PREFECT_API_URL.value() and bool(PREFECT_SERVER_EPHEMERAL_ENABLED.value())


@contextlib.contextmanager
def prefect_api(early: EarlyServer | None) -> Iterator[None]:
    """Within: Prefect talks to the early server, when no API is configured and it answered; otherwise to what
    Prefect chooses itself (a configured API, or its own ephemeral server, made to die with this process)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    ephemeral = _wants_ephemeral()
    url = early.wait(_startup_timeout()) if early is not None and ephemeral else None
    if early is not None and url is None:
        early.stop()
    if url is None:
        if ephemeral:
            server_dies_with_this_process()
        yield
        return
    with temporary_settings(updates={PREFECT_API_URL: url}):
        yield


def _startup_timeout() -> float:
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

    with contextlib.suppress(TypeError, ValueError):
        return float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
    return _DEFAULT_STARTUP_TIMEOUT

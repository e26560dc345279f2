"""A page in headless Chromium at an exact viewport, driven over the DevTools protocol on a pipe (stdlib only).

Why not ``--window-size``: headless Chromium lays a page out at least 500 px wide whatever the window, so a
390 px phone cannot be tried that way. ``Emulation.setDeviceMetricsOverride`` sets the layout viewport itself.
The protocol runs over ``--remote-debugging-pipe``: commands on the child's fd 3, replies on its fd 4, each
message JSON ended by a NUL byte.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any


class Browser:
    """One headless Chromium; ``page(url, width, height)`` opens a tab at that viewport."""

    def __init__(self, executable: str, profile: Path) -> None:
        cmd_r, self._cmd_w = os.pipe()
        self._res_r, res_w = os.pipe()

        def wire() -> None:  # in the child: the protocol pipes on fds 3 and 4 (through a spare fd, so that
            # one pipe end already on 3 or 4 is not overwritten before it is moved)
            spare_cmd, spare_res = os.dup(cmd_r), os.dup(res_w)
            os.dup2(spare_cmd, 3)
            os.dup2(spare_res, 4)

        self.process = subprocess.Popen(
            [
                executable,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
            ],
            pass_fds=(3, 4),  # kept open in the child: subprocess closes other fds after preexec_fn
            preexec_fn=wire,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(cmd_r)
        os.close(res_w)
        self._buffer = b""
        self._next = 0

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict:
        """Send one command and wait for its reply (events in between are dropped)."""
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._cmd_w, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._res_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def page(self, url: str, width: int, height: int) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session,
        )
        self.send("Page.navigate", {"url": url}, session)
        page = Page(self, session)
        for _ in range(200):  # the page's script sets data-ready when it has run to its end
            if page.evaluate("document.body && document.body.getAttribute('data-ready')") == "true":
                break
            time.sleep(0.05)
        return page

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        os.close(self._cmd_w)
        os.close(self._res_r)


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser, self.session = browser, session

    def evaluate(self, expression: str) -> Any:
        result = self.browser.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, self.session
        )
        return result.get("result", {}).get("value")

    def screenshot(self, path: Path) -> Path:
        """The first screen (the viewport), as PNG."""
        data = self.browser.send("Page.captureScreenshot", {"format": "png"}, self.session)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

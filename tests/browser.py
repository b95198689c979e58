"""Headless Chromium driven over the DevTools protocol, for the tests that open a report as a person would.

No browser-automation package: Chromium is started with ``--remote-debugging-pipe`` and spoken to
through two pipes (fd 3 in, fd 4 out; NUL-terminated JSON messages).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
    "--hide-scrollbars",
    "--mute-audio",
]


def _chromium() -> str:
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"Chromium is required in CI but {CHROMIUM} is missing (apt-get install -y chromium)")
    pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install -y chromium); required in CI")


class DevTools:
    """A minimal Chrome DevTools Protocol client over --remote-debugging-pipe."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_browser_read, self._write_fd = os.pipe()
        self._read_fd, from_browser_write = os.pipe()
        # Chromium reads commands on fd 3 and writes on fd 4. Move our ends above 10 first so that
        # placing them on 3 and 4 in the child cannot overwrite one with the other.
        high_read = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD_CLOEXEC, 10)
        high_write = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_browser_read)
        os.close(from_browser_write)

        def wire_pipes() -> None:  # runs in the child, before exec; dup2 clears close-on-exec
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)

        self._log = open(profile / "chromium.log", "wb")  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=wire_pipes,
            close_fds=False,
        )
        os.close(high_read)
        os.close(high_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def send(
        self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30.0
    ) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write_fd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30.0) -> dict:
        for event in self.events:
            if event.get("method") == method:
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = self._receive(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self._read_fd], [], [], remaining)
            if ready:
                chunk = os.read(self._read_fd, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe: " + self._stderr())
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _stderr(self) -> str:
        self.process.kill()
        self._log.flush()
        return Path(self._log.name).read_bytes().decode(errors="replace")[-2000:]

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing anyway
            self.send("Browser.close", timeout=5)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._write_fd, self._read_fd):
            os.close(fd)
        self._log.close()


AXE_VERSION = "4.14.1"  # axe-core, the accessibility checker, from the npm registry
AXE_DIR = Path(__file__).parent / "artifacts" / "axe"  # git-ignored; installed once by npm


def axe_script() -> str | None:
    """axe-core's script: ``$AXE_CORE`` (a path to axe.min.js), else installed with npm into
    tests/artifacts/axe (pinned); None where it cannot be had (no npm, no registry)."""
    named = os.environ.get("AXE_CORE")
    if named:
        return Path(named).read_text(encoding="utf-8")
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file() and shutil.which("npm"):
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund", "--silent"]
            + [f"axe-core@{AXE_VERSION}"],
            capture_output=True,
            timeout=300,
            check=False,
        )
    return script.read_text(encoding="utf-8") if script.is_file() else None


def render_in_chromium(
    html: Path, screenshot: Path, width: int = 1280, height: int = 1600, axe: str | None = None
) -> dict:
    """Open ``html``; return chart sizes, console errors and the page title; save a screenshot. With
    ``axe`` (axe-core's script), also the WCAG 2 A/AA violations axe finds (``axe``: [{id, nodes}])."""
    executable = _chromium()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        browser = DevTools(executable, Path(profile))
        try:
            target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
                "sessionId"
            ]
            for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
                browser.send(domain, session=session)
            browser.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                session=session,
            )
            browser.send("Page.navigate", {"url": html.resolve().as_uri()}, session=session)
            browser.wait_for("Page.loadEventFired")
            charts = browser.send(
                "Runtime.evaluate",
                {
                    "expression": """
                Array.from(document.querySelectorAll('img.chart, svg.chart')).map(e => {
                    const box = e.getBoundingClientRect();
                    return {width: box.width, height: box.height,
                            natural: e.naturalWidth === undefined ? box.width : e.naturalWidth,
                            complete: e.complete === undefined ? true : e.complete};
                })""",
                    "returnByValue": True,
                },
                session=session,
            )["result"]["value"]
            title = browser.send(
                "Runtime.evaluate", {"expression": "document.title", "returnByValue": True}, session=session
            )["result"]["value"]
            scripts = browser.send(
                "Runtime.evaluate",
                {"expression": "document.scripts.length", "returnByValue": True},
                session=session,
            )["result"]["value"]
            violations = None
            if axe is not None:  # evaluated by the DevTools protocol: the page's CSP does not apply
                browser.send("Runtime.evaluate", {"expression": axe}, session=session, timeout=60)
                violations = browser.send(
                    "Runtime.evaluate",
                    {
                        "expression": """
                axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                   .then(r => r.violations.map(v => ({id: v.id, impact: v.impact,
                        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary)})))""",
                        "awaitPromise": True,
                        "returnByValue": True,
                    },
                    session=session,
                    timeout=120,
                )["result"]["value"]
            shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            errors = [
                event
                for event in browser.events
                if (
                    event.get("method") == "Runtime.exceptionThrown"
                    or (
                        event.get("method") == "Runtime.consoleAPICalled"
                        and event["params"].get("type") == "error"
                    )
                    or (
                        event.get("method") == "Log.entryAdded"
                        and event["params"]["entry"].get("level") == "error"
                    )
                )
            ]
        finally:
            browser.close()
    return {"charts": charts, "errors": errors, "title": title, "scripts": scripts, "axe": violations}

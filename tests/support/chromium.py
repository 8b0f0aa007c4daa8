"""Headless Chromium for tests, driven through the DevTools protocol over a WebSocket (aiohttp):
Debian's ``chromium`` from its executable path, nothing downloaded. ``make setup`` installs it.

    async with Chromium.launch(tmp_path / "profile") as browser:
        await browser.goto("http://127.0.0.1:8000/dashboard")
        title = await browser.evaluate("document.title")
        await browser.wait_for("document.body.dataset.chartsReady === 'true'")
        png = await browser.screenshot()
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp

__all__ = ["CHROMIUM", "Chromium", "artifact_dir"]

CHROMIUM = os.environ.get("SMENET_CHROMIUM", "/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--window-size=1280,900",
)
ROOT = Path(__file__).resolve().parents[2]


def artifact_dir() -> Path:
    """Where tests leave what a person may want to look at (gitignored)."""
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


class BrowserError(RuntimeError):
    pass


class Chromium:
    """One browser process with a fresh profile, and its first page."""

    def __init__(self, process: subprocess.Popen[bytes], profile: Path) -> None:
        self.process, self.profile = process, profile
        self._ids = itertools.count(1)
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None

    @classmethod
    def launch(cls, profile: Path) -> Chromium:
        """Start Chromium on ``profile`` (a fresh --user-data-dir); enter it to connect."""
        if not os.access(CHROMIUM, os.X_OK):
            raise BrowserError(f"{CHROMIUM} is missing: `make setup` installs Debian's chromium")
        profile.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return cls(process, profile)

    async def __aenter__(self) -> Chromium:
        try:
            port = await self._port()
            self._session = aiohttp.ClientSession(trust_env=False)
            async with self._session.get(f"http://127.0.0.1:{port}/json/list") as answer:
                targets = await answer.json()
            page = next(t for t in targets if t["type"] == "page")
            self._socket = await self._session.ws_connect(
                page["webSocketDebuggerUrl"], max_msg_size=0
            )
            await self.send("Page.enable")
            await self.send("Runtime.enable")
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._session is not None:
            await self._session.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    async def _port(self, timeout: float = 30) -> int:
        """The DevTools port Chromium picked, from the file it writes into its profile."""
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrowserError(f"chromium exited with {self.process.returncode}")
            if marker.exists() and (lines := marker.read_text().split()):
                return int(lines[0])
            await asyncio.sleep(0.05)
        raise BrowserError(f"chromium gave no DevTools port within {timeout} s")

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command and its result; events meanwhile are skipped."""
        assert self._socket is not None
        message_id = next(self._ids)
        await self._socket.send_str(
            json.dumps({"id": message_id, "method": method, "params": params})
        )
        async with asyncio.timeout(60):
            while True:
                message = await self._socket.receive()
                if message.type is not aiohttp.WSMsgType.TEXT:
                    raise BrowserError(f"DevTools connection ended: {message.type}")
                answer = json.loads(message.data)
                if answer.get("id") != message_id:
                    continue
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer["result"]
                return result

    async def evaluate(self, expression: str) -> Any:
        """The JSON value of ``expression`` in the page (awaited when it is a promise)."""
        result = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, condition: str, timeout: float = 30) -> None:
        """Until ``condition`` is true in the page; generous, since the page may be loading."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if await self.evaluate(f"Boolean({condition})"):
                    return
            except BrowserError:
                pass  # the page is between two documents
            await asyncio.sleep(0.05)
        where = await self.evaluate("location.href + ': ' + document.body.innerText.slice(0, 300)")
        raise BrowserError(f"not true within {timeout} s: {condition}; the page is {where}")

    async def goto(self, url: str, lands_on: str | None = None) -> None:
        """Open ``url``, and wait until the page it ends on (``lands_on`` after redirects) has
        loaded."""
        await self.send("Page.navigate", url=url)
        await self.landed(lands_on or url)

    async def landed(self, url: str) -> None:
        """Wait until the page at ``url`` has loaded (after a navigation or a form's post)."""
        await self.wait_for(
            f"location.href === {json.dumps(url)} && document.readyState === 'complete'"
        )

    async def screenshot(self) -> bytes:
        """The whole page as PNG, beyond the window's height."""
        result = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        return base64.b64decode(result["data"])

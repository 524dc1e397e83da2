"""What the real-browser tests share: Debian's Chromium, and the app on a real socket.

Chromium runs headless as root (hence --no-sandbox) and must stay off the
closed network. Without Chromium or the Python packages a test needs, the test
skips and says why, except under CI (`CI=true`), where that is a failure.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from foundation.settings import Settings
from server.app import create_app
from server.cli import serve_options

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


def missing_browser(packages: tuple[str, ...] = ("playwright",)) -> str | None:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} is missing (install the Debian package: apt-get install chromium)"
    for package in packages:
        if importlib.util.find_spec(package) is None:
            return f"the Python package {package} is missing (pip install -e '.[dev]')"
    return None


def require_browser(what: str, packages: tuple[str, ...] = ("playwright",)) -> Path:
    """Chromium's path, or skip (fail under CI) naming what is missing."""
    reason = missing_browser(packages)
    if reason is not None:
        message = f"{what} NOT RUN: {reason}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: a missing browser is a failure)")
        pytest.skip(message)
    return CHROMIUM


@contextlib.asynccontextmanager
async def launched(chromium: Path) -> AsyncIterator[Any]:
    """Chromium, headless and off the network's extras (`CHROMIUM_ARGS`), closed after."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


@contextlib.contextmanager
def app_on_real_socket(settings: Settings, port: int) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1:`port`, in a thread with its own event loop."""
    options = {**serve_options(settings), "host": "127.0.0.1", "port": port}
    config = uvicorn.Config(create_app(settings), **{**options, "log_level": "warning"})
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield settings.http.public_url
    finally:
        server.should_exit = True
        thread.join(timeout=30)

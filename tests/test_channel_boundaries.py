"""Each channel is one package that owns its routes, and no channel reaches into another.

The app's API (`api/`), the kiosk (`kiosk/`), the staff console and the phone line
(`assisted_channel/`) and the public status page (`status_page/`) each call the core
(auth, onestop, notifications, service_status) and nothing of one another; the core calls
no channel; every route under `/console` is the console's. (The same rules, and the
layers under them, are import-linter contracts in pyproject.toml, run by `make lint`.)
Read from the code itself: the imports of every module, and the routes of the app.
"""

from __future__ import annotations

import ast
import inspect
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from assisted_channel.console.routes import CONSOLE
from foundation.settings import load_settings
from server.app import create_app

ROOT = Path(__file__).resolve().parent.parent
CHANNELS = {"api", "kiosk", "assisted_channel", "status_page"}
CORE = ("auth", "onestop", "notifications", "service_status", "providers")


def _modules(package: str) -> Iterator[Path]:
    yield from sorted((ROOT / package).rglob("*.py"))


def _imported(path: Path) -> set[str]:
    """Every module `path` imports, at any depth of its code (TYPE_CHECKING included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def _crossings(package: str, forbidden: set[str]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules(package)
        for name in sorted(_imported(path))
        if _top(name) in forbidden
    ]


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_no_channel_imports_another(channel: str) -> None:
    others = set(CHANNELS) - {channel}
    assert _crossings(channel, others) == []


@pytest.mark.parametrize("core", CORE)
def test_the_core_imports_no_channel(core: str) -> None:
    assert _crossings(core, set(CHANNELS)) == []


def test_the_core_writes_no_twiml() -> None:
    """What a call says is a Speech; TwiML is written beside the Twilio client, among the
    provider clients."""
    writers = [
        f"{path.relative_to(ROOT)} imports {name}"
        for core in CORE
        for path in _modules(core)
        for name in sorted(_imported(path))
        if name.startswith("twilio.twiml")
    ]
    assert writers == ["providers/twilio_voice.py imports twilio.twiml.voice_response"]


@pytest.fixture(scope="module")
def app() -> Iterator[Litestar]:
    with tempfile.TemporaryDirectory() as data_dir:
        yield create_app(load_settings({"HANCHANG_DATA_DIR": data_dir}))


def test_every_console_route_is_defined_in_the_console(app: Litestar) -> None:
    console = [
        (route.path, handler.fn.__module__)
        for route in app.routes
        if route.path == "/console" or route.path.startswith("/console/")
        for handler in getattr(route, "route_handlers", [])
        # Litestar answers OPTIONS itself on every path.
        if handler.handler_name != "options_handler"
    ]
    assert len(console) > 60
    assert [(path, module) for path, module in console if _top(module) != "assisted_channel"] == []


def test_every_route_of_the_console_router_takes_the_staff_guard() -> None:
    """The guard is the router's `staff` dependency: a route that does not take it would
    answer without a staff session."""
    unguarded = [
        (route.path, handler.handler_name)
        for route in CONSOLE.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if handler.handler_name != "options_handler"
        and "staff" not in inspect.signature(handler.fn).parameters
    ]
    assert unguarded == []

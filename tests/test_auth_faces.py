"""`auth/` is used through its faces, and loading them is never an import cycle.

Code outside `auth/` imports auth names from `auth`, `auth.staff` or `auth.counter`
(each package's `__init__.py`); modules inside `auth/` import each other by full
module path, never through a face. Read from the code itself.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import auth
import auth.counter
import auth.staff

ROOT = Path(__file__).resolve().parent.parent
FACES = {"auth", "auth.staff", "auth.counter"}
OUTSIDE = (
    "api",
    "kiosk",
    "assisted_channel",
    "status_page",
    "onestop",
    "notifications",
    "service_status",
    "providers",
    "foundation",
    "server",
    "bench",
)


def _imports(paths: Iterator[Path]) -> Iterator[tuple[Path, str]]:
    """Every module of ours named in an import, with the file that names it."""
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module:
                yield path, node.module


def _is_auth(module: str) -> bool:
    return module == "auth" or module.startswith("auth.")


def test_code_outside_auth_imports_only_from_the_faces() -> None:
    files = (p for package in (*OUTSIDE, "tests") for p in sorted((ROOT / package).rglob("*.py")))
    deep = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path, module in _imports(files)
        if _is_auth(module) and module not in FACES
    ]
    assert deep == []


def test_modules_inside_auth_never_import_through_a_face() -> None:
    files = (p for p in sorted((ROOT / "auth").rglob("*.py")) if p.name != "__init__.py")
    through = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path, module in _imports(files)
        if module in FACES
    ]
    assert through == []


@pytest.mark.parametrize("face", [auth, auth.staff, auth.counter])
def test_a_face_says_what_it_holds_and_exports_what_it_names(face: object) -> None:
    assert face.__doc__
    names = face.__all__  # type: ignore[attr-defined]
    assert names and all(hasattr(face, name) for name in names)


@pytest.mark.parametrize(
    "first",
    [
        # Modules the counter's face loads, and which load the counter's identity check.
        "auth.access_cards",
        "auth.enrollment_codes",
        "auth.counter.recovery",
        "auth.staff.sessions",
        # Outside auth/, and imported from the face.
        "notifications.recipients",
    ],
)
def test_any_module_may_be_imported_first(first: str) -> None:
    """In a fresh interpreter: the import order of a test run cannot hide a cycle."""
    subprocess.run([sys.executable, "-c", f"import {first}"], cwd=ROOT, check=True)

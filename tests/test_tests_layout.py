"""The tests mirror the house: helpers and fakes live in tests/support/, and no module
imports a test module, so reading one test never means loading another's tests."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
SUPPORT = TESTS / "support"


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module `path` imports, as a dotted name from the root (relative imports
    resolved), with its line; `from package import name` also counts `package.name`."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def is_test_module(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "tests" and any(part.startswith("test_") for part in parts[1:])


def python_files() -> list[Path]:
    return sorted(
        path
        for folder in (TESTS, ROOT / "bench")
        for path in folder.rglob("*.py")
        if "__pycache__" not in path.parts
    )


def test_no_module_imports_a_test_module_or_conftest() -> None:
    offences: dict[str, str] = {}
    for path in python_files():
        for line, module in imported_modules(path):
            if is_test_module(module) or module == "tests.conftest":
                offences.setdefault(f"{path.relative_to(ROOT)}:{line}", module)
    assert not offences, (
        "Move what other modules need into tests/support/ (fixtures may live in "
        "tests/conftest.py) and import it from there:\n"
        + "\n".join(f"{where} imports {module}" for where, module in offences.items())
    )


def test_only_tests_and_conftest_live_directly_in_tests() -> None:
    allowed = {"__init__.py", "conftest.py"}
    helpers = sorted(
        path.name
        for path in TESTS.glob("*.py")
        if path.name not in allowed and not path.name.startswith("test_")
    )
    assert not helpers, f"helper modules belong in tests/support/: {helpers}"
    folders = sorted(
        path.name for path in TESTS.iterdir() if path.is_dir() and path.name != "__pycache__"
    )
    assert folders == ["support"], f"tests/ holds test modules and support/ only: {folders}"


def test_support_holds_no_tests() -> None:
    tests = sorted(str(path.relative_to(ROOT)) for path in SUPPORT.rglob("test_*.py"))
    assert not tests, f"a test module belongs directly in tests/: {tests}"

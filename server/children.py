"""The processes `hanchang run` looks after: the HTTP server, the two job workers, and the
embedded PostgreSQL and Redis it started.

A child that stops on its own (a crash, a kill, an out-of-memory) is started
again after a pause that doubles with each quick failure (1 s, 2 s, 4 s ... up to
30 s) and goes back to 1 s once the child has stayed up for a minute; each
restart is said on the terminal. Nothing else stops: the API keeps answering
while a worker comes back, and a restarted worker takes back the jobs its
previous life left (it keeps its id, see server/job_registry.py). An embedded
server comes back on the same port and data, so the URLs the children hold stay
right; while it is away the API answers 503 (foundation/errors.py) and serves
again once it is back, without a restart of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Protocol

from server.embedded import EmbeddedServiceError, die_with_parent, stop_process

FIRST_PAUSE_S = 1.0
LONGEST_PAUSE_S = 30.0
# Up this long, a child is healthy again: the next failure waits FIRST_PAUSE_S.
STEADY_AFTER_S = 60.0


class Backoff:
    """When to start again something that stopped: after a pause that doubles with each
    quick failure, back to the first once it has stayed up `STEADY_AFTER_S`."""

    def __init__(self) -> None:
        self.restarts = 0
        self.pause_s = FIRST_PAUSE_S
        self.started_at = 0.0
        self.restart_at: float | None = None

    def started(self) -> None:
        self.started_at = time.monotonic()
        self.restart_at = None

    @property
    def waiting(self) -> bool:
        return self.restart_at is not None

    def stopped(self) -> float:
        """Schedule the next start; returns the pause before it."""
        now = time.monotonic()
        if now - self.started_at >= STEADY_AFTER_S:
            self.pause_s = FIRST_PAUSE_S
        pause = self.pause_s
        self.restart_at = now + pause
        self.pause_s = min(self.pause_s * 2, LONGEST_PAUSE_S)
        return pause

    def due(self) -> bool:
        """A restart is due now (and counted)."""
        if self.restart_at is None or time.monotonic() < self.restart_at:
            return False
        self.restarts += 1
        return True


class Child:
    """One supervised `hanchang` subcommand."""

    def __init__(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        self.name = name
        self.args = args
        self.env = env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.backoff = Backoff()

    @property
    def restarts(self) -> int:
        return self.backoff.restarts

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", *self.args],
            env={**os.environ, **self.env},
            start_new_session=True,
            preexec_fn=die_with_parent(signal.SIGTERM),
        )
        self.backoff.started()

    @property
    def exited(self) -> int | None:
        """The exit code of a child that stopped and is not yet being restarted."""
        if self.process is None or self.backoff.waiting:
            return None
        return self.process.poll()

    def look_after(self) -> None:
        """Restart a child that stopped, once its pause is over."""
        if self.backoff.waiting:
            if self.backoff.due():
                print(
                    f"hanchang: starting the {self.name} again (restart {self.restarts})",
                    flush=True,
                )
                self.start()
            return
        code = self.exited
        if code is None:
            return
        pause = self.backoff.stopped()
        print(
            f"hanchang: the {self.name} stopped ({exit_reason(code)}); "
            f"starting it again in {pause:g} s",
            flush=True,
        )

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, signal.SIGTERM, timeout=20)


class EmbeddedServer(Protocol):
    """What server/embedded.py's EmbeddedPostgres and EmbeddedRedis offer."""

    port: int
    process: subprocess.Popen[bytes] | None

    def start(self, port: int | None = None) -> str: ...


class ServerChild:
    """An embedded server (PostgreSQL, Redis) that `hanchang run` started: when it dies it is
    started again with the same backoff, on the same port and data. A start that fails (a
    killed PostgreSQL's last backends still hold its shared memory for a moment) is one
    more quick failure: the next try waits longer."""

    def __init__(self, name: str, server: EmbeddedServer) -> None:
        self.name = name
        self.server = server
        self.backoff = Backoff()
        self.backoff.started()

    @property
    def restarts(self) -> int:
        return self.backoff.restarts

    def look_after(self) -> None:
        if self.backoff.waiting:
            if not self.backoff.due():
                return
            print(f"hanchang: starting {self.name} again (restart {self.restarts})", flush=True)
            try:
                self.server.start(port=self.server.port)
            except (EmbeddedServiceError, OSError, subprocess.SubprocessError) as exc:
                pause = self.backoff.stopped()
                first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                print(
                    f"hanchang: {self.name} did not start ({first_line}); "
                    f"trying again in {pause:g} s",
                    flush=True,
                )
                return
            self.backoff.started()
            print(f"hanchang: {self.name} is back on port {self.server.port}", flush=True)
            return
        process = self.server.process
        if process is None or (code := process.poll()) is None:
            return
        pause = self.backoff.stopped()
        print(
            f"hanchang: {self.name} stopped ({exit_reason(code)}); the API answers 503 "
            f"meanwhile; starting it again in {pause:g} s",
            flush=True,
        )


def exit_reason(code: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"

"""The processes `hanchang run` looks after: the HTTP server and the two job workers.

A child that stops on its own (a crash, a kill, an out-of-memory) is started
again after a pause that doubles with each quick failure (1 s, 2 s, 4 s ... up to
30 s) and goes back to 1 s once the child has stayed up for a minute; each
restart is said on the terminal. Nothing else stops: the API keeps answering
while a worker comes back, and a restarted worker takes back the jobs its
previous life left (it keeps its id, see server/job_registry.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from server.embedded import die_with_parent, stop_process

FIRST_PAUSE_S = 1.0
LONGEST_PAUSE_S = 30.0
# Up this long, a child is healthy again: the next failure waits FIRST_PAUSE_S.
STEADY_AFTER_S = 60.0


class Child:
    """One supervised `hanchang` subcommand."""

    def __init__(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        self.name = name
        self.args = args
        self.env = env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._pause_s = FIRST_PAUSE_S
        self._started_at = 0.0
        self._restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", *self.args],
            env={**os.environ, **self.env},
            start_new_session=True,
            preexec_fn=die_with_parent(signal.SIGTERM),
        )
        self._started_at = time.monotonic()
        self._restart_at = None

    @property
    def exited(self) -> int | None:
        """The exit code of a child that stopped and is not yet being restarted."""
        if self.process is None or self._restart_at is not None:
            return None
        return self.process.poll()

    def look_after(self) -> None:
        """Restart a child that stopped, once its pause is over."""
        now = time.monotonic()
        if self._restart_at is not None:
            if now >= self._restart_at:
                self.restarts += 1
                print(
                    f"hanchang: starting the {self.name} again (restart {self.restarts})",
                    flush=True,
                )
                self.start()
            return
        code = self.exited
        if code is None:
            return
        if now - self._started_at >= STEADY_AFTER_S:
            self._pause_s = FIRST_PAUSE_S
        print(
            f"hanchang: the {self.name} stopped ({_exit_reason(code)}); "
            f"starting it again in {self._pause_s:g} s",
            flush=True,
        )
        self._restart_at = now + self._pause_s
        self._pause_s = min(self._pause_s * 2, LONGEST_PAUSE_S)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, signal.SIGTERM, timeout=20)


def _exit_reason(code: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"

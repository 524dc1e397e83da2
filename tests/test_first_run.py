"""The whole system on its first run, as a new user starts it: the real `hanchang run`
(server, both workers, embedded PostgreSQL and Redis of its own) on fresh data with
10,000 demo people, and Twilio and FCM fakes behind the real SDKs.

It checks what went wrong from outside before: sign-up codes asked for during the
first scan's burst reach Twilio before the burst is over (an order the fake records,
not a timing); every notice ends in a final state; Twilio got exactly one message or
call per delivery marked sent, and nothing else; nothing is left `sending` or
`ambiguous`; the status page's readiness has no gap longer than two minutes. A
second run kills the bulk worker in the middle of the burst: it is started again,
and the same counts hold.

Quiet hours are turned off by a setting, so that the burst happens whatever the time
of day (shifting the clock would have to move Python's and SQL's `now()` together).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from server.embedded import free_port
from tests.support.fakes.fcm import FakeFcm, write_service_account
from tests.support.fakes.twilio import FakeTwilio, running_twilio, twilio_environment

CODES_FROM = "+15005550007"
# Demo people who have no account yet: name, birth date, phone (server/demo_data).
SIGN_UPS = (
    ("김민준", "1988-04-12", "010-1350-0001"),
    ("SANTOS MARIA CLARA", "1990-11-02", "010-1350-0007"),
    ("윤지우", "2001-06-20", "010-1350-0008"),
)
FINAL_NOTICE_STATES = {"sent", "delivered", "failed", "inbox_only"}
# Bounds against a hang, not measures of speed.
START_S, BURST_S = 240, 600


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with running_twilio() as fake:
        yield fake


@pytest.fixture
async def fcm() -> AsyncIterator[FakeFcm]:
    fake = FakeFcm()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


class Run:
    """A real `hanchang run` in its own data folder, on its own port."""

    def __init__(self, data_dir: Path, env: dict[str, str]) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        env = {
            key: value
            for key, value in env.items()
            if key not in {"DATABASE_URL", "REDIS_URL", "HANCHANG_PERSON_KEYS", "HANCHANG_ENV"}
        }
        env |= {"HANCHANG_DATA_DIR": str(data_dir), "HANCHANG_PORT": str(self.port)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "run", "--people", "10000"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        assert self.process.stdout is not None
        stdout = self.process.stdout
        self._reader = threading.Thread(target=lambda: self.lines.extend(iter(stdout.readline, "")))
        self._reader.start()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    async def started(self) -> str:
        deadline = time.monotonic() + START_S
        while "Press Ctrl-C" not in self.output:
            assert self.process.poll() is None, self.output[-3000:]
            assert time.monotonic() < deadline, self.output[-3000:]
            await asyncio.sleep(0.5)
        running = json.loads((self.data_dir / "running.json").read_text())
        return str(running["database_url"])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(10)


def _worker_pid(data_dir: Path, queue_args: str) -> int:
    """The pid of the bulk worker of this run (found by its command line and data folder)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            environ = (entry / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if cmdline.rstrip().endswith(queue_args) and f"HANCHANG_DATA_DIR={data_dir}" in environ:
            return int(entry.name)
    raise AssertionError(f"no `{queue_args}` process for {data_dir}")


async def _counts(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch("SELECT state, count(*) FROM notices GROUP BY state")
    return {row["state"]: row["count"] for row in rows}


async def _sign_up(port: int, name: str, birth_date: str, phone: str) -> None:
    def post() -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/auth/signup",
            data=json.dumps({"name": name, "birth_date": birth_date, "phone": phone}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            return int(answer.status)

    assert await asyncio.to_thread(post) == 202


def _e164(phone: str) -> str:
    return "+82" + phone.replace("-", "")[1:]


async def _first_run(
    tmp_path: Path, twilio: FakeTwilio, fcm: FakeFcm, *, kill_worker: bool
) -> None:
    account = write_service_account(tmp_path / "fcm.json", fcm.token_uri)
    env = {
        **os.environ,
        **twilio_environment(twilio, 5),
        "TWILIO_CODES_FROM": CODES_FROM,
        "HANCHANG_FCM_CREDENTIALS": str(account),
        "FCM_API_BASE_URL": fcm.url,
        "HANCHANG_QUIET_HOURS": "false",
        # Fast enough for CI; slow enough that the burst lasts a while.
        "HANCHANG_TWILIO_BULK_PER_SECOND": "150",
        "HANCHANG_AMBIGUOUS_GRACE_SECONDS": "5",
        "HANCHANG_EMBEDDED_FSYNC": "off",
    }
    data_dir = tmp_path / "hanchang"
    run = Run(data_dir, env)
    try:
        conn = await asyncpg.connect(await run.started())
        try:
            await _burst(run, conn, twilio, kill_worker=kill_worker)
        finally:
            await conn.close()
    finally:
        run.stop()
    assert run.process.returncode == 0, run.output[-3000:]
    assert "Traceback" not in run.output, run.output
    if kill_worker:
        assert "the bulk worker stopped (killed by SIGKILL); starting it again" in run.output
        assert "took back" in run.output  # the killed jobs, without waiting for arq's timeout


async def _burst(
    run: Run, conn: asyncpg.Connection, twilio: FakeTwilio, *, kill_worker: bool
) -> None:
    started = await conn.fetchval("SELECT now()")
    # The first scan makes the notices; wait until they are going out.
    deadline = time.monotonic() + START_S
    while True:
        counts = await _counts(conn)
        total = sum(counts.values())
        waiting = counts.get("pending", 0) + counts.get("sending", 0)
        notice_messages = [m for m in twilio.messages if m.get("From") != CODES_FROM]
        if total and notice_messages:
            break
        assert time.monotonic() < deadline, counts
        await asyncio.sleep(0.2)
    assert total > 5_000 and waiting >= total / 2, counts

    # Sign-ups in the middle of the burst.
    for name, birth_date, phone in SIGN_UPS:
        await _sign_up(run.port, name, birth_date, phone)
    if kill_worker:
        await asyncio.sleep(3)
        os.kill(_worker_pid(run.data_dir, "server.cli worker"), signal.SIGKILL)

    # Everything reaches a final state.
    deadline = time.monotonic() + BURST_S
    while True:
        counts = await _counts(conn)
        unsettled = await conn.fetchval(
            "SELECT count(*) FROM notice_deliveries WHERE state IN ('sending', 'ambiguous')"
        )
        if set(counts) <= FINAL_NOTICE_STATES and unsettled == 0:
            break
        assert time.monotonic() < deadline, (counts, unsettled, run.output[-3000:])
        await asyncio.sleep(1)
    assert sum(counts.values()) == total

    # The codes reached Twilio before the burst was over, from their own sender.
    codes = [i for i, m in enumerate(twilio.messages) if m.get("From") == CODES_FROM]
    notices = [i for i, m in enumerate(twilio.messages) if m.get("From") != CODES_FROM]
    assert sorted(twilio.messages[i]["To"] for i in codes) == sorted(
        _e164(phone) for _, _, phone in SIGN_UPS
    )
    assert max(codes) < max(notices), "a sign-up code waited for the burst to end"
    assert all(twilio.messages[i].get("ValidityPeriod") for i in codes)

    # Exactly one message or call per delivery marked sent, and nothing else.
    for channel, received in (("sms", twilio.messages), ("voice", twilio.calls)):
        sent = await conn.fetch(
            "SELECT provider_ref FROM notice_deliveries "
            "WHERE channel = $1 AND state IN ('sent', 'delivered')",
            channel,
        )
        references = [row["provider_ref"] for row in sent]
        at_twilio = [m["sid"] for m in received if m.get("From") != CODES_FROM]
        assert len(references) == len(set(references)), f"{channel}: a reference twice"
        assert sorted(references) == sorted(at_twilio), f"{channel}: lost or sent twice"
    people_told = await conn.fetchval(
        "SELECT count(DISTINCT n.id) FROM notices n JOIN notice_deliveries d "
        "ON d.notice_id = n.id WHERE d.state IN ('sent', 'delivered')"
    )
    assert people_told == counts.get("sent", 0) + counts.get("delivered", 0)

    # The status page kept its readiness minutes, with no gap of more than two minutes.
    minutes = [
        row["minute"]
        for row in await conn.fetch(
            "SELECT minute FROM status_readiness_minute WHERE minute >= date_trunc('minute', $1::timestamptz) "
            "ORDER BY minute",
            started,
        )
    ]
    ended = await conn.fetchval("SELECT date_trunc('minute', now())")
    assert minutes, "no readiness probe ran during the burst"
    points = [started, *minutes, ended]
    gaps = [later - earlier for earlier, later in itertools.pairwise(points)]
    assert max(gaps) <= timedelta(minutes=2), gaps


async def test_the_first_run_holds(tmp_path: Path, twilio: FakeTwilio, fcm: FakeFcm) -> None:
    await _first_run(tmp_path, twilio, fcm, kill_worker=False)


async def test_the_first_run_holds_when_the_worker_is_killed_mid_burst(
    tmp_path: Path, twilio: FakeTwilio, fcm: FakeFcm
) -> None:
    await _first_run(tmp_path, twilio, fcm, kill_worker=True)

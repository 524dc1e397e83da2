"""HTTP: `GET /healthz` and `GET /readyz` with request metrics on and off, and a bare route.

Each server is a subprocess served the way `hanchang serve` serves (uvicorn, one
process, no access log) on a free loopback port, against a scratch database
migrated for this run; the load generator is another process. Cases run in
rounds whose order alternates, and the median of the rounds is reported.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http.client
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec

from bench.loadgen import CONNECTIONS, BenchError, LoadGenerator, LoadResult, progress
from bench.table import Row, Unit
from server.embedded import die_with_parent, free_port, stop_process
from server.migrate import migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ROUTES = ("/healthz", "/readyz")
BARE_ROUTE = "/healthz"
WARM_UP_SECONDS = 2
START_TIMEOUT_S = 60.0
# ARCHITECTURE.md's measured reference: the bare route under uvicorn, wrk -c32, 2 cores.
REFERENCE_BARE_UVICORN_RPS = 15_000.0

METRICS_ON = "metrics on"
METRICS_OFF = "metrics off"
BARE = "bare"


class ServerVariant(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    command: tuple[str, ...]
    env: dict[str, str]
    routes: tuple[str, ...]
    # uvicorn takes its port as an option; `hanchang serve` from HANCHANG_PORT.
    port_flag: bool = False


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


async def _create_migrated_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    target = await asyncpg.connect(with_database(server_url, name))
    try:
        await migrate(target)
    finally:
        await target.close()


async def _drop_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@contextlib.contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A migrated database of our own on the server, dropped afterwards whatever happens."""
    name = f"hanchang_bench_{os.getpid()}"
    try:
        progress(f"creating and migrating scratch database {name}")
        asyncio.run(_create_migrated_database(server_url, name))
        yield with_database(server_url, name)
    finally:
        asyncio.run(_drop_database(server_url, name))
        progress(f"dropped scratch database {name}")


def _get(port: int, path: str, timeout: float = 5.0) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _log_tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.exists() else ""


class RunningServer(NamedTuple):
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise BenchError(
                f"{self.name} server exited with {self.process.returncode}:\n{_log_tail(self.log)}"
            )


@contextlib.contextmanager
def running_server(variant: ServerVariant, log: Path) -> Iterator[RunningServer]:
    """The server listening on a free port; stopped (SIGTERM, then SIGKILL) on the way out."""
    port = free_port()
    env = {**os.environ, **variant.env, "HANCHANG_PORT": str(port)}
    command = [*variant.command, *(("--port", str(port)) if variant.port_flag else ())]
    with log.open("ab") as log_file:
        # Its own session: a terminal's Ctrl-C reaches us, and we stop it in order;
        # the kernel stops it if we die without cleaning up.
        process = subprocess.Popen(
            list(command),
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent(signal.SIGTERM),
        )
    server = RunningServer(variant.name, port, process, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            server.check_alive()
            with contextlib.suppress(OSError):
                if _get(port, variant.routes[0], timeout=1.0) == 200:
                    break
            if time.monotonic() > deadline:
                raise BenchError(
                    f"{variant.name} server did not answer within {START_TIMEOUT_S:.0f} s:\n"
                    f"{_log_tail(log)}"
                )
            time.sleep(0.1)
        yield server
    finally:
        stop_process(process, signal.SIGTERM, timeout=15)


def server_variants(database_url: str, redis_url: str, data_dir: Path) -> list[ServerVariant]:
    hanchang = str(Path(sys.executable).with_name("hanchang"))
    person_keys = "1:" + base64.b64encode(secrets.token_bytes(32)).decode()
    common = {
        "HANCHANG_ENV": "test",
        "HANCHANG_HOST": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "HANCHANG_PERSON_KEYS": person_keys,
        "HANCHANG_DATA_DIR": str(data_dir),
    }
    # The same uvicorn options as `hanchang serve` (server/cli.py `_serve`).
    bare_command = (
        sys.executable,
        "-m",
        "uvicorn",
        "bench.bare_app:app",
        "--host",
        "127.0.0.1",
        "--log-level",
        "info",
        "--no-access-log",
        "--lifespan",
        "on",
    )
    return [
        ServerVariant(
            name=BARE, command=bare_command, env={}, routes=(BARE_ROUTE,), port_flag=True
        ),
        ServerVariant(
            name=METRICS_ON,
            command=(hanchang, "serve"),
            env={**common, "HANCHANG_METRICS_ENABLED": "true"},
            routes=ROUTES,
        ),
        ServerVariant(
            name=METRICS_OFF,
            command=(hanchang, "serve"),
            env={**common, "HANCHANG_METRICS_ENABLED": "false"},
            routes=ROUTES,
        ),
    ]


def _measure(load: LoadGenerator, server: RunningServer, route: str, seconds: int) -> LoadResult:
    label = server.name
    status = _get(server.port, route)
    if status != 200:
        raise BenchError(f"{label}: GET {route} answered {status} before the load, not 200")
    url = f"http://127.0.0.1:{server.port}{route}"
    load.run(url, WARM_UP_SECONDS)
    result = load.run(url, seconds)
    server.check_alive()
    if result.requests == 0:
        raise BenchError(f"{label}: GET {route} got no answer under load")
    if result.non_2xx:
        raise BenchError(f"{label}: {result.non_2xx} of {result.requests} answers were not 2xx")
    progress(
        f"  {label} GET {route}: {result.requests_per_s:,.0f} requests/s, "
        f"p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms"
        + (f", {result.socket_errors} socket errors" if result.socket_errors else "")
    )
    return result


class _Median(msgspec.Struct, frozen=True):
    requests_per_s: float
    p50_ms: float
    p99_ms: float


def _median(results: list[LoadResult]) -> _Median:
    return _Median(
        requests_per_s=statistics.median(r.requests_per_s for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
    )


def _rows(
    benchmark: str, value: _Median, baseline: _Median | None, baseline_name: str
) -> list[Row]:
    base = baseline or _Median(float("nan"), float("nan"), float("nan"))
    measures: tuple[tuple[str, Unit, float, float], ...] = (
        ("requests/s", "per_s", value.requests_per_s, base.requests_per_s),
        ("p50 latency", "ms", value.p50_ms, base.p50_ms),
        ("p99 latency", "ms", value.p99_ms, base.p99_ms),
    )
    return [
        Row(
            benchmark=benchmark,
            measure=measure,
            unit=unit,
            value=figure,
            baseline=None if baseline is None else base_figure,
            baseline_name=baseline_name,
        )
        for measure, unit, figure, base_figure in measures
    ]


def bench_http(
    database_server_url: str, redis_url: str, load: LoadGenerator, seconds: int, rounds: int
) -> list[Row]:
    """Rows: the bare route, then per route metrics off (against bare) and on (against off)."""
    results: dict[tuple[str, str], list[LoadResult]] = {}
    with (
        scratch_database(database_server_url) as database_url,
        tempfile.TemporaryDirectory(prefix="hanchang-bench-") as tmp,
    ):
        variants = server_variants(database_url, redis_url, Path(tmp))
        for number in range(rounds):
            # Alternate the order of cases between rounds so drift favours no one.
            order = variants if number % 2 == 0 else variants[::-1]
            progress(f"HTTP round {number + 1} of {rounds}: {', '.join(v.name for v in order)}")
            for variant in order:
                log = Path(tmp) / f"server-{variant.name.replace(' ', '-')}.log"
                with running_server(variant, log) as server:
                    routes = variant.routes if number % 2 == 0 else variant.routes[::-1]
                    for route in routes:
                        result = _measure(load, server, route, seconds)
                        results.setdefault((variant.name, route), []).append(result)

    bare = _median(results[(BARE, BARE_ROUTE)])
    rows = _rows(f"bare Litestar route, GET {BARE_ROUTE}", bare, None, "")
    if load.kind == "wrk" and load.connections == CONNECTIONS == 32:
        rows[0] = msgspec.structs.replace(
            rows[0],
            baseline=REFERENCE_BARE_UVICORN_RPS,
            baseline_name="ARCHITECTURE.md, uvicorn",
        )
    for route in ROUTES:
        off = _median(results[(METRICS_OFF, route)])
        on = _median(results[(METRICS_ON, route)])
        rows += _rows(f"GET {route}, {METRICS_OFF}", off, bare, "bare route")
        rows += _rows(f"GET {route}, {METRICS_ON}", on, off, METRICS_OFF)
    return rows

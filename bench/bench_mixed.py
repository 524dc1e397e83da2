"""A mixed load at a fixed rate: sign-ins, eligibility reads, applications, the status page,
and `/healthz` as the baseline, interleaved in one run of BENCH_MIXED_SECONDS (default 60).

Open loop: each request has its moment (the rate spreads them evenly) and is sent then,
whether or not earlier answers have come; its latency counts from that moment, so a
server that falls behind shows it in p99 instead of slowing the generator down
(coordinated omission). One `hanchang serve` (metrics on) on a scratch database:

- sign-in: `POST /v1/auth/sms/verify`, a sign-in challenge answered with its code (each
  prepared beforehand for an account of its own, as the sign-in benchmark prepares them);
- eligibility: `GET /v1/me/eligibility` of a demo person with linked facts;
- applications: `GET /v1/applications`, the person's applications;
- status page: `GET /status`, the public page (HTML) from its snapshot;
- `GET /healthz`: a constant answer, the same rate, the same connections.

Every answer must be 200: an error is counted and reported (none expected).

    BENCH_MIXED_SECONDS   seconds of load (default 60)
    BENCH_MIXED_RATE      requests per second per case (default 8: 40/s in all)

    .venv/bin/hanchang services -- .venv/bin/python -m bench.bench_mixed
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import asyncpg

from bench.bench_eligibility import sign_in_people_with_facts
from bench.bench_sign_in import _read_answer, enrol, server_env, sms_requests
from bench.http_routes import ServerVariant, running_server, scratch_database
from bench.loadgen import BenchError, progress
from bench.table import Row, render
from foundation.settings import load_settings

DEFAULT_SECONDS = 60
DEFAULT_RATE = 8
PEOPLE = 2_000
CONNECTIONS = 64
ACCESS_TOKEN_SECONDS = 3600

HEALTHZ = "GET /healthz"
SIGN_IN = "POST /v1/auth/sms/verify"
ELIGIBILITY = "GET /v1/me/eligibility"
APPLICATIONS = "GET /v1/applications"
STATUS = "GET /status"
CASES = (HEALTHZ, SIGN_IN, ELIGIBILITY, APPLICATIONS, STATUS)


def _setting(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise BenchError(f"{name} must be a whole number of at least 1, got {raw!r}")
    return int(raw)


def _get(port: int, path: str, token: str | None = None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}\r\n".encode()


def schedule(
    port: int, seconds: int, rate: int, tokens: list[str], sign_ins: list[bytes]
) -> list[tuple[float, str, bytes]]:
    """(moment, case, request) for every request, in order of moment: the cases take turns
    within each 1/rate of a second, so each keeps its rate and none bunches up."""
    plan: list[tuple[float, str, bytes]] = []
    step = 1.0 / rate
    for n in range(seconds * rate):
        token = tokens[n % len(tokens)]
        requests = {
            HEALTHZ: _get(port, "/healthz"),
            SIGN_IN: sign_ins[n],
            ELIGIBILITY: _get(port, "/v1/me/eligibility", token),
            APPLICATIONS: _get(port, "/v1/applications", token),
            STATUS: _get(port, "/status"),
        }
        for index, case in enumerate(CASES):
            plan.append((n * step + index * step / len(CASES), case, requests[case]))
    return plan


async def open_loop(
    port: int, plan: list[tuple[float, str, bytes]]
) -> tuple[dict[str, list[float]], dict[str, list[int]]]:
    """Send each request at its moment over a pool of keep-alive connections; latency in
    seconds from the moment, and every status that was not 200, per case."""
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(CONNECTIONS):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    latencies: dict[str, list[float]] = {case: [] for case in CASES}
    errors: dict[str, list[int]] = {case: [] for case in CASES}
    start = time.perf_counter() + 0.5

    async def send(moment: float, case: str, request: bytes) -> None:
        reader, writer = await pool.get()
        status = 0
        try:
            writer.write(request)
            await writer.drain()
            status, _body = await _read_answer(reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        finally:
            pool.put_nowait((reader, writer))
        latencies[case].append(time.perf_counter() - (start + moment))
        if status != 200:
            errors[case].append(status)

    tasks: list[asyncio.Task[None]] = []
    for moment, case, request in plan:
        delay = start + moment - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(moment, case, request)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        _reader, writer = pool.get_nowait()
        writer.close()
    return latencies, errors


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def bench_mixed(database_server_url: str, redis_url: str, notes: list[str]) -> list[Row]:
    """Rows: p50 and p99 of each case of the mixed load against /healthz's, and its errors."""
    seconds = _setting(os.environ, "BENCH_MIXED_SECONDS", DEFAULT_SECONDS)
    rate = _setting(os.environ, "BENCH_MIXED_RATE", DEFAULT_RATE)
    with (
        scratch_database(database_server_url) as database_url,
        tempfile.TemporaryDirectory(prefix="hanchang-bench-mixed-") as tmp,
    ):
        env = {
            **server_env(database_url, redis_url, Path(tmp)),
            "HANCHANG_ACCESS_TOKEN_SECONDS": str(ACCESS_TOKEN_SECONDS),
        }
        variant = ServerVariant(
            name="mixed",
            command=(str(Path(sys.executable).with_name("hanchang")), "serve"),
            env=env,
            routes=("/healthz",),
        )
        with running_server(variant, Path(tmp) / "server-mixed.log") as server:
            settings = load_settings({**os.environ, **env, "HANCHANG_PORT": str(server.port)})

            async def measure() -> tuple[dict[str, list[float]], dict[str, list[int]]]:
                conn = await asyncpg.connect(database_url)
                try:
                    # The sign-in accounts first: enrol gives every person then present one.
                    members = await enrol(conn, settings, seconds * rate)
                    tokens = await sign_in_people_with_facts(conn, settings, PEOPLE)
                    sign_ins = await sms_requests(conn, settings, server.port, members)
                finally:
                    await conn.close()
                plan = schedule(server.port, seconds, rate, tokens, sign_ins.requests)
                progress(
                    f"mixed load: {len(plan):,} requests over {seconds} s, {rate}/s per case, "
                    f"{len(CASES)} cases"
                )
                return await open_loop(server.port, plan)

            latencies, errors = asyncio.run(measure())
            server.check_alive()

    rows: list[Row] = []
    for case in CASES[1:]:
        for name, fraction in (("p50 latency", 0.5), ("p99 latency", 0.99)):
            rows.append(
                Row(
                    benchmark=f"mixed: {case}",
                    measure=name,
                    unit="ms",
                    value=_percentile(latencies[case], fraction),
                    baseline=_percentile(latencies[HEALTHZ], fraction),
                    baseline_name=HEALTHZ,
                )
            )
    failed = {case: statuses for case, statuses in errors.items() if statuses}
    notes.append(
        f"mixed: open loop at {rate} requests/s per case ({rate * len(CASES)}/s in all) for "
        f"{seconds} s, latency from each request's planned moment, {CONNECTIONS} keep-alive "
        f"connections, one `hanchang serve` (metrics on) on loopback; {PEOPLE:,} demo people; "
        "sign-in = an SMS challenge answered (prepared per account); applications = the "
        "person's list; status = the public page from its snapshot; errors (answers other "
        f"than 200): {failed or 'none'}"
    )
    if failed:
        raise BenchError(f"the mixed load had answers other than 200: {failed}")
    return rows


if __name__ == "__main__":
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url or not redis_url:
        print("bench_mixed: set DATABASE_URL and REDIS_URL (or run `make bench`)", file=sys.stderr)
        raise SystemExit(2)
    notes: list[str] = []
    print(render(bench_mixed(database_url, redis_url, notes)))
    print("\n".join(notes))

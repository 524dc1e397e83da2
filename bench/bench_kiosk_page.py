"""The kiosk's signed page request over HTTP: `GET /kiosk` (the start page) signed by an
enrolled kiosk's device key, as its service worker signs every request
(kiosk/static/sw.js), against `GET /healthz` in the same run, to the same server.

Sign-in is excluded (bench_pin_sign_in.py measures it): this is what every kiosk page
pays before its own work, the device signature checked (Ed25519), its nonce kept in Redis,
the kiosk looked up, plus the start page drawn from its template. Each request carries a
nonce of its own and is sent once (a nonce used twice is refused); they are signed just
before their round, well within the 60 s a timestamp is accepted. Everything else is as
in bench_sign_in.py: the same load generator in its own process, the same server
settings (metrics on), rounds with the case order alternated, every answer a 200.

    BENCH_KIOSK_PAGES   signed page requests per round (default 2,000)
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import asyncpg
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from auth import b64url, signed_string
from bench.bench_sign_in import LoadFigures, LoadPlan, get_request, load, server_env, warm_up_count
from bench.http_routes import ServerVariant, running_server, scratch_database
from bench.loadgen import BenchError, progress
from bench.table import Row, Unit

DEFAULT_PAGES = 2_000
PAGE_PATH = "/kiosk"
HEALTHZ = "GET /healthz"
PAGE = f"GET {PAGE_PATH}, signed"
CASES = (HEALTHZ, PAGE)

NOTES = (
    "kiosk page: GET /kiosk signed by an enrolled kiosk (Ed25519), each request with a nonce "
    "of its own, sent once; {count:,} after {warm_up:,} of warm-up, over the same client, "
    "connections and server as the sign-in rows; against GET /healthz sent as often by the "
    "same client; median of {rounds} round{plural}; every answer 200",
    "kiosk page = signature checked (Ed25519) and its nonce kept (Redis SET NX), the kiosk "
    "row, the office's name, the start page's template; the same figures reach /status "
    "under the kiosk menu (request metrics of the routes under /kiosk)",
)


class BenchKiosk(NamedTuple):
    id: int
    key: ed25519.Ed25519PrivateKey


def page_count(env: Mapping[str, str]) -> int:
    raw = env.get("BENCH_KIOSK_PAGES", "").strip().replace("_", "").replace(",", "")
    if not raw:
        return DEFAULT_PAGES
    if not raw.isdigit() or int(raw) < 1:
        raise BenchError(f"BENCH_KIOSK_PAGES must be a whole number of at least 1, got {raw!r}")
    return int(raw)


def signed_get(port: int, path: str, kiosk: BenchKiosk) -> bytes:
    """The kiosk's page request, signed as its service worker signs it."""
    stamp, nonce = str(int(time.time())), b64url(secrets.token_bytes(16))
    message = signed_string(
        method="GET", target=path, body=b"", timestamp=stamp, nonce=nonce, kiosk_id=str(kiosk.id)
    )
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/html\r\n"
        f"X-Kiosk-Id: {kiosk.id}\r\nX-Kiosk-Timestamp: {stamp}\r\nX-Kiosk-Nonce: {nonce}\r\n"
        f"X-Kiosk-Signature: {b64url(kiosk.key.sign(message))}\r\n\r\n"
    ).encode()


async def enrol_kiosk(conn: asyncpg.Connection) -> BenchKiosk:
    key = ed25519.Ed25519PrivateKey.generate()
    kiosk_id = await conn.fetchval(
        "INSERT INTO kiosks (office_code, name, location, public_key, key_algorithm) "
        "VALUES ('seoul', 'bench', '1층 입구', $1, 'Ed25519') RETURNING id",
        key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo),
    )
    return BenchKiosk(kiosk_id, key)


async def run_rounds(
    conn: asyncpg.Connection, port: int, work_dir: Path, count: int, rounds: int
) -> dict[str, list[LoadFigures]]:
    kiosk = await enrol_kiosk(conn)
    warm_up = warm_up_count(count)

    def plan(case: str, size: int) -> LoadPlan:
        if case == HEALTHZ:
            return LoadPlan(requests=[get_request(port, "/healthz")] * size)
        return LoadPlan(requests=[signed_get(port, PAGE_PATH, kiosk) for _ in range(size)])

    results: dict[str, list[LoadFigures]] = {case: [] for case in CASES}
    for number in range(rounds):
        order = CASES if number % 2 == 0 else CASES[::-1]
        progress(f"kiosk page round {number + 1} of {rounds}: {', '.join(order)}")
        for case in order:
            await load(port, plan(case, warm_up), work_dir, case)
            result = await load(port, plan(case, count), work_dir, case)
            results[case].append(result)
            progress(
                f"  {case}: {result.requests:,} in {result.seconds:.1f} s, "
                f"{result.requests_per_s:,.0f} requests/s, p50 {result.p50_ms:.2f} ms, "
                f"p99 {result.p99_ms:.2f} ms"
            )
    return results


def bench_kiosk_page(
    database_server_url: str, redis_url: str, rounds: int, notes: list[str]
) -> list[Row]:
    """Rows: requests/s, p50 and p99 latency of the signed kiosk page, against /healthz."""
    count = page_count(os.environ)
    with (
        scratch_database(database_server_url) as database_url,
        tempfile.TemporaryDirectory(prefix="hanchang-bench-kiosk-") as tmp,
    ):
        env = server_env(database_url, redis_url, Path(tmp))
        variant = ServerVariant(
            name="kiosk-page",
            command=(str(Path(sys.executable).with_name("hanchang")), "serve"),
            env=env,
            routes=("/healthz",),
        )
        with running_server(variant, Path(tmp) / "server-kiosk-page.log") as server:

            async def measure() -> dict[str, list[LoadFigures]]:
                conn = await asyncpg.connect(database_url)
                try:
                    return await run_rounds(conn, server.port, Path(tmp), count, rounds)
                finally:
                    await conn.close()

            results = asyncio.run(measure())
            server.check_alive()

    def median(case: str) -> tuple[float, float, float]:
        return (
            statistics.median(r.requests_per_s for r in results[case]),
            statistics.median(r.p50_ms for r in results[case]),
            statistics.median(r.p99_ms for r in results[case]),
        )

    base = median(HEALTHZ)
    page = median(PAGE)
    units: tuple[tuple[str, Unit], ...] = (
        ("requests/s", "per_s"),
        ("p50 latency", "ms"),
        ("p99 latency", "ms"),
    )
    rows = [
        Row(benchmark=PAGE, measure=m, unit=u, value=v, baseline=b, baseline_name=HEALTHZ)
        for (m, u), v, b in zip(units, page, base, strict=True)
    ]
    values = {
        "count": count,
        "warm_up": warm_up_count(count),
        "rounds": rounds,
        "plural": "s" if rounds != 1 else "",
    }
    notes += [note.format(**values) for note in NOTES]
    return rows


if __name__ == "__main__":
    from bench.table import render

    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url or not redis_url:
        print("bench_kiosk_page: set DATABASE_URL and REDIS_URL (or run `make bench`)")
        raise SystemExit(2)
    notes: list[str] = []
    print(render(bench_kiosk_page(database_url, redis_url, 1, notes)))
    print("\n".join(notes))

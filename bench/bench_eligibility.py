"""One person's eligibility over HTTP: `GET /v1/me/eligibility` under load, against `/healthz`.

One `hanchang serve` (metrics on, as in production) on a scratch database with
demo data (BENCH_ELIGIBILITY_PEOPLE people and their linked facts, loaded as of
today, the server's date of evaluation). Accounts and signed-in sessions are made
for people with facts, through `auth.sessions.start_session` with the server's own
settings; each request carries the access token of the next session in turn, so
the requests spread over many people. Every rule is evaluated for that person as
the app does it (`evaluate_person`: their registry row and facts read, each
criterion explained in the caller's language).

The requests go to the sign-in benchmark's load generator, in a process of its own
(keep-alive connections over raw asyncio sockets, each request sent once).
`GET /healthz`, the baseline, is sent as many times by the same generator in the
same run. Every answer must be 200.

    BENCH_ELIGIBILITY_PEOPLE    people loaded, and signed in when they have facts (default 5,000)
    BENCH_ELIGIBILITY_REQUESTS  requests per case per round (default 5,000)
    BENCH_ROUNDS                rounds, case order alternated, median reported (default 2)

    .venv/bin/hanchang services -- .venv/bin/python -m bench.bench_eligibility
"""

from __future__ import annotations

import asyncio
import http.client
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import asyncpg
import msgspec

from auth import start_session
from bench.bench_sign_in import LoadFigures, LoadPlan, load, server_env, warm_up_count
from bench.http_routes import ServerVariant, running_server, scratch_database
from bench.loadgen import CONNECTIONS, BenchError, progress
from bench.table import Row, Unit, render
from foundation.settings import Settings, load_settings
from onestop.eligibility.explain import korean_today
from server.demo_data import load_demo_data

DEFAULT_PEOPLE = 5_000
DEFAULT_REQUESTS = 5_000
DEMO_SEED = 1351
# Long enough that no token expires during a slow run (the most the setting allows).
ACCESS_TOKEN_SECONDS = 3600

ELIGIBILITY_PATH = "/v1/me/eligibility"
ELIGIBILITY = f"GET {ELIGIBILITY_PATH}"
HEALTHZ = "GET /healthz"
CASES = (HEALTHZ, ELIGIBILITY)

NOTES = (
    "me/eligibility: {people:,} demo people loaded (as of today), {sessions:,} of them (those "
    "with linked facts) signed in through `start_session`; each request carries the next "
    "session's access token in turn; {count:,} requests per case after {warm_up:,} of warm-up, "
    "by the sign-in benchmark's asyncio client in its own process over {connections} "
    "keep-alive connections, to one `hanchang serve` (metrics on) on loopback; median of "
    "{rounds} round{plural} (case order alternated); every answer 200",
    "me/eligibility = session by access-token hash, one transaction as hanchang_app, the "
    "person's registry row and facts read, every programme's rule evaluated in Python and "
    "each criterion explained in Korean ({programmes} programmes in a {size:,}-byte answer); "
    "/healthz = a constant answer, no database",
)


def _setting(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip().replace("_", "").replace(",", "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise BenchError(f"{name} must be a whole number of at least 1, got {env[name]!r}")
    return int(raw)


async def sign_in_people_with_facts(
    conn: asyncpg.Connection, settings: Settings, people: int
) -> list[str]:
    """Demo data for `people` people; an account and a session for each who has facts."""
    started = time.perf_counter()
    await load_demo_data(
        conn, people=people, seed=DEMO_SEED, settings=settings, today=korean_today()
    )
    rows = await conn.fetch(
        """
        INSERT INTO accounts (person_id, assurance)
        SELECT p.id, 'remote' FROM people p
        WHERE EXISTS (SELECT 1 FROM person_facts f WHERE f.person_id = p.id)
        ORDER BY p.id
        RETURNING id
        """
    )
    tokens: list[str] = []
    async with conn.transaction():
        for row in rows:
            session = await start_session(
                conn, settings.auth, account_id=row["id"], aal=1, method="sms", channel="app"
            )
            tokens.append(session.tokens.access_token)
    progress(
        f"me/eligibility: {people:,} people loaded, {len(tokens):,} signed in, "
        f"in {time.perf_counter() - started:.1f} s"
    )
    if not tokens:
        raise BenchError("no demo person has linked facts to evaluate")
    return tokens


def eligibility_request(port: int, access_token: str) -> bytes:
    return (
        f"GET {ELIGIBILITY_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {access_token}\r\n\r\n"
    ).encode()


def plans(port: int, tokens: list[str], count: int, offset: int) -> dict[str, LoadPlan]:
    """`count` requests per case; eligibility requests take tokens in turn from `offset`."""
    healthz = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    return {
        HEALTHZ: LoadPlan(requests=[healthz] * count),
        ELIGIBILITY: LoadPlan(
            requests=[
                eligibility_request(port, tokens[(offset + n) % len(tokens)]) for n in range(count)
            ]
        ),
    }


async def run_rounds(
    port: int, tokens: list[str], work_dir: Path, count: int, rounds: int
) -> dict[str, list[LoadFigures]]:
    warm_up = warm_up_count(count)
    results: dict[str, list[LoadFigures]] = {case: [] for case in CASES}
    offset = 0
    for number in range(rounds):
        order = CASES if number % 2 == 0 else CASES[::-1]
        progress(f"me/eligibility round {number + 1} of {rounds}: {', '.join(order)}")
        for case in order:
            for size, timed in ((warm_up, False), (count, True)):
                result = await load(port, plans(port, tokens, size, offset)[case], work_dir, case)
                if case == ELIGIBILITY:
                    offset += size
                if timed:
                    results[case].append(result)
                    progress(
                        f"  {case}: {result.requests:,} in {result.seconds:.1f} s, "
                        f"{result.requests_per_s:,.0f} requests/s, p50 {result.p50_ms:.2f} ms, "
                        f"p99 {result.p99_ms:.2f} ms"
                    )
    return results


def _answer_shape(port: int, token: str) -> tuple[int, int]:
    """Programmes in one answer and its size in bytes, for the notes."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", ELIGIBILITY_PATH, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise BenchError(f"{ELIGIBILITY}: {response.status} {body[:300].decode(errors='replace')}")
    return len(msgspec.json.decode(body)["programmes"]), len(body)


def bench_eligibility(
    database_server_url: str, redis_url: str, rounds: int, notes: list[str]
) -> list[Row]:
    """Rows: requests/s, p50 and p99 latency of GET /v1/me/eligibility, against /healthz."""
    people = _setting(os.environ, "BENCH_ELIGIBILITY_PEOPLE", DEFAULT_PEOPLE)
    count = _setting(os.environ, "BENCH_ELIGIBILITY_REQUESTS", DEFAULT_REQUESTS)
    with (
        scratch_database(database_server_url) as database_url,
        tempfile.TemporaryDirectory(prefix="hanchang-bench-eligibility-") as tmp,
    ):
        env = {
            **server_env(database_url, redis_url, Path(tmp)),
            "HANCHANG_ACCESS_TOKEN_SECONDS": str(ACCESS_TOKEN_SECONDS),
        }
        variant = ServerVariant(
            name="eligibility",
            command=(str(Path(sys.executable).with_name("hanchang")), "serve"),
            env=env,
            routes=("/healthz",),
        )
        with running_server(variant, Path(tmp) / "server-eligibility.log") as server:
            # The server's own settings: the same keys, the same token lifetime.
            settings = load_settings({**os.environ, **env, "HANCHANG_PORT": str(server.port)})

            async def measure() -> tuple[dict[str, list[LoadFigures]], int, tuple[int, int]]:
                conn = await asyncpg.connect(database_url)
                try:
                    tokens = await sign_in_people_with_facts(conn, settings, people)
                finally:
                    await conn.close()
                shape = _answer_shape(server.port, tokens[0])
                results = await run_rounds(server.port, tokens, Path(tmp), count, rounds)
                return results, len(tokens), shape

            results, sessions, (programmes, size) = asyncio.run(measure())
            server.check_alive()

    def median(case: str, measure: str) -> float:
        return float(statistics.median(getattr(result, measure) for result in results[case]))

    measures: tuple[tuple[str, Unit, str], ...] = (
        ("requests/s", "per_s", "requests_per_s"),
        ("p50 latency", "ms", "p50_ms"),
        ("p99 latency", "ms", "p99_ms"),
    )
    rows = [
        Row(
            benchmark=ELIGIBILITY,
            measure=name,
            unit=unit,
            value=median(ELIGIBILITY, field),
            baseline=median(HEALTHZ, field),
            baseline_name=HEALTHZ,
        )
        for name, unit, field in measures
    ]
    values = {
        "people": people,
        "sessions": sessions,
        "count": count,
        "warm_up": warm_up_count(count),
        "connections": CONNECTIONS,
        "rounds": rounds,
        "plural": "s" if rounds != 1 else "",
        "programmes": programmes,
        "size": size,
    }
    notes += [note.format(**values) for note in NOTES]
    return rows


if __name__ == "__main__":
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url or not redis_url:
        print(
            "bench_eligibility: set DATABASE_URL and REDIS_URL (or run `make bench`)",
            file=sys.stderr,
        )
        raise SystemExit(2)
    notes: list[str] = []
    rows = bench_eligibility(
        database_url, redis_url, _setting(os.environ, "BENCH_ROUNDS", 1), notes
    )
    print(render(rows))
    print("\n".join(notes))

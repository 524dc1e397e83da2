"""Sign-in without a smartphone over HTTP: an access card + PIN at an enrolled kiosk (the
kiosk channel's signed form post), against `/readyz` in the same run.

It checks the one PIN with argon2id at 64 MiB (auth/pin.py), at most four hashes at once
per process: the PIN is what this channel costs, and this says how many kiosks one
`hanchang serve` carries. The phone line checks the same PIN, but has no route to
measure: no JSON route takes a caller number (anyone could type one), and its
Twilio-signed webhooks are a later issue. Everything else is as in bench_sign_in.py (the
same load generator in its own process, the same server settings): people and accounts
are copied in with one PIN hash (salted once; checking it costs the same for everyone), a
staff member, one enrolled kiosk (an Ed25519 key, each request signed as its service
worker signs it) and a card per person. Each card signs in once per round; every answer
must be the 303 to `/kiosk/me` with the session cookie.

    BENCH_PIN_SIGN_INS   card sign-ins per round (default 600: ~10 s at 60/s)
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

import asyncpg
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from auth import b64url, hash_pin, new_token, person_key, signed_string, token_hash
from bench.bench_sign_in import (
    READYZ,
    LoadFigures,
    LoadPlan,
    PersonRow,
    get_request,
    load,
    server_env,
    warm_up_count,
)
from bench.http_routes import ServerVariant, running_server, scratch_database
from bench.loadgen import BenchError, progress
from bench.table import Row, Unit
from foundation.settings import Settings, load_settings

DEFAULT_SIGN_INS = 600
PIN = "306817"
CARD_PATH = "/kiosk/sign-in"
CARD = f"POST {CARD_PATH}"
CASES = (READYZ, CARD)

NOTES = (
    "PIN sign-in: each request a distinct card of its own, sent once; {count:,} after "
    "{warm_up:,} of warm-up, over the same client, connections and server as the sign-in "
    "rows; median of {rounds} round{plural}; every answer 200 (303 for the form post)",
    "card + PIN = the kiosk's Ed25519 signature checked and its nonce kept (Redis), card by "
    "token hash (SHA-256), the person's account, "
    "card row FOR UPDATE, PIN checked with argon2id (64 MiB, 3 passes, 4 lanes; at most 4 at "
    "once per process, off the event loop), counts reset, audit row, session rows at aal 2",
)


class Holder(NamedTuple):
    card_token: str


class BenchKiosk(NamedTuple):
    id: int
    key: ed25519.Ed25519PrivateKey


def sign_in_count(env: Mapping[str, str]) -> int:
    raw = env.get("BENCH_PIN_SIGN_INS", "").strip().replace("_", "").replace(",", "")
    if not raw:
        return DEFAULT_SIGN_INS
    if not raw.isdigit() or int(raw) < 1:
        raise BenchError(f"BENCH_PIN_SIGN_INS must be a whole number of at least 1, got {raw!r}")
    return int(raw)


def _landline(number: int) -> str:
    # 02-3000-0000 upwards: Seoul landlines, one per person (people without a smartphone).
    return f"+822{3000_0000 + number:08d}"


def signed_form_post(port: int, path: str, form: Mapping[str, str], kiosk: BenchKiosk) -> bytes:
    """The kiosk's form post, signed as its service worker signs it (kiosk/static/sw.js)."""
    payload = urlencode(form).encode()
    stamp, nonce = str(int(time.time())), b64url(secrets.token_bytes(16))
    message = signed_string(
        method="POST",
        target=path,
        body=payload,
        timestamp=stamp,
        nonce=nonce,
        kiosk_id=str(kiosk.id),
    )
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"X-Kiosk-Id: {kiosk.id}\r\nX-Kiosk-Timestamp: {stamp}\r\nX-Kiosk-Nonce: {nonce}\r\n"
        f"X-Kiosk-Signature: {b64url(kiosk.key.sign(message))}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


async def enrol_holders(
    conn: asyncpg.Connection, settings: Settings, total: int
) -> tuple[BenchKiosk, list[Holder]]:
    """`total` people with a PIN and a live card; the kiosk and its key."""
    birth_date = date(1948, 2, 11)
    people = [
        PersonRow(
            person_key=person_key(settings.person_key, f"{birth_date:%y%m%d}2{n:06d}"),
            person_key_version=settings.person_key.current_version,
            name="박순자",
            birth_date=birth_date,
            phone_e164=_landline(n),
            region_code="11",
            preferred_language="ko",
            has_smartphone=False,
        )
        for n in range(total)
    ]
    await conn.copy_records_to_table("people", records=people, columns=PersonRow._fields)
    await conn.execute(
        "INSERT INTO accounts (person_id, assurance, pin_hash, pin_set_at) "
        "SELECT id, 'in_person', $1, now() FROM people ORDER BY id",
        await hash_pin(settings.auth, PIN),
    )
    staff_id = await conn.fetchval(
        "INSERT INTO staff (name, office_code, role) VALUES ('벤치', 'seoul', 'clerk') RETURNING id"
    )
    key = ed25519.Ed25519PrivateKey.generate()
    kiosk_id = await conn.fetchval(
        "INSERT INTO kiosks (office_code, name, location, public_key, key_algorithm) "
        "VALUES ('seoul', 'bench', 'bench', $1, 'Ed25519') RETURNING id",
        key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo),
    )
    person_ids = [row["id"] for row in await conn.fetch("SELECT id FROM people ORDER BY id")]
    holders = [Holder(new_token("hcc_")) for _ in range(total)]
    await conn.copy_records_to_table(
        "access_cards",
        records=[
            (person_id, token_hash(holder.card_token), staff_id, "seoul")
            for person_id, holder in zip(person_ids, holders, strict=True)
        ],
        columns=("person_id", "token_hash", "issued_by", "office_code"),
    )
    return BenchKiosk(kiosk_id, key), holders


Prepare = Callable[[Sequence[Holder]], Awaitable[LoadPlan]]


async def run_rounds(
    conn: asyncpg.Connection, settings: Settings, port: int, work_dir: Path, count: int, rounds: int
) -> dict[str, list[LoadFigures]]:
    warm_up = warm_up_count(count)
    per_round = count + warm_up
    started = time.perf_counter()
    kiosk, holders = await enrol_holders(conn, settings, per_round * rounds)
    progress(
        f"PIN sign-in: {len(holders):,} people with a PIN and a card in "
        f"{time.perf_counter() - started:.1f} s"
    )

    async def readyz(group: Sequence[Holder]) -> LoadPlan:
        return LoadPlan(requests=[get_request(port, "/readyz")] * len(group))

    async def card(group: Sequence[Holder]) -> LoadPlan:
        forms = [{"card": h.card_token, "pin": PIN} for h in group]
        return LoadPlan(requests=[signed_form_post(port, CARD_PATH, f, kiosk) for f in forms])

    prepare: dict[str, Prepare] = {READYZ: readyz, CARD: card}
    results: dict[str, list[LoadFigures]] = {case: [] for case in CASES}
    for number in range(rounds):
        group = holders[number * per_round : (number + 1) * per_round]
        order = CASES if number % 2 == 0 else CASES[::-1]
        progress(f"PIN sign-in round {number + 1} of {rounds}: {', '.join(order)}")
        for case in order:
            for part, timed in ((group[:warm_up], False), (group[warm_up:], True)):
                result = await load(port, await prepare[case](part), work_dir, case)
                if timed:
                    results[case].append(result)
                    progress(
                        f"  {case}: {result.requests:,} in {result.seconds:.1f} s, "
                        f"{result.requests_per_s:,.0f} requests/s, p50 {result.p50_ms:.2f} ms, "
                        f"p99 {result.p99_ms:.2f} ms"
                    )
    return results


def bench_pin_sign_in(
    database_server_url: str, redis_url: str, rounds: int, notes: list[str]
) -> list[Row]:
    """Rows: requests/s and p99 latency of card + PIN, against /readyz."""
    count = sign_in_count(os.environ)
    with (
        scratch_database(database_server_url) as database_url,
        tempfile.TemporaryDirectory(prefix="hanchang-bench-pin-") as tmp,
    ):
        env = server_env(database_url, redis_url, Path(tmp))
        variant = ServerVariant(
            name="pin-sign-in",
            command=(str(Path(sys.executable).with_name("hanchang")), "serve"),
            env=env,
            routes=("/readyz",),
        )
        with running_server(variant, Path(tmp) / "server-pin-sign-in.log") as server:
            settings = load_settings({**os.environ, **env, "HANCHANG_PORT": str(server.port)})

            async def measure() -> dict[str, list[LoadFigures]]:
                conn = await asyncpg.connect(database_url)
                try:
                    return await run_rounds(conn, settings, server.port, Path(tmp), count, rounds)
                finally:
                    await conn.close()

            results = asyncio.run(measure())
            server.check_alive()

    def median(case: str) -> tuple[float, float]:
        return (
            statistics.median(r.requests_per_s for r in results[case]),
            statistics.median(r.p99_ms for r in results[case]),
        )

    base_rps, base_p99 = median(READYZ)
    rps, p99 = median(CARD)
    measures: tuple[tuple[str, Unit, float, float], ...] = (
        ("requests/s", "per_s", rps, base_rps),
        ("p99 latency", "ms", p99, base_p99),
    )
    rows = [
        Row(benchmark=CARD, measure=m, unit=u, value=v, baseline=b, baseline_name=READYZ)
        for m, u, v, b in measures
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
        print("bench_pin_sign_in: set DATABASE_URL and REDIS_URL (or run `make bench`)")
        raise SystemExit(2)
    notes: list[str] = []
    print(render(bench_pin_sign_in(database_url, redis_url, 1, notes)))
    print("\n".join(notes))

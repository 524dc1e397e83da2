"""Sign-in over HTTP: SMS code, TOTP code and passkey assertion verified, against `/readyz`.

One `hanchang serve` (metrics on, as in production) on a scratch database. Every
sign-in credential is single-use (an SMS challenge is consumed, a TOTP code works
once per account and step, a WebAuthn challenge is taken from Redis), so each
request is prepared beforehand, outside the timed part, for an account of its
own: people and accounts are copied in, each with a confirmed TOTP seed and one
passkey made by the software authenticator of the tests (tests/support/webauthn_authenticator.py).
Codes, seals and user handles are made with the server's own settings (the same
keys in the same environment), through the functions the server uses.

The prepared requests go to a load generator in a process of its own (`--child`
below: keep-alive connections over raw asyncio sockets, each request sent once;
it makes each TOTP code as it sends it, since codes made beforehand would expire
during a long run). `GET /readyz`, the baseline, is sent as many times by the
same generator with as many connections, in the same run. Every answer must be 200.

    BENCH_SIGN_INS   sign-ins per method per round (default 3,000)
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import asyncpg
import msgspec
import pyotp
from webauthn import verify_registration_response

from auth import (
    DIGITS,
    INTERVAL_S,
    SEED_BYTES,
    SMS_CODE_LIFETIME,
    code_hash,
    numeric_code,
    person_key,
    seal,
    seed_context,
    user_handle,
)
from bench.http_routes import PROJECT_ROOT, ServerVariant, running_server, scratch_database
from bench.loadgen import CONNECTIONS, BenchError, progress
from bench.table import Row, Unit, render
from foundation.settings import Settings, load_settings
from tests.support.webauthn_authenticator import SoftwareAuthenticator, b64url

DEFAULT_SIGN_INS = 3_000
# The most the setting allows: all the load comes from 127.0.0.1.
SIGN_INS_PER_ADDRESS_PER_MINUTE = 1_000_000
CHILD_TIMEOUT_S = 600
# What counts as answered: 200, and the 303 of a form post that signs in (the kiosk's).
SUCCESS = (200, 303)

SMS_PATH = "/v1/auth/sms/verify"
TOTP_PATH = "/v1/auth/totp/verify"
PASSKEY_PATH = "/v1/auth/passkeys/authentication/verify"
PASSKEY_OPTIONS_PATH = "/v1/auth/passkeys/authentication/options"
READYZ = "GET /readyz"
SMS = f"POST {SMS_PATH}"
TOTP = f"POST {TOTP_PATH}"
PASSKEY = f"POST {PASSKEY_PATH}"
CASES = (READYZ, SMS, TOTP, PASSKEY)

NOTES = (
    "sign-in: each request a distinct sign-in prepared beforehand, for an account of its own, "
    "sent once; {count:,} per method after {warm_up:,} of warm-up, by an asyncio client in its "
    "own process over {connections} keep-alive connections, to one `hanchang serve` "
    "(metrics on) on loopback; the baseline is GET /readyz sent as often by the same client; "
    "median of {rounds} round{plural} (case order alternated); every answer 200",
    "SMS verify = challenge row and account row FOR UPDATE, keyed hash (HMAC-SHA256) compared, "
    "challenge consumed, audit row (hash-chained, appended under one "
    "advisory lock), session and refresh-token rows: one transaction; and a Redis INCR for "
    "the per-address limit",
    "TOTP verify = account by phone of record and birth date, FOR UPDATE, seed unsealed "
    "(AES-256-GCM), three 30-s steps of HOTP compared, step kept (no replay), audit row, "
    "passkey count for `suggest`, session rows; and the Redis limit and a read of the "
    "number's failure throttle (the client makes each code as it sends it)",
    "passkey verify = challenge taken from Redis (GETDEL), passkey by credential id, account and "
    "passkey rows FOR UPDATE, ECDSA P-256 signature checked by `webauthn`, counter and backup "
    "state kept, audit row, session rows; and the Redis limit (challenges "
    "fetched from /v1/auth/passkeys/authentication/options and signed before the timed part)",
    "/readyz = SELECT 1 on PostgreSQL and PING on Redis, concurrently",
)


def sign_in_count(env: Mapping[str, str]) -> int:
    raw = env.get("BENCH_SIGN_INS", "").strip().replace("_", "").replace(",", "")
    if not raw:
        return DEFAULT_SIGN_INS
    if not raw.isdigit() or int(raw) < 1:
        raise BenchError(f"BENCH_SIGN_INS must be a whole number of at least 1, got {raw!r}")
    return int(raw)


def warm_up_count(count: int) -> int:
    return min(count, max(4 * CONNECTIONS, count // 10))


# --- The load generator (its own process) ---------------------------------------


class LoadFigures(msgspec.Struct, frozen=True, kw_only=True):
    requests: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    # Answers by status; 0 counts requests that got no answer (a broken connection).
    statuses: dict[int, int]
    # The first answer that was not a success (a problem+json body: no token in it).
    first_failure: str = ""

    @property
    def failures(self) -> int:
        return sum(n for status, n in self.statuses.items() if status not in SUCCESS)


class LoadPlan(msgspec.Struct, frozen=True, kw_only=True):
    """Requests to send once each, as bytes on the wire."""

    requests: list[bytes]
    # A TOTP seed per request, when its code is made as it is sent, in place of CODE_MARK:
    # a code made beforehand lives 30 to 60 s (one step of drift), less than a long run.
    totp_seeds: list[str] = msgspec.field(default_factory=list)


CODE_MARK = "@CODE@"  # as long as a code, so Content-Length holds


class Exchange(NamedTuple):
    statuses: list[int]
    latencies: list[float]
    bodies: list[bytes]
    seconds: float


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        lowered = name.strip().lower()
        if lowered == b"content-length":
            length = int(value)
        elif lowered == b"transfer-encoding":
            raise BenchError("chunked answers are not supported by this load generator")
    return status, (await reader.readexactly(length) if length else b"")


async def exchange(port: int, plan: LoadPlan, connections: int) -> Exchange:
    """Send each request once over `connections` keep-alive connections, opened beforehand."""
    requests, count = plan.requests, len(plan.requests)
    totps = [pyotp.TOTP(seed, digits=DIGITS, interval=INTERVAL_S) for seed in plan.totp_seeds]
    statuses, latencies, bodies = [0] * count, [0.0] * count, [b""] * count
    pending = iter(range(count))
    streams = [
        await asyncio.open_connection("127.0.0.1", port) for _ in range(min(connections, count))
    ]

    async def drive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # One shared iterator: each connection takes the next request when it is free.
        for index in pending:
            started = time.perf_counter()
            request = requests[index]
            if totps:
                request = request.replace(CODE_MARK.encode(), totps[index].now().encode(), 1)
            try:
                writer.write(request)
                await writer.drain()
                statuses[index], bodies[index] = await _read_answer(reader)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            latencies[index] = time.perf_counter() - started
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(drive(reader, writer) for reader, writer in streams))
    return Exchange(statuses, latencies, bodies, time.perf_counter() - started)


def figures(done: Exchange) -> LoadFigures:
    answered = sorted(t for t, status in zip(done.latencies, done.statuses, strict=True) if status)
    if not answered:
        raise BenchError("no request got an answer")

    def percentile(fraction: float) -> float:
        return answered[min(len(answered) - 1, int(fraction * len(answered)))] * 1000.0

    statuses: dict[int, int] = {}
    first_failure = ""
    for status, body in zip(done.statuses, done.bodies, strict=True):
        statuses[status] = statuses.get(status, 0) + 1
        if status not in SUCCESS and not first_failure:
            first_failure = f"{status} {body[:300].decode(errors='replace')}"
    return LoadFigures(
        requests=len(done.statuses),
        seconds=done.seconds,
        requests_per_s=len(done.statuses) / done.seconds,
        p50_ms=percentile(0.50),
        p99_ms=percentile(0.99),
        statuses=statuses,
        first_failure=first_failure,
    )


def child_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_sign_in --child")
    parser.add_argument("--child", action="store_true", required=True)
    parser.add_argument("--plan", type=Path, required=True, help="a LoadPlan, in msgpack")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    args = parser.parse_args(argv)
    plan = msgspec.msgpack.decode(args.plan.read_bytes(), type=LoadPlan)
    load = exchange(args.port, plan, args.connections)
    try:
        import uvloop
    except ImportError:
        done = asyncio.run(load)
    else:
        done = uvloop.run(load)
    sys.stdout.write(msgspec.json.encode(figures(done)).decode() + "\n")
    return 0


# --- Requests ---------------------------------------------------------------------


def get_request(port: int, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


def post_request(port: int, path: str, body: Any) -> bytes:
    payload = msgspec.json.encode(body)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


class Member(NamedTuple):
    """One account the bench signs in to: its phone of record, TOTP seed and passkey device."""

    account_id: int
    person_id: int
    phone_e164: str
    totp_secret: str
    device: SoftwareAuthenticator


# Rows copied in; the field names are the columns.


class PersonRow(NamedTuple):
    person_key: bytes
    person_key_version: int
    name: str
    birth_date: date
    phone_e164: str
    region_code: str
    preferred_language: str
    has_smartphone: bool


class PasskeyRow(NamedTuple):
    account_id: int
    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: list[str]
    aaguid: str
    device_type: str
    backed_up: bool
    name: str


class SmsChallengeRow(NamedTuple):
    id: uuid.UUID
    purpose: str
    delivery: str
    phone_e164: str
    person_id: int
    account_id: int
    code_hash: bytes
    locale: str
    expires_at: datetime
    send_state: str
    send_attempts: int


# Everyone's birth date: a phone-keyed sign-in sends it with the number.
BIRTH_DATE = date(1990, 5, 17)


def _phone(number: int) -> str:
    # 010-5000-0000 upwards: valid Korean mobile numbers, one per person.
    return f"+8210{5000_0000 + number:08d}"


async def enrol(conn: asyncpg.Connection, settings: Settings, total: int) -> list[Member]:
    """`total` people with accounts, each with a confirmed TOTP seed and one passkey."""
    birth_date = BIRTH_DATE
    people = [
        PersonRow(
            # A made-up registration number: birth date, century code 1, a serial.
            person_key=person_key(settings.person_key, f"{birth_date:%y%m%d}1{n:06d}"),
            person_key_version=settings.person_key.current_version,
            name="김하나",
            birth_date=birth_date,
            phone_e164=_phone(n),
            region_code="11",
            preferred_language="ko",
            has_smartphone=True,
        )
        for n in range(total)
    ]
    await conn.copy_records_to_table("people", records=people, columns=PersonRow._fields)
    await conn.execute(
        "INSERT INTO accounts (person_id, assurance) SELECT id, 'remote' FROM people ORDER BY id"
    )
    rows = await conn.fetch(
        "SELECT a.id, a.person_id, p.phone_e164 FROM accounts a "
        "JOIN people p ON p.id = a.person_id ORDER BY a.id"
    )
    auth = settings.auth
    secrets_ = [base64.b32encode(secrets.token_bytes(SEED_BYTES)).decode() for _ in rows]
    # Sealed as auth/totp.py seals a seed: bound to its account.
    await conn.execute(
        """
        UPDATE accounts SET totp_secret_enc = t.sealed, totp_confirmed_at = now()
        FROM unnest($1::bigint[], $2::bytea[]) AS t(id, sealed) WHERE accounts.id = t.id
        """,
        [row["id"] for row in rows],
        [
            seal(auth, secret.encode(), seed_context(row["id"]))
            for row, secret in zip(rows, secrets_, strict=True)
        ],
    )
    members: list[Member] = []
    passkeys: list[PasskeyRow] = []
    for row, secret in zip(rows, secrets_, strict=True):
        device = SoftwareAuthenticator(origin=settings.http.public_url)
        challenge = secrets.token_bytes(32)
        options = {
            "rp": {"id": auth.rp_id, "name": auth.rp_name},
            "user": {"id": b64url(user_handle(auth, row["id"])), "name": f"bench {row['id']}"},
            "challenge": b64url(challenge),
        }
        credential = device.create(options)
        # Checked and read as auth/webauthn_ceremony.py `verify_registration` does: the stored
        # public key is the library's, byte for byte.
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=auth.rp_id,
            expected_origin=list(auth.allowed_origins),
            require_user_verification=True,
        )
        passkeys.append(
            PasskeyRow(
                account_id=row["id"],
                credential_id=verified.credential_id,
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                transports=list(credential["response"]["transports"]),
                aaguid=verified.aaguid,
                device_type=verified.credential_device_type.value,
                backed_up=verified.credential_backed_up,
                name="Passkey 1",
            )
        )
        members.append(Member(row["id"], row["person_id"], row["phone_e164"], secret, device))
    await conn.copy_records_to_table("passkeys", records=passkeys, columns=PasskeyRow._fields)
    return members


async def sms_requests(
    conn: asyncpg.Connection, settings: Settings, port: int, members: Sequence[Member]
) -> LoadPlan:
    """A sign-in challenge per member, as `start_phone_challenge` leaves it, and its answer."""
    expires_at = datetime.now(UTC) + SMS_CODE_LIFETIME
    challenges: list[SmsChallengeRow] = []
    requests: list[bytes] = []
    for member in members:
        challenge_id, code = uuid.uuid4(), numeric_code()
        challenges.append(
            SmsChallengeRow(
                id=challenge_id,
                purpose="sign_in",
                delivery="sms",
                phone_e164=member.phone_e164,
                person_id=member.person_id,
                account_id=member.account_id,
                code_hash=code_hash(settings.auth, str(challenge_id), code),
                locale="ko",
                expires_at=expires_at,
                send_state="sent",
                send_attempts=1,
            )
        )
        requests.append(
            post_request(port, SMS_PATH, {"challenge_id": str(challenge_id), "code": code})
        )
    await conn.copy_records_to_table(
        "sms_challenges", records=challenges, columns=SmsChallengeRow._fields
    )
    return LoadPlan(requests=requests)


def totp_requests(port: int, members: Sequence[Member]) -> LoadPlan:
    """Phone of record, birth date and code for each member; the load generator makes the
    code as it sends."""
    return LoadPlan(
        requests=[
            post_request(
                port,
                TOTP_PATH,
                {
                    "phone": member.phone_e164,
                    "birth_date": BIRTH_DATE.isoformat(),
                    "code": CODE_MARK,
                },
            )
            for member in members
        ],
        totp_seeds=[member.totp_secret for member in members],
    )


async def passkey_requests(port: int, members: Sequence[Member]) -> LoadPlan:
    """A challenge per member from the server (`.../authentication/options`), signed by its device."""
    ask = post_request(port, PASSKEY_OPTIONS_PATH, {})
    asked = await exchange(port, LoadPlan(requests=[ask] * len(members)), CONNECTIONS)
    if bad := [status for status in asked.statuses if status != 200]:
        raise BenchError(f"{PASSKEY_OPTIONS_PATH}: {len(bad)} answers were not 200: {bad[:5]}")
    requests: list[bytes] = []
    for member, body in zip(members, asked.bodies, strict=True):
        challenge = msgspec.json.decode(body)
        # The counter goes up by one from the registration's 0, as on a security key.
        credential = member.device.get(challenge["options"])
        requests.append(
            post_request(
                port,
                PASSKEY_PATH,
                {"challenge_id": challenge["challenge_id"], "credential": credential},
            )
        )
    return LoadPlan(requests=requests)


# --- The run ----------------------------------------------------------------------


def server_env(database_url: str, redis_url: str, data_dir: Path) -> dict[str, str]:
    def key() -> str:
        return "1:" + base64.b64encode(secrets.token_bytes(32)).decode()

    return {
        "HANCHANG_ENV": "test",
        "HANCHANG_HOST": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "HANCHANG_PERSON_KEYS": key(),
        "HANCHANG_DATA_KEYS": key(),
        "HANCHANG_DATA_DIR": str(data_dir),
        "HANCHANG_METRICS_ENABLED": "true",
        "HANCHANG_SIGN_IN_PER_ADDRESS_PER_MINUTE": str(SIGN_INS_PER_ADDRESS_PER_MINUTE),
    }


async def load(port: int, plan: LoadPlan, work_dir: Path, label: str) -> LoadFigures:
    """Send the requests from a child process; refuse a run with any answer but SUCCESS."""
    path = work_dir / "plan.msgpack"
    path.write_bytes(msgspec.msgpack.encode(plan))
    child = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bench.bench_sign_in", "--child"),
        *("--plan", str(path), "--port", str(port), "--connections", str(CONNECTIONS)),
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(child.communicate(), CHILD_TIMEOUT_S)
    except TimeoutError:
        child.kill()
        await child.wait()
        raise BenchError(f"{label}: the load generator took over {CHILD_TIMEOUT_S} s") from None
    finally:
        path.unlink(missing_ok=True)
    if child.returncode != 0:
        tail = err.decode(errors="replace").strip()[-1000:]
        raise BenchError(f"{label}: the load generator exited with {child.returncode}: {tail}")
    result = msgspec.json.decode(out, type=LoadFigures)
    if result.failures:
        raise BenchError(
            f"{label}: {result.failures} of {result.requests} answers were not {SUCCESS} "
            f"({result.statuses}; 0 = no answer); first: {result.first_failure}"
        )
    return result


Prepare = Callable[[Sequence[Member]], Awaitable[LoadPlan]]


async def run_rounds(
    conn: asyncpg.Connection, settings: Settings, port: int, work_dir: Path, count: int, rounds: int
) -> dict[str, list[LoadFigures]]:
    warm_up = warm_up_count(count)
    per_round = count + warm_up
    started = time.perf_counter()
    members = await enrol(conn, settings, per_round * rounds)
    progress(
        f"sign-in: {len(members):,} accounts with a TOTP seed and a passkey in "
        f"{time.perf_counter() - started:.1f} s"
    )

    async def readyz(group: Sequence[Member]) -> LoadPlan:
        return LoadPlan(requests=[get_request(port, "/readyz")] * len(group))

    async def sms(group: Sequence[Member]) -> LoadPlan:
        return await sms_requests(conn, settings, port, group)

    async def totp(group: Sequence[Member]) -> LoadPlan:
        return totp_requests(port, group)

    async def passkey(group: Sequence[Member]) -> LoadPlan:
        return await passkey_requests(port, group)

    prepare: dict[str, Prepare] = {READYZ: readyz, SMS: sms, TOTP: totp, PASSKEY: passkey}
    results: dict[str, list[LoadFigures]] = {case: [] for case in CASES}
    for number in range(rounds):
        # Each round signs in to accounts of its own; each method to every one of them once.
        group = members[number * per_round : (number + 1) * per_round]
        order = CASES if number % 2 == 0 else CASES[::-1]
        progress(f"sign-in round {number + 1} of {rounds}: {', '.join(order)}")
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


def _median(results: list[LoadFigures]) -> tuple[float, float]:
    return (
        statistics.median(r.requests_per_s for r in results),
        statistics.median(r.p99_ms for r in results),
    )


def bench_sign_in(
    database_server_url: str, redis_url: str, rounds: int, notes: list[str]
) -> list[Row]:
    """Rows: requests/s and p99 latency per sign-in method, each against /readyz."""
    count = sign_in_count(os.environ)
    with (
        scratch_database(database_server_url) as database_url,
        tempfile.TemporaryDirectory(prefix="hanchang-bench-sign-in-") as tmp,
    ):
        env = server_env(database_url, redis_url, Path(tmp))
        variant = ServerVariant(
            name="sign-in",
            command=(str(Path(sys.executable).with_name("hanchang")), "serve"),
            env=env,
            routes=("/readyz",),
        )
        with running_server(variant, Path(tmp) / "server-sign-in.log") as server:
            # The server's own settings (its environment, its port): same keys, same origin.
            settings = load_settings({**os.environ, **env, "HANCHANG_PORT": str(server.port)})

            async def measure() -> tuple[dict[str, list[LoadFigures]], str]:
                conn = await asyncpg.connect(database_url)
                try:
                    fsync = str(await conn.fetchval("SHOW fsync"))
                    return (
                        await run_rounds(conn, settings, server.port, Path(tmp), count, rounds),
                        fsync,
                    )
                finally:
                    await conn.close()

            results, fsync = asyncio.run(measure())
            server.check_alive()

    base_rps, base_p99 = _median(results[READYZ])
    rows: list[Row] = []
    for case in (SMS, TOTP, PASSKEY):
        rps, p99 = _median(results[case])
        measures: tuple[tuple[str, Unit, float, float], ...] = (
            ("requests/s", "per_s", rps, base_rps),
            ("p99 latency", "ms", p99, base_p99),
        )
        rows += [
            Row(benchmark=case, measure=m, unit=u, value=v, baseline=b, baseline_name=READYZ)
            for m, u, v, b in measures
        ]
    values = {
        "count": count,
        "warm_up": warm_up_count(count),
        "connections": CONNECTIONS,
        "rounds": rounds,
        "plural": "s" if rounds != 1 else "",
    }
    notes += [note.format(**values) for note in NOTES]
    if fsync == "off":
        notes.append(
            "sign-in: PostgreSQL runs with fsync=off here (the embedded server of `hanchang "
            "services`), so the commit each sign-in makes costs less than in production"
        )
    return rows


if __name__ == "__main__":
    if "--child" in sys.argv[1:]:
        raise SystemExit(child_main(sys.argv[1:]))
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url or not redis_url:
        print(
            "bench_sign_in: set DATABASE_URL and REDIS_URL (or run `make bench`)", file=sys.stderr
        )
        raise SystemExit(2)
    notes: list[str] = []
    print(render(bench_sign_in(database_url, redis_url, 1, notes)))
    print("\n".join(notes))

"""The phone line's webhooks over HTTP: Twilio's signed form posts for the first menu
(`/webhooks/twilio/voice/incoming`: the warning and the language menu, the call's state
written to Redis) and the language choice (`/webhooks/twilio/voice/language`: the state
read and written again, the next menu), against `GET /healthz` in the same run. Sign-in is
left out: its cost is the PIN's (bench_pin_sign_in.py measures that).

Each call is a distinct `CallSid`, each post signed as Twilio signs it (HMAC-SHA1 over the
public address and the form, `X-Twilio-Signature`) under this run's auth token; the
language posts go after the first-menu posts of the same calls. Every answer must be a
200 (TwiML). The same load generator, server settings and rounds as bench_pin_sign_in.py.

    BENCH_VOICE_CALLS   calls per round (default 2000)
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bench.bench_sign_in import LoadFigures, LoadPlan, get_request, load, server_env, warm_up_count
from bench.http_routes import ServerVariant, running_server, scratch_database
from bench.loadgen import BenchError, progress
from bench.table import Row, Unit

DEFAULT_CALLS = 2000
HEALTHZ = "GET /healthz"
INCOMING_PATH = "/webhooks/twilio/voice/incoming"
LANGUAGE_PATH = "/webhooks/twilio/voice/language?lang=ko"
INCOMING = f"POST {INCOMING_PATH}"
LANGUAGE = "POST /webhooks/twilio/voice/language"
# The language choice follows the first menu of the same calls.
ORDERS = ((HEALTHZ, INCOMING, LANGUAGE), (INCOMING, LANGUAGE, HEALTHZ))

NOTES = (
    "phone line: {count:,} calls per round after {warm_up:,} of warm-up, each a distinct "
    "CallSid, every post signed as Twilio signs it (X-Twilio-Signature) and checked; the first "
    "menu writes the call's state to Redis, the language choice reads and rewrites it; median "
    "of {rounds} round{plural}; the baseline is GET /healthz from the same client; every "
    "answer 200 (TwiML)",
)


def call_count(env: Mapping[str, str]) -> int:
    raw = env.get("BENCH_VOICE_CALLS", "").strip().replace("_", "").replace(",", "")
    if not raw:
        return DEFAULT_CALLS
    if not raw.isdigit() or int(raw) < 1:
        raise BenchError(f"BENCH_VOICE_CALLS must be a whole number of at least 1, got {raw!r}")
    return int(raw)


def signed_twilio_post(port: int, path: str, form: dict[str, str], auth_token: str) -> bytes:
    """Twilio's webhook post: the form, signed over our public address (the settings'
    default, http://localhost:PORT) and the form."""
    url = f"http://localhost:{port}{path}"
    signature = RequestValidator(auth_token).compute_signature(url, form)
    payload = urlencode(form).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"X-Twilio-Signature: {signature}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


async def run_rounds(
    port: int, auth_token: str, work_dir: Path, count: int, rounds: int
) -> dict[str, list[LoadFigures]]:
    warm_up = warm_up_count(count)
    results: dict[str, list[LoadFigures]] = {case: [] for case in ORDERS[0]}
    for number in range(rounds):
        order = ORDERS[number % 2]
        progress(f"phone line round {number + 1} of {rounds}: {', '.join(order)}")
        for size, timed in ((warm_up, False), (count, True)):
            calls = ["CA" + uuid.uuid4().hex for _ in range(size)]
            forms = [{"CallSid": sid, "From": "+82212345678", "To": "+8221350"} for sid in calls]
            plans = {
                HEALTHZ: LoadPlan(requests=[get_request(port, "/healthz")] * size),
                INCOMING: LoadPlan(
                    requests=[signed_twilio_post(port, INCOMING_PATH, f, auth_token) for f in forms]
                ),
                LANGUAGE: LoadPlan(
                    requests=[
                        signed_twilio_post(port, LANGUAGE_PATH, {**f, "Digits": "1"}, auth_token)
                        for f in forms
                    ]
                ),
            }
            for case in order:
                result = await load(port, plans[case], work_dir, case)
                if timed:
                    results[case].append(result)
                    progress(
                        f"  {case}: {result.requests:,} in {result.seconds:.1f} s, "
                        f"{result.requests_per_s:,.0f} requests/s, p50 {result.p50_ms:.2f} ms, "
                        f"p99 {result.p99_ms:.2f} ms"
                    )
    return results


def bench_voice(
    database_server_url: str, redis_url: str, rounds: int, notes: list[str]
) -> list[Row]:
    """Rows: requests/s and p99 latency of the first menu and the language choice, against
    GET /healthz."""
    count = call_count(os.environ)
    auth_token = secrets.token_hex(16)
    with (
        scratch_database(database_server_url) as database_url,
        tempfile.TemporaryDirectory(prefix="hanchang-bench-voice-") as tmp,
    ):
        env = {**server_env(database_url, redis_url, Path(tmp)), "TWILIO_AUTH_TOKEN": auth_token}
        variant = ServerVariant(
            name="phone-line",
            command=(str(Path(sys.executable).with_name("hanchang")), "serve"),
            env=env,
            routes=("/healthz",),
        )
        with running_server(variant, Path(tmp) / "server-phone-line.log") as server:
            results = asyncio.run(run_rounds(server.port, auth_token, Path(tmp), count, rounds))
            server.check_alive()

    def median(case: str) -> tuple[float, float]:
        return (
            statistics.median(r.requests_per_s for r in results[case]),
            statistics.median(r.p99_ms for r in results[case]),
        )

    base_rps, base_p99 = median(HEALTHZ)
    rows = []
    for case in (INCOMING, LANGUAGE):
        rps, p99 = median(case)
        measures: tuple[tuple[str, Unit, float, float], ...] = (
            ("requests/s", "per_s", rps, base_rps),
            ("p99 latency", "ms", p99, base_p99),
        )
        rows += [
            Row(benchmark=case, measure=m, unit=u, value=v, baseline=b, baseline_name=HEALTHZ)
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
        print("bench_voice: set DATABASE_URL and REDIS_URL (or run `make bench`)")
        raise SystemExit(2)
    notes: list[str] = []
    print(render(bench_voice(database_url, redis_url, 1, notes)))
    print("\n".join(notes))

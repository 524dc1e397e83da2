"""`make bench`: run every benchmark, then print one table (stdout); progress goes to stderr.

Runs under `hanchang services`, which sets DATABASE_URL and REDIS_URL. Settings,
from the environment:

    BENCH_SECONDS         seconds of load per HTTP case (default 10)
    BENCH_ROUNDS          rounds of HTTP cases, order alternated, median reported (default 2)
    BENCH_PEOPLE          people for the demo-data benchmark (default 1,000,000)
    BENCH_SIGN_INS        sign-ins per method in the sign-in benchmark (default 3,000)
    BENCH_PIN_SIGN_INS    card + PIN sign-ins at a kiosk (default 600)
    BENCH_KIOSK_PAGES     signed kiosk page requests (GET /kiosk) per round (default 2,000)
    BENCH_ELIGIBILITY_PEOPLE    people for GET /v1/me/eligibility under load (default 5,000)
    BENCH_ELIGIBILITY_REQUESTS  its requests per case per round (default 5,000)
    BENCH_LOAD_GENERATOR  wrk (default; installed if missing) or python (the fallback)
    BENCH_NOTIFY_PEOPLE   people notified end to end through arq and FCM (default 100,000)
    BENCH_CODE_NOTICES    notice SMS going out while sign-up codes are timed (default 100,000)
    BENCH_CODE_SIGN_UPS   sign-ups timed with and without the burst (default 40)
    BENCH_BULK_PER_SECOND the bulk pace of those notice SMS (default 300)
    BENCH_MIXED_SECONDS   seconds of the mixed load at a fixed rate (default 60)
    BENCH_MIXED_RATE      its requests per second per case (default 8; 5 cases)

Figures are never asserted: the exit status is non-zero only if something broke.
"""

from __future__ import annotations

import asyncio
import os
import platform
import signal
import sys
import traceback
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from types import FrameType
from typing import Any

import msgspec

from bench.bench_code_latency import bench_code_latency, settings_from_environment
from bench.bench_demo_data import bench_demo_data
from bench.bench_eligibility import bench_eligibility
from bench.bench_kiosk_page import bench_kiosk_page
from bench.bench_mixed import bench_mixed
from bench.bench_notifications import bench_notifications, people_from_environment
from bench.bench_pin_sign_in import bench_pin_sign_in
from bench.bench_sign_in import bench_sign_in
from bench.bench_voice import bench_voice
from bench.http_routes import WARM_UP_SECONDS, bench_http
from bench.loadgen import BenchError, LoadGenerator, find_load_generator, progress
from bench.table import Row, render

DemoDataBench = Callable[..., Coroutine[Any, Any, dict[str, Any]]]


class BenchConfig(msgspec.Struct, frozen=True, kw_only=True):
    seconds: int = 10
    rounds: int = 2
    people: int = 1_000_000
    load_generator: str = "wrk"


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip().replace("_", "").replace(",", "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise BenchError(f"{name} must be a whole number of at least 1, got {env[name]!r}")
    return int(raw)


def load_config(env: Mapping[str, str]) -> BenchConfig:
    generator = env.get("BENCH_LOAD_GENERATOR", "").strip() or "wrk"
    if generator not in {"wrk", "python"}:
        raise BenchError(f"BENCH_LOAD_GENERATOR must be wrk or python, got {generator!r}")
    return BenchConfig(
        seconds=_positive_int(env, "BENCH_SECONDS", 10),
        rounds=_positive_int(env, "BENCH_ROUNDS", 2),
        people=_positive_int(env, "BENCH_PEOPLE", 1_000_000),
        load_generator=generator,
    )


def _number(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise BenchError(f"the demo-data benchmark returned {value!r} where a number was expected")


def _optional_number(value: object) -> float | None:
    return None if value is None else _number(value)


def bench_demo(database_url: str, people: int, notes: list[str]) -> list[Row]:
    benchmark: DemoDataBench = bench_demo_data
    progress(f"demo data: {people:,} people")
    result = asyncio.run(benchmark(database_url, people=people))
    progress(f"  demo data: {result}")
    rows = [
        Row(
            benchmark=str(result["name"]),
            measure=f"seconds, {people:,} people",
            unit="s",
            value=_number(result["seconds"]),
            baseline=_optional_number(result.get("baseline_seconds")),
            baseline_name=str(result.get("baseline_name") or ""),
            reported_ratio=_optional_number(result.get("ratio")),
        )
    ]
    eligibility = result.get("eligibility")
    if isinstance(eligibility, dict):
        rows += eligibility_rows(eligibility, notes)
    return rows


def eligibility_rows(result: Mapping[str, Any], notes: list[str]) -> list[Row]:
    """Two `evaluate_population` runs over the demo data, against one plain join."""
    people = int(_number(result["people"]))
    label = "1M" if people == 1_000_000 else f"{people:,}"
    join = _number(result["join_seconds"])
    first, second = _number(result["first_seconds"]), _number(result["second_seconds"])
    baseline_name = f"people JOIN person_facts, {label}"
    runs = (("first run (writes)", first), ("second run (nothing changed)", second))
    notes += [
        f"eligibility: `evaluate_population` (every rule for everyone, set-based SQL, one "
        f"transaction, as role hanchang_app) over the demo data just loaded, "
        f"{int(_number(result['programmes']))} programmes, as of the data's reference date; "
        f"timed to the commit. Rows written: first run {int(_number(result['first_written'])):,}, "
        f"second run {int(_number(result['second_written'])):,}. Baseline: "
        "SELECT count(*), sum(f.paid_base_days) FROM people p JOIN person_facts f "
        "ON f.person_id = p.id, timed just before (both after VACUUM ANALYZE)",
        "eligibility: goal under 10 s for the first run over 1,000,000 people: "
        + (
            f"{'met' if first < 10 else 'NOT met'} ({first:.1f} s)"
            if people == 1_000_000
            else f"not measured here ({label} people; BENCH_PEOPLE=1000000 measures it)"
        ),
    ]
    return [
        Row(
            benchmark=f"eligibility {label} people",
            measure=f"seconds, {run}",
            unit="s",
            value=value,
            baseline=join,
            baseline_name=baseline_name,
        )
        for run, value in runs
    ]


def bench_notify(database_url: str, redis_url: str, notes: list[str]) -> list[Row]:
    people = people_from_environment()
    result = asyncio.run(bench_notifications(database_url, redis_url, people))
    direct = result["direct"]["messages_per_s"]
    rows = []
    for run in result["runs"]:
        rows.append(
            Row(
                benchmark=f"notices end to end, {run['workers']} worker process(es)",
                measure=f"messages/s, {people:,} people",
                unit="per_s",
                value=run["messages_per_s"],
                baseline=direct,
                baseline_name="send_each_async direct",
            )
        )
        notes.append(
            f"notices end to end, {run['workers']} worker process(es): {run['notices']:,} "
            f"notices in {run['batches']} jobs, {run['duplicates']} duplicates, "
            f"{run['losses']} losses (goal: zero of each); ratio goal: at least 0.8 of direct"
        )
    return rows


def bench_codes(database_url: str, redis_url: str, notes: list[str]) -> list[Row]:
    """Sign-up to code at Twilio during a burst of notices, against no notices."""
    settings = settings_from_environment()
    progress(f"code latency: {settings}")
    result = asyncio.run(bench_code_latency(database_url, redis_url, **settings))
    progress(f"  code latency: {result}")
    notices = int(result["notices"])
    notes.append(
        f"sign-up codes: {int(result['burst']['n'])} sign-ups one after another while "
        f"{notices:,} notice SMS went out at {result['pace']:g} a second (bulk worker, paced), "
        f"against as many with no notices, same processes (API, bulk and interactive worker, "
        f"Twilio fake); {result['notice_sms_during_sign_ups']:,} notice SMS reached Twilio "
        "during the timed sign-ups. Time: from just before POST /v1/auth/signup to the code "
        "at the fake. Goal: the burst ratio near 1 (codes never wait behind notices)"
    )
    return [
        Row(
            benchmark=f"sign-up code during {notices:,} notices",
            measure=f"{label} ms, sign-up to Twilio",
            unit="ms",
            value=float(result["burst"][key]),
            baseline=float(result["quiet"][key]),
            baseline_name="no notices",
        )
        for label, key in (("p50", "p50_ms"), ("p99", "p99_ms"))
    ]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_notes(load: LoadGenerator, config: BenchConfig) -> list[str]:
    cores = len(os.sched_getaffinity(0))
    return [
        f"machine: {cores} cores (nproc), {_cpu_model()}, {platform.system()} "
        f"{platform.machine()}; Python {platform.python_version()}",
        f"load generator: {load.describe()}, its own process, over loopback; "
        f"{config.seconds} s per HTTP case after {WARM_UP_SECONDS} s of warm-up, "
        f"median of {config.rounds} round{'s' if config.rounds != 1 else ''} "
        "(case order alternated between rounds)",
        "servers: one uvicorn process each, as `hanchang serve` runs it "
        "(uvloop, httptools, no access log); the bare route is bench/bare_app.py",
        "ratios: `metrics on` is against `metrics off` (the middleware's cost; goal: within a "
        "few percent), `metrics off` against the bare route; a latency ratio above 1 is slower",
        f"note: this machine has {cores} cores, so the server and the load generator compete "
        "for them; that is expected. Read the ratios, measured in this run, "
        "rather than the absolute figures.",
    ]


def _run(name: str, benchmark: Callable[[], list[Row]], failures: list[str]) -> list[Row]:
    try:
        return benchmark()
    except Exception as exc:
        # Report and go on to the next benchmark; the exit status says something broke.
        traceback.print_exc(file=sys.stderr)
        failures.append(f"{name}: {exc}".splitlines()[0])
        return []


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    # Ctrl-C reaches us twice (from the terminal and forwarded by `hanchang services`),
    # which also forwards SIGTERM: unwind once, then let nothing cut the clean-up short
    # (stopping servers, dropping scratch databases).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url or not redis_url:
        print("bench: DATABASE_URL and REDIS_URL must be set: run `make bench`", file=sys.stderr)
        return 2
    try:
        config = load_config(os.environ)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2

    rows: list[Row] = []
    notes: list[str] = []
    failures: list[str] = []
    try:
        load = find_load_generator(config.load_generator)
        progress(f"load generator: {load.describe()}")
        rows += _run(
            "HTTP",
            lambda: bench_http(database_url, redis_url, load, config.seconds, config.rounds),
            failures,
        )
        rows += _run(
            "sign-in",
            lambda: bench_sign_in(database_url, redis_url, config.rounds, notes),
            failures,
        )
        rows += _run(
            "PIN sign-in",
            lambda: bench_pin_sign_in(database_url, redis_url, config.rounds, notes),
            failures,
        )
        rows += _run(
            "phone line",
            lambda: bench_voice(database_url, redis_url, config.rounds, notes),
            failures,
        )
        rows += _run(
            "kiosk page",
            lambda: bench_kiosk_page(database_url, redis_url, config.rounds, notes),
            failures,
        )
        rows += _run(
            "me/eligibility",
            lambda: bench_eligibility(database_url, redis_url, config.rounds, notes),
            failures,
        )
        rows += _run("mixed load", lambda: bench_mixed(database_url, redis_url, notes), failures)
        rows += _run("demo data", lambda: bench_demo(database_url, config.people, notes), failures)
        rows += _run(
            "notifications", lambda: bench_notify(database_url, redis_url, notes), failures
        )
        rows += _run("sign-up codes", lambda: bench_codes(database_url, redis_url, notes), failures)
    except KeyboardInterrupt:
        progress("interrupted; servers stopped and scratch databases dropped")
        return 130

    print(render(rows))
    print()
    for line in [*machine_notes(load, config), *notes]:
        print(line)
    for failure in failures:
        print(f"FAILED {failure}")
    sys.stdout.flush()
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

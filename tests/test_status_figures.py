"""The status page's figures from synthetic traffic with injected failures, exact to the minute."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from service_status import MENUS, compute_snapshot, menu_of, roll_up
from service_status.figures import StatusSnapshot
from service_status.menus import NOT_A_MENU, is_plumbing
from service_status.rollups import korean_day_start
from tests.support.status_traffic import acquire, record_loads, record_readiness, record_traffic

# 14:30 in Korea. Every figure here is computed "as of" this moment.
NOW = datetime(2026, 3, 10, 5, 30, tzinfo=UTC)
FIRST = NOW - timedelta(hours=2)  # ten minutes of sign-in traffic from here
OUTAGE = NOW - timedelta(days=3)  # a 30-minute database outage, then 30 quiet minutes
SIGN_IN = "/v1/auth/sms/verify"


@pytest.fixture(scope="module")
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert created is not None
    yield created
    await created.close()


@pytest.fixture(scope="module")
async def traffic(pool: asyncpg.Pool) -> None:
    minute = [FIRST + timedelta(minutes=i) for i in range(10)]
    ok = (200, 20.0)
    await record_traffic(pool, minute[0], SIGN_IN, [(*ok, 40), (401, 5.0, 5)])
    for i in range(1, 6):
        await record_traffic(pool, minute[i], SIGN_IN, [(*ok, 40)])
    # 10% of 40 failed: a failing minute.
    await record_traffic(pool, minute[6], SIGN_IN, [(*ok, 36), (500, 300.0, 4)])
    # Half failed, but only 10 requests: not enough to call the minute down.
    await record_traffic(pool, minute[7], SIGN_IN, [(*ok, 5), (503, 300.0, 5)])
    # Exactly 5%: not over the threshold.
    await record_traffic(pool, minute[8], SIGN_IN, [(*ok, 38), (500, 300.0, 2)])
    # A 12-second answer is a timeout, whatever its status.
    await record_traffic(pool, minute[9], SIGN_IN, [(*ok, 39), (200, 12_000.0, 1)])
    await record_traffic(pool, minute[0], "/v1/me", [(200, 100.0, 20)], method="GET")
    await record_traffic(pool, minute[0], "/healthz", [(200, 1.0, 50)], method="GET")
    async with acquire(pool) as conn:
        await record_readiness(conn, minute[0], 3)
        await record_readiness(conn, minute[3], 1, postgresql=False)
        await record_readiness(conn, minute[4], 6)
        await record_readiness(conn, OUTAGE, 30, postgresql=False)
        await record_readiness(conn, OUTAGE + timedelta(minutes=30), 30)
        await record_loads(conn, minute[0], "sign-in", "app", [800, 1000, 1200])
        await record_loads(conn, minute[1], "sign-in", "kiosk", [2000])


async def _snapshot(pool: asyncpg.Pool) -> StatusSnapshot:
    async with acquire(pool) as conn:
        return await compute_snapshot(conn, NOW)


def _menu(snapshot: StatusSnapshot, menu_id: str):  # type: ignore[no-untyped-def]
    return next(m for m in snapshot.menus if m.id == menu_id)


def test_routes_map_to_menus() -> None:
    assert menu_of("POST", "/v1/auth/sms/verify") == "sign-in"
    assert menu_of("POST", "/v1/auth/passkeys/authentication/verify") == "sign-in"
    assert menu_of("GET", "/v1/me") == "my-account"
    assert menu_of("DELETE", "/v1/me/passkeys/{passkey_id}") == "my-account"
    assert menu_of("GET", "/v1/me/benefits") == "my-benefits"
    assert menu_of("POST", "/v1/me/applications") == "apply"
    assert menu_of("GET", "/v1/me/applications/{application_id}") == "application-status"
    assert menu_of("POST", "/webhooks/twilio/voice") == "phone-line"
    assert menu_of("GET", "/v1/authority") is None
    assert menu_of("GET", "/healthz") is None
    assert menu_of("GET", "<unmatched>") is None


def test_every_route_the_app_serves_is_in_a_menu_or_plumbing(tmp_path: Path) -> None:
    from foundation.settings import load_settings
    from server.app import create_app

    app = create_app(
        load_settings(
            {
                "HANCHANG_ENV": "test",
                "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
                "REDIS_URL": "redis://127.0.0.1:1/0",
                "HANCHANG_DATA_DIR": str(tmp_path),
            }
        )
    )
    unmapped = []
    for route in app.routes:
        methods = sorted(getattr(route, "methods", set()) - {"OPTIONS", "HEAD"})
        for method in methods:
            if menu_of(method, route.path_format) is None and not is_plumbing(route.path_format):
                unmapped.append(f"{method} {route.path_format}")
    assert not unmapped, (
        f"add these routes to a menu (service_status/menus.py) or NOT_A_MENU: {unmapped}"
    )
    assert "/status" in NOT_A_MENU


async def test_24_hours_count_requests_failures_and_downtime(
    traffic: None, pool: asyncpg.Pool
) -> None:
    snapshot = await _snapshot(pool)
    assert [m.id for m in snapshot.menus] == [m.id for m in MENUS]
    sign_in = _menu(snapshot, "sign-in")
    assert sign_in.has_traffic and sign_in.windows is not None
    day = sign_in.windows["24h"]
    assert day.requests == 375
    # 5xx and the timeout; the five 401s are the caller's and not failures.
    assert day.failures == 4 + 5 + 2 + 1
    assert day.failure_rate_percent == pytest.approx(3.2)
    total_ms = 20 * 358 + 5 * 5 + 300 * 11 + 12_000
    assert day.average_ms == pytest.approx(round(total_ms / 375, 1))
    # 363 of 375 answered within 25 ms: the 95th percentile is in that bucket.
    assert day.p95_ms == 25 and not day.p95_beyond_scale
    # Down: the minute readiness failed, and the minute 10% of 40 failed.
    assert day.measured_minutes == 10
    assert day.downtime_minutes == 2
    assert day.availability_percent == pytest.approx(80.0)
    assert day.client_loads == 4
    assert day.client_average_ms == pytest.approx(1250.0)
    assert {c.channel: c.average_ms for c in day.client_channels} == {
        "app": 1000.0,
        "kiosk": 2000.0,
    }

    account = _menu(snapshot, "my-account").windows
    assert account is not None
    assert account["24h"].requests == 20 and account["24h"].failures == 0
    assert account["24h"].average_ms == 100.0 and account["24h"].p95_ms == 100
    # No traffic of its own in nine of those minutes: readiness alone counts there.
    assert account["24h"].downtime_minutes == 1
    assert account["24h"].measured_minutes == 10

    benefits = _menu(snapshot, "my-benefits")
    assert not benefits.has_traffic and benefits.windows is None and benefits.hourly == []


async def test_7_and_30_days_include_the_older_outage(traffic: None, pool: asyncpg.Pool) -> None:
    snapshot = await _snapshot(pool)
    windows = _menu(snapshot, "sign-in").windows
    assert windows is not None
    for name in ("7d", "30d"):
        assert windows[name].requests == 375
        assert windows[name].measured_minutes == 70
        assert windows[name].downtime_minutes == 32
        assert windows[name].availability_percent == pytest.approx(38 * 100 / 70, abs=0.001)


async def test_hourly_and_daily_points(traffic: None, pool: asyncpg.Pool) -> None:
    snapshot = await _snapshot(pool)
    sign_in = _menu(snapshot, "sign-in")
    assert len(sign_in.hourly) == 24 and len(sign_in.daily) == 30
    busy = [p for p in sign_in.hourly if p.requests]
    assert [(p.start, p.requests, p.downtime_minutes) for p in busy] == [
        (FIRST.replace(minute=0), 375, 2)
    ]
    today = sign_in.daily[-1]
    assert today.date == "2026-03-10" and today.start == korean_day_start(NOW)
    assert today.requests == 375 and today.downtime_minutes == 2
    outage_day = next(p for p in sign_in.daily if p.start == korean_day_start(OUTAGE))
    assert outage_day.downtime_minutes == 30 and outage_day.measured_minutes == 60
    assert outage_day.availability_percent == pytest.approx(50.0)
    quiet = sign_in.daily[0]
    assert quiet.measured_minutes == 0 and quiet.availability_percent is None


async def test_figures_are_the_same_after_the_rollup(traffic: None, pool: asyncpg.Pool) -> None:
    before = await _snapshot(pool)
    async with acquire(pool) as conn:
        await roll_up(conn, NOW)
        # The outage's minutes are past their 2 days: rolled up, then pruned.
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM status_readiness_minute WHERE minute < $1",
                NOW - timedelta(days=2),
            )
            == 0
        )
    after = await _snapshot(pool)
    assert after.menus == before.menus

"""`/status` and `/status.json`: the page, its language, caching, jobs, and the database away."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import msgspec
import pytest
from arq.connections import ArqRedis
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from foundation.fonts import FONT_STACK, FONTS_STYLESHEET
from foundation.metrics import RequestMetrics
from foundation.settings import Settings, load_settings
from i18n import SUPPORTED_LOCALES
from server.app import create_app
from server.embedded import free_port
from service_status import StatusSnapshot, snapshot_path
from service_status.menus import MENUS
from service_status.snapshots import REDIS_KEY
from status_page.page import PALETTE
from tests.support.environment import environment_for_tests
from tests.support.factories import run_jobs
from tests.support.status_traffic import acquire, record_readiness, record_traffic

NOW = datetime.now(UTC).replace(second=0, microsecond=0)


@pytest.fixture(scope="module")
async def seeded(
    client: AsyncTestClient[Litestar], app: Litestar, database_url: str, redis_url: str
) -> int:
    """Sign-in traffic with failures 10-20 minutes ago, plus real requests through the app."""
    redis = Redis.from_url(redis_url)
    await redis.delete(REDIS_KEY)
    await redis.aclose()
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        for i in range(10):
            minute = NOW - timedelta(minutes=20 - i)
            failures = 10 if 3 <= i < 9 else 0
            await record_traffic(
                pool,
                minute,
                "/v1/auth/sms/verify",
                [(200, 45.0, 40 - failures), (500, 250.0, failures)],
            )
        async with acquire(pool) as conn:
            await record_readiness(conn, NOW - timedelta(minutes=20), 19)
        # Real requests: refused for want of a sign-in, counted for "my account".
        for _ in range(3):
            assert (await client.get("/v1/me")).status_code == 401
        metrics: RequestMetrics = app.state.metrics
        await metrics.flush(pool)
    finally:
        await pool.close()
    return 400


async def test_the_page_is_korean_by_default_and_accessible_in_structure(
    seeded: int, client: AsyncTestClient[Litestar]
) -> None:
    response = await client.get("/status")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-language"] == "ko"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = response.text
    assert page.startswith("<!doctype html>")
    assert '<html lang="ko">' in page
    assert '<a class="skip" href="#main">' in page and '<main id="main"' in page
    assert page.count("<h1>") == 1
    assert '<nav aria-label="' in page
    assert 'href="/status?lang=en"' in page and 'hreflang="en"' in page
    # No script, no style sheet, font or image from elsewhere: it works without JavaScript;
    # the one style sheet is our web fonts' (foundation/fonts), from this server.
    assert "<script" not in page.lower()
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)">', page) == [FONTS_STYLESHEET]
    assert not re.search(r"""\s(src|srcset)=|@import|url\(""", page)
    # Every chart has a table with the same figures right after it.
    charts = re.findall(
        r'<svg [^>]*role="img" aria-labelledby="([^"]+)" aria-describedby="([^"]+)"', page
    )
    assert len(charts) == 4  # sign-in and my account, hourly and daily
    assert page.count("<details>") == len(charts)
    for title_id, description_id in charts:
        assert f'<title id="{title_id}">' in page and f'<p id="{description_id}"' in page
    # Menus with no traffic yet (all but sign-in and my account) say so rather than
    # show made-up figures.
    assert page.count('colspan="8"') == len(MENUS) - 2


async def test_english_and_the_period_switch(
    seeded: int, client: AsyncTestClient[Litestar]
) -> None:
    page = (await client.get("/status?lang=en&window=7d")).text
    assert '<html lang="en">' in page
    assert "<h1>Service status</h1>" in page
    assert '<a href="/status?lang=en&amp;window=7d" aria-current="page">Last 7 days</a>' in page
    assert "Showing: Last 7 days" in page
    assert "No traffic yet" in page
    english = await client.get("/status", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert english.headers["content-language"] == "en"
    assert english.headers["vary"] == "Accept-Language"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_the_page_reads_in_every_language_of_the_table(
    seeded: int, client: AsyncTestClient[Litestar], locale: str
) -> None:
    # Our codes are not Babel's (zh-Hans, tl, uz): numbers and times still format.
    response = await client.get(f"/status?lang={locale}")
    assert response.status_code == 200, response.text
    assert f'<html lang="{locale}">' in response.text
    assert response.headers["content-language"] == locale


async def test_the_style_sheet_reaches_the_browser_unescaped(
    seeded: int, client: AsyncTestClient[Litestar]
) -> None:
    """An escaped quote (`&#34;`) inside <style> voids the font declaration (Latin text fell
    back to Times), and Korean headers broke mid-word without `word-break: keep-all`."""
    page = (await client.get("/status")).text
    styles = re.findall(r"<style>(.*?)</style>", page, re.DOTALL)
    assert len(styles) == 1
    css = styles[0]
    assert "&#34;" not in css and "&quot;" not in css and "&#39;" not in css
    body = re.search(r"(?:^|})\s*body\{([^}]*)\}", css)
    assert body is not None, css
    assert f"font:1.0625rem/1.6 {FONT_STACK}" in body.group(1)
    # Korean words stay whole: in the body, so in every table header too.
    assert "word-break:keep-all" in body.group(1)


async def test_a_bad_period_gets_a_friendly_page(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/status?window=1y", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>" in response.text and "1350" in response.text


async def test_json_has_the_same_figures_with_cache_headers(
    seeded: int, client: AsyncTestClient[Litestar]
) -> None:
    response = await client.get("/status.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "public, max-age=60"
    etag = response.headers["etag"]
    body = response.json()
    assert body["stale"] is False
    menus = {menu["id"]: menu for menu in body["menus"]}
    day = menus["sign-in"]["windows"]["24h"]
    assert day["requests"] == seeded and day["failures"] == 60
    assert day["downtime_minutes"] == 6 and day["measured_minutes"] >= 10
    assert day["p95_ms"] == 250
    assert menus["my-account"]["windows"]["24h"]["requests"] >= 3
    assert menus["my-account"]["windows"]["24h"]["failures"] == 0
    assert menus["inbox"]["has_traffic"] is False and menus["inbox"]["windows"] is None
    assert menus["sign-in"]["names"]["en"] == "Sign-in"

    again = await client.get("/status.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    page = await client.get("/status")
    assert (
        await client.get("/status", headers={"If-None-Match": page.headers["etag"]})
    ).status_code == 304


async def test_the_worker_probes_rolls_up_and_evaluates(
    settings: Settings, owner_conn: asyncpg.Connection
) -> None:
    queue = ArqRedis.from_url(settings.redis.url)
    try:
        for job in ("probe_readiness", "roll_up_status_metrics", "evaluate_status_incidents"):
            assert await queue.enqueue_job(job) is not None
        await run_jobs(settings, cron_jobs=[])
    finally:
        await queue.aclose()
    latest = await owner_conn.fetchrow(
        "SELECT * FROM status_readiness_minute ORDER BY minute DESC LIMIT 1"
    )
    assert latest is not None
    assert latest["postgresql_ok"] and latest["redis_ok"]
    assert latest["minute"] >= NOW
    marks = {r["name"] for r in await owner_conn.fetch("SELECT name FROM status_marks")}
    assert marks == {"hour", "day", "incidents"}
    # Six minutes of 25% failures in a row: an incident, still open (few good minutes since).
    assert (
        await owner_conn.fetchval("SELECT count(*) FROM status_incidents WHERE menu = 'sign-in'")
        == 1
    )


def _age(snapshot: StatusSnapshot, hours: int) -> bytes:
    older = msgspec.structs.replace(
        snapshot, generated_at=snapshot.generated_at - timedelta(hours=hours)
    )
    return msgspec.json.encode(older)


@pytest.fixture
async def kept_snapshots(
    seeded: int, client: AsyncTestClient[Litestar], settings: Settings, redis_url: str
) -> AsyncIterator[Path]:
    """A snapshot 3 hours old in Redis and one 5 hours old in the data dir's file."""
    assert (await client.get("/status.json")).status_code == 200
    path = snapshot_path(settings.data_dir)
    snapshot = msgspec.json.decode(path.read_bytes(), type=StatusSnapshot)
    path.write_bytes(_age(snapshot, 5))
    redis = Redis.from_url(redis_url)
    await redis.set(REDIS_KEY, _age(snapshot, 3))
    yield settings.data_dir
    await redis.delete(REDIS_KEY)
    await redis.aclose()


def _closed_database() -> str:
    return f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"


async def _client_for(redis_url: str, data_dir: Path) -> AsyncTestClient[Litestar]:
    env = environment_for_tests(_closed_database(), redis_url, data_dir, HANCHANG_DB_POOL_MIN="0")
    return AsyncTestClient(app=create_app(load_settings(env)))


async def test_with_the_database_away_the_last_snapshot_is_served_with_its_age(
    kept_snapshots: Path, redis_url: str
) -> None:
    async with await _client_for(redis_url, kept_snapshots) as away:
        page = await away.get("/status?lang=en")
        assert page.status_code == 200
        assert page.headers["cache-control"] == "public, max-age=15"
        assert "these figures are from 3 hours ago" in page.text
        assert 'role="alert"' in page.text
        document = await away.get("/status.json")
        assert document.status_code == 200 and document.json()["stale"] is True
        assert (await away.get("/readyz")).status_code == 503

    # Redis away too: the file under the data dir still has one.
    closed_redis = f"redis://127.0.0.1:{free_port()}/0"
    async with await _client_for(closed_redis, kept_snapshots) as alone:
        page = await alone.get("/status?lang=en")
        assert page.status_code == 200
        assert "these figures are from 5 hours ago" in page.text
        assert (await alone.get("/status.json")).json()["stale"] is True


async def test_with_nothing_kept_the_page_says_so(tmp_path: Path) -> None:
    closed_redis = f"redis://127.0.0.1:{free_port()}/0"
    async with await _client_for(closed_redis, tmp_path) as empty:
        page = await empty.get("/status?lang=en")
        assert page.status_code == 503
        assert page.headers["retry-after"] == "30"
        assert "We cannot show any figures right now." in page.text
        document = await empty.get("/status.json")
        assert document.status_code == 503
        assert document.headers["content-type"].startswith("application/problem+json")
        assert document.json()["down"] == ["postgresql"]


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("name", sorted(PALETTE))
def test_every_colour_pair_has_a_contrast_of_at_least_7_to_1(name: str) -> None:
    foreground, background = PALETTE[name]
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 7, name

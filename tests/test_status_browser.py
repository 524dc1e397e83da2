"""The status page in a real browser: headless Chromium renders it, axe-core checks it.

Debian's Chromium driven by Playwright against the app under uvicorn on a real
socket; axe-core comes inside the `axe-playwright-python` package. The
screenshots land in test-output/. Without Chromium, Playwright or that package
the test skips and says why, except under CI (`CI=true`), where it fails.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from foundation.fonts import FONT_STACK
from foundation.settings import Settings, load_settings
from server.embedded import free_port
from service_status import add_incident_note, evaluate_incidents
from tests.support.browser import (
    OUTPUT,
    app_on_real_socket,
    launched,
    require_browser,
)
from tests.support.environment import environment_for_tests
from tests.support.status_traffic import acquire, record_loads, record_readiness, record_traffic

SCREENSHOT = OUTPUT / "status.png"
TIMEOUT_MS = 20_000
# AAA contrast (7:1) is off in axe by default; the page promises it, so check it.
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"color-contrast-enhanced": {"enabled": True}},
}


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_browser(
        "STATUS PAGE BROWSER AND ACCESSIBILITY TEST", ("playwright", "axe_playwright_python")
    )


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, port: int
) -> Settings:
    return load_settings(
        environment_for_tests(
            database_url, redis_url, tmp_path_factory.mktemp("data"), HANCHANG_PORT=str(port)
        )
    )


@pytest.fixture(scope="module")
async def seeded(database_url: str, redis_url: str) -> None:
    """A day of sign-in traffic, an incident with a note, and screen loads from app and kiosk."""
    from redis.asyncio import Redis

    from service_status.snapshots import REDIS_KEY

    redis = Redis.from_url(redis_url)
    await redis.delete(REDIS_KEY)
    await redis.aclose()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        for hours_ago in range(23, 0, -1):
            minute = now - timedelta(hours=hours_ago)
            requests = 30 + (hours_ago * 37) % 50
            await record_traffic(
                pool, minute, "/v1/auth/sms/verify", [(200, 30.0 + hours_ago * 4, requests)]
            )
            await record_traffic(pool, minute, "/v1/me", [(200, 60.0, requests // 2)], method="GET")
        first = now - timedelta(minutes=50)
        for i in range(7):
            await record_traffic(
                pool,
                first + timedelta(minutes=i),
                "/v1/auth/sms/verify",
                [(200, 90.0, 30), (503, 2600.0, 10)],
            )
        async with acquire(pool) as conn:
            await record_readiness(conn, now - timedelta(hours=24), 24 * 60 - 2)
            await record_loads(conn, now - timedelta(hours=2), "sign-in", "app", [900, 1100, 1400])
            await record_loads(conn, now - timedelta(hours=3), "sign-in", "kiosk", [1800, 2200])
            await evaluate_incidents(conn, now)
            incident_id = await conn.fetchval(
                "SELECT id FROM status_incidents WHERE menu = 'sign-in'"
            )
            assert incident_id is not None
            await add_incident_note(
                conn,
                incident_id,
                text_ko="문자 인증 번호가 늦게 도착했어요. 지금은 고쳐졌어요.",
                text_en="SMS codes arrived late. It is fixed now.",
            )
    finally:
        await pool.close()


@pytest.fixture(scope="module")
def live_server(chromium: Path, settings: Settings, port: int) -> Iterator[str]:
    with app_on_real_socket(settings, port) as url:
        yield url


def _serious(results: Any) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def test_the_status_page_renders_and_passes_axe(
    seeded: None, live_server: str, chromium: Path
) -> None:

    axe = importlib.import_module("axe_playwright_python.async_playwright").Axe()
    async with launched(chromium) as browser:
        # No JavaScript at all: the page must not need it.
        context = await browser.new_context(
            locale="ko-KR", java_script_enabled=False, viewport={"width": 1280, "height": 900}
        )
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        response = await page.goto(f"{live_server}/status")
        assert response is not None and response.status == 200
        assert await page.get_attribute("html", "lang") == "ko"
        assert await page.locator("svg[role=img]").count() == 4
        assert await page.locator("h1").count() == 1
        OUTPUT.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT), full_page=True)
        await context.close()

        # axe runs in the page, so this context allows script; the CSP is the page's own.
        context = await browser.new_context(
            locale="ko-KR", bypass_csp=True, viewport={"width": 1280, "height": 900}
        )
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        for path in ("/status", "/status?lang=en&window=30d"):
            await page.goto(f"{live_server}{path}")
            # The tables behind each chart too.
            await page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            results = await axe.run(page, options=AXE_OPTIONS)
            problems = _serious(results)
            assert not problems, f"{path}: " + "\n".join(problems)
        await page.screenshot(path=str(OUTPUT / "status-en-tables.png"), full_page=True)
        # A narrow phone screen: the summary table scrolls inside its region, the page does not.
        await page.set_viewport_size({"width": 390, "height": 800})
        await page.goto(f"{live_server}/status")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
        await page.screenshot(path=str(OUTPUT / "status-phone.png"), full_page=True)
    assert SCREENSHOT.stat().st_size > 0


# Korean syllables (가-힣) on both sides of a line break inside one text: a word cut in two.
BROKEN_WORDS = """() => {
  const hangul = /[\\uac00-\\ud7a3]/;
  const broken = [];
  for (const th of document.querySelectorAll("th")) {
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent;
      let top = null;
      for (let i = 0; i < text.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (!rect) continue;
        if (top !== null && rect.top > top + 1 && i > 0
            && hangul.test(text[i - 1]) && hangul.test(text[i])) {
          broken.push(text.slice(0, i) + "|" + text.slice(i));
        }
        top = rect.top;
      }
    }
  }
  return broken;
}"""


async def test_the_status_page_shows_our_fonts_and_korean_words_whole(
    seeded: None, live_server: str, chromium: Path
) -> None:

    async with launched(chromium) as browser:
        # The page runs no script; the checks below are the test's own.
        context = await browser.new_context(
            locale="ko-KR", bypass_csp=True, viewport={"width": 1280, "height": 900}
        )
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        await page.goto(f"{live_server}/status")
        font = await page.evaluate("getComputedStyle(document.body).fontFamily")
        # Our web fonts (foundation/fonts) first: every script, whatever the computer has.
        assert font.replace(", ", ",") == FONT_STACK, font
        word_break = await page.evaluate(
            "[...document.querySelectorAll('thead th')].map(th => getComputedStyle(th).wordBreak)"
        )
        assert word_break and set(word_break) == {"keep-all"}, word_break
        for width in (1280, 390):
            await page.set_viewport_size({"width": width, "height": 900})
            await page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            broken = await page.evaluate(BROKEN_WORDS)
            assert not broken, f"{width}px: {broken}"

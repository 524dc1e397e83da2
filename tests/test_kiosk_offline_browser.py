"""The kiosk when the line drops, in a real browser: a kiosk enrolled with a code from the
CLI (its service worker keeps the public pages), a person signs in with card + PIN and
reaches the confirm page of a benefit; the line drops (Playwright's
`context.set_offline(True)`): the start page comes from the cache and any other page is
the offline page; "apply" is kept on the kiosk and the offline page says so; the line
returns and the service worker sends it: one application. Screenshots go to
test-output/kiosk-offline/.

Headless Debian Chromium driven by Playwright; without them the test skips and says why,
except under CI (`CI=true`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from auth import insert_card, new_token, token_hash
from auth.staff import insert_staff
from foundation.settings import Settings, load_settings
from server.embedded import free_port
from server.fake_bank import FakeAccount, FakeBank, running_fake_bank
from tests.support.access_cards import PIN, kiosk_cli, person_with_pin
from tests.support.applying import account_number, laid_off
from tests.support.browser import (
    OUTPUT,
    app_on_real_socket,
    launched,
    require_browser,
)
from tests.support.environment import environment_for_tests
from tests.support.kiosk_pages import assert_accessible

SCREENSHOTS = OUTPUT / "kiosk-offline"
TIMEOUT_MS = 20_000
PROGRAMME = "unemployment-benefit"


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_browser(
        "REAL-BROWSER KIOSK OFFLINE TEST", ("playwright", "axe_playwright_python")
    )


@pytest.fixture(scope="module")
def bank() -> Iterator[FakeBank]:
    with running_fake_bank() as fake:
        yield fake


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def settings(
    database_url: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    port: int,
    bank: FakeBank,
) -> Settings:
    environment = environment_for_tests(
        database_url, redis_url, tmp_path_factory.mktemp("data"), HANCHANG_PORT=str(port)
    )
    return load_settings({**environment, **bank.environment(timeout_s=2.0)})


@pytest.fixture(scope="module")
def live_server(chromium: Path, settings: Settings, port: int) -> Iterator[str]:
    with app_on_real_socket(settings, port) as url:
        yield url


async def test_offline_pages_and_an_application_queued_then_sent(
    live_server: str,
    chromium: Path,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    bank: FakeBank,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from playwright.async_api import Error

    assert await kiosk_cli(database_url, "code", "--office", "busan", "--location", "1층 입구") == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    clerk = await insert_staff(owner_conn, name="김창구", office_code="busan", role="clerk")
    account = await person_with_pin(owner_conn, settings)
    await laid_off(owner_conn, account.person_id)
    card_token = new_token("hcc_")
    await insert_card(
        owner_conn,
        person_id=account.person_id,
        token_hash=token_hash(card_token),
        issued_by=clerk.id,
        office_code="busan",
    )
    born = await owner_conn.fetchval(
        "SELECT birth_date FROM people WHERE id = $1", account.person_id
    )
    number = account_number()
    bank.add(
        FakeAccount(
            bank_code="088",
            account_num=number.replace("-", ""),
            holder_name="박순자",
            birth_date=born,
        )
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    async with launched(chromium) as browser:
        context = await browser.new_context(locale="ko-KR")
        page = await context.new_page()
        await page.goto(f"{live_server}/kiosk/enrol")
        await page.fill("#code", code)
        await page.click("#enrol-button")
        await page.wait_for_selector("#where", timeout=TIMEOUT_MS)
        await page.click("#sign-in")
        await page.wait_for_selector("#card", timeout=TIMEOUT_MS)
        await page.focus("#card")
        await page.keyboard.type(card_token)
        await page.keyboard.press("Enter")
        for digit in PIN:
            await page.click(f'.keypad button[data-digit="{digit}"]')
        await page.click("#sign-in-button")
        await page.wait_for_selector("#to-benefits", timeout=TIMEOUT_MS)
        await page.goto(f"{live_server}/kiosk/benefits/{PROGRAMME}/apply")
        await page.wait_for_selector("#account-form", timeout=TIMEOUT_MS)
        await page.select_option("#bank_code", "088")
        await page.fill("#account_number", number)
        await page.click("#add-account-button")
        await page.wait_for_selector("#apply-form", timeout=TIMEOUT_MS)
        await page.check("#confirmed")

        # The line drops.
        await context.set_offline(True)
        await page.click("#apply-button")
        await page.wait_for_selector("#offline-queued", timeout=TIMEOUT_MS)
        assert await page.is_visible("#offline-now")
        await assert_accessible(page, "offline, queued")
        await page.screenshot(path=str(SCREENSHOTS / "1-queued.png"), full_page=True)
        assert (
            await owner_conn.fetchval(
                "SELECT count(*) FROM applications WHERE person_id = $1", account.person_id
            )
            == 0
        )
        # The start page from the cache; another page is the offline page.
        await page.goto(f"{live_server}/kiosk")
        await page.wait_for_selector("#where", timeout=TIMEOUT_MS)
        await page.goto(f"{live_server}/kiosk/benefits")
        await page.wait_for_selector("#offline-now", timeout=TIMEOUT_MS)
        assert not await page.is_visible("#offline-queued")
        await page.screenshot(path=str(SCREENSHOTS / "2-offline.png"), full_page=True)

        # The line returns: the next page that gets through sends the queue first.
        await context.set_offline(False)
        for _ in range(50):
            try:
                await page.goto(f"{live_server}/kiosk")
                break
            except Error:
                await asyncio.sleep(0.2)
        await page.wait_for_selector("#where", timeout=TIMEOUT_MS)
        sent = 0
        for _ in range(100):
            sent = await owner_conn.fetchval(
                "SELECT count(*) FROM applications WHERE person_id = $1", account.person_id
            )
            if sent:
                break
            await asyncio.sleep(0.1)
        assert sent == 1
        # Nudged again (every minute from any page): nothing more is sent.
        await page.reload()
        await page.wait_for_selector("#where", timeout=TIMEOUT_MS)

    kept = await owner_conn.fetch(
        "SELECT outcome, pressed_at, received_at FROM kiosk_queued_applications "
        "WHERE person_id = $1",
        account.person_id,
    )
    assert [row["outcome"] for row in kept] == ["accepted"]
    assert kept[0]["pressed_at"] <= kept[0]["received_at"]
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM applications WHERE person_id = $1", account.person_id
        )
        == 1
    )

"""The kiosk's service pages in a real browser: a kiosk enrolled with a code from the CLI,
a person signs in with the card (typed as the scanner does) and the PIN on the keypad,
sees their benefits with reasons, adds a payment account (proven by the holder inquiry
against the fake bank network), applies, prints the receipt (its print layout
screenshotted), reads a notice (its "read aloud" text exposed) and sees their documents
and who viewed their data. axe-core checks each page (WCAG AA and AAA contrast), every
interactive element is at least 44x44 CSS px, and each page exposes its spoken
description. Screenshots go to test-output/kiosk-services/.

Headless Debian Chromium driven by Playwright; without them the test skips and says why,
except under CI (`CI=true`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
from tests.support.kiosk_pages import assert_accessible, assert_large_targets

SCREENSHOTS = OUTPUT / "kiosk-services"
TIMEOUT_MS = 20_000
PROGRAMME = "unemployment-benefit"


async def check_page(page: Any, name: str) -> None:
    """axe, the size of every target, the spoken description; then a screenshot."""
    await assert_accessible(page, name)
    await assert_large_targets(page, name)
    if name != "me":
        spoken = await page.get_attribute("#service", "data-spoken")
        assert spoken and len(spoken) > 10, name
        assert await page.get_attribute("#service", "aria-describedby") == "page-spoken"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_browser(
        "REAL-BROWSER KIOSK SERVICES TEST", ("playwright", "axe_playwright_python")
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


async def test_benefits_apply_print_and_read_the_inbox(
    live_server: str,
    chromium: Path,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    bank: FakeBank,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:

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
    notice = await owner_conn.fetchval(
        "INSERT INTO notices (person_id, kind, topic, locale) "
        "VALUES ($1, 'account', 'bank_account_changed', 'ko') RETURNING id",
        account.person_id,
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
        await check_page(page, "me")

        await page.click("#to-benefits")
        await page.wait_for_selector(f"#programme-{PROGRAMME}", timeout=TIMEOUT_MS)
        card = page.locator(f"#programme-{PROGRAMME}")
        assert await card.get_attribute("data-status") == "eligible"
        assert await card.locator("[data-criterion]").count() >= 2
        await check_page(page, "1-benefits")

        await page.click(f"#apply-{PROGRAMME}")
        await page.wait_for_selector("#account-form", timeout=TIMEOUT_MS)
        await page.select_option("#bank_code", "088")
        await page.fill("#account_number", number)
        await check_page(page, "2-add-account")
        await page.click("#add-account-button")
        await page.wait_for_selector("#apply-form", timeout=TIMEOUT_MS)
        await page.check("#confirmed")
        await check_page(page, "3-apply")
        await page.click("#apply-button")
        await page.wait_for_selector("#receipt", timeout=TIMEOUT_MS)
        reference = await page.inner_text("#reference")
        assert await page.locator("#qr svg").count() == 1
        await check_page(page, "4-receipt")
        # (A statement list, so that Playwright does not call the function it ends with.)
        await page.evaluate("window.print = () => { window.printed++; }; window.printed = 0;")
        await page.click("#print")
        assert await page.evaluate("window.printed") == 1
        await page.emulate_media(media="print")
        assert not await page.is_visible("#print")
        assert not await page.is_visible("header")
        await page.screenshot(path=str(SCREENSHOTS / "5-receipt-printed.png"), full_page=True)
        await page.emulate_media(media="screen")

        await page.goto(f"{live_server}/kiosk/applications")
        await page.wait_for_selector(f"#application-{reference}", timeout=TIMEOUT_MS)
        await check_page(page, "6-applications")

        await page.goto(f"{live_server}/kiosk/inbox")
        await page.wait_for_selector(f"#notice-{notice}", timeout=TIMEOUT_MS)
        spoken = await page.get_attribute(f"#read-aloud-{notice}", "data-spoken")
        assert spoken and len(spoken) > 10
        await check_page(page, "7-inbox")
        await page.click(f"#open-{notice}")
        await page.wait_for_selector("#notice-body", timeout=TIMEOUT_MS)
        await check_page(page, "8-notice")

        await page.goto(f"{live_server}/kiosk/documents")
        await page.wait_for_selector("#service", timeout=TIMEOUT_MS)
        await check_page(page, "9-documents")
        await page.click("#to-access-log")
        await page.wait_for_selector("#no-views, .card", timeout=TIMEOUT_MS)
        await check_page(page, "10-access-log")

    applications = await owner_conn.fetch(
        "SELECT id, status FROM applications WHERE person_id = $1", account.person_id
    )
    assert [(str(a["id"]), a["status"]) for a in applications] == [(reference, "submitted")]
    assert await owner_conn.fetchval("SELECT read_at FROM notices WHERE id = $1", notice)

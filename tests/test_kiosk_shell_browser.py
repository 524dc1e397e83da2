"""The kiosk's page shell in a real browser (headless Debian Chromium, Playwright): the
text-size and contrast toggles (kept while the person is there), the language switch, the
audio guide (the page's and each control's spoken text are in the DOM, since headless
browsers have no voices; the PIN is never among them; the keypad's digits stay in order in
audio mode, shuffled otherwise), the whole sign-in -> me -> sign-out flow with keypad keys
only, the inactivity warning ("more time" ten times, on Playwright's clock) and sign-out
at 80 s after which "back" shows no personal page, the card unlock page with keys only,
and on every page: axe at every impact level with AAA contrast, targets of at least
44x44 px, the primary action low on the screen. Screenshots go to
test-output/kiosk-shell/."""

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
from tests.support.access_cards import PIN, kiosk_cli, person_with_pin
from tests.support.browser import app_on_real_socket, launched
from tests.support.dev_outbox import read_outbox_code
from tests.support.environment import environment_for_tests
from tests.support.factories import run_jobs
from tests.support.kiosk_browser import (
    TIMEOUT_MS,
    assert_accessible,
    assert_kiosk_page,
    chromium_path,
    enrolled_page,
    shot,
)

FOLDER = "kiosk-shell"
PERSONAL = "#signed-in"


@pytest.fixture(scope="module")
def chromium() -> Path:
    return chromium_path()


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
def live_server(chromium: Path, settings: Settings, port: int) -> Iterator[str]:
    with app_on_real_socket(settings, port) as url:
        yield url


async def kiosk_code(database_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert await kiosk_cli(database_url, "code", "--office", "busan", "--location", "1층 입구") == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


async def card_holder(owner_conn: asyncpg.Connection, settings: Settings) -> tuple[Any, str]:
    clerk = await insert_staff(owner_conn, name="김창구", office_code="busan", role="clerk")
    account = await person_with_pin(owner_conn, settings)
    card_token = new_token("hcc_")
    await insert_card(
        owner_conn,
        person_id=account.person_id,
        token_hash=token_hash(card_token),
        issued_by=clerk.id,
        office_code="busan",
    )
    return account, card_token


async def focused(page: Any) -> str:
    return str(await page.evaluate("document.activeElement ? document.activeElement.id : ''"))


async def arrow_to(page: Any, element_id: str, key: str = "ArrowDown") -> None:
    for _ in range(80):
        if await focused(page) == element_id:
            return
        await page.keyboard.press(key)
    raise AssertionError(f"the arrows never reached #{element_id}")


async def sign_in_with_keys(page: Any, card_token: str) -> None:
    """From the start page, keypad keys only (the scanner types the card and Enter)."""
    assert await focused(page) == "sign-in"  # the primary action has the focus
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#card", timeout=TIMEOUT_MS)
    assert await focused(page) == "card"
    await page.keyboard.type(card_token)
    await page.keyboard.press("Enter")
    assert await focused(page) == "pin"
    for digit in PIN:
        await page.keyboard.press(digit)
    await page.keyboard.press("Enter")
    await page.wait_for_selector(PERSONAL, timeout=TIMEOUT_MS)
    # The page is parsed before its script has started the inactivity timers: a test that
    # moves the clock on must not do it in between.
    await page.wait_for_load_state("load", timeout=TIMEOUT_MS)


async def assert_no_personal_page_behind(page: Any) -> None:
    """ "Back", as far as the history goes, never shows a personal page again."""
    for _ in range(4):
        try:
            await page.go_back(wait_until="load", timeout=TIMEOUT_MS)
        except Exception:
            break
        assert await page.locator(PERSONAL).count() == 0, page.url


async def test_the_shell_the_keypad_and_every_page(
    live_server: str,
    chromium: Path,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:

    code = await kiosk_code(database_url, capsys)
    _, card_token = await card_holder(owner_conn, settings)
    async with launched(chromium) as browser:
        page = await enrolled_page(browser, live_server, code)
        await assert_kiosk_page(page, "home")
        await shot(page, FOLDER, "01-home")

        # The back key (minus) from the sign-in page leads to the start.
        await page.keyboard.press("Enter")
        await page.wait_for_selector("#card", timeout=TIMEOUT_MS)
        assert await page.evaluate("document.querySelector('.keypad').dataset.order") == "shuffled"
        await assert_kiosk_page(page, "sign-in")
        await shot(page, FOLDER, "02-sign-in")
        await page.keyboard.press("-")
        await page.wait_for_selector("#where", timeout=TIMEOUT_MS)

        # Keypad only: sign in, reach sign-out with the arrows, sign out.
        await sign_in_with_keys(page, card_token)
        await assert_kiosk_page(page, "me")
        await shot(page, FOLDER, "03-me")
        await arrow_to(page, "sign-out")
        await page.keyboard.press("Enter")
        await page.wait_for_selector("#signed-out", timeout=TIMEOUT_MS)
        await shot(page, FOLDER, "04-signed-out")
        await assert_no_personal_page_behind(page)

        # The toggles, kept from page to page while the person is there.
        await page.goto(f"{live_server}/kiosk/sign-in")
        await page.click("#toggle-large")
        await page.click("#toggle-contrast")
        assert await page.get_attribute("#toggle-large", "aria-pressed") == "true"
        await page.goto(f"{live_server}/kiosk/sign-in/sms")
        classes = await page.evaluate("document.documentElement.className")
        assert "large-text" in classes and "high-contrast" in classes
        size = await page.evaluate("getComputedStyle(document.body).fontSize")
        assert size == "48px", size  # 1.5rem at 200%
        await assert_kiosk_page(page, "sms, large text and high contrast")
        await shot(page, FOLDER, "05-large-high-contrast")
        await page.click("#toggle-large")
        await page.click("#toggle-contrast")

        # The language switch: every language the catalogs complete.
        await page.click("nav a[hreflang='en']")
        await page.wait_for_selector("html[lang='en']", timeout=TIMEOUT_MS)
        assert await page.inner_text("h1") == "Sign in with a text message"
        await page.click("nav a[hreflang='ko']")
        await page.wait_for_selector("html[lang='ko']", timeout=TIMEOUT_MS)

        # Audio: digits in order, the PIN never spoken, no voice said plainly.
        await page.goto(f"{live_server}/kiosk/sign-in")
        await page.click("#toggle-audio")
        assert (
            await page.evaluate(
                "Array.from(document.querySelectorAll('.keypad [data-digit]'))"
                ".map((b) => b.dataset.digit).join('')"
            )
            == "1234567890"
        )
        if await page.evaluate("speechSynthesis.getVoices().length === 0"):
            assert await page.is_visible("#no-voice")
            await shot(page, FOLDER, "06-audio-no-voice")
        spoken: list[str] = []
        await page.focus("#card")
        await page.keyboard.type(card_token)
        await page.keyboard.press("Enter")
        spoken.append(await page.evaluate("document.documentElement.dataset.lastSpoken"))
        assert "비밀번호" in spoken[-1] or "PIN" in spoken[-1]
        for digit in PIN:
            await page.keyboard.press("ArrowDown")
            spoken.append(await page.evaluate("document.documentElement.dataset.lastSpoken"))
            await page.click(f'.keypad button[data-digit="{digit}"]')
            spoken.append(await page.evaluate("document.documentElement.dataset.lastSpoken"))
        assert "6자리 중 6자리" in spoken[-1]
        assert not any(PIN in text or PIN[:3] in text for text in spoken), spoken
        assert await page.input_value("#pin") == PIN
        await page.click("#toggle-audio")

        # Every other page of the shell.
        for path, name in (
            ("/kiosk/sign-in/enrollment-code", "07-enrollment-code"),
            ("/kiosk/card/unlock", "08-card-unlock"),
        ):
            await page.goto(f"{live_server}{path}")
            await assert_kiosk_page(page, name)
            await shot(page, FOLDER, name)
        await page.goto(f"{live_server}/kiosk/sign-in/sms")
        await page.fill("#phone", "01099998888")
        await page.fill("#birth", "19600517")
        await page.click("#sms-send")
        await page.wait_for_selector("#code", timeout=TIMEOUT_MS)
        await assert_kiosk_page(page, "sms code")
        await shot(page, FOLDER, "09-sms-code")
        await page.click("#call-staff")
        await page.wait_for_selector("#help-coming", timeout=TIMEOUT_MS)
        await assert_kiosk_page(page, "help")
        await shot(page, FOLDER, "10-help")
        await page.goto(f"{live_server}/kiosk/sign-in")
        await page.fill("#card", "hcc_nosuchcard")
        await page.fill("#pin", "135790")
        await page.click("#sign-in-button")
        await page.wait_for_selector("#detail", timeout=TIMEOUT_MS)
        await assert_kiosk_page(page, "problem")
        await shot(page, FOLDER, "11-problem")
        await page.goto(f"{live_server}/kiosk/enrol")
        await assert_accessible(page, "enrol")


async def test_inactivity_warns_at_60_s_gives_more_time_and_signs_out_at_80_s(
    live_server: str,
    chromium: Path,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:

    code = await kiosk_code(database_url, capsys)
    account, card_token = await card_holder(owner_conn, settings)
    async with launched(chromium) as browser:
        page = await enrolled_page(browser, live_server, code)
        await page.clock.install()
        await page.reload()
        await page.wait_for_selector("#where", timeout=TIMEOUT_MS)
        await sign_in_with_keys(page, card_token)

        for time in range(10):
            await page.clock.fast_forward(59_000)
            assert await page.is_hidden("#idle"), time
            await page.clock.fast_forward(2_000)
            assert await page.is_visible("#idle"), time
            assert await focused(page) == "more-time"
            said = await page.evaluate("document.documentElement.dataset.lastSpoken")
            assert said == await page.get_attribute("#idle", "data-spoken")
            if time == 0:
                await assert_accessible(page, "inactivity warning")
                await shot(page, FOLDER, "12-inactivity-warning")
            await page.keyboard.press("Enter")
            assert await page.is_hidden("#idle"), time
        assert await page.locator(PERSONAL).count() == 1

        await page.clock.fast_forward(61_000)
        assert await page.is_visible("#idle")
        await page.clock.fast_forward(20_000)
        await page.wait_for_selector("#signed-out", timeout=TIMEOUT_MS)
        await shot(page, FOLDER, "13-signed-out-inactive")
        assert await page.evaluate("sessionStorage.length") == 0
        await assert_no_personal_page_behind(page)

    reasons = await owner_conn.fetch(
        "SELECT revoked_reason FROM sessions WHERE account_id = $1", account.id
    )
    assert [r["revoked_reason"] for r in reasons] == ["signed_out"]


async def test_a_locked_card_is_unlocked_on_its_page_with_keys_only(
    live_server: str,
    chromium: Path,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:

    code = await kiosk_code(database_url, capsys)
    account, card_token = await card_holder(owner_conn, settings)
    await owner_conn.execute(
        "UPDATE access_cards SET pin_failures = 5, locked_at = now() WHERE person_id = $1",
        account.person_id,
    )
    async with launched(chromium) as browser:
        page = await enrolled_page(browser, live_server, code)
        await page.goto(f"{live_server}/kiosk/card/unlock")
        assert await focused(page) == "card"
        await page.keyboard.type(card_token)
        await page.keyboard.press("Enter")
        await page.wait_for_selector("#unlock-code", timeout=TIMEOUT_MS)
        assert await focused(page) == "unlock-code"
        await run_jobs(settings)
        assert account.phone_e164 is not None
        for digit in await read_outbox_code(owner_conn, account.phone_e164):
            await page.keyboard.press(digit)
        await page.keyboard.press("Enter")
        await page.wait_for_selector("#unlock-verify", state="hidden", timeout=TIMEOUT_MS)
        status = await page.inner_text("#unlock-status")
        assert status and "잘 안 됐어요" not in status, status
        await assert_kiosk_page(page, "card unlocked")
        await shot(page, FOLDER, "14-card-unlocked")
    locked = await owner_conn.fetchval(
        "SELECT locked_at IS NOT NULL FROM access_cards WHERE person_id = $1", account.person_id
    )
    assert locked is False

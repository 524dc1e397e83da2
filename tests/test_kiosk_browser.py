"""A real kiosk browser: an administrator's code (from `hanchang kiosk code`) is typed on
the enrolment page, which makes the kiosk's key pair (WebCrypto, not extractable) and
installs the service worker; the home page then loads signed; a person signs in with the
card (typed as the scanner does) and the PIN on the on-screen keypad, sees `/kiosk/me`,
and signs out. A browser without the kiosk's key gets only the not-enrolled page.
axe-core checks each page (WCAG AA and AAA contrast). Screenshots of each step go to
test-output/kiosk-browser/.

Headless Debian Chromium driven by Playwright; without them the test skips and says why,
except under CI (`CI=true`).
"""

from __future__ import annotations

import importlib
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
from tests.support.browser import (
    OUTPUT,
    app_on_real_socket,
    launched,
    require_browser,
)
from tests.support.environment import environment_for_tests

SCREENSHOTS = OUTPUT / "kiosk-browser"
TIMEOUT_MS = 20_000
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"color-contrast-enhanced": {"enabled": True}},
}
# What the enrolment page kept for the service worker: the key must not be extractable.
STORED_KEY = """() => new Promise((resolve, reject) => {
  const opening = indexedDB.open("hanchang-kiosk", 1);
  opening.onerror = () => reject(opening.error);
  opening.onsuccess = () => {
    const reading = opening.result.transaction("device").objectStore("device").get("key");
    reading.onsuccess = () => resolve({
      kioskId: reading.result.kioskId,
      algorithm: reading.result.algorithm,
      extractable: reading.result.privateKey.extractable,
      type: reading.result.privateKey.type,
    });
    reading.onerror = () => reject(reading.error);
  };
})"""


# For the ES256 run: a browser that does not offer Ed25519, so the page falls back to
# ECDSA P-256 (and the service worker signs r || s).
NO_ED25519 = """(() => {
  const generate = crypto.subtle.generateKey.bind(crypto.subtle);
  crypto.subtle.generateKey = (algorithm, ...rest) =>
    algorithm && algorithm.name === "Ed25519"
      ? Promise.reject(new DOMException("not offered here", "NotSupportedError"))
      : generate(algorithm, ...rest);
})();"""


async def assert_accessible(page: Any, where: str) -> None:
    axe = importlib.import_module("axe_playwright_python.async_playwright").Axe()
    results = await axe.run(page, options=AXE_OPTIONS)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert not problems, f"{where}: " + "\n".join(problems)


async def shot(page: Any, algorithm: str, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{algorithm}-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_browser("REAL-BROWSER KIOSK TEST", ("playwright", "axe_playwright_python"))


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, port: int
) -> Settings:
    # http://localhost:<port> is a secure context: WebCrypto and service workers work there.
    return load_settings(
        environment_for_tests(
            database_url, redis_url, tmp_path_factory.mktemp("data"), HANCHANG_PORT=str(port)
        )
    )


@pytest.fixture(scope="module")
def live_server(chromium: Path, settings: Settings, port: int) -> Iterator[str]:
    with app_on_real_socket(settings, port) as url:
        yield url


@pytest.mark.parametrize("algorithm", ["Ed25519", "ES256"])
async def test_a_kiosk_is_enrolled_signs_its_pages_and_a_person_signs_in(
    algorithm: str,
    live_server: str,
    chromium: Path,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:

    assert await kiosk_cli(database_url, "code", "--office", "busan", "--location", "1층 입구") == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
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

    async with launched(chromium) as browser:
        stranger = await (await browser.new_context(locale="ko-KR")).new_page()
        answer = await stranger.goto(f"{live_server}/kiosk")
        assert answer is not None and answer.status == 401
        assert await stranger.inner_text("h1") == "등록되지 않은 키오스크예요"
        assert await stranger.locator("a, form").count() == 0
        await assert_accessible(stranger, "not enrolled")
        await shot(stranger, algorithm, "1-not-enrolled")

        context = await browser.new_context(locale="ko-KR")
        if algorithm == "ES256":
            await context.add_init_script(NO_ED25519)
        page = await context.new_page()
        await page.goto(f"{live_server}/kiosk/enrol")
        await assert_accessible(page, "enrol")
        await page.fill("#code", code.lower())
        await shot(page, algorithm, "2-enrol")
        await page.click("#enrol-button")
        await page.wait_for_selector("#where", timeout=TIMEOUT_MS)
        assert await page.inner_text("#where") == "부산고용센터, 1층 입구"
        assert await page.evaluate("navigator.serviceWorker.controller !== null")
        stored = await page.evaluate(STORED_KEY)
        assert stored["extractable"] is False and stored["type"] == "private", stored
        assert stored["algorithm"] == algorithm
        kiosk = await owner_conn.fetchrow(
            "SELECT office_code, location, key_algorithm, enrolled_by FROM kiosks WHERE id = $1",
            stored["kioskId"],
        )
        assert kiosk is not None and dict(kiosk) == {
            "office_code": "busan",
            "location": "1층 입구",
            "key_algorithm": stored["algorithm"],
            "enrolled_by": "operator:cli",
        }
        await assert_accessible(page, "home")
        await shot(page, algorithm, "3-home-signed")

        await page.click("#sign-in")
        await page.wait_for_selector("#card", timeout=TIMEOUT_MS)
        await assert_accessible(page, "sign-in")
        # The scanner types the card's code and Enter; the PIN on the on-screen keypad.
        await page.focus("#card")
        await page.keyboard.type(card_token)
        await page.keyboard.press("Enter")
        assert await page.evaluate("document.activeElement.id") == "pin"
        for digit in PIN:
            await page.click(f'.keypad button[data-digit="{digit}"]')
        await shot(page, algorithm, "4-sign-in")
        await page.click("#sign-in-button")
        await page.wait_for_selector("#signed-in", timeout=TIMEOUT_MS)
        assert page.url.endswith("/kiosk/me")
        assert "박순자" in await page.inner_text("#signed-in")
        cookies = [c for c in await context.cookies() if c["name"] == "hanchang_kiosk"]
        assert len(cookies) == 1 and cookies[0]["httpOnly"] and cookies[0]["path"] == "/kiosk"
        assert cookies[0]["sameSite"] == "Strict"
        await assert_accessible(page, "me")
        await shot(page, algorithm, "5-me")

        await page.click("#sign-out")
        await page.wait_for_selector("#signed-out", timeout=TIMEOUT_MS)
        await shot(page, algorithm, "6-signed-out")

    sessions = await owner_conn.fetch(
        "SELECT kiosk_id, revoked_reason FROM sessions WHERE account_id = $1", account.id
    )
    assert [dict(s) for s in sessions] == [
        {"kiosk_id": stored["kioskId"], "revoked_reason": "signed_out"}
    ]
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'kiosk.signature_refused' "
            "AND subject = $1",
            f"kiosk:{stored['kioskId']}",
        )
        == 0
    )

"""A real browser at the counter: a new clerk opens the enrollment link, registers a
passkey, signs in, finds a person, records a matching ID check, issues an access card
and gets its print page; the person then types their PIN, and the clerk opens the
recovery, phones, helpers and benefits pages — all through the console pages, against a
server on a real socket. axe-core (from `axe-playwright-python`) checks every page on the
way, WCAG AA and AAA contrast, and finds nothing.

Headless Debian Chromium driven by Playwright, with Chromium's virtual authenticator
(DevTools protocol `WebAuthn` domain) as the clerk's passkey. Without Chromium or
Playwright the test skips and says why, except under CI (`CI=true`).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import asyncpg
import pytest

from auth.staff import create_staff
from foundation.settings import Settings, load_settings
from server.embedded import free_port
from tests.support.browser import (
    OUTPUT,
    app_on_real_socket,
    launched,
    require_browser,
)
from tests.support.environment import environment_for_tests
from tests.support.factories import make_person

SCREENSHOTS = OUTPUT / "console-browser"
TIMEOUT_MS = 20_000
# WCAG 2.1 AA and best practice; AAA contrast (7:1) too, as the status page promises.
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"color-contrast-enhanced": {"enabled": True}},
}

# Every radio button's computed min-width and width, and how far right of its own left
# edge its label starts (in CSS pixels).
RADIOS_AND_LABELS = """() => [...document.querySelectorAll("input[type=radio]")].map((radio) => {
  const box = radio.getBoundingClientRect();
  const label = document.querySelector(`label[for="${radio.id}"]`).getBoundingClientRect();
  return {
    id: radio.id,
    min_width: getComputedStyle(radio).minWidth,
    width: box.width,
    label_offset: label.left - box.left,
  };
})"""


async def assert_accessible(page: Any, where: str) -> None:
    """axe-core finds nothing on the page as it is now (every impact, not only serious)."""
    axe = importlib.import_module("axe_playwright_python.async_playwright").Axe()
    results = await axe.run(page, options=AXE_OPTIONS)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert not problems, f"{where}: " + "\n".join(problems)


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_browser("REAL-BROWSER CONSOLE TEST", ("playwright", "axe_playwright_python"))


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, port: int
) -> Settings:
    # The public address is http://localhost:<port>: the WebAuthn origin and rp id.
    return load_settings(
        environment_for_tests(
            database_url, redis_url, tmp_path_factory.mktemp("data"), HANCHANG_PORT=str(port)
        )
    )


@pytest.fixture(scope="module")
def live_server(chromium: Path, settings: Settings, port: int) -> Iterator[str]:
    with app_on_real_socket(settings, port) as url:
        yield url


async def test_a_clerk_enrolls_signs_in_checks_an_id_and_prints_a_card(
    live_server: str, chromium: Path, owner_conn: asyncpg.Connection, settings: Settings
) -> None:

    created = await create_staff(
        owner_conn, name="박창구", office_code="busan", role="clerk", actor="cli:test"
    )
    person = await make_person(owner_conn, settings, name="최다온", birth_date=date(1984, 7, 9))

    async with launched(chromium) as browser:
        context = await browser.new_context(locale="ko-KR")
        page = await context.new_page()
        devtools = await context.new_cdp_session(page)
        await devtools.send("WebAuthn.enable", {"enableUI": False})
        await devtools.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )

        await page.goto(f"{live_server}/console/enroll?token={created.enrollment_token}")
        await page.click("#enroll")
        await page.wait_for_selector(
            '#status[data-state="enrolled"], #status[data-state="error"]', timeout=TIMEOUT_MS
        )
        assert await page.get_attribute("#status", "data-state") == "enrolled", (
            await page.inner_text("#status")
        )

        await assert_accessible(page, "enroll")
        await page.click("#next a")
        await page.wait_for_url("**/console/sign-in", timeout=TIMEOUT_MS)
        await assert_accessible(page, "sign-in")
        await page.click("#sign-in")
        await page.wait_for_selector("#staff-name", timeout=TIMEOUT_MS)
        assert await page.inner_text("#staff-name") == "박창구"

        # By keyboard: the skip link first, then the search form sent with Enter.
        await page.goto(f"{live_server}/console/people")
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.className") == "skip"
        await page.fill("#name", "최다온")
        await page.fill("#birth_date", "1984-07-09")
        await page.press("#birth_date", "Enter")
        await page.wait_for_selector(f'a[href="/console/people/{person.id}"]')
        await assert_accessible(page, "people search")
        await page.click(f'a[href="/console/people/{person.id}"]')

        # Each result's radio button sits right beside its label: the text fields' width
        # rule does not reach it.
        radios = await page.evaluate(RADIOS_AND_LABELS)
        assert len(radios) == 2, radios
        for radio in radios:
            assert radio["min_width"] in ("0px", "auto"), radio
            assert radio["width"] < 40 and 0 <= radio["label_offset"] < 48, radio
        await page.select_option("#document_type", "resident_id_card")
        await page.fill("#document_last4", "4321")
        await page.check("#result-match")
        await page.click('button:has-text("확인 결과 기록")')
        await page.wait_for_selector("#issue-card", timeout=TIMEOUT_MS)
        assert "신분증이 일치했어요" in await page.inner_text("#checked")
        await assert_accessible(page, "person")

        await page.click("#issue-card")
        await page.wait_for_url("**/console/api/access-cards/*/print?token=*")
        assert await page.inner_text(".name") == "최다온"
        await assert_accessible(page, "card")
        assert await page.locator("svg").count() == 1
        # The PDF link, fetched with the clerk's own session cookie.
        link = await page.get_attribute('a:has-text("PDF로 받기")', "href")
        assert link is not None and "/print.pdf?token=hcc_" in link
        pdf = await page.request.get(urljoin(page.url, link))
        assert pdf.status == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert (await pdf.body()).startswith(b"%PDF-")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / "access-card.png"), full_page=True)

        # The person types their first PIN on the counter's keypad, twice.
        await page.goto(f"{live_server}/console/people/{person.id}")
        await page.click("#set-pin")
        await assert_accessible(page, "pin")
        await page.fill("#pin", "306817")
        await page.fill("#pin_again", "306817")
        await page.press("#pin_again", "Enter")
        await page.wait_for_selector("#pin-done", timeout=TIMEOUT_MS)
        await page.screenshot(path=str(SCREENSHOTS / "pin-saved.png"), full_page=True)

        # What the person has, and the recovery forms (the ID was checked minutes ago).
        await page.goto(f"{live_server}/console/people/{person.id}/recovery")
        await page.wait_for_selector("#reset-pin", timeout=TIMEOUT_MS)
        assert await page.locator("#check-first").count() == 0
        await assert_accessible(page, "recovery")
        # A form sent back with its errors, in English.
        await page.goto(f"{live_server}/console/people?name=&birth_date=1984-13-40&lang=en")
        await assert_accessible(page, "people search with errors")
        for part in ("phones", "delegations", "benefits"):
            await page.goto(f"{live_server}/console/people/{person.id}/{part}")
            await assert_accessible(page, part)
        await page.screenshot(path=str(SCREENSHOTS / "recovery.png"), full_page=True)

    verification = await owner_conn.fetchrow(
        "SELECT result, document_last4, staff_id FROM identity_verifications WHERE person_id = $1",
        person.id,
    )
    assert verification is not None
    assert (verification["result"], verification["document_last4"]) == ("match", "4321")
    assert verification["staff_id"] == created.staff.id
    cards = await owner_conn.fetchval(
        "SELECT count(*) FROM access_cards WHERE person_id = $1 AND revoked_at IS NULL", person.id
    )
    assert cards == 1
    assert (SCREENSHOTS / "access-card.png").stat().st_size > 0
    pin_hash = await owner_conn.fetchval(
        "SELECT pin_hash FROM accounts WHERE person_id = $1", person.id
    )
    assert pin_hash is not None

"""A real browser registers a passkey and signs in with it, against a server on a real socket.

Headless Debian Chromium, driven by Playwright, with Chromium's virtual
authenticator (DevTools protocol `WebAuthn` domain) standing in for a phone's
platform authenticator. The page is `/dev/passkeys`, which calls the same API
as the app. Without Chromium or Playwright the test skips and says why, except
under CI (`CI=true`), where a missing browser is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from foundation.settings import Settings, load_settings
from server.embedded import free_port
from tests.support.browser import app_on_real_socket, launched, require_browser
from tests.support.environment import environment_for_tests
from tests.support.factories import make_account, sign_in

SCREENSHOT = Path(__file__).resolve().parent.parent / "test-output" / "passkey-browser.png"
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_browser("REAL-BROWSER PASSKEY TEST")


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


async def _wait_for_state(page: Any, wanted: str) -> None:
    await page.wait_for_selector(
        f'#status[data-state="{wanted}"], #status[data-state="error"]', timeout=TIMEOUT_MS
    )
    state = await page.get_attribute("#status", "data-state")
    if state != wanted:
        shown = await page.inner_text("#status"), await page.inner_text("#result")
        raise AssertionError(f"the page says {shown}")


async def test_a_browser_registers_a_passkey_and_signs_in(
    live_server: str, chromium: Path, owner_conn: asyncpg.Connection, settings: Settings
) -> None:

    account = await make_account(owner_conn, settings, name="한가람")
    tokens = await sign_in(owner_conn, settings, account)

    async with launched(chromium) as browser:
        context = await browser.new_context(locale="ko-KR")
        page = await context.new_page()
        devtools = await context.new_cdp_session(page)
        await devtools.send("WebAuthn.enable", {"enableUI": False})
        added = await devtools.send(
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
        authenticator_id = added["authenticatorId"]

        # The token travels in the fragment: the page reads it, the server never sees it.
        await page.goto(f"{live_server}/dev/passkeys#token={tokens.access_token}")
        await page.fill("#name", "Chromium")
        await page.click("#register")
        await _wait_for_state(page, "registered")

        held = await devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
        assert len(held["credentials"]) == 1
        assert held["credentials"][0]["isResidentCredential"] is True
        assert held["credentials"][0]["rpId"] == "localhost"

        # Sign in with no user name: the authenticator offers its passkey.
        await page.fill("#token", "")
        await page.click("#sign-in")
        await _wait_for_state(page, "signed-in")
        assert f"Signed in as account {account.id} at aal 2" in await page.inner_text("#status")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT), full_page=True)

    passkey = await owner_conn.fetchrow(
        "SELECT name, sign_count, last_used_at, transports FROM passkeys WHERE account_id = $1",
        account.id,
    )
    assert passkey is not None
    assert passkey["name"] == "Chromium"
    assert passkey["last_used_at"] is not None
    session = await owner_conn.fetchrow(
        "SELECT aal, method, device FROM sessions WHERE account_id = $1 AND method = 'passkey'",
        account.id,
    )
    assert session is not None and session["aal"] == 2 and session["device"] == "dev page"
    assert SCREENSHOT.stat().st_size > 0

"""`/schema/swagger` works with the network cut: Swagger UI's files come from us.

Litestar's default page loads its script, style sheet and icon from a CDN; on a
closed network the page stayed blank. The browser test loads the page in
headless Chromium with every request to anywhere but this machine aborted, and
finds the operations drawn. Without Chromium or Playwright it skips and says why,
except under CI (`CI=true`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.openapi_ui import ASSETS_PATH
from foundation.settings import Settings, load_settings
from server.embedded import free_port
from tests.support.browser import (
    OUTPUT,
    app_on_real_socket,
    launched,
    require_browser,
)
from tests.support.environment import environment_for_tests

CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
TIMEOUT_MS = 20_000


async def test_the_page_loads_nothing_from_elsewhere(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/schema/swagger")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    # The document itself is inlined in the page; its texts may name addresses, nothing
    # else may.
    document = (await client.get("/schema/openapi.json")).text
    assert document in page
    rest = page.replace(document, "")
    assert not re.search(r"https?:|//[a-z]", rest, re.IGNORECASE), rest
    assets = re.findall(r"""\s(?:src|href)=["']([^"']+)["']""", rest)
    assert len(assets) == 4, assets  # script, standalone preset, style sheet, icon
    for asset in assets:
        assert asset.startswith(f"{ASSETS_PATH}/"), asset
        served = await client.get(asset)
        assert served.status_code == 200, asset
        expected = CONTENT_TYPES[Path(asset).suffix]
        assert served.headers["content-type"].startswith(expected), (asset, served.headers)
        assert len(served.content) > 500, asset
    script = (await client.get(f"{ASSETS_PATH}/swagger-ui-bundle.js")).text
    assert "SwaggerUIBundle" in script
    assert (await client.get(f"{ASSETS_PATH}/no-such-file.js")).status_code == 404
    # The files are plumbing, not part of the API.
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert not [path for path in paths if path.startswith(ASSETS_PATH)]


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_browser("OFFLINE SWAGGER PAGE BROWSER TEST")


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def browser_settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, port: int
) -> Settings:
    return load_settings(
        environment_for_tests(
            database_url, redis_url, tmp_path_factory.mktemp("data"), HANCHANG_PORT=str(port)
        )
    )


@pytest.fixture(scope="module")
def live_server(chromium: Path, browser_settings: Settings, port: int) -> Iterator[str]:
    with app_on_real_socket(browser_settings, port) as url:
        yield url


async def test_the_page_renders_with_the_network_cut(live_server: str, chromium: Path) -> None:
    from playwright.async_api import Route

    elsewhere: list[str] = []

    async def only_this_machine(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost", "::1"):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort("internetdisconnected")

    async with launched(chromium) as browser:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        await context.route("**/*", only_this_machine)
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        response = await page.goto(f"{live_server}/schema/swagger")
        assert response is not None and response.status == 200
        await page.wait_for_selector(".swagger-ui .opblock", timeout=TIMEOUT_MS)
        assert await page.locator(".swagger-ui .opblock").count() > 20
        assert "Hanchang API" in await page.inner_text(".swagger-ui .info .title")
        OUTPUT.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(OUTPUT / "swagger-offline.png"))
    assert not elsewhere, elsewhere

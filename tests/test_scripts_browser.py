"""Every script on the pages a person sees, in a real browser with no fonts of its own for
them: the status page, the console's PIN page and the kiosk's start and sign-in pages (an
enrolled kiosk's: they load only signed), in each language of i18n/languages.py,
with a sample per script (each language's own name, Mongolian's Ө ө Ү ү, Uzbek's ʻ, Hanja)
put into the page so that it inherits the page's own style.

Chromium says which fonts drew each element's text (DevTools `CSS.getPlatformFontsForNode`).
A character no font in the page's stack has is drawn by a font outside it (a box, or some
other font by luck): so every font used must be one of our web fonts (`/fonts`), or a
computer's own Korean font that the stack names. Without the web fonts served, or with the
Content-Security-Policy blocking them, this fails. Screenshots are kept under pytest's
temporary folder (the path is printed) for a person to look at.

Headless Debian Chromium (tests/support/browser.py); skips without it, except under CI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from auth import new_token, token_hash
from auth.staff import insert_staff, insert_staff_session
from foundation.fonts import FONT_FACES, FONT_STACK
from foundation.settings import Settings, load_settings
from i18n import LANGUAGES
from server.embedded import free_port
from tests.support.access_cards import kiosk_cli
from tests.support.browser import app_on_real_socket, launched, require_browser
from tests.support.environment import environment_for_tests
from tests.support.factories import make_person

SAMPLES = [(language.code, language.name) for language in LANGUAGES] + [
    ("mn", "Өөрийн үүрэг"),
    ("uz", "Oʻzbekiston gʻalaba"),
    ("ko", "金英洙 南宮民秀"),
    ("vi", "Nguyễn Thị Ánh"),
]
# The computer's own Korean fonts the stack names before our CJK file (and our families'
# names, which a local font cannot take: Chromium reports a font's own family name).
STACK_FAMILIES = set(re.findall(r'"([^"]+)"', FONT_STACK)) - {face.family for face in FONT_FACES}
TIMEOUT_MS = 20_000

INSERT_SAMPLES = """(samples) => {
  const box = document.createElement("section");
  box.id = "scripts";
  for (const [lang, text] of samples) {
    const line = document.createElement("p");
    line.lang = lang;
    line.textContent = text;
    box.append(line);
  }
  (document.querySelector("main") || document.body).prepend(box);
  return document.body.offsetHeight;
}"""


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_browser("REAL-BROWSER SCRIPTS TEST")


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


async def fonts_used(page: Any) -> dict[str, set[str]]:
    """For each element of the page with text, the fonts Chromium drew it with: a font's
    family, marked `(web)` when it is a web font."""
    devtools = await page.context.new_cdp_session(page)
    await devtools.send("DOM.enable")
    await devtools.send("CSS.enable")
    document = await devtools.send("DOM.getDocument", {"depth": -1})
    found = await devtools.send(
        "DOM.querySelectorAll", {"nodeId": document["root"]["nodeId"], "selector": "body *"}
    )
    used: dict[str, set[str]] = {}
    for node in found["nodeIds"]:
        fonts = (await devtools.send("CSS.getPlatformFontsForNode", {"nodeId": node}))["fonts"]
        if not fonts:
            continue
        described = await devtools.send("DOM.describeNode", {"nodeId": node})
        text = await devtools.send("DOM.getOuterHTML", {"nodeId": node})
        where = f"{described['node']['localName']}: {text['outerHTML'][:80]}"
        used[where] = {
            f"{font['familyName']}{' (web)' if font['isCustomFont'] else ''}" for font in fonts
        }
    await devtools.detach()
    return used


def strays(used: dict[str, set[str]]) -> dict[str, set[str]]:
    """The elements drawn (in part) with a local font the page's stack does not name. Any
    web font is ours: the pages load fonts from this server only (`font-src 'self'`)."""
    return {
        where: found
        for where, fonts in used.items()
        if (found := {font for font in fonts if not font.endswith(" (web)")} - STACK_FAMILIES)
    }


async def look(page: Any, url: str, shot: Path) -> dict[str, set[str]]:
    answer = await page.goto(url)
    assert answer is not None and answer.status in (200, 503), url
    await page.evaluate(INSERT_SAMPLES, SAMPLES)
    await page.evaluate("document.fonts.ready.then(() => document.fonts.size)")
    await page.screenshot(path=str(shot), full_page=True)
    return await fonts_used(page)


PAGES = [pytest.param("status", language.code) for language in LANGUAGES] + [
    pytest.param("pin", language.code) for language in LANGUAGES
]


@pytest.mark.parametrize(("name", "code"), PAGES)
async def test_every_script_is_drawn_in_our_fonts(
    name: str,
    code: str,
    live_server: str,
    chromium: Path,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:

    staff = await insert_staff(owner_conn, name="김민수", office_code="busan", role="clerk")
    token = new_token("hcs_")
    await insert_staff_session(
        owner_conn, staff_id=staff.id, token_hash=token_hash(token), now=datetime.now(UTC)
    )
    person = await make_person(owner_conn, settings, name="Nguyễn Thị Ánh")
    path = "/status" if name == "status" else f"/console/people/{person.id}/pin"
    shots = tmp_path_factory.getbasetemp() / "scripts-screenshots"
    shots.mkdir(exist_ok=True)
    shot = shots / f"{name}-{code}.png"
    print(f"\nscreenshot: {shot}")

    async with launched(chromium) as browser:
        context = await browser.new_context()
        await context.add_cookies(
            [{"name": "hanchang_staff", "value": token, "url": f"{live_server}/console"}]
        )
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        used = await look(page, f"{live_server}{path}?lang={code}", shot)
    assert not strays(used), strays(used)
    # The check saw every sample: none was left out for drawing nothing.
    samples = {where for where in used if where.startswith("p: <p lang=")}
    assert len(samples) == len({text for _, text in SAMPLES})


async def test_every_script_on_the_kiosk_is_drawn_in_our_fonts(
    live_server: str,
    chromium: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The kiosk's pages (its start page and the sign-in page) in each language, as an
    enrolled kiosk shows them: its pages load only signed by its service worker, so the
    browser is enrolled first, with a code from `hanchang kiosk code`."""
    assert await kiosk_cli(database_url, "code", "--office", "busan", "--location", "1층") == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    shots = tmp_path_factory.getbasetemp() / "scripts-screenshots"
    shots.mkdir(exist_ok=True)
    print(f"\nscreenshots: {shots}/kiosk-*.png")
    found: dict[str, set[str]] = {}
    async with launched(chromium) as browser:
        page = await (await browser.new_context()).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        await page.goto(f"{live_server}/kiosk/enrol")
        await page.fill("#code", code.lower())
        await page.click("#enrol-button")
        await page.wait_for_selector("#where")
        for language in LANGUAGES:
            for name, path in (("start", "/kiosk"), ("sign-in", "/kiosk/sign-in")):
                url = f"{live_server}{path}?lang={language.code}"
                used = await look(page, url, shots / f"kiosk-{name}-{language.code}.png")
                assert await page.get_attribute("html", "lang") == language.code, url
                found |= {f"{url} {where}": fonts for where, fonts in strays(used).items()}
    assert not found, found

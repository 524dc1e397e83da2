"""What the kiosk's real-browser tests share: enrolling a kiosk in a fresh browser context
(the enrolment page makes the key, the service worker then signs every page), axe-core at
every impact level with AAA contrast, the 44x44 px check, the spoken texts, screenshots."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from tests.support.browser import OUTPUT

TIMEOUT_MS = 20_000
# A kiosk screen standing upright.
KIOSK_VIEWPORT = {"width": 1080, "height": 1920}
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"color-contrast-enhanced": {"enabled": True}},
}
CONTROLS = (
    "a[href], summary, button, input:not([type=hidden]), select, textarea, "
    "[tabindex]:not([tabindex='-1'])"
)
SMALL_TARGETS = f"""() => Array.from(document.querySelectorAll("{CONTROLS}"))
  .filter((e) => e.getClientRects().length > 0)
  .map((e) => {{ const r = e.getBoundingClientRect();
    return {{ what: e.id || e.outerHTML.slice(0, 80), width: r.width, height: r.height }}; }})
  .filter((box) => box.width < 44 || box.height < 44)"""
UNSPOKEN = f"""() => ({{
  page: document.body.dataset.spoken || "",
  silent: Array.from(document.querySelectorAll("{CONTROLS}"))
    .filter((e) => e.getClientRects().length > 0 && !(e.dataset.spoken || "").trim())
    .map((e) => e.id || e.outerHTML.slice(0, 80)),
}})"""
PRIMARY_TOP = """() => { const p = document.querySelector("[data-primary]");
  if (!p) return null;
  return { top: p.getBoundingClientRect().top + window.scrollY, height: window.innerHeight }; }"""


async def assert_accessible(page: Any, where: str) -> None:
    axe = importlib.import_module("axe_playwright_python.async_playwright").Axe()
    results = await axe.run(page, options=AXE_OPTIONS)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert not problems, f"{where}: " + "\n".join(problems)


async def assert_kiosk_page(page: Any, where: str) -> None:
    """axe, targets of at least 44x44 px, the page's spoken text and every control's, the
    primary action in the lower two thirds of the screen."""
    await assert_accessible(page, where)
    assert await page.evaluate(SMALL_TARGETS) == [], where
    spoken = await page.evaluate(UNSPOKEN)
    assert spoken["page"].strip() and spoken["silent"] == [], (where, spoken)
    primary = await page.evaluate(PRIMARY_TOP)
    if primary is not None:
        assert primary["top"] >= primary["height"] / 3, (where, primary)


async def shot(page: Any, folder: str, name: str) -> None:
    where = OUTPUT / folder
    where.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(where / f"{name}.png"), full_page=True)


async def enrolled_page(browser: Any, live_server: str, code: str, **context: Any) -> Any:
    """A new browser context enrolled as a kiosk with `code`, on its start page."""
    made = await browser.new_context(locale="ko-KR", viewport=KIOSK_VIEWPORT, **context)
    page = await made.new_page()
    await page.goto(f"{live_server}/kiosk/enrol")
    await page.fill("#code", code)
    await page.click("#enrol-button")
    await page.wait_for_selector("#where", timeout=TIMEOUT_MS)
    return page


def chromium_path() -> Path:
    from tests.support.browser import require_browser

    return require_browser("REAL-BROWSER KIOSK SHELL TEST", ("playwright", "axe_playwright_python"))

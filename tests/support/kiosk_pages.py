"""What the kiosk's service-page browser test checks on every page: axe-core (WCAG AA and
AAA contrast, as tests/test_kiosk_browser.py runs it) and the size of every target."""

from __future__ import annotations

import importlib
from typing import Any

AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"color-contrast-enhanced": {"enabled": True}},
}
# Every element a person can press or type into, with its size (hidden inputs aside, and
# what is not shown now: the shell's inactivity warning and voice choices until needed).
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'a[href], summary, button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])'
  )].filter((el) => el.checkVisibility()).map((el) => {
    const box = el.getBoundingClientRect();
    return {what: el.outerHTML.slice(0, 80), width: box.width, height: box.height};
  }).filter((t) => t.width < 44 || t.height < 44)"""


async def assert_accessible(page: Any, where: str) -> None:
    axe = importlib.import_module("axe_playwright_python.async_playwright").Axe()
    results = await axe.run(page, options=AXE_OPTIONS)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert not problems, f"{where}: " + "\n".join(problems)


async def assert_large_targets(page: Any, where: str) -> None:
    small = await page.evaluate(SMALL_TARGETS)
    assert not small, f"{where}: targets under 44x44 px: {small}"

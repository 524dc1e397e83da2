"""How complete each catalog is: `python -m i18n.report` (`make i18n` prints it).

Korean and English must hold every message (tests/test_i18n.py fails otherwise). The
other catalogs are drafts: a message they do not have yet is shown in English, and is
counted here, split into what citizens see and what only staff see (the console's staff
pages, the data-quality report and the command line are in Korean and English only).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from babel.messages.pofile import read_po

from i18n import LANGUAGES, catalog_folder

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "foundation",
    "providers",
    "auth",
    "onestop",
    "notifications",
    "service_status",
    "api",
    "kiosk",
    "assisted_channel",
    "status_page",
    "i18n",
    "server",
)
# Source files whose messages only staff read. A message also used by a file outside
# these is a citizen's.
_STAFF_ONLY = ("assisted_channel/console/", "auth/staff/", "onestop/data_quality/", "server/")
# Console pages that a citizen reads: the PIN keypad and the access card.
_CITIZEN_CONSOLE = (
    "assisted_channel/console/pin.py",
    "assisted_channel/console/pin_texts.py",
    "assisted_channel/console/card_print.py",
    "assisted_channel/console/card_pdf.py",
    "assisted_channel/console/templates/pin.html",
    "assisted_channel/console/templates/access_card.html",
)


def _staff_only(paths: Iterable[str]) -> bool:
    return all(p.startswith(_STAFF_ONLY) and not p.startswith(_CITIZEN_CONSOLE) for p in paths)


def code_messages() -> dict[str, bool]:
    """Every message in the code, and whether only staff see it (same extraction as
    `make i18n`)."""
    with tempfile.TemporaryDirectory() as scratch:
        pot = Path(scratch) / "messages.pot"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "extract",
                "-F",
                "babel.cfg",
                "-k",
                "translate:2",
                "-k",
                "translate_plural:2,3",
                "-k",
                "N_",
                "-o",
                str(pot),
                *PACKAGES,
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        with pot.open("rb") as handle:
            return {
                str(m.id): _staff_only(path for path, _ in m.locations)
                for m in read_po(handle)
                if m.id
            }


def translated(locale: str) -> set[str]:
    path = catalog_folder(locale) / "messages.po"
    with path.open("rb") as handle:
        return {str(m.id) for m in read_po(handle) if m.id and _has_text(m.string) and not m.fuzzy}


def _has_text(string: object) -> bool:
    # A plural message's translation is one string per form: all of them, or it is missing.
    if isinstance(string, tuple | list):
        return all(string)
    return bool(string)


def main() -> int:
    messages = code_messages()
    citizens = {m for m, staff in messages.items() if not staff}
    print(f"{len(messages)} messages in the code, {len(citizens)} of them seen by citizens")
    print(f"{'language':<10} {'translated':>10} {'citizens: in English':>22} {'staff only':>11}")
    for language in LANGUAGES:
        have = translated(language.code)
        missing = set(messages) - have
        missing_citizens = len(missing & citizens)
        print(
            f"{language.code:<10} {len(have & set(messages)):>10} {missing_citizens:>22}"
            f" {len(missing - citizens):>11}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The fonts (foundation/fonts): every language's own name is in a font we ship, and the
pages get them as web fonts from `/fonts`, allowed by their Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from fontTools.ttLib import TTFont
from litestar import Litestar
from litestar.testing import AsyncTestClient

from foundation.fonts import FONT_FACES, FONTS_DIRECTORY, FONTS_STYLESHEET, font_faces_css
from i18n import LANGUAGES

# A sentence per script beyond the languages' names: Mongolian's Ө ө Ү ү, Uzbek's ʻ.
SAMPLES = [language.name for language in LANGUAGES] + ["Өө Үү", "Oʻzbek gʻalla", "金英洙"]


def _ranges(unicode_range: str) -> list[range]:
    found = []
    for part in unicode_range.split(","):
        first, _, last = part.removeprefix("U+").partition("-")
        found.append(range(int(first, 16), int(last or first, 16) + 1))
    return found


def test_the_style_sheet_is_the_table() -> None:
    assert (FONTS_DIRECTORY / "fonts.css").read_text() == font_faces_css()


@pytest.mark.parametrize("sample", SAMPLES)
def test_every_character_falls_in_a_face_that_has_it(sample: str) -> None:
    for char in sample.replace(" ", ""):
        faces = [
            face
            for face in FONT_FACES
            if face.weight == 400 and any(ord(char) in r for r in _ranges(face.unicode_range))
        ]
        assert faces, f"no web font's unicode-range has {char!r} (U+{ord(char):04X})"
        cmap = TTFont(FONTS_DIRECTORY / faces[0].file, lazy=True).getBestCmap()
        assert ord(char) in cmap, f"{faces[0].file} lacks {char!r}"


async def test_the_fonts_are_served_and_the_status_page_allows_them(
    client: AsyncTestClient[Litestar],
) -> None:
    css = await client.get(FONTS_STYLESHEET)
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    for file in re.findall(r'url\("([^"]+)"\)', css.text):
        answer = await client.get(file)
        assert answer.status_code == 200, file
        assert answer.content[:4] in (b"\x00\x01\x00\x00", b"OTTO")
        assert "max-age=86400" in answer.headers["cache-control"]
    assert (await client.get("/fonts/__init__.py")).status_code == 404
    page = await client.get("/status")
    policy = page.headers["content-security-policy"]
    assert "font-src 'self'" in policy and "style-src 'self'" in policy
    assert f'<link rel="stylesheet" href="{FONTS_STYLESHEET}">' in page.text

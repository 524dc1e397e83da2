"""The fonts every page and the access-card PDF draw our languages' scripts with.

Noto (SIL Open Font License 1.1, `OFL.txt` beside the files) from Debian's `fonts-noto-core`
and `fonts-noto-cjk`, kept in the repository so that a fresh machine, a kiosk or a PC without
fonts of its own shows every script; how they were made and how to add a script:
docs/fonts.md, deploy/fonts/make_fonts.py.

- Pages: `/fonts/fonts.css` declares the files as web fonts, each with the `unicode-range`
  of its script, so a browser downloads only the files a page's text needs; pages set
  `font-family: FONT_STACK`. Two families: "Hanchang Sans" (the small script fonts) comes
  first, so Latin, Vietnamese, Cyrillic, Thai, Khmer and Devanagari look the same
  everywhere; Hangul and Han come from the computer's own Korean font when it has one
  (a Korean PC does: no 6 MB download), else from "Hanchang Sans CJK".
- The PDF: `PDF_FONTS`, the same files in fallback order, each text run set in the first
  that has its characters and shaped by HarfBuzz (assisted_channel/console/card_pdf.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

__all__ = [
    "FONTS_DIRECTORY",
    "FONTS_PATH",
    "FONTS_STYLESHEET",
    "FONT_FACES",
    "FONT_FILES",
    "FONT_STACK",
    "FontFace",
    "font_faces_css",
]

# Only this folder is served: the font files, fonts.css and the licence.
FONTS_DIRECTORY = Path(__file__).resolve().parent / "files"
FONTS_PATH = "/fonts"
FONTS_STYLESHEET = f"{FONTS_PATH}/fonts.css"
FAMILY = "Hanchang Sans"
CJK_FAMILY = "Hanchang Sans CJK"
# The Korean fonts of Windows, macOS and Linux, tried before our 6 MB CJK file.
SYSTEM_KOREAN = ('"Apple SD Gothic Neo"', '"Malgun Gothic"', '"Noto Sans CJK KR"', '"Noto Sans KR"')
FONT_STACK = ",".join((f'"{FAMILY}"', *SYSTEM_KOREAN, f'"{CJK_FAMILY}"', "sans-serif"))


@dataclass(frozen=True, slots=True)
class FontFace:
    file: str
    family: str
    # 400 regular, 700 bold.
    weight: int
    # The script it draws, for people (docs/fonts.md) and the PDF's fallback order.
    script: str
    # CSS `unicode-range`: the browser fetches the file only for a page with such a character.
    unicode_range: str


_LATIN_CYRILLIC = (
    "U+0000-02FF,U+0300-036F,U+0370-03FF,U+0400-052F,U+1AB0-1AFF,U+1DC0-1DFF,"
    "U+1E00-1EFF,U+2000-206F,U+20A0-20CF,U+2100-218F,U+2190-21FF,U+2C60-2C7F,"
    "U+A720-A7FF,U+FB00-FB06,U+FE00-FE0F,U+FEFF,U+FFFD"
)
_THAI = "U+0E00-0E7F"
_KHMER = "U+1780-17FF,U+19E0-19FF"
_DEVANAGARI = "U+0900-097F,U+1CD0-1CFF,U+A830-A83F,U+A8E0-A8FF"
_CJK = "U+1100-11FF,U+3000-303F,U+3130-318F,U+4E00-9FFF,U+AC00-D7A3,U+F900-FAFF,U+FF00-FFEF"

FONT_FACES: tuple[FontFace, ...] = (
    *(
        FontFace(f"NotoSans{name}-{style}.ttf", FAMILY, weight, script, unicode_range)
        for name, script, unicode_range in (
            ("", "Latin, Vietnamese, Cyrillic", _LATIN_CYRILLIC),
            ("Thai", "Thai", _THAI),
            ("Khmer", "Khmer", _KHMER),
            ("Devanagari", "Devanagari", _DEVANAGARI),
        )
        for style, weight in (("Regular", 400), ("Bold", 700))
    ),
    # One weight: bold Hangul and Han are drawn from it (a browser synthesises bold, the PDF
    # strokes the outlines).
    FontFace("NotoSansCJKkr-Regular-Subset.otf", CJK_FAMILY, 400, "Hangul, Han", _CJK),
)


def font_faces_css() -> str:
    """`fonts.css`: an @font-face rule per file (deploy/fonts/make_fonts.py writes it)."""
    rules = [
        "/* The web fonts of foundation/fonts (docs/fonts.md), written by "
        "deploy/fonts/make_fonts.py. */"
    ]
    for face in FONT_FACES:
        rules.append(
            f'@font-face{{font-family:"{face.family}";font-style:normal;'
            f"font-weight:{face.weight};font-display:swap;"
            f'src:url("{FONTS_PATH}/{face.file}") format("{_format(face.file)}");'
            f"unicode-range:{face.unicode_range}}}"
        )
    return "\n".join(rules) + "\n"


def _format(file: str) -> str:
    return "opentype" if file.endswith(".otf") else "truetype"


# The files change only with a release, under the same names: a day's cache, then a check.
FONT_FILES = create_static_files_router(
    path=FONTS_PATH,
    directories=[FONTS_DIRECTORY],
    name="fonts",
    include_in_schema=False,
    cache_control=CacheControlHeader(public=True, max_age=24 * 60 * 60),
)

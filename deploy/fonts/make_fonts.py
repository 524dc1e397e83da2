"""Rebuild foundation/fonts/ from Debian's Noto packages (see docs/fonts.md).

    apt-get download fonts-noto-core fonts-noto-cjk
    dpkg -x fonts-noto-core_*.deb /tmp/noto && dpkg -x fonts-noto-cjk_*.deb /tmp/noto
    .venv/bin/python deploy/fonts/make_fonts.py /tmp/noto

The script fonts (Latin with Vietnamese, Cyrillic, Thai, Khmer, Devanagari) are copied whole.
Noto Sans CJK is a collection of 25 MB a weight with outlines for every CJK standard; we keep
its Korean face (glyphs as Korean readers expect them, its `locl` forms for Simplified Chinese
kept) cut down to what our languages write: every modern Hangul syllable and jamo, the Han
characters of GB 2312 (Simplified Chinese) and of KS X 1001 (the Hanja of Korean names), CJK
punctuation and full-width forms. One weight, Regular: a bold CJK face would add 6 MB; bold
Hangul is drawn from the Regular outlines (the PDF strokes them, a browser synthesises it).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

from foundation.fonts import font_faces_css

TARGET = Path(__file__).resolve().parents[2] / "foundation" / "fonts" / "files"
WHOLE = [
    f"NotoSans{script}-{weight}.ttf"
    for script in ("", "Thai", "Khmer", "Devanagari")
    for weight in ("Regular", "Bold")
]
CJK_KOREAN_FACE = 1  # JP, KR, SC, TC, HK, then the monospaced faces
CJK_FILE = "NotoSansCJKkr-Regular-Subset.otf"


def _encodable(codec: str, blocks: list[range]) -> set[int]:
    found = set()
    for block in blocks:
        for code in block:
            try:
                chr(code).encode(codec)
            except UnicodeEncodeError:
                continue
            found.add(code)
    return found


def cjk_characters() -> set[int]:
    han = [range(0x4E00, 0xA000), range(0xF900, 0xFB00)]
    return (
        set(range(0xAC00, 0xD7A4))  # Hangul syllables
        | set(range(0x1100, 0x1200))  # Hangul jamo
        | set(range(0x3130, 0x3190))  # Hangul compatibility jamo
        | set(range(0x3000, 0x3040))  # CJK symbols and punctuation
        | set(range(0xFF00, 0xFFF0))  # half-width and full-width forms
        | set(range(0x0020, 0x007F))  # ASCII, for a CJK run's digits and spaces
        | _encodable("gb2312", han)
        | _encodable("euc_kr", han)
    )


def main(unpacked: Path) -> None:
    truetype = unpacked / "usr/share/fonts/truetype/noto"
    for name in WHOLE:
        shutil.copyfile(truetype / name, TARGET / name)
    collection = TTCollection(
        str(unpacked / "usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    )
    font = collection.fonts[CJK_KOREAN_FACE]
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    # Horizontal text only.
    options.drop_tables += ["vhea", "vmtx", "VORG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=cjk_characters())
    subsetter.subset(font)
    font.save(str(TARGET / CJK_FILE))
    (TARGET / "fonts.css").write_text(font_faces_css())


if __name__ == "__main__":
    main(Path(sys.argv[1]))

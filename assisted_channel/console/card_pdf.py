"""The access card as a PDF: an ID-1 card (85.6 × 54 mm, ISO/IEC 7810) centred on an A4
page inside a dashed cut line, with the QR code drawn as vector squares.

The words come in already translated (card_print.py picks them, the same as the HTML
card page); the name is the person's, in any script. The text is set by fpdf2 with HarfBuzz
shaping, in the Noto fonts of foundation/fonts embedded as subsets: each run of text in the
first font that has its characters (Latin, Vietnamese and Cyrillic, then Thai, Khmer,
Devanagari, then Hangul and Han), so a Thai, Khmer or Nepali name gets its vowel signs and
conjuncts placed by its script's rules and every viewer shows the same glyphs.
"""

from __future__ import annotations

import functools
import re
import threading

import msgspec
import segno
from fpdf import FPDF
from fpdf.enums import TextMode

from foundation.fonts import FONT_FACES, FONTS_DIRECTORY, FontFace

MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)
CARD_WIDTH = 85.6 * MM
CARD_HEIGHT = 54 * MM
# ISO/IEC 18004 asks for a quiet zone of 4 modules around the symbol.
QR_BORDER = 4
# Error level Q survives a quarter of the symbol scuffed or folded.
QR_ERROR = "q"
# The symbol with its quiet zone, on the card. A card token (47 characters) is a version 5
# symbol, 45 modules with the quiet zone: 0.9 mm each, read easily by a kiosk's scanner.
QR_SIZE = 40.5 * MM

_PAD = 3 * MM
_QR_LEFT = 1.5 * MM
_QR_BOTTOM = 1.5 * MM
# The words' column beside the QR code, and the name's box at its top: one line at 20 pt, or
# two at 17 pt.
_COLUMN_LEFT = _QR_LEFT + QR_SIZE + 1 * MM
COLUMN_WIDTH = CARD_WIDTH - _PAD - _COLUMN_LEFT
NAME_HEIGHT = 14 * MM
_NAME_LARGEST = 20
_NAME_SMALLEST = 5

# The fallback order: the first font with a run's characters sets it.
_REGULAR = "notosans"
# Hangul and Han have one weight (foundation/fonts): a bold line holding them is set in the
# regular faces, filled and stroked, so that its weight does not change mid-line.
_CJK = re.compile(
    "[\u1100-\u11ff\u3000-\u303f\u3130-\u318f\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff]"
)


class CardWords(msgspec.Struct, frozen=True, kw_only=True):
    """What the card says, in the card's language."""

    title: str
    name: str
    how: str
    help: str
    lost: str
    issued: str
    # Printed on the page above the card, for the clerk.
    cut: str


def card_qr(token: str) -> segno.QRCode:
    """The card's QR code; the HTML page and the PDF draw this same symbol."""
    return segno.make(token, error=QR_ERROR)


def qr_dark_runs(qr: segno.QRCode) -> list[tuple[int, int, int]]:
    """The dark modules as horizontal runs `(row, first column, length)`, counted from the top
    left corner of the quiet zone: one square each on the page."""
    runs: list[tuple[int, int, int]] = []
    for row, line in enumerate(qr.matrix_iter(scale=1, border=QR_BORDER)):
        start: int | None = None
        for column, dark in enumerate([*line, False]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                runs.append((row, start, column - start))
                start = None
    return runs


def _family(face: FontFace) -> str:
    return face.file.split("-")[0].lower()


def _new_document() -> FPDF:
    """A document in points (y grows downwards from the top), with every font registered and
    HarfBuzz shaping on. fpdf2 embeds only the glyphs drawn."""
    pdf = FPDF(unit="pt", format=A4)
    pdf.set_margin(0)
    pdf.set_auto_page_break(False)
    families: list[str] = []
    for face in FONT_FACES:
        family = _family(face)
        style = "B" if face.weight >= 700 else ""
        pdf.add_font(family, style=style, fname=str(FONTS_DIRECTORY / face.file))
        if family not in families:
            families.append(family)
    primary, *fallbacks = families
    assert primary == _REGULAR
    # A run in a font's regular face when the bold is missing (the CJK file).
    pdf.set_fallback_fonts(fallbacks, exact_match=False)
    pdf.set_text_shaping(True)
    pdf.c_margin = 0
    pdf.set_font(_REGULAR, size=10)
    return pdf


# Loading the fonts (a CJK file of 6 MB) takes a while: one measuring document per thread.
_measuring = threading.local()


def _measurer() -> FPDF:
    pdf: FPDF | None = getattr(_measuring, "pdf", None)
    if pdf is None:
        pdf = _new_document()
        pdf.add_page()
        _measuring.pdf = pdf
    return pdf


def _style(text: str, bold: bool) -> str:
    return "B" if bold and not _CJK.search(text) else ""


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width in points of `text` shaped and set in `size` pt, as the card sets it."""
    pdf = _measurer()
    pdf.set_font(_REGULAR, style=_style(text, bold), size=size)
    return float(pdf.get_string_width(text))


@functools.lru_cache(maxsize=4096)
def _width(text: str, size: float, bold: bool) -> float:
    return text_width(text, size, bold=bold)


def _wrap(text: str, size: float, width: float, *, bold: bool = False) -> list[str]:
    """Lines no wider than `width`, broken at spaces (Korean words kept whole, as on the HTML
    page); a word wider than a line is broken between characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if _width(candidate, size, bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if line and _width(line + char, size, bold) > width:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return lines


def fit_name(name: str, width: float, height: float) -> tuple[float, list[str]]:
    """The largest type (20 pt down to 5 pt) in which the name fits the box, and its lines."""
    size: float = _NAME_LARGEST
    while True:
        lines = _wrap(name, size, width, bold=True)
        if len(lines) * size * 1.15 <= height or size <= _NAME_SMALLEST:
            return size, lines
        size -= 1


def _draw(pdf: FPDF, x: float, baseline: float, text: str, size: float, bold: bool) -> None:
    style = _style(text, bold)
    pdf.set_font(_REGULAR, style=style, size=size)
    # `cell` (not `text`) shapes and falls back per run; it puts the baseline at its top
    # plus half its height plus 0.3 of the type size.
    pdf.set_xy(x, baseline - 0.8 * size)
    if bold and not style:
        with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=size * 0.04):
            pdf.cell(h=size, text=text)
    else:
        pdf.cell(h=size, text=text)


def _lines(
    pdf: FPDF, lines: list[str], x: float, top: float, size: float, *, bold: bool = False
) -> float:
    """Draw lines whose first line's top is at `top`; the y below the last line."""
    leading = size * 1.2
    baseline = top + size * 0.88
    for line in lines:
        _draw(pdf, x, baseline, line, size, bold)
        baseline += leading
    return top + leading * len(lines)


def _qr(pdf: FPDF, token: str, left: float, top: float) -> float:
    """Draw the QR code in its square; the width of one module."""
    qr = card_qr(token)
    modules, _ = qr.symbol_size(scale=1, border=QR_BORDER)
    module = QR_SIZE / modules
    pdf.set_fill_color(0)
    for row, column, length in qr_dark_runs(qr):
        pdf.rect(left + column * module, top + row * module, length * module, module, style="F")
    return module


def _card(pdf: FPDF, token: str, words: CardWords, x: float, y: float) -> None:
    """The card with its top left corner at (x, y)."""
    pdf.set_draw_color(102)
    pdf.set_line_width(0.5)
    with pdf.local_context():
        pdf.set_dash_pattern(dash=3, gap=2)
        pdf.rect(
            x, y, CARD_WIDTH, CARD_HEIGHT, style="D", round_corners=True, corner_radius=3.18 * MM
        )
    pdf.set_draw_color(0)
    pdf.set_fill_color(0)
    pdf.set_text_color(0)

    qr_top = y + CARD_HEIGHT - _QR_BOTTOM - QR_SIZE
    module = _qr(pdf, token, x + _QR_LEFT, qr_top)
    text_left = x + _QR_LEFT + QR_BORDER * module
    top = y + _PAD
    _lines(pdf, [words.title], text_left, top, 8, bold=True)
    right = x + CARD_WIDTH - _PAD
    _draw(pdf, right - _width(words.issued, 6, False), top + 8 * 0.88, words.issued, 6, False)

    column = x + _COLUMN_LEFT
    width = COLUMN_WIDTH
    below = qr_top + 1 * MM
    size, name_lines = fit_name(words.name, width, NAME_HEIGHT)
    below = _lines(pdf, name_lines, column, below, size, bold=True) + 2 * MM
    below = _lines(pdf, _wrap(words.how, 7, width), column, below, 7) + 1.5 * MM
    _lines(pdf, _wrap(words.help, 8, width, bold=True), column, below, 8, bold=True)
    lost = _wrap(words.lost, 5.5, width)
    _lines(pdf, lost, column, y + CARD_HEIGHT - _PAD - len(lost) * 5.5 * 1.2, 5.5)


def card_pdf(token: str, words: CardWords) -> bytes:
    """One A4 page: the card centred, the cutting note above it."""
    pdf = _new_document()
    pdf.set_title(words.title)
    pdf.set_creator("Hanchang")
    pdf.set_producer("Hanchang")
    pdf.add_page()
    page_width, page_height = A4
    x = (page_width - CARD_WIDTH) / 2
    y = (page_height - CARD_HEIGHT) / 2
    _draw(pdf, (page_width - _width(words.cut, 10, False)) / 2, y - 8 * MM, words.cut, 10, False)
    _card(pdf, token, words, x, y)
    return bytes(pdf.output())

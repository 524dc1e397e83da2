"""The access card as a PDF: an ID-1 card (85.6 × 54 mm, ISO/IEC 7810) centred on an A4
page inside a dashed cut line, with the QR code drawn as vector squares.

The words come in already translated (card_print.py picks them, the same as the HTML
card page). Korean is set in reportlab's CID font HYGothic-Medium (Adobe-Korea1): the PDF
names the font and the viewer supplies it, so no font file ships with us and the PDF stays
small. A character outside Unicode's basic plane (UCS-2) cannot be set in it.
"""

from __future__ import annotations

import functools
import io

import msgspec
import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

FONT = "HYGothic-Medium"
CARD_WIDTH = 85.6 * mm
CARD_HEIGHT = 54 * mm
# ISO/IEC 18004 asks for a quiet zone of 4 modules around the symbol.
QR_BORDER = 4
# Error level Q survives a quarter of the symbol scuffed or folded.
QR_ERROR = "q"
# The symbol with its quiet zone, on the card. A card token (47 characters) is a version 5
# symbol, 45 modules with the quiet zone: 0.9 mm each, read easily by a kiosk's scanner.
QR_SIZE = 40.5 * mm

_PAD = 3 * mm
_QR_LEFT = 1.5 * mm
_QR_BOTTOM = 1.5 * mm
# The words' column beside the QR code, and the name's box at its top: one line at 20 pt, or
# two at 17 pt.
_COLUMN_LEFT = _QR_LEFT + QR_SIZE + 1 * mm
COLUMN_WIDTH = CARD_WIDTH - _PAD - _COLUMN_LEFT
NAME_HEIGHT = 14 * mm
_NAME_LARGEST = 20
_NAME_SMALLEST = 5


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


@functools.cache
def _register_font() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _width(text: str, size: float) -> float:
    _register_font()
    return pdfmetrics.stringWidth(text, FONT, size)


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Lines no wider than `width`, broken at spaces (Korean words kept whole, as on the HTML
    page); a word wider than a line is broken between characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if _width(candidate, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if line and _width(line + char, size) > width:
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
        lines = _wrap(name, size, width)
        if len(lines) * size * 1.15 <= height or size <= _NAME_SMALLEST:
            return size, lines
        size -= 1


def _lines(
    canvas: Canvas, lines: list[str], x: float, top: float, size: float, *, bold: bool = False
) -> float:
    """Draw lines whose first line's top is at `top`; the y below the last line."""
    leading = size * 1.2
    canvas.setFont(FONT, size)
    if bold:
        # The CID font has no bold face: fill and stroke the glyphs instead.
        canvas.setLineWidth(size * 0.04)
    baseline = top - size * 0.88
    for line in lines:
        canvas.drawString(x, baseline, line, mode=2 if bold else 0)
        baseline -= leading
    return top - leading * len(lines)


def _qr(canvas: Canvas, token: str, left: float, bottom: float) -> float:
    """Draw the QR code in its square; the width of one module."""
    qr = card_qr(token)
    modules, _ = qr.symbol_size(scale=1, border=QR_BORDER)
    module = QR_SIZE / modules
    top = bottom + QR_SIZE
    canvas.setFillGray(0)
    path = canvas.beginPath()
    for row, column, length in qr_dark_runs(qr):
        path.rect(left + column * module, top - (row + 1) * module, length * module, module)
    canvas.drawPath(path, stroke=0, fill=1)
    return module


def _card(canvas: Canvas, token: str, words: CardWords, x: float, y: float) -> None:
    canvas.setStrokeGray(0.4)
    canvas.setLineWidth(0.5)
    canvas.setDash(3, 2)
    canvas.roundRect(x, y, CARD_WIDTH, CARD_HEIGHT, 3.18 * mm, stroke=1, fill=0)
    canvas.setDash()
    canvas.setStrokeGray(0)
    canvas.setFillGray(0)

    module = _qr(canvas, token, x + _QR_LEFT, y + _QR_BOTTOM)
    text_left = x + _QR_LEFT + QR_BORDER * module
    top = y + CARD_HEIGHT - _PAD
    _lines(canvas, [words.title], text_left, top, 8, bold=True)
    canvas.setFont(FONT, 6)
    canvas.drawRightString(x + CARD_WIDTH - _PAD, top - 8 * 0.88, words.issued)

    column = x + _COLUMN_LEFT
    width = COLUMN_WIDTH
    below = y + _QR_BOTTOM + QR_SIZE - 1 * mm
    size, name_lines = fit_name(words.name, width, NAME_HEIGHT)
    below = _lines(canvas, name_lines, column, below, size, bold=True) - 2 * mm
    below = _lines(canvas, _wrap(words.how, 7, width), column, below, 7) - 1.5 * mm
    _lines(canvas, _wrap(words.help, 8, width), column, below, 8, bold=True)
    lost = _wrap(words.lost, 5.5, width)
    _lines(canvas, lost, column, y + _PAD + len(lost) * 5.5 * 1.2, 5.5)


def card_pdf(token: str, words: CardWords) -> bytes:
    """One A4 page: the card centred, the cutting note above it."""
    _register_font()
    out = io.BytesIO()
    page_width, page_height = A4
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(words.title)
    canvas.setAuthor("")
    canvas.setCreator("Hanchang")
    canvas.setSubject("")
    x = (page_width - CARD_WIDTH) / 2
    y = (page_height - CARD_HEIGHT) / 2
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(page_width / 2, y + CARD_HEIGHT + 8 * mm, words.cut)
    _card(canvas, token, words, x, y)
    canvas.showPage()
    canvas.save()
    return out.getvalue()

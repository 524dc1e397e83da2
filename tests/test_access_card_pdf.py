"""The access card as a PDF (`.../print.pdf`): an A4 page with the card's words in Korean and
a QR code that a scanner reads back as the card token; the same refusals as the HTML page;
every print audited; a name in any of our languages' scripts drawn with real glyphs, shaped
by its script's rules (HarfBuzz), and read back as text."""

from __future__ import annotations

import io
import re
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import msgspec
import pypdf
import pypdfium2
import pytest
import segno
import uharfbuzz
import zxingcpp
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.ttLib import TTFont
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pypdf.generic import ContentStream

from assisted_channel.console.card_pdf import (
    COLUMN_WIDTH,
    NAME_HEIGHT,
    QR_BORDER,
    CardWords,
    card_pdf,
    fit_name,
    text_width,
)
from auth import new_token
from foundation.fonts import FONTS_DIRECTORY
from foundation.settings import Settings
from tests.support.access_cards import issue, person_with_pin
from tests.support.problems import comparable_page
from tests.support.staff import staff_signed_in

Client = AsyncTestClient[Litestar]
A4_POINTS = (595.2756, 841.8898)
DPI = 300
MM_PER_INCH = 25.4
WORDS = CardWords(
    title="고용노동부 이용 카드",
    name="박순자",
    how="고용노동부 키오스크에 이 카드를 보여 주고 비밀번호를 눌러 주세요.",
    help="도움이 필요하면 1350번으로 전화해 주세요.",
    lost="카드를 잃어버리면 고용센터 창구에 알려 주세요.",
    issued="발급일 2026-11-25",
    cut="실제 크기로 인쇄한 뒤 점선을 따라 잘라 주세요.",
)


def pdf_url(print_url: str) -> str:
    return print_url.replace("/print?", "/print.pdf?")


def page_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 1
    return str(document[0].get_textpage().get_text_range())


def scanned(pdf: bytes) -> list[zxingcpp.Barcode]:
    """The page printed at 300 dpi and read by a barcode scanner."""
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=DPI / 72).to_pil()
    return list(zxingcpp.read_barcodes(image))


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


async def printed(owner_conn: asyncpg.Connection, person_id: int) -> list[dict[str, Any]]:
    rows = await owner_conn.fetch(
        "SELECT actor, office, channel, details->>'card' AS card, details->>'format' AS format "
        "FROM audit_log WHERE action = 'auth.card.printed' AND subject = $1 ORDER BY id",
        f"person:{person_id}",
    )
    return [dict(row) for row in rows]


async def test_the_pdf_is_an_a4_page_with_the_card_and_a_qr_code_that_scans_as_the_token(
    settings: Settings, client: Client, owner_conn: asyncpg.Connection
) -> None:
    staff_id = await staff_signed_in(owner_conn, client)
    account = await person_with_pin(owner_conn, settings)
    card = await issue(client, account.person_id)
    answer = await client.get(pdf_url(card["print_url"]))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == (
        f'inline; filename="access-card-{card["card_id"]}.pdf"'
    )
    assert answer.headers["cache-control"] == "no-store"
    pdf = answer.content
    assert pdf.startswith(b"%PDF-")
    # The token is only in the QR code, not anywhere in the file as text.
    assert card["card_token"].encode() not in pdf

    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
        A4_POINTS, abs=0.01
    )
    text = flat(page_text(pdf))
    issued_at = await owner_conn.fetchval(
        "SELECT issued_at FROM access_cards WHERE id = $1", card["card_id"]
    )
    issued_on = issued_at.astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m-%d")
    for words in (
        "박순자",
        "고용노동부 이용 카드",
        "고용노동부 키오스크에 이 카드를 보여 주고 비밀번호를 눌러 주세요.",
        "도움이 필요하면 1350번으로 전화해 주세요.",
        "카드를 잃어버리면 고용센터 창구에 알려 주세요.",
        f"발급일 {issued_on}",
        "실제 크기로 인쇄한 뒤 점선을 따라 잘라 주세요.",
    ):
        assert flat(words) in text, words

    codes = scanned(pdf)
    assert [code.text for code in codes] == [card["card_token"]]
    # Upright and not mirrored (a scanner reads a mirrored code too), at error level Q.
    assert (codes[0].orientation, codes[0].ec_level) == (0, "Q")
    symbol = codes[0].position
    width_mm = (symbol.top_right.x - symbol.top_left.x) / DPI * MM_PER_INCH
    # 37 modules of 0.9 mm, not counting the quiet zone.
    assert width_mm == pytest.approx(33.3, abs=0.5)
    # The card (85.6 × 54 mm) is in the middle of the page (210 × 297 mm); the symbol starts
    # 1.5 mm and a 3.6 mm quiet zone in from the card's left edge, and its top 40.5 - 3.6 mm
    # above the card's bottom edge, 1.5 mm up.
    from_left = symbol.top_left.x / DPI * MM_PER_INCH
    from_top = symbol.top_left.y / DPI * MM_PER_INCH
    assert from_left == pytest.approx((210 - 85.6) / 2 + 1.5 + 3.6, abs=0.5)
    assert from_top == pytest.approx(297 - ((297 - 54) / 2 + 1.5 + 40.5 - 3.6), abs=0.5)

    assert await printed(owner_conn, account.person_id) == [
        {
            "actor": f"staff:{staff_id}",
            "office": "busan",
            "channel": "counter",
            "card": str(card["card_id"]),
            "format": "pdf",
        }
    ]


async def test_the_html_page_links_to_the_pdf_and_is_audited_too(
    settings: Settings, client: Client, owner_conn: asyncpg.Connection
) -> None:
    await staff_signed_in(owner_conn, client)
    account = await person_with_pin(owner_conn, settings)
    card = await issue(client, account.person_id)
    page = await client.get(card["print_url"])
    assert page.status_code == 200, page.text
    link = pdf_url(card["print_url"])
    assert f'<a href="{link}" rel="noreferrer">PDF로 받기</a>' in page.text
    assert "고용노동부 이용 카드" in page.text and "발급일 20" in page.text
    assert (await client.get(link)).status_code == 200
    assert [row["format"] for row in await printed(owner_conn, account.person_id)] == [
        "html",
        "pdf",
    ]


async def test_the_pdf_is_refused_like_the_html_page(
    settings: Settings, client: Client, owner_conn: asyncpg.Connection
) -> None:
    await staff_signed_in(owner_conn, client)
    account = await person_with_pin(owner_conn, settings)
    other = await person_with_pin(owner_conn, settings)
    card = await issue(client, account.person_id)
    other_card = await issue(client, other.person_id)
    base = f"/console/api/access-cards/{card['card_id']}"

    for query, status in (
        ("?token=hcc_nope", 404),
        ("?token=" + new_token("hcc_"), 404),
        ("?token=" + other_card["card_token"], 404),  # another card's token
        ("?token=" + card["card_token"][4:], 404),  # without its prefix
        ("", 400),
        ("?token=" + "x" * 101, 400),
    ):
        as_page = await client.get(base + "/print" + query)
        as_pdf = await client.get(base + "/print.pdf" + query)
        assert as_pdf.status_code == as_page.status_code == status, query
        assert as_pdf.headers["content-type"].startswith("text/html")
        assert comparable_page(as_pdf) == comparable_page(as_page)
    missing = await client.get(base + "/print.pdf?token=hcc_nope")
    assert "<h1>카드를 찾을 수 없어요</h1>" in missing.text
    english = await client.get(
        "/console/api/access-cards/999999999/print.pdf?token=" + card["card_token"],
        headers={"Accept-Language": "en"},
    )
    assert english.status_code == 404
    assert "<h1>No such card</h1>" in english.text

    # A card replaced by a new one cannot be printed any more.
    await issue(client, account.person_id)
    assert (await client.get(pdf_url(card["print_url"]))).status_code == 404

    client.cookies.clear()
    assert (await client.get(pdf_url(other_card["print_url"]))).status_code == 401
    # Nothing refused was audited as printed.
    assert await printed(owner_conn, account.person_id) == []
    assert await printed(owner_conn, other.person_id) == []


def test_the_squares_drawn_are_the_qr_codes_dark_modules_upright() -> None:
    token = new_token("hcc_")
    expected = {
        (row, column)
        for row, line in enumerate(segno.make(token, error="q").matrix_iter(border=QR_BORDER))
        for column, dark in enumerate(line)
        if dark
    }
    content = pypdf.PdfReader(io.BytesIO(card_pdf(token, WORDS))).pages[0].get_contents()
    assert content is not None
    # fpdf2 writes each square from its top left corner, its height negative (downwards).
    squares = [
        (x, y + height, width, -height)
        for x, y, width, height in (
            tuple(float(number) for number in found)
            for found in re.findall(
                rb"([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) re\b", content.get_data()
            )
        )
        if height < 0 and width > 0 and -height < 3
    ]
    # Back from page points to modules: the top left module of the finder pattern is the
    # first dark one, QR_BORDER modules in; page y grows upwards, rows downwards.
    module = {round(height, 2) for _, _, _, height in squares}
    assert len(module) == 1
    size = 40.5 / 45 * 72 / MM_PER_INCH
    assert module.pop() == pytest.approx(size, abs=0.006)
    left = min(x for x, _, _, _ in squares)
    top = max(y + height for _, y, _, height in squares)
    drawn = {
        (QR_BORDER + round((top - y - height) / size), QR_BORDER + round((x - left) / size) + step)
        for x, y, width, height in squares
        for step in range(round(width / size))
    }
    assert drawn == expected


@pytest.mark.parametrize(
    "name",
    [
        "김",
        "남궁민수",
        "Alexandra Konstantinovna Petrova-Smithson Nguyen Thi Minh Khai",
        "가나다라마바사아자차카타파하" * 7,  # 98 characters without a space
    ],
)
def test_any_name_fits_its_box_and_stays_readable(name: str) -> None:
    width = COLUMN_WIDTH
    size, lines = fit_name(name, width, NAME_HEIGHT)
    assert "".join(lines).replace(" ", "") == name.replace(" ", "")
    assert all(text_width(line, size, bold=True) <= width for line in lines)
    assert len(lines) * size * 1.15 <= NAME_HEIGHT
    assert size >= 5
    if len(name) <= 4:
        assert (size, len(lines)) == (20, 1)

    token = new_token("hcc_")
    pdf = card_pdf(token, msgspec.structs.replace(WORDS, name=name))
    assert flat(name) in flat(page_text(pdf))
    assert [code.text for code in scanned(pdf)] == [token]


# A name in each script the catalogs write, with what makes the script hard: Vietnamese
# stacked diacritics, Thai marks above marks and sara am (decomposed and reordered), Khmer
# subscript consonants (coeng), Devanagari conjuncts and a vowel sign before its consonant.
NAMES = {
    "vi": "Nguyễn Thị Ánh",
    "th": "สมศักดิ์ น้ำใจ",
    "km": "សុខ ចាន់ថា",
    "ne": "सीता श्रेष्ठ",
    "mn": "Өлзийбат Үүрийнтуяа",
    "uz": "Oʻgʻiloy Gʻulomova",
    "zh-Hans": "王晓明",
    "ko": "金英洙 남궁민수",
}
# The shaping test's Khmer name has a subscript ro (ស្រី), which the text extraction test's
# avoids: fpdf2's text layer gives that cluster back with a stray character.
SHAPED = {
    "th": ("NotoSansThai-Bold.ttf", NAMES["th"]),
    "km": ("NotoSansKhmer-Bold.ttf", "សុខ ស្រីមុំ"),
    "ne": ("NotoSansDevanagari-Bold.ttf", NAMES["ne"]),
}


def drawn_glyphs(pdf: bytes) -> dict[str, list[tuple[TTFont | None, int]]]:
    """Per embedded font (its base name), the glyphs the page draws, in order: the embedded
    font file and the glyph id in it, through the font's CIDToGIDMap."""
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    fonts: dict[str, tuple[str, TTFont | None, bytes | None]] = {}
    resources: Any = page["/Resources"]
    for key, font in resources["/Font"].items():
        descendant = font.get_object()["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"]
        # A TrueType file, or a bare CFF one (the CJK font: its CIDs are its glyph ids).
        file = descriptor.get("/FontFile2")
        cid_to_gid = descendant.get("/CIDToGIDMap")
        mapping = cid_to_gid.get_object().get_data() if cid_to_gid is not None else None
        name = str(font.get_object()["/BaseFont"]).split("+")[-1]
        embedded = TTFont(io.BytesIO(file.get_object().get_data())) if file else None
        fonts[key] = (name, embedded, mapping)
    drawn: dict[str, list[tuple[TTFont | None, int]]] = {}
    current = None
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator == b"Tf":
            current = fonts[operands[0]]
        elif operator == b"Tj" and current is not None:
            name, font, mapping = current
            # pypdf reads two-byte glyph codes as UTF-16 text and gives them back with a BOM.
            data = operands[0].get_original_bytes().removeprefix(b"\xfe\xff")
            for at in range(0, len(data), 2):
                cid = int.from_bytes(data[at : at + 2], "big")
                gid = int.from_bytes(mapping[cid * 2 : cid * 2 + 2], "big") if mapping else cid
                drawn.setdefault(name, []).append((font, gid))
    return drawn


def outline(font: TTFont, gid: int) -> object:
    """A glyph's drawing, its components drawn in: the same in a subset as in the font."""
    glyphs = font.getGlyphSet()
    pen = DecomposingRecordingPen(glyphs)
    glyphs[font.getGlyphOrder()[gid]].draw(pen)
    return pen.value


def harfbuzz_outlines(file: str, text: str) -> list[object]:
    """What HarfBuzz draws for `text`, run by run between spaces, as outlines."""
    path = FONTS_DIRECTORY / file
    face = uharfbuzz.Face(path.read_bytes())
    font = uharfbuzz.Font(face)
    reference = TTFont(path)
    found = []
    for word in text.split():
        buffer = uharfbuzz.Buffer()
        buffer.add_str(word)
        buffer.guess_segment_properties()
        uharfbuzz.shape(font, buffer)
        found += [outline(reference, info.codepoint) for info in buffer.glyph_infos]
    return found


@pytest.mark.parametrize("code", NAMES)
def test_a_name_in_any_script_is_drawn_with_real_glyphs_and_reads_back(code: str) -> None:
    name = NAMES[code]
    token = new_token("hcc_")
    pdf = card_pdf(token, msgspec.structs.replace(WORDS, name=name))
    drawn = drawn_glyphs(pdf)
    # No box: never glyph 0 (.notdef), the glyph a font draws for a character it lacks.
    assert all(gid != 0 for glyphs in drawn.values() for _, gid in glyphs), drawn.keys()
    assert flat(name) in flat(page_text(pdf))
    assert [code.text for code in scanned(pdf)] == [token]


@pytest.mark.parametrize("code", SHAPED)
def test_thai_khmer_and_devanagari_names_are_shaped(code: str) -> None:
    """The glyphs drawn in the name's font are HarfBuzz's for that text: with shaping off,
    Thai's sara am stays one glyph, Khmer's coeng and Devanagari's virama are drawn as
    marks instead of subscripts and conjuncts."""
    file, name = SHAPED[code]
    drawn = drawn_glyphs(card_pdf(new_token("hcc_"), msgspec.structs.replace(WORDS, name=name)))
    family = file.removesuffix(".ttf").replace("-", "")
    glyphs = drawn[family]
    assert [outline(font, gid) for font, gid in glyphs if font] == harfbuzz_outlines(file, name)

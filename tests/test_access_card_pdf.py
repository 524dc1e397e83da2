"""The access card as a PDF (`.../print.pdf`): an A4 page with the card's words in Korean and
a QR code that a scanner reads back as the card token; the same refusals as the HTML page;
every print audited."""

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
import zxingcpp
from litestar import Litestar
from litestar.testing import AsyncTestClient
from reportlab.pdfbase.pdfmetrics import stringWidth

from assisted_channel.console.card_pdf import (
    COLUMN_WIDTH,
    FONT,
    NAME_HEIGHT,
    QR_BORDER,
    CardWords,
    card_pdf,
    fit_name,
)
from auth import new_token
from foundation.settings import Settings
from tests.support.access_cards import issue, person_with_pin
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
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


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
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4_POINTS)
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
        assert as_pdf.text == as_page.text
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
    squares = [
        tuple(float(number) for number in found)
        for found in re.findall(
            rb"([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) re\b", content.get_data()
        )
    ]
    # Back from page points to modules: the top left module of the finder pattern is the
    # first dark one, QR_BORDER modules in; page y grows upwards, rows downwards.
    module = {round(height, 3) for _, _, _, height in squares}
    assert len(module) == 1
    size = module.pop()
    assert size == pytest.approx(0.9 * 72 / MM_PER_INCH, abs=0.001)
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
    assert all(stringWidth(line, FONT, size) <= width for line in lines)
    assert len(lines) * size * 1.15 <= NAME_HEIGHT
    assert size >= 5
    if len(name) <= 4:
        assert (size, len(lines)) == (20, 1)

    token = new_token("hcc_")
    pdf = card_pdf(token, msgspec.structs.replace(WORDS, name=name))
    assert flat(name) in flat(page_text(pdf))
    assert [code.text for code in scanned(pdf)] == [token]

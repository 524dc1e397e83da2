"""The access card's printable page and its PDF (`/console/api/access-cards/{id}/print`
and `print.pdf`): the person's name, the QR code, the helpline. The token is needed:
only its hash is kept, so a card is printed right after it is issued, or not at all."""

from __future__ import annotations

import asyncio
import io
from functools import partial
from typing import Annotated
from urllib.parse import quote

from babel.dates import format_date
from litestar import MediaType, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, Parameter
from litestar.response import Template
from markupsafe import Markup

from assisted_channel.console.card_pdf import QR_BORDER, CardWords, card_pdf, card_qr
from auth import AccessCard, Person, card_to_print
from auth.staff import StaffSession
from foundation.db import Transaction
from foundation.korea import KOREA
from foundation.problems import problem_responses
from i18n import N_, translate

HELPLINE = "1350"


def print_url(card_id: int, token: str, *, pdf: bool = False) -> str:
    page = "print.pdf" if pdf else "print"
    return f"/console/api/access-cards/{card_id}/{page}?token={quote(token)}"


def _qr_svg(token: str) -> str:
    out = io.BytesIO()
    card_qr(token).save(
        out,
        kind="svg",
        xmldecl=False,
        nl=False,
        omitsize=True,
        scale=8,
        border=QR_BORDER,
        dark="#000",
        light="#fff",
        title=translate(CARD_LOCALE, CARD_QR_TITLE),
        svgclass=None,
        lineclass=None,
    )
    return out.getvalue().decode()


# The card is printed in Korean (the counter's language); its words still go through i18n.
CARD_LOCALE = "ko"
CARD_TITLE = N_("Ministry of Employment and Labor access card")
CARD_QR_TITLE = N_("Access card QR code")
CARD_HOW = N_(
    "Show this card at a kiosk of the Ministry of Employment and Labor and enter your PIN."
)
CARD_HELP = N_("If you need help, call the helpline on {helpline}.")
CARD_LOST = N_("If you lose this card, tell a job centre counter.")
CARD_ISSUED = N_("Issued on {date}")
CARD_CUT = N_("Print at actual size and cut along the dotted line.")
CARD_PRINT = N_("Print")
CARD_PDF = N_("Download as PDF")


def _card_words(card: AccessCard, person: Person) -> CardWords:
    t = partial(translate, CARD_LOCALE)
    issued_on = format_date(card.issued_at.astimezone(KOREA).date(), "yyyy-MM-dd")
    return CardWords(
        title=t(CARD_TITLE),
        name=person.name,
        how=t(CARD_HOW),
        help=t(CARD_HELP, helpline=HELPLINE),
        lost=t(CARD_LOST),
        issued=t(CARD_ISSUED, date=issued_on),
        cut=t(CARD_CUT),
    )


# Both print routes: the token is a secret, so nothing may keep the answer or pass its address on.
PRINT_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
# Litestar checks a query parameter's length from `Parameter`, not from `msgspec.Meta`.
PrintToken = FromQuery[Annotated[str, Parameter(max_length=100)]]


@get(
    "/api/access-cards/{card_id:int}/print",
    media_type=MediaType.HTML,
    tags=["access cards"],
    summary="The printable card page: the person's name, the QR code, the helpline",
    responses=problem_responses(400, 401, 404),
    opt={"error_format": "html"},
    description=(
        "Needs the card token (`print_url` from issuing): only its hash is kept, so the page "
        "cannot be printed again later; a lost page means a new card. Links to the same card "
        "as a PDF (`print.pdf`)."
    ),
)
async def print_access_card(
    card_id: FromPath[int],
    token: PrintToken,
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> Template:
    card, person = await card_to_print(
        tx.conn,
        card_id,
        token,
        staff_id=staff.staff_id,
        office_code=staff.office_code,
        printed_as="html",
    )
    words = _card_words(card, person)
    return Template(
        template_name="console/access_card.html",
        context={
            "lang": CARD_LOCALE,
            "title": words.title,
            "name": words.name,
            "how": words.how,
            "qr": Markup(_qr_svg(token)),  # noqa: S704 - segno's SVG; it escapes the title
            "help": words.help,
            "lost": words.lost,
            "issued": words.issued,
            "print": translate(CARD_LOCALE, CARD_PRINT),
            "pdf_url": print_url(card_id, token, pdf=True),
            "pdf": translate(CARD_LOCALE, CARD_PDF),
        },
        media_type=MediaType.HTML,
        headers=PRINT_HEADERS,
    )


@get(
    "/api/access-cards/{card_id:int}/print.pdf",
    media_type="application/pdf",
    tags=["access cards"],
    summary="The card as a PDF: ID-1 size on an A4 page, with a cut line",
    responses=problem_responses(400, 401, 404),
    opt={"error_format": "html"},
    description=(
        "The same card, checks and token as the printable page (`print_url` with `.pdf`): "
        "85.6 × 54 mm centred on A4, the QR code as vector squares, the words in Noto fonts "
        "embedded in the file and shaped by HarfBuzz, so a name in any script shows right."
    ),
)
async def print_access_card_pdf(
    card_id: FromPath[int],
    token: PrintToken,
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> Response[bytes]:
    card, person = await card_to_print(
        tx.conn,
        card_id,
        token,
        staff_id=staff.staff_id,
        office_code=staff.office_code,
        printed_as="pdf",
    )
    # Drawing takes some tens of milliseconds of CPU: off the event loop.
    pdf = await asyncio.to_thread(card_pdf, token, _card_words(card, person))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            **PRINT_HEADERS,
            "Content-Disposition": f'inline; filename="access-card-{card.id}.pdf"',
        },
    )


ROUTES = [print_access_card, print_access_card_pdf]

"""Access cards: sign-in at an enrolled kiosk (`/v1/auth/card/verify`), and the
console's card desk (`/console/api/...`): issue a card, print it, unlock it."""

from __future__ import annotations

import asyncio
import io
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import msgspec
from arq.connections import ArqRedis
from babel.dates import format_date
from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from litestar.response import Template
from markupsafe import Markup

from api.auth_guard import limit_by_address
from api.auth_pin import Pin
from api.card_pdf import QR_BORDER, CardWords, card_pdf, card_qr
from api.console_auth import STAFF
from api.openapi import problem_responses
from auth.access_card_store import AccessCard
from auth.access_cards import card_to_print, issue_card, unlock_card, verify_card
from auth.people import Person
from auth.sessions import Tokens
from auth.staff_roles import COUNTER_ROLES, require_role
from auth.staff_sessions import StaffSession
from i18n import N_, translate
from server.client_address import client_address
from server.db import Transaction

HELPLINE = "1350"

CardToken = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$", examples=["hcc_Vq3..."]
    ),
]


class CardVerifyRequest(msgspec.Struct, kw_only=True):
    card_token: CardToken
    pin: Pin


class IssuedCardResponse(msgspec.Struct, kw_only=True):
    card_id: int
    person_id: int
    # Shown once: only its hash is kept.
    card_token: str
    print_url: str
    revoked_card_ids: list[int]


class CardStatus(msgspec.Struct, kw_only=True):
    card_id: int
    person_id: int
    pin_failures: int
    locked: bool


@post(
    "/v1/auth/card/verify",
    status_code=200,
    tags=["access cards"],
    summary="Sign in at a kiosk with an access card and the PIN: tokens at aal 2",
    responses=problem_responses(400, 401, 409, 423, 429),
    description=(
        "Only from an enrolled kiosk: send its key in `X-Kiosk-Key`. An unknown or retired "
        "kiosk, and an unknown or replaced card, answer the same 401 `card-sign-in-failed`. "
        "A wrong PIN answers 401 `pin-wrong` with `tries_left`; the fifth locks this card "
        "(423 `card-locked`) until a counter clerk unlocks it, or an SMS code does "
        "(`POST /v1/auth/card/unlock`). The session's channel is `kiosk`."
    ),
)
async def card_verify(
    data: JSONBody[CardVerifyRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Tokens:
    await limit_by_address(request, queue, "card-verify-ip")
    return await verify_card(
        tx.conn,
        queue,
        request.app.state.settings.auth,
        kiosk_key=request.headers.get("x-kiosk-key", "").strip(),
        card_token=data.card_token,
        pin=data.pin,
        address=client_address(request),
    )


def _print_url(card_id: int, token: str, *, pdf: bool = False) -> str:
    page = "print.pdf" if pdf else "print"
    return f"/console/api/access-cards/{card_id}/{page}?token={quote(token)}"


@post(
    "/console/api/people/{person_id:int}/access-cards",
    status_code=201,
    tags=["access cards"],
    summary="Issue an access card; every earlier card of the person stops working",
    responses=problem_responses(401, 404),
    dependencies=STAFF,
    description=(
        "Answers the card token once (only its hash is kept) and `print_url`, the printable "
        "card page; open it now: it needs the token."
    ),
)
async def issue_access_card(
    person_id: FromPath[int],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> IssuedCardResponse:
    require_role(staff, *COUNTER_ROLES)
    issued = await issue_card(
        tx.conn, person_id=person_id, staff_id=staff.staff_id, office_code=staff.office_code
    )
    return IssuedCardResponse(
        card_id=issued.card.id,
        person_id=person_id,
        card_token=issued.token,
        print_url=_print_url(issued.card.id, issued.token),
        revoked_card_ids=issued.revoked,
    )


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
KOREA = ZoneInfo("Asia/Seoul")
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
    "/console/api/access-cards/{card_id:int}/print",
    media_type=MediaType.HTML,
    tags=["access cards"],
    summary="The printable card page: the person's name, the QR code, the helpline",
    responses=problem_responses(400, 401, 404),
    dependencies=STAFF,
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
            "pdf_url": _print_url(card_id, token, pdf=True),
            "pdf": translate(CARD_LOCALE, CARD_PDF),
        },
        media_type=MediaType.HTML,
        headers=PRINT_HEADERS,
    )


@get(
    "/console/api/access-cards/{card_id:int}/print.pdf",
    media_type="application/pdf",
    tags=["access cards"],
    summary="The card as a PDF: ID-1 size on an A4 page, with a cut line",
    responses=problem_responses(400, 401, 404),
    dependencies=STAFF,
    opt={"error_format": "html"},
    description=(
        "The same card, checks and token as the printable page (`print_url` with `.pdf`): "
        "85.6 × 54 mm centred on A4, the QR code as vector squares, the words in Korean in a "
        "CID font the PDF viewer supplies (HYGothic-Medium, Adobe-Korea1)."
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


@post(
    "/console/api/access-cards/{card_id:int}/unlock",
    status_code=200,
    tags=["access cards"],
    summary="Unlock a card after 5 wrong PINs (the clerk has checked the person)",
    responses=problem_responses(401, 404),
    dependencies=STAFF,
)
async def unlock_access_card(
    card_id: FromPath[int],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> CardStatus:
    require_role(staff, *COUNTER_ROLES)
    card = await unlock_card(
        tx.conn, card_id, staff_id=staff.staff_id, office_code=staff.office_code
    )
    return CardStatus(
        card_id=card.id,
        person_id=card.person_id,
        pin_failures=card.pin_failures,
        locked=card.locked_at is not None,
    )


ROUTES = [
    card_verify,
    issue_access_card,
    print_access_card,
    print_access_card_pdf,
    unlock_access_card,
]

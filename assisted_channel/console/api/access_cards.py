"""The console's card desk, as JSON: issue a person's access card (and the address of its
printable page), and unlock a card after 5 wrong PINs. Signing in with a card is the
kiosk's (kiosk/)."""

from __future__ import annotations

import msgspec
from litestar import post
from litestar.di import NamedDependency
from litestar.params import FromPath

from assisted_channel.console.card_print import print_url
from auth import issue_card, unlock_card
from auth.staff import COUNTER_ROLES, StaffSession, require_role
from foundation.db import Transaction
from foundation.problems import problem_responses


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
    "/api/people/{person_id:int}/access-cards",
    status_code=201,
    tags=["access cards"],
    summary="Issue an access card; every earlier card of the person stops working",
    responses=problem_responses(401, 404, 409),
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
        print_url=print_url(issued.card.id, issued.token),
        revoked_card_ids=issued.revoked,
    )


@post(
    "/api/access-cards/{card_id:int}/unlock",
    status_code=200,
    tags=["access cards"],
    summary="Unlock a card after 5 wrong PINs (the clerk has checked the person)",
    responses=problem_responses(401, 404, 409),
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


ROUTES = [issue_access_card, unlock_access_card]

"""Unlocking a locked access card at the kiosk with an SMS code
(`/kiosk/card/unlock`, `/kiosk/card/unlock/verify`): JSON for the kiosk's own pages,
signed by the kiosk like every request (routes.py); see auth/card_unlock.py."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from arq.connections import ArqRedis
from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from auth import Code, KioskDevice, start_card_unlock, verify_card_unlock
from foundation.db import Transaction
from i18n import N_, translate
from kiosk.limits import limit_by_address
from kiosk.render import kiosk_locale

CardToken = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$", examples=["hcc_Vq3..."]
    ),
]
# The kiosk channel's JSON: problems answer problem+json (render.py).
JSON = {"kiosk_json": True}


class CardUnlockRequest(msgspec.Struct, kw_only=True):
    card_token: CardToken


class CardUnlockAccepted(msgspec.Struct, kw_only=True):
    challenge_id: uuid.UUID
    # The holder's mobile number with its middle hidden (010-****-5678), to show on screen.
    phone_masked: str
    expires_at: datetime
    resend_after: int
    # In the kiosk's language: where the code went and what to do next.
    message: str


class CardUnlockVerifyRequest(msgspec.Struct, kw_only=True):
    card_token: CardToken
    challenge_id: uuid.UUID
    code: Code


class CardUnlocked(msgspec.Struct, kw_only=True):
    card_id: int
    pin_failures: int
    locked: bool
    message: str


UNLOCK_CODE_SENT = N_(
    "We sent a code to {phone}. Enter it within 10 minutes. If none arrives, you can ask "
    "again in 30 seconds, or call 1350."
)
UNLOCKED = N_("The card is unlocked. Sign in with the card and your PIN.")


@post("/card/unlock", status_code=202, include_in_schema=False, opt=JSON)
async def card_unlock_start(
    data: JSONBody[CardUnlockRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
    kiosk: NamedDependency[KioskDevice],
) -> CardUnlockAccepted:
    await limit_by_address(request, queue, "card-unlock-ip")
    started = await start_card_unlock(
        tx,
        queue,
        request.app.state.settings,
        kiosk=kiosk,
        card_token=data.card_token,
    )
    return CardUnlockAccepted(
        challenge_id=started.challenge_id,
        phone_masked=started.phone_masked,
        expires_at=started.expires_at,
        resend_after=started.resend_after,
        message=translate(kiosk_locale(request), UNLOCK_CODE_SENT, phone=started.phone_masked),
    )


@post("/card/unlock/verify", status_code=200, include_in_schema=False, opt=JSON)
async def card_unlock_verify(
    data: JSONBody[CardUnlockVerifyRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
    kiosk: NamedDependency[KioskDevice],
) -> CardUnlocked:
    await limit_by_address(request, queue, "card-unlock-verify-ip")
    card = await verify_card_unlock(
        tx,
        request.app.state.settings,
        kiosk=kiosk,
        card_token=data.card_token,
        challenge_id=data.challenge_id,
        code=data.code,
    )
    return CardUnlocked(
        card_id=card.id,
        pin_failures=card.pin_failures,
        locked=card.locked_at is not None,
        message=translate(kiosk_locale(request), UNLOCKED),
    )


ROUTES = [card_unlock_start, card_unlock_verify]

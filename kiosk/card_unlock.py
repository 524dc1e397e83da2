"""Unlocking a locked access card at the kiosk with an SMS code
(`/v1/auth/card/unlock`, `/v1/auth/card/unlock/verify`); see auth/card_unlock.py."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from arq.connections import ArqRedis
from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from auth import Code, start_card_unlock, verify_card_unlock
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import problem_responses
from i18n import N_, translate
from kiosk.card_sign_in import CardToken, kiosk_key, limit_by_address


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


@post(
    "/v1/auth/card/unlock",
    status_code=202,
    tags=["access cards"],
    summary="Send an SMS code that unlocks a locked access card, at a kiosk",
    responses=problem_responses(400, 401, 409, 429),
    description=(
        "Only from an enrolled kiosk: send its key in `X-Kiosk-Key`, as for "
        "`/v1/auth/card/verify`; an unknown or retired kiosk and an unknown or replaced card "
        "answer the same 401 `card-sign-in-failed`. When the card is locked (5 wrong PINs) "
        "and its holder has a mobile phone of record, a 6-digit code is sent to that number "
        "by SMS, in the holder's language; verify it with `POST /v1/auth/card/unlock/verify`. "
        "409 `card-not-locked` for a card that is not locked; 409 `card-unlock-no-mobile` "
        "when there is no mobile number to send to (a landline or none): the person unlocks "
        "it at a counter. At most 3 SMS unlocks per card in 24 hours, then 429 "
        "`card-unlock-limit` (a counter unlocks it). Limited per client address and per "
        "number like the other codes (429 `too-many-requests`, `too-many-codes`)."
    ),
)
async def card_unlock_start(
    data: JSONBody[CardUnlockRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> CardUnlockAccepted:
    await limit_by_address(request, queue, "card-unlock-ip")
    started = await start_card_unlock(
        tx,
        queue,
        request.app.state.settings,
        kiosk_key=kiosk_key(request),
        card_token=data.card_token,
    )
    return CardUnlockAccepted(
        challenge_id=started.challenge_id,
        phone_masked=started.phone_masked,
        expires_at=started.expires_at,
        resend_after=started.resend_after,
        message=translate(request_locale(request), UNLOCK_CODE_SENT, phone=started.phone_masked),
    )


@post(
    "/v1/auth/card/unlock/verify",
    status_code=200,
    tags=["access cards"],
    summary="Unlock a locked access card with the SMS code (no sign-in)",
    responses=problem_responses(400, 401, 409, 429),
    description=(
        "From the same kiosk flow: `X-Kiosk-Key`, the card token, the `challenge_id` from "
        "`/v1/auth/card/unlock` and the code. On success the card's lock is lifted and the "
        "answer says so (`pin_failures` keeps its count: only a right PIN resets it, and the "
        "card locks again at the next 5th wrong PIN); nobody is signed in: the person then "
        "signs in with the card and the PIN as usual. A wrong code answers 401 "
        "`card-unlock-code-wrong` with `tries_left`; a challenge that is not this card's, "
        "or already used, the same 401 without it. 400 `code-expired` after 10 minutes, "
        "400 `code-attempts-exceeded` after 5 wrong codes (ask for a new one)."
    ),
)
async def card_unlock_verify(
    data: JSONBody[CardUnlockVerifyRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> CardUnlocked:
    await limit_by_address(request, queue, "card-unlock-verify-ip")
    card = await verify_card_unlock(
        tx,
        request.app.state.settings,
        kiosk_key=kiosk_key(request),
        card_token=data.card_token,
        challenge_id=data.challenge_id,
        code=data.code,
    )
    return CardUnlocked(
        card_id=card.id,
        pin_failures=card.pin_failures,
        locked=card.locked_at is not None,
        message=translate(request_locale(request), UNLOCKED),
    )


ROUTES = [card_unlock_start, card_unlock_verify]

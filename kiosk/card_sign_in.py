"""Signing in at an enrolled kiosk with an access card and the PIN (`/v1/auth/card/verify`).
Cards are issued, printed and unlocked at the counter (assisted_channel/console/)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from arq.connections import ArqRedis
from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from auth import Pin, Tokens, limit_sign_in_address, verify_card
from foundation.client_address import client_address
from foundation.db import Transaction
from foundation.problems import problem_responses

CardToken = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$", examples=["hcc_Vq3..."]
    ),
]


def kiosk_key(request: Request[Any, Any, Any]) -> str:
    """The enrolled kiosk's key, which it sends with every card call."""
    return request.headers.get("x-kiosk-key", "").strip()


async def limit_by_address(request: Request[Any, Any, Any], queue: ArqRedis, scope: str) -> None:
    await limit_sign_in_address(
        queue, request.app.state.settings.auth, scope, client_address(request)
    )


class CardVerifyRequest(msgspec.Struct, kw_only=True):
    card_token: CardToken
    pin: Pin


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
        kiosk_key=kiosk_key(request),
        card_token=data.card_token,
        pin=data.pin,
        address=client_address(request),
    )


ROUTES = [card_verify]

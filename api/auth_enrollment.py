"""Redeem an enrollment code from the counter: a session to add a passkey or set a PIN."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from arq.connections import ArqRedis
from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.auth_guard import limit_by_address
from auth import RedeemChannel, Tokens, redeem_enrollment_code
from foundation.client_address import client_address
from foundation.db import Transaction
from foundation.problems import problem_responses

# Any text up to 40 characters: a code that cannot be one of ours answers the same 400
# `enrollment-code-invalid` as a wrong, expired or used one (schemathesis.toml says so).
EnrollmentCode = Annotated[
    str, msgspec.Meta(min_length=1, max_length=40, examples=["KX7P-M2QD-9HTW-RB4C"])
]


class RedeemRequest(msgspec.Struct, kw_only=True):
    code: EnrollmentCode
    channel: RedeemChannel
    device: Annotated[str, msgspec.Meta(max_length=100)] | None = None


@post(
    "/v1/auth/enrollment/redeem",
    status_code=200,
    tags=["sign-in"],
    summary="Redeem a one-time enrollment code: tokens at aal 1",
    responses=problem_responses(400, 429),
    description=(
        "The code a counter clerk gave (16 characters; case, spaces and hyphens do not "
        "matter), once, within 7 days. `channel` is `app` or `kiosk` and is recorded on the "
        "session. With the tokens, add a passkey (`POST /v1/auth/passkeys/registration/options`) or set the "
        "PIN (`PUT /v1/me/pin`) within 5 minutes. A wrong, expired or used code answers "
        "400 `enrollment-code-invalid`, whichever it is."
    ),
)
async def redeem(
    data: JSONBody[RedeemRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Tokens:
    await limit_by_address(request, queue, "enrollment-redeem-ip")
    return await redeem_enrollment_code(
        tx.conn,
        request.app.state.settings.auth,
        code=data.code,
        channel=data.channel,
        address=client_address(request),
        device=data.device,
    )


ROUTES = [redeem]

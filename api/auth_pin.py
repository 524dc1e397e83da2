"""The PIN in the app: set or change it, and step up to aal 2 with it."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from litestar import Request, Response, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.auth_guard import limit_by_address
from auth import CurrentSession, PinRequest, Tokens, set_pin, step_up_with_pin
from foundation.client_address import client_address
from foundation.db import Transaction
from foundation.problems import problem_responses


@put(
    "/v1/me/pin",
    status_code=204,
    tags=["pin"],
    summary="Set or change the PIN (signed in within the last 5 minutes)",
    responses=problem_responses(400, 401),
    description=(
        "Needs a sign-in within the last 5 minutes (otherwise 401 "
        "`recent-sign-in-required`). An account that has a passkey or a PIN also needs that "
        "sign-in to be aal 2: a passkey, or a code with the current PIN (otherwise 401 "
        "`step-up-required`); a session opened with an enrollment code may set it once. "
        "Trivial PINs (one digit repeated, digits in order, simple patterns, the birth date, "
        "the commonest PINs) answer 400 `pin-too-simple`, with the reason under `errors`. "
        "Every channel of the person is told (`authenticator_added:pin`)."
    ),
)
async def put_pin(
    data: JSONBody[PinRequest],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Response[None]:
    await set_pin(tx, queue, request.app.state.settings.auth, session, data.pin)
    return Response(None, status_code=204)


@post(
    "/v1/auth/pin/verify",
    status_code=200,
    tags=["pin"],
    summary="Confirm it is you with the PIN: new tokens at aal 2; this session ends",
    responses=problem_responses(400, 401, 409, 423, 429),
    description=(
        "The PIN completes a session begun with a code (SMS, voice call, authenticator app or "
        "recovery code) in the last 12 hours; otherwise 401 `pin-needs-code`. A session that "
        "is already aal 2 (a passkey) answers 409 `pin-not-needed`. A wrong PIN answers 401 "
        "`pin-wrong` with `tries_left`; every fifth locks the app's PIN (423 "
        "`credential-locked`) until a recovery code by SMS (`POST /v1/auth/sms/start` with "
        "purpose `recovery`) or a counter unlocks it. Recovery codes unlock it at most 3 "
        "times in 24 hours: then 423 `app-pin-unlock-limit` with Retry-After. Wrong PINs also "
        "count towards the "
        "account's lock at 100 in a row (423 `account-locked-counter`); only a right PIN "
        "starts both counts again. Limited per client address (429)."
    ),
)
async def pin_verify(
    data: JSONBody[PinRequest],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Tokens:
    await limit_by_address(request, queue, "pin-verify-ip")
    return await step_up_with_pin(
        tx.conn,
        request.app.state.settings.auth,
        session,
        data.pin,
        address=client_address(request),
    )


ROUTES = [put_pin, pin_verify]

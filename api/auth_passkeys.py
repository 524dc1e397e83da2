"""Passkeys for the app: register, sign in, and the account's list (`/v1/me/passkeys`)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from arq.connections import ArqRedis
from litestar import Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.auth_guard import limit_by_address
from auth import (
    AUTHENTICATION_EXAMPLE,
    REGISTRATION_EXAMPLE,
    AuthenticationChallenge,
    AuthenticationCredentialJSON,
    ChallengeId,
    CurrentSession,
    PasskeyName,
    PasskeySummary,
    RegistrationChallenge,
    RegistrationCredentialJSON,
    Tokens,
    delete_passkey,
    finish_authentication,
    finish_registration,
    my_passkeys,
    rename_passkey,
    start_authentication,
    start_registration,
)
from foundation.client_address import client_address
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import problem_responses
from foundation.settings import AuthSettings

Device = Annotated[str, msgspec.Meta(max_length=100, examples=["Galaxy S24"])]


class RegistrationVerifyRequest(msgspec.Struct, kw_only=True):
    challenge_id: ChallengeId
    credential: Annotated[RegistrationCredentialJSON, msgspec.Meta(examples=[REGISTRATION_EXAMPLE])]
    # Shown in the passkey list; "Passkey 1", "Passkey 2", ... when not given.
    name: PasskeyName | None = None


class AuthenticationVerifyRequest(msgspec.Struct, kw_only=True):
    challenge_id: ChallengeId
    credential: Annotated[
        AuthenticationCredentialJSON, msgspec.Meta(examples=[AUTHENTICATION_EXAMPLE])
    ]
    device: Device | None = None


class RenameRequest(msgspec.Struct, kw_only=True):
    name: PasskeyName


class PasskeyList(msgspec.Struct, kw_only=True):
    passkeys: list[PasskeySummary]


def _auth_settings(request: Request[Any, Any, Any]) -> AuthSettings:
    settings: AuthSettings = request.app.state.settings.auth
    return settings


@post(
    "/v1/auth/passkeys/registration/options",
    status_code=200,
    tags=["passkeys"],
    summary="Options to create a passkey for the signed-in account",
    responses=problem_responses(401, 409),
    description=(
        "Pass `options` to the platform's WebAuthn API (`navigator.credentials.create`, "
        "Android Credential Manager, iOS ASAuthorization); binary fields are base64url. "
        "The challenge can be answered once, within 5 minutes, with "
        "`POST /v1/auth/passkeys/registration/verify`. User verification and a discoverable "
        "credential are required; the account's passkeys are excluded, so a device holds one. "
        "An account that already has a passkey or a PIN needs a recent aal 2 sign-in (401 "
        "`step-up-required`); its first passkey needs a sign-in in the last 5 minutes (401 "
        "`recent-sign-in-required`), as does a session opened with an enrollment code, which "
        "adds one authenticator. Checked again at verify."
    ),
)
async def registration_options(
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> RegistrationChallenge:
    started = await start_registration(tx.conn, queue, _auth_settings(request), session=session)
    return RegistrationChallenge(challenge_id=started.challenge_id, options=started.options)


@post(
    "/v1/auth/passkeys/registration/verify",
    status_code=201,
    tags=["passkeys"],
    summary="Keep the new passkey; every channel of the person is told",
    responses=problem_responses(400, 401, 409),
    description=(
        "`credential` is the platform's answer as JSON (`PublicKeyCredential.toJSON()`). "
        "The same rule as for the options applies. An urgent notice (`authenticator_added`) "
        "goes at once to every channel the person has."
    ),
)
async def registration_verify(
    data: JSONBody[RegistrationVerifyRequest],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> PasskeySummary:
    return await finish_registration(
        tx,
        queue,
        _auth_settings(request),
        session=session,
        challenge_id=data.challenge_id,
        credential=data.credential,
        name=data.name,
        locale=request_locale(request),
    )


@post(
    "/v1/auth/passkeys/authentication/options",
    status_code=200,
    tags=["passkeys"],
    summary="Options to sign in with a passkey (no user name needed)",
    responses=problem_responses(429),
    description=(
        "Pass `options` to `navigator.credentials.get` (or the platform's equivalent); the "
        "device offers its passkeys for this service. Answer within 5 minutes with "
        "`POST /v1/auth/passkeys/authentication/verify`."
    ),
)
async def authentication_options(
    request: Request[Any, Any, Any], queue: NamedDependency[ArqRedis]
) -> AuthenticationChallenge:
    await limit_by_address(request, queue, "passkey-options-ip")
    started = await start_authentication(queue, _auth_settings(request))
    return AuthenticationChallenge(challenge_id=started.challenge_id, options=started.options)


@post(
    "/v1/auth/passkeys/authentication/verify",
    status_code=200,
    tags=["passkeys"],
    summary="Sign in with a passkey: tokens at aal 2",
    responses=problem_responses(400, 401, 423, 429),
    description=(
        "A passkey with user verification is two factors on its own (aal 2). A refused "
        "answer is audited and counts towards no lock; answers are limited per client "
        "address (429). An account locked until a counter visit answers 423 "
        "`account-locked-counter`, told only to a passkey that verifies."
    ),
)
async def authentication_verify(
    data: JSONBody[AuthenticationVerifyRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Tokens:
    await limit_by_address(request, queue, "sign-in-ip")
    return await finish_authentication(
        tx.conn,
        queue,
        _auth_settings(request),
        challenge_id=data.challenge_id,
        credential=data.credential,
        channel="app",
        address=client_address(request),
        device=data.device,
    )


@get(
    "/v1/me/passkeys",
    tags=["passkeys"],
    summary="The account's passkeys",
    responses=problem_responses(401),
)
async def list_my_passkeys(
    session: NamedDependency[CurrentSession], tx: NamedDependency[Transaction]
) -> PasskeyList:
    return PasskeyList(passkeys=await my_passkeys(tx.conn, session.account_id))


@patch(
    "/v1/me/passkeys/{passkey_id:int}",
    tags=["passkeys"],
    summary="Rename a passkey",
    responses=problem_responses(400, 401, 404),
)
async def rename_my_passkey(
    passkey_id: FromPath[int],
    data: JSONBody[RenameRequest],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> PasskeySummary:
    return await rename_passkey(
        tx.conn,
        account_id=session.account_id,
        passkey_id=passkey_id,
        name=data.name,
        channel=session.channel,
    )


@delete(
    "/v1/me/passkeys/{passkey_id:int}",
    status_code=204,
    tags=["passkeys"],
    summary="Remove a passkey (recent aal 2; never the last way in)",
    responses=problem_responses(401, 404, 409),
    description=(
        "Needs a recent aal 2 sign-in (401 `step-up-required`). Refused with "
        "`last-authenticator` (409) when the account would be left with no passkey and no "
        "phone of record, or with no passkey and no PIN (nothing to reach aal 2 with). "
        "Every channel of the person is told."
    ),
)
async def delete_my_passkey(
    passkey_id: FromPath[int],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Response[None]:
    await delete_passkey(tx, queue, session=session, passkey_id=passkey_id)
    return Response(None, status_code=204)


ROUTES = [
    registration_options,
    registration_verify,
    authentication_options,
    authentication_verify,
    list_my_passkeys,
    rename_my_passkey,
    delete_my_passkey,
]

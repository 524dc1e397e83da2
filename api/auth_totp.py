"""Authenticator apps (TOTP): setup, confirmation, sign-in and removal."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from arq.connections import ArqRedis
from litestar import Request, Response, delete, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.auth_guard import limit_by_address
from api.auth_sms import BirthDate, Phone
from auth import (
    Code,
    CurrentSession,
    Tokens,
    checked_phone,
    confirm_totp,
    remove_totp,
    sign_in_with_totp,
    start_totp_setup,
)
from foundation.client_address import client_address
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import problem_responses

Device = Annotated[str, msgspec.Meta(max_length=100, examples=["Galaxy S24"])]
RecoveryCodes = Annotated[
    list[str],
    msgspec.Meta(
        examples=[
            [
                "4837-2910-5561-0284",
                "1029-3847-5610-2938",
                "5647-3829-1047-5638",
                "9182-7364-5501-9283",
                "3748-5920-1837-4650",
                "6029-1847-3928-1746",
                "8273-6401-9283-7465",
                "2019-3847-5629-1038",
                "7465-0192-8374-6501",
                "1928-3746-5019-2837",
            ]
        ]
    ),
]


class TotpSetupAnswer(msgspec.Struct, kw_only=True):
    secret: Annotated[str, msgspec.Meta(examples=["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"])]
    otpauth_uri: Annotated[
        str,
        msgspec.Meta(
            examples=[
                "otpauth://totp/%ED%95%9C%20%EC%B0%BD%EA%B5%AC:%2B8210%2A%2A%2A%2A5678"
                "?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=%ED%95%9C%20%EC%B0%BD%EA%B5%AC"
            ]
        ),
    ]
    qr_svg: Annotated[
        str,
        msgspec.Meta(
            examples=[
                '<svg role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 45 45">'
                "<title>인증 앱에 한 창구를 추가하는 QR 코드</title>...</svg>"
            ]
        ),
    ]


class TotpConfirmRequest(msgspec.Struct, kw_only=True):
    code: Code


class TotpConfirmAnswer(msgspec.Struct, kw_only=True):
    confirmed_at: Annotated[datetime, msgspec.Meta(examples=["2026-01-05T09:30:00Z"])]
    recovery_codes: RecoveryCodes


class TotpVerifyRequest(msgspec.Struct, kw_only=True):
    phone: Phone
    # Asked with every number: a family may share one phone (see docs/api.md).
    birth_date: BirthDate
    code: Code
    device: Device | None = None


@post(
    "/v1/auth/totp/setup",
    status_code=200,
    tags=["totp"],
    summary="Start adding an authenticator app: a new secret, its otpauth URI and QR code",
    responses=problem_responses(401, 409),
    description=(
        "The secret is shown this once. It works after `POST /v1/auth/totp/confirm` with a "
        "code from the app. An account that has a passkey or a PIN needs a recent aal 2 "
        "sign-in (otherwise 401 `step-up-required`); one that has neither adds a passkey or "
        "a PIN first (409 `passkey-or-pin-first`). A session opened with an enrollment code "
        "may add one authenticator within 5 minutes. Checked again at confirmation."
    ),
)
async def totp_setup(
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> TotpSetupAnswer:
    setup = await start_totp_setup(
        tx.conn, request.app.state.settings.auth, session, locale=request_locale(request)
    )
    return TotpSetupAnswer(secret=setup.secret, otpauth_uri=setup.otpauth_uri, qr_svg=setup.qr_svg)


@post(
    "/v1/auth/totp/confirm",
    status_code=200,
    tags=["totp"],
    summary="Confirm the authenticator app with its first code; every channel is told",
    responses=problem_responses(400, 401, 409),
    description=(
        "From now on the app's codes sign in. `recovery_codes` holds the account's first "
        "recovery codes, shown this once, when it had none left; otherwise it is empty. An "
        "urgent notice (`authenticator_added`) goes at once to every channel the person has."
    ),
)
async def totp_confirm(
    data: JSONBody[TotpConfirmRequest],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> TotpConfirmAnswer:
    confirmed = await confirm_totp(tx, queue, request.app.state.settings.auth, session, data.code)
    return TotpConfirmAnswer(
        confirmed_at=confirmed.confirmed_at, recovery_codes=confirmed.recovery_codes
    )


@post(
    "/v1/auth/totp/verify",
    status_code=200,
    tags=["totp"],
    summary="Sign in with phone of record, birth date and an authenticator app code: aal 1",
    responses=problem_responses(400, 401, 423, 429),
    description=(
        "The account is that of the one account holder with this phone of record and birth "
        "date. One step (30 s) of clock drift either way; each code works once. An unknown "
        "number, a birth date nobody with that number has, an account without an "
        "authenticator app and a wrong code all answer 401 `sign-in-failed` and count "
        "towards no lock; after 10 wrong codes for a number in an hour, or 20 in a day, "
        "that number's codes answer 429 `too-many-requests` with Retry-After, whatever "
        'birth date is sent. `suggest` is `["passkey"]` while the account has no passkey.'
    ),
)
async def totp_verify(
    data: JSONBody[TotpVerifyRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Tokens:
    await limit_by_address(request, queue, "sign-in-ip")
    phone = checked_phone(data.phone, "phone")
    return await sign_in_with_totp(
        tx.conn,
        queue,
        request.app.state.settings.auth,
        phone_e164=phone,
        birth_date=data.birth_date,
        code=data.code,
        channel="app",
        address=client_address(request),
        device=data.device,
    )


@delete(
    "/v1/me/totp",
    status_code=204,
    tags=["totp"],
    summary="Remove the authenticator app (recent aal 2)",
    responses=problem_responses(401, 404, 409),
    description=(
        "Refused with 409 `last-authenticator` when it is the only way left to sign in "
        "(no passkey and no phone of record). Every channel of the person is told."
    ),
)
async def totp_remove(
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Response[None]:
    await remove_totp(tx, queue, session)
    return Response(None, status_code=204)


ROUTES = [totp_setup, totp_confirm, totp_verify, totp_remove]

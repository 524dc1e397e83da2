"""Recovery codes: sign in with one, or make a new set."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from arq.connections import ArqRedis
from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.auth_guard import limit_by_address
from api.auth_sms import BirthDate, Phone
from api.auth_totp import Device, RecoveryCodes
from auth import (
    CurrentSession,
    Tokens,
    checked_phone,
    regenerate_recovery_codes,
    sign_in_with_recovery_code,
)
from foundation.client_address import client_address
from foundation.db import Transaction
from foundation.problems import problem_responses
from i18n import N_

# 16 digits; hyphens and spaces between them are ignored.
RecoveryCode = Annotated[
    str,
    msgspec.Meta(
        min_length=16,
        max_length=40,
        pattern="^[- ]*(?:[0-9][- ]*){16}$",
        examples=["4837-2910-5561-0284"],
        extra={"invalid": N_("Enter the 16-digit recovery code, like 1234-5678-9012-3456.")},
    ),
]


class RecoveryVerifyRequest(msgspec.Struct, kw_only=True):
    phone: Phone
    # Asked with every number: a family may share one phone (see docs/api.md).
    birth_date: BirthDate
    # 16 digits; hyphens and spaces are ignored.
    code: RecoveryCode
    device: Device | None = None


class RecoveryCodesAnswer(msgspec.Struct, kw_only=True):
    recovery_codes: RecoveryCodes


@post(
    "/v1/auth/recovery-codes/verify",
    status_code=200,
    tags=["recovery"],
    summary="Sign in with the phone of record, birth date and a recovery code: tokens at aal 1",
    responses=problem_responses(400, 401, 423, 429),
    description=(
        "The account is that of the one account holder with this phone of record and birth "
        "date. The code is spent. An unknown number, a birth date nobody with that number "
        "has, an account without recovery codes and a wrong or used code all answer 401 "
        "`sign-in-failed`. `suggest` holds `passkey` while the account has none, and "
        "`recovery_codes` when 2 or fewer codes are left."
    ),
)
async def recovery_verify(
    data: JSONBody[RecoveryVerifyRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Tokens:
    await limit_by_address(request, queue, "sign-in-ip")
    return await sign_in_with_recovery_code(
        tx.conn,
        request.app.state.settings.auth,
        phone_e164=checked_phone(data.phone, "phone"),
        birth_date=data.birth_date,
        code=data.code,
        channel="app",
        address=client_address(request),
        device=data.device,
    )


@post(
    "/v1/me/recovery-codes",
    status_code=201,
    tags=["recovery"],
    summary="Make a new set of 10 recovery codes (recent aal 2); the old ones stop working",
    responses=problem_responses(401, 409),
    description=(
        "The codes are shown this once. Needs aal 2 within the last 12 hours and 30 minutes "
        "idle, otherwise 401 `step-up-required` with `WWW-Authenticate: Bearer "
        'error="insufficient_user_authentication"`; an account with no passkey and no PIN '
        "adds one first (409 `passkey-or-pin-first`). Every channel of the person is told. "
        "`GET /v1/me` says how many are left."
    ),
)
async def recovery_regenerate(
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> RecoveryCodesAnswer:
    codes = await regenerate_recovery_codes(tx, queue, request.app.state.settings.auth, session)
    return RecoveryCodesAnswer(recovery_codes=codes)


ROUTES = [recovery_verify, recovery_regenerate]

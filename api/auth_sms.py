"""Sign-up and sign-in with a code sent by SMS or spoken in a voice call."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from arq.connections import ArqRedis
from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.auth_guard import limit_by_address
from auth import Code, Tokens, checked_phone, start_phone_challenge, start_signup, verify_code
from foundation.client_address import client_address
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import problem_responses
from foundation.settings import Settings
from i18n import N_, translate

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100, examples=["김민준"])]
# A Korean mobile number, national (010-1234-5678, 01012345678) or international
# (+82 10 1234 5678): the numbers a code can be sent to. The pattern admits only numbers
# that `checked_phone` (libphonenumber) accepts too, so the document states the rule
# whole: 010 numbers whose exchange starts 597-599 are not in use.
MOBILE_NUMBER = (
    r"^(?:0|\+82[- ]?)"
    r"(?:10[- ]?(?:[0-46-9][0-9]{2}|5[0-8][0-9]|59[0-6])[0-9]?|1[16-9][- ]?[0-9]{3,4})"
    r"[- ]?[0-9]{4}$"
)
Phone = Annotated[
    str,
    msgspec.Meta(
        min_length=4,
        max_length=32,
        pattern=MOBILE_NUMBER,
        examples=["010-1234-5678"],
        extra={"invalid": N_("Enter a mobile phone number, such as 010-1234-5678.")},
    ),
]
BirthDate = Annotated[date, msgspec.Meta(examples=["1990-05-17"])]


class SignupRequest(msgspec.Struct, kw_only=True):
    name: Name
    birth_date: date
    phone: Phone
    delivery: Literal["sms", "voice"] = "sms"


class SignupAccepted(msgspec.Struct, kw_only=True):
    challenge_id: uuid.UUID
    expires_at: datetime
    resend_after: int
    # In the person's language: what to do if no code arrives.
    message: str


class CodeRequest(msgspec.Struct, kw_only=True):
    phone: Phone
    # Asked with every number: a family may share one phone (see docs/api.md).
    birth_date: BirthDate
    purpose: Literal["sign_in", "recovery"]
    delivery: Literal["sms", "voice"] = "sms"


class CodeAccepted(msgspec.Struct, kw_only=True):
    challenge_id: uuid.UUID
    expires_at: datetime
    resend_after: int
    message: str


class VerifyRequest(msgspec.Struct, kw_only=True):
    challenge_id: uuid.UUID
    code: Code
    device: Annotated[str, msgspec.Meta(max_length=100)] | None = None


NO_CODE_HELP = N_(
    "If the details match our records, we sent a code to your phone. If no code arrives "
    "within a few minutes, a job centre counter can confirm who you are. Bring your ID card."
)
CODE_SENT = N_(
    "If this number is registered, we sent a code to it. It works for 10 minutes. "
    "If none arrives, you can ask again in 30 seconds, or call 1350."
)


@post(
    "/v1/auth/signup",
    status_code=202,
    tags=["sign-in"],
    summary="Sign up: a code to the phone of record",
    responses=problem_responses(400, 429),
    description=(
        "If name, birth date and mobile number match a person whose phone of record is that "
        "number, an SMS code is sent to it; verify it with `POST /v1/auth/sms/verify`. The "
        "answer is the same whether or not they match (when they do not, no code ever arrives)."
    ),
)
async def signup(
    data: JSONBody[SignupRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> SignupAccepted:
    locale = request_locale(request)
    settings: Settings = request.app.state.settings
    await limit_by_address(request, queue, "signup-ip")
    started = await start_signup(
        tx,
        queue,
        settings,
        name=data.name,
        birth_date=data.birth_date,
        phone_e164=checked_phone(data.phone, "phone"),
        locale=locale,
        delivery=data.delivery,
    )
    return SignupAccepted(
        challenge_id=started.challenge_id,
        expires_at=started.expires_at,
        resend_after=started.resend_after,
        message=translate(locale, NO_CODE_HELP),
    )


@post(
    "/v1/auth/sms/start",
    status_code=202,
    tags=["sign-in"],
    summary="Send a sign-in or recovery code by SMS or voice call",
    responses=problem_responses(400, 429),
    description=(
        "The code goes to `phone` if it is the phone of record of exactly one account holder "
        "born on `birth_date` (a family may share one phone). The answer is the same whether "
        "or not anyone matches; when nobody does, no code ever arrives and any code is "
        "refused as a wrong one."
    ),
)
async def sms_start(
    data: JSONBody[CodeRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> CodeAccepted:
    locale = request_locale(request)
    await limit_by_address(request, queue, "sms-start-ip")
    started = await start_phone_challenge(
        tx,
        queue,
        request.app.state.settings,
        phone_e164=checked_phone(data.phone, "phone"),
        birth_date=data.birth_date,
        purpose=data.purpose,
        delivery=data.delivery,
        locale=locale,
    )
    return CodeAccepted(
        challenge_id=started.challenge_id,
        expires_at=started.expires_at,
        resend_after=started.resend_after,
        message=translate(locale, CODE_SENT),
    )


@post(
    "/v1/auth/sms/verify",
    status_code=200,
    tags=["sign-in"],
    summary="Verify an SMS or voice code: tokens at aal 1",
    responses=problem_responses(400, 401, 423, 429),
)
async def sms_verify(
    data: JSONBody[VerifyRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Tokens:
    await limit_by_address(request, queue, "sign-in-ip")
    return await verify_code(
        tx,
        request.app.state.settings,
        challenge_id=data.challenge_id,
        code=data.code,
        channel="app",
        address=client_address(request),
        device=data.device,
    )


ROUTES = [signup, sms_start, sms_verify]

"""The PIN on the phone line (caller ID + PIN, then a call back), and the counter's
registered numbers (`/console/api/...`, staff cookie)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from arq.connections import ArqRedis
from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.auth_guard import limit_by_address, request_locale
from api.auth_pin import Pin
from api.console_auth import STAFF
from api.openapi import SIGNED_IN, problem_responses
from auth.counter_assist import phones_at_counter
from auth.limits import enforce
from auth.people import InvalidPhoneNumber, mask_phone, parse_phone
from auth.registered_phones import (
    complete_callback,
    register_phone,
    remove_phone,
    start_callback,
    unlock_phone,
    verify_phone_sign_in,
)
from auth.sessions import CurrentSession, Tokens
from auth.staff_sessions import StaffSession
from i18n import N_, translate
from server.db import Transaction
from server.problems import VALIDATION_ERROR, FieldError, Problem

PhoneNumber = Annotated[
    str, msgspec.Meta(min_length=4, max_length=32, examples=["+82212345678", "02-1234-5678"])
]
# A session asks for at most this many call-backs in 10 minutes.
CALLBACKS_PER_SESSION = 3


class PhoneVerifyRequest(msgspec.Struct, kw_only=True):
    caller_number: PhoneNumber
    pin: Pin


CallToken = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$", examples=["hcb_..."]),
]


class CallbackPinRequest(msgspec.Struct, kw_only=True):
    pin: Pin
    # From the call's webhook address (`?token=`): only the answered call carries it.
    call_token: CallToken


class CallbackStarted(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    expires_at: Annotated[datetime, msgspec.Meta(examples=["2026-01-05T09:35:00Z"])]


class CallbackCompleted(msgspec.Struct, kw_only=True):
    aal: int


class RegisterPhoneRequest(msgspec.Struct, kw_only=True):
    number: PhoneNumber


class RegisteredPhoneAnswer(msgspec.Struct, kw_only=True):
    id: int
    person_id: int
    number: Annotated[str, msgspec.Meta(examples=["+82212345678"])]
    registered_at: datetime
    office: Annotated[str, msgspec.Meta(examples=["busan"])]


class RegisteredPhoneListed(msgspec.Struct, kw_only=True):
    id: int
    # Masked: the clerk asks the person to confirm it, never reads it out whole.
    number_masked: Annotated[str, msgspec.Meta(examples=["+8221***5678"])]
    registered_at: datetime
    office: Annotated[str, msgspec.Meta(examples=["busan"])]
    locked_at: datetime | None


def _number_or_problem(raw: str, field: str, locale: str) -> str:
    try:
        return parse_phone(raw)
    except InvalidPhoneNumber:
        raise Problem(
            VALIDATION_ERROR,
            errors=[
                FieldError(
                    field=field,
                    detail=translate(locale, N_("Enter a phone number like 02-1234-5678.")),
                )
            ],
        ) from None


@post(
    "/v1/auth/phone/verify",
    status_code=200,
    tags=["phone"],
    summary="Sign in on the phone line: the caller's number and the PIN give an aal 1 session",
    responses=problem_responses(400, 401, 423, 429),
    description=(
        "For the phone line's webhooks. `caller_number` is the caller ID (E.164 or Korean "
        "national form, landlines too), which must be registered for exactly one person at a "
        "counter. An unknown number, a shared number and a wrong PIN all answer 401 "
        "`sign-in-failed`. Caller ID can be spoofed, so the session is aal 1 on channel "
        "`phone`; `POST /v1/auth/phone/callback` raises it to aal 2. The fifth wrong PIN "
        "locks this phone only (423 `phone-pin-locked`) until a counter unlocks it. "
        "Limited per client address."
    ),
)
async def phone_verify(
    data: JSONBody[PhoneVerifyRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Tokens:
    await limit_by_address(request, queue, "phone-verify-ip")
    number = _number_or_problem(data.caller_number, "body.caller_number", request_locale(request))
    return await verify_phone_sign_in(
        tx.conn, request.app.state.settings.auth, caller_number=number, pin=data.pin
    )


@post(
    "/v1/auth/phone/callback",
    status_code=201,
    tags=["phone"],
    summary="Call the registered number back to ask for the PIN (step-up to aal 2)",
    responses=problem_responses(401, 409, 423, 429, 503),
    security=SIGNED_IN,
    description=(
        "Only for a session signed in with `POST /v1/auth/phone/verify` (otherwise 409 "
        "`phone-session-needed`; an aal 2 session answers 409 `pin-not-needed`). The call "
        "asks for the PIN; `POST /v1/auth/phone/callback/{id}/verify` with it within 5 "
        "minutes raises this same session to aal 2. At most 3 call-backs per session in 10 "
        "minutes."
    ),
)
async def phone_callback(
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> CallbackStarted:
    await enforce(
        queue, "phone-callback", str(session.id), limit=CALLBACKS_PER_SESSION, window_s=600
    )
    started = await start_callback(
        tx.conn, request.app.state.settings, session, locale=request_locale(request)
    )
    return CallbackStarted(id=started.id, expires_at=started.expires_at)


@post(
    "/v1/auth/phone/callback/{callback_id:uuid}/verify",
    status_code=200,
    tags=["phone"],
    summary="The PIN entered on the call-back: the session that asked is now aal 2",
    responses=problem_responses(400, 401, 423, 429),
    description=(
        "For the phone line's webhook on the outbound call: `call_token` is the `token` in "
        "the address the call's TwiML posts the digits to, which the session that asked "
        "never sees. A wrong PIN answers 401 "
        "`pin-wrong` with `tries_left` and counts against this phone; the fifth locks it (423 "
        "`phone-pin-locked`). An unknown, expired or used call-back, or a wrong "
        "`call_token`, answers 400 `callback-ended`."
    ),
)
async def phone_callback_verify(
    callback_id: FromPath[uuid.UUID],
    data: JSONBody[CallbackPinRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> CallbackCompleted:
    await limit_by_address(request, queue, "phone-callback-ip")
    aal = await complete_callback(
        tx.conn,
        request.app.state.settings.auth,
        callback_id,
        data.pin,
        call_token=data.call_token,
    )
    return CallbackCompleted(aal=aal)


@post(
    "/console/api/people/{person_id:int}/phones",
    status_code=201,
    tags=["staff"],
    summary="Register a phone number (landlines too) for the phone line's PIN sign-in",
    responses=problem_responses(400, 401, 404, 409),
    dependencies=STAFF,
)
async def console_register_phone(
    person_id: FromPath[int],
    data: JSONBody[RegisterPhoneRequest],
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> RegisteredPhoneAnswer:
    number = _number_or_problem(data.number, "body.number", request_locale(request))
    phone = await register_phone(tx.conn, staff, person_id=person_id, phone_e164=number)
    return RegisteredPhoneAnswer(
        id=phone.id,
        person_id=phone.person_id,
        number=phone.phone_e164,
        registered_at=phone.registered_at,
        office=phone.office_code,
    )


@get(
    "/console/api/people/{person_id:int}/phones",
    tags=["staff"],
    summary="The person's registered numbers in use, masked, and whether each is locked",
    responses=problem_responses(401, 404),
    dependencies=STAFF,
)
async def console_list_phones(
    person_id: FromPath[int],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> list[RegisteredPhoneListed]:
    phones = await phones_at_counter(tx.conn, staff, person_id=person_id)
    return [
        RegisteredPhoneListed(
            id=phone.id,
            number_masked=mask_phone(phone.phone_e164),
            registered_at=phone.registered_at,
            office=phone.office_code,
            locked_at=phone.locked_at,
        )
        for phone in phones
    ]


@delete(
    "/console/api/people/{person_id:int}/phones/{phone_id:int}",
    status_code=204,
    tags=["staff"],
    summary="Remove a registered number: its sign-ins and sessions end at once",
    responses=problem_responses(401, 404),
    dependencies=STAFF,
)
async def console_remove_phone(
    person_id: FromPath[int],
    phone_id: FromPath[int],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> None:
    await remove_phone(tx.conn, staff, person_id=person_id, phone_id=phone_id)


@post(
    "/console/api/phones/{phone_id:int}/unlock",
    status_code=204,
    tags=["staff"],
    summary="Unlock a registered phone after 5 wrong PINs",
    responses=problem_responses(401, 404),
    dependencies=STAFF,
)
async def console_unlock_phone(
    phone_id: FromPath[int],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> Response[None]:
    await unlock_phone(tx.conn, staff, phone_id)
    return Response(None, status_code=204)


ROUTES = [
    phone_verify,
    phone_callback,
    phone_callback_verify,
    console_register_phone,
    console_list_phones,
    console_remove_phone,
    console_unlock_phone,
]

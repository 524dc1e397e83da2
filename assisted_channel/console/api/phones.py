"""The counter's registered numbers (`/console/api/...`, staff cookie) for the PIN on the
phone line.

No route here signs in with a number: a caller number in a JSON body is whatever the
sender types. The phone line's Twilio-signed voice webhooks (a later issue) will take
the caller ID from Twilio and call `verify_phone_sign_in`, `start_callback` and
`complete_callback` in auth/registered_phones.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from auth import checked_phone, mask_phone
from auth.counter import phones_at_counter, register_phone, remove_phone, unlock_phone
from auth.staff import StaffSession
from foundation.db import Transaction
from foundation.problems import problem_responses

PhoneNumber = Annotated[
    str, msgspec.Meta(min_length=4, max_length=32, examples=["+82212345678", "02-1234-5678"])
]


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


@post(
    "/api/people/{person_id:int}/phones",
    status_code=201,
    tags=["staff"],
    summary="Register a phone number (landlines too) for the phone line's PIN sign-in",
    responses=problem_responses(400, 401, 404, 409),
)
async def console_register_phone(
    person_id: FromPath[int],
    data: JSONBody[RegisterPhoneRequest],
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> RegisteredPhoneAnswer:
    number = checked_phone(data.number, "number", landline=True)
    phone = await register_phone(tx.conn, staff, person_id=person_id, phone_e164=number)
    return RegisteredPhoneAnswer(
        id=phone.id,
        person_id=phone.person_id,
        number=phone.phone_e164,
        registered_at=phone.registered_at,
        office=phone.office_code,
    )


@get(
    "/api/people/{person_id:int}/phones",
    tags=["staff"],
    summary="The person's registered numbers in use, masked, and whether each is locked",
    responses=problem_responses(401, 404),
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
    "/api/people/{person_id:int}/phones/{phone_id:int}",
    status_code=204,
    tags=["staff"],
    summary="Remove a registered number: its sign-ins and sessions end at once",
    responses=problem_responses(401, 404),
)
async def console_remove_phone(
    person_id: FromPath[int],
    phone_id: FromPath[int],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> None:
    await remove_phone(tx.conn, staff, person_id=person_id, phone_id=phone_id)


@post(
    "/api/phones/{phone_id:int}/unlock",
    status_code=204,
    tags=["staff"],
    summary="Unlock a registered phone after 5 wrong PINs",
    responses=problem_responses(401, 404, 409),
)
async def console_unlock_phone(
    phone_id: FromPath[int],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> Response[None]:
    await unlock_phone(tx.conn, staff, phone_id)
    return Response(None, status_code=204)


ROUTES = [
    console_register_phone,
    console_list_phones,
    console_remove_phone,
    console_unlock_phone,
]

"""The app's push devices (FCM registration tokens) for the signed-in person."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Response, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody

from api.openapi import SIGNED_IN
from auth import CurrentSession
from foundation.audit import record_audit
from foundation.db import Transaction
from foundation.problems import problem_responses
from i18n import locale_of
from notifications.devices import (
    Device,
    list_live_devices_of_person,
    register_device,
    remove_device,
)


class DeviceRegistration(msgspec.Struct, kw_only=True):
    # Printable ASCII without spaces, as FCM issues them.
    fcm_token: Annotated[
        str,
        msgspec.Meta(
            min_length=20,
            max_length=4096,
            pattern=r"^[!-~]+$",
            examples=["dQw4w9WgXcQ:APA91bH4r0cK9xZ2mPqL7vN3sT8uW1yE6oR5iJ0kB"],
        ),
    ]
    platform: Literal["android", "ios", "web"]
    # The app's language, as a language tag (`ko`, `ko-KR`, `vi-VN`); we keep its code.
    locale: Annotated[
        str,
        msgspec.Meta(
            max_length=35, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$", examples=["ko-KR"]
        ),
    ]


class DeviceAnswer(msgspec.Struct, kw_only=True):
    id: int
    platform: str
    locale: str
    # The last six characters of the token, to tell devices apart.
    token_ending: Annotated[str, msgspec.Meta(examples=["5iJ0kB"])]
    created_at: datetime


class DeviceList(msgspec.Struct, kw_only=True):
    devices: list[DeviceAnswer]


def _answer(device: Device) -> DeviceAnswer:
    return DeviceAnswer(
        id=device.id,
        platform=device.platform,
        locale=device.locale,
        token_ending=device.token_ending,
        created_at=device.created_at,
    )


@post(
    "/v1/me/devices",
    status_code=201,
    tags=["notifications"],
    summary="Register this app's push token (FCM) for notices",
    security=SIGNED_IN,
    responses={
        200: ResponseSpec(
            generate_examples=False,
            data_container=DeviceAnswer,
            description="This account had the token already",
        ),
        **problem_responses(400, 401),
    },
    description=(
        "Call it when the app starts and whenever FCM gives the app a new token. 201 with the "
        "device `id` for a new registration; 200 with the same `id` when this account already "
        "has the token (its `platform` and `locale` are updated). A token registered by another "
        "account (the phone changed hands, or someone else signed in on it) moves to this "
        "account: the old registration is retired as `replaced`. `locale` is a language tag; "
        "we keep its language's code (`vi-VN` → `vi`, `zh-TW` → `zh-Hans`; Korean when we have "
        "no catalog for it)."
    ),
)
async def register(
    data: JSONBody[DeviceRegistration],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> Response[DeviceAnswer]:
    registration = await register_device(
        tx.conn,
        account_id=session.account_id,
        person_id=session.person_id,
        fcm_token=data.fcm_token,
        platform=data.platform,
        locale=locale_of(data.locale),
    )
    if registration.created:
        details: dict[str, Any] = {
            "device_id": registration.device.id,
            "platform": registration.device.platform,
        }
        if registration.replaced_id is not None:
            details["replaced_device_id"] = registration.replaced_id
        await record_audit(
            tx.conn,
            actor=f"account:{session.account_id}",
            action="device.registered",
            subject=f"person:{session.person_id}",
            channel=session.channel,
            details=details,
        )
    return Response(_answer(registration.device), status_code=201 if registration.created else 200)


@get(
    "/v1/me/devices",
    tags=["notifications"],
    summary="Your devices that receive push notices",
    security=SIGNED_IN,
    responses=problem_responses(401),
    description="Live registrations only, newest first; a token shows as its last 6 characters.",
)
async def my_devices(
    session: NamedDependency[CurrentSession], tx: NamedDependency[Transaction]
) -> DeviceList:
    devices = await list_live_devices_of_person(tx.conn, session.person_id)
    return DeviceList(devices=[_answer(d) for d in devices])


@delete(
    "/v1/me/devices/{device_id:int}",
    status_code=204,
    tags=["notifications"],
    summary="Stop push notices to a device (for example when signing out of the app)",
    security=SIGNED_IN,
    responses=problem_responses(401, 404),
    description=(
        "The registration is retired as `removed` and its token forgotten. Removing a device "
        "twice is not an error. Another person's device is 404. Notices still reach the inbox."
    ),
)
async def remove(
    device_id: FromPath[int],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> Response[None]:
    await remove_device(
        tx.conn,
        device_id,
        person_id=session.person_id,
        account_id=session.account_id,
        channel=session.channel,
    )
    return Response(None, status_code=204)


ROUTES: list[Any] = [register, my_devices, remove]

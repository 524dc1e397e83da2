"""Administrators manage their job centre's kiosks from the console's JSON: list them, get
a one-time enrolment code, retire one. The same core as the kiosk page (kiosks.py) and
`hanchang kiosk code|list|retire` (auth/kiosk_devices.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from auth import KioskDevice, issue_enrolment_code, office_kiosks, retire_kiosk_device
from auth.staff import ADMIN_ROLES, StaffSession, require_role, staff_actor
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import InvalidInput, problem_responses

CHANNEL = "counter"


class KioskAnswer(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    office: str
    location: str
    # `Ed25519` or `ES256`; null for a kiosk enrolled with the old shared key.
    algorithm: str | None
    enrolled_by: str | None
    enrolled_at: datetime
    retired_at: datetime | None


class KioskList(msgspec.Struct, frozen=True, kw_only=True):
    kiosks: list[KioskAnswer]


class NewEnrolmentCodeRequest(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True
):
    location: Annotated[str, msgspec.Meta(examples=["1층 민원실 입구"])]


class NewEnrolmentCode(msgspec.Struct, frozen=True, kw_only=True):
    # Type it on the kiosk's enrolment page (/kiosk/enrol): once, before `expires_at`.
    code: str
    office: str
    location: str
    expires_at: datetime


def _answer(kiosk: KioskDevice) -> KioskAnswer:
    return KioskAnswer(
        id=kiosk.id,
        office=kiosk.office_code,
        location=kiosk.location,
        algorithm=kiosk.key_algorithm,
        enrolled_by=kiosk.enrolled_by,
        enrolled_at=kiosk.enrolled_at,
        retired_at=kiosk.retired_at,
    )


@get(
    "/api/kiosks",
    tags=["staff"],
    summary="The kiosks of your office, retired ones included (admin)",
    responses=problem_responses(401, 403),
)
async def get_kiosks(
    staff: NamedDependency[StaffSession], tx: NamedDependency[Transaction]
) -> KioskList:
    require_role(staff, *ADMIN_ROLES)
    return KioskList(kiosks=[_answer(k) for k in await office_kiosks(tx.conn, staff.office_code)])


@post(
    "/api/kiosks/enrolment-codes",
    status_code=201,
    tags=["staff"],
    summary="A one-time code that enrols a kiosk of your office at a location (admin)",
    responses=problem_responses(400, 401, 403),
    description=(
        "Administrators only (403 `admin-only`). The code is typed on the new kiosk's "
        "enrolment page (`/kiosk/enrol`), where the kiosk registers its own public key. "
        "It works once, within 24 hours, and is shown only in this answer."
    ),
)
async def post_enrolment_code(
    data: JSONBody[NewEnrolmentCodeRequest],
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> NewEnrolmentCode:
    require_role(staff, *ADMIN_ROLES)
    try:
        issued = await issue_enrolment_code(
            tx.conn,
            office_code=staff.office_code,
            location=data.location,
            actor=staff_actor(staff.staff_id),
            channel=CHANNEL,
        )
    except InvalidInput as wrong:
        raise wrong.problem(request_locale(request)) from None
    return NewEnrolmentCode(
        code=issued.code,
        office=issued.enrolment.office_code,
        location=issued.enrolment.location,
        expires_at=issued.enrolment.expires_at,
    )


@post(
    "/api/kiosks/{kiosk_id:int}/retire",
    status_code=200,
    tags=["staff"],
    summary="Retire a kiosk of your office: refused at once, its sessions end (admin)",
    responses=problem_responses(400, 401, 403),
)
async def post_retire_kiosk(
    kiosk_id: FromPath[int],
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> KioskAnswer:
    require_role(staff, *ADMIN_ROLES)
    try:
        kiosk = await retire_kiosk_device(
            tx.conn,
            kiosk_id,
            actor=staff_actor(staff.staff_id),
            channel=CHANNEL,
            office_code=staff.office_code,
        )
    except InvalidInput as wrong:
        raise wrong.problem(request_locale(request), under="path") from None
    return _answer(kiosk)


ROUTES = [get_kiosks, post_enrolment_code, post_retire_kiosk]

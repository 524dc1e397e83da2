"""Administrators manage the staff of their own job centre from the console: create a
staff member (with their one-time enrollment link) and disable one. The same core
functions as `hanchang staff create|disable` (auth/staff/accounts.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from assisted_channel.console.pages import enrollment_link
from auth.staff import (
    ADMIN_ROLES,
    NAME_MAX_LENGTH,
    AccessReport,
    OfficeStaff,
    StaffMember,
    StaffRole,
    StaffSession,
    create_staff,
    disable_office_staff,
    list_office_staff,
    parse_month,
    previous_month,
    require_role,
    review_office_access,
    staff_actor,
)
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import VALIDATION_ERROR, FieldError, Problem, problem_responses
from i18n import N_, translate

CHANNEL = "counter"
BAD_NAME = N_("Enter the staff member's name, 1 to {max} characters.")
BAD_MONTH = N_("Choose a month like 2026-11.")


class NewStaffRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(examples=["이서연"])]
    role: StaffRole


class StaffMemberAnswer(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    office: str
    role: StaffRole
    created_at: datetime
    disabled_at: datetime | None


class OfficeStaffList(msgspec.Struct, frozen=True, kw_only=True):
    staff: list[OfficeStaff]


class NewStaffAnswer(msgspec.Struct, frozen=True, kw_only=True):
    staff: StaffMemberAnswer
    # Give it to the new staff member: it opens once, within 24 hours. Shown only here.
    enrollment_link: str


def _answer(member: StaffMember) -> StaffMemberAnswer:
    return StaffMemberAnswer(
        id=member.id,
        name=member.name,
        office=member.office_code,
        role=member.role,
        created_at=member.created_at,
        disabled_at=member.disabled_at,
    )


@post(
    "/api/staff",
    status_code=201,
    tags=["staff"],
    summary="Create a staff member of your office and their one-time enrollment link (admin)",
    responses=problem_responses(400, 401, 403),
    description=(
        "Administrators only (403 `admin-only`). The staff member belongs to your own job "
        "centre; `role` is `clerk`, `supervisor` or `admin`. The enrollment link (24 hours, "
        "once) is shown only in this answer."
    ),
)
async def post_staff(
    data: JSONBody[NewStaffRequest],
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> NewStaffAnswer:
    require_role(staff, *ADMIN_ROLES)
    try:
        created = await create_staff(
            tx.conn,
            name=data.name,
            office_code=staff.office_code,
            role=data.role,
            actor=staff_actor(staff.staff_id),
            created_by=staff.staff_id,
            channel=CHANNEL,
        )
    except ValueError:
        detail = translate(request_locale(request), BAD_NAME, max=NAME_MAX_LENGTH)
        raise Problem(
            VALIDATION_ERROR, errors=[FieldError(field="body.name", detail=detail)]
        ) from None
    return NewStaffAnswer(
        staff=_answer(created.staff),
        enrollment_link=enrollment_link(request.app.state.settings, created.enrollment_token),
    )


@post(
    "/api/staff/{staff_id:int}/disable",
    status_code=200,
    tags=["staff"],
    summary="Disable a staff member of your office: their console sessions end at once (admin)",
    responses=problem_responses(401, 403, 404, 409),
    description=(
        "Administrators only (403 `admin-only`). Staff of another job centre are 404; "
        "your own account is 409 `cannot-disable-yourself`. Disabling again changes nothing."
    ),
)
async def post_disable_staff(
    staff_id: FromPath[int],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> StaffMemberAnswer:
    return _answer(await disable_office_staff(tx.conn, staff, staff_id))


@get(
    "/api/staff",
    tags=["staff"],
    summary="The staff of your office, with their passkeys and last sign-in (admin)",
    responses=problem_responses(401, 403),
    description="Administrators only (403 `admin-only`). Live staff first, then disabled.",
)
async def get_staff_list(
    staff: NamedDependency[StaffSession], tx: NamedDependency[Transaction]
) -> OfficeStaffList:
    return OfficeStaffList(staff=await list_office_staff(tx.conn, staff))


@get(
    "/api/access-report",
    tags=["staff"],
    summary="The month's access records of your office's staff, unusual access flagged",
    responses=problem_responses(400, 401, 403),
    description=(
        "Supervisors and administrators (403 `supervisor-only`), for their own office. "
        "`month` is `YYYY-MM` in Korea time (default: last month). Per staff member: how "
        "many people's records they opened (`people`), the most in one day, rows outside "
        "weekdays 08:00-20:00, people living outside the office's region, every action "
        "and how often, the client addresses, and `flags` (`many_people`, `after_hours`, "
        "`outside_region`). Reading it is audited (`staff.access_report_viewed`)."
    ),
)
async def get_access_report(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    month: Annotated[
        str | None,
        QueryParameter(
            name="month",
            description="YYYY-MM; the month before this one if left out",
            schema_extra={"pattern": "^[1-9][0-9]{3}-(?:0[1-9]|1[0-2])$"},
        ),
    ] = None,
) -> AccessReport:
    try:
        chosen = parse_month(month) if month is not None else previous_month()
    except ValueError:
        detail = translate(request_locale(request), BAD_MONTH)
        raise Problem(
            VALIDATION_ERROR, errors=[FieldError(field="query.month", detail=detail)]
        ) from None
    return await review_office_access(tx.conn, staff, month=chosen)


ROUTES = [post_staff, post_disable_staff, get_staff_list, get_access_report]

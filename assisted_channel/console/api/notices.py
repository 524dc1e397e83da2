"""What a staff member is told on the console, as JSON: `GET /console/api/notices`, and
marking one seen. The same core as the notices on the console home
(auth/staff/notices.py)."""

from __future__ import annotations

import msgspec
from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from auth.staff import StaffNotice, StaffSession, see_notice, unseen_notices
from foundation.db import Transaction
from foundation.problems import problem_responses


class StaffNotices(msgspec.Struct, frozen=True, kw_only=True):
    notices: list[StaffNotice]


@get(
    "/api/notices",
    tags=["staff"],
    summary="Your notices not yet marked seen, newest first",
    responses=problem_responses(401),
    description=(
        "Today one kind: `staff_created`, sent to the other administrators of the office "
        "(or of the region, when the office has no other) when a staff account is created. "
        "`by` is null when the operator created it on the command line."
    ),
)
async def get_notices(
    staff: NamedDependency[StaffSession], tx: NamedDependency[Transaction]
) -> StaffNotices:
    return StaffNotices(notices=await unseen_notices(tx.conn, staff.staff_id))


@post(
    "/api/notices/{notice_id:int}/seen",
    status_code=204,
    tags=["staff"],
    summary="Mark one of your notices seen",
    responses=problem_responses(401, 404),
    description="Again changes nothing; someone else's notice is 404.",
)
async def post_notice_seen(
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    notice_id: FromPath[int],
) -> Response[None]:
    await see_notice(tx.conn, staff.staff_id, notice_id)
    return Response(None, status_code=204)


ROUTES = [get_notices, post_notice_seen]

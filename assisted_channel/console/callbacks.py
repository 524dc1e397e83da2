"""The console's call-back page (`/console/callbacks`) and its JSON
(`/console/api/callbacks`): the call-backs people asked their job centre's staff for on
the phone line, soonest window first; the member of staff who called marks one done.
The same core for both (onestop/offices)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from assisted_channel.console.pages import HTML
from assisted_channel.console.render import Page, korea_time, link, render_page, staff_cookie
from assisted_channel.console.texts import texts
from auth.staff import StaffSession
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import NOT_FOUND, Problem, problem_responses
from onestop.offices import (
    StaffCallbackRequest,
    mark_staff_callback_done,
    office_staff_callbacks,
)


class StaffCallbacks(msgspec.Struct, frozen=True, kw_only=True):
    callbacks: list[StaffCallbackRequest]


@get("/callbacks", include_in_schema=False, opt=HTML)
async def callbacks_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
) -> Page:
    locale = request_locale(request)
    waiting = await office_staff_callbacks(tx.conn, staff.office_code)
    return render_page(
        request,
        "callbacks.html",
        title=texts(locale)["cb_title"],
        session_cookie=staff_cookie(request),
        requests=[
            {
                "id": r.id,
                "person": r.person_name,
                # The clerk dials it: shown whole, as the clerk would read it.
                "phone": r.phone_e164,
                "starts": korea_time(r.window_starts_at, locale),
                "ends": korea_time(r.window_ends_at, locale)[-5:],
                "asked": korea_time(r.requested_at, locale),
            }
            for r in waiting
        ],
        done_id=request.query_params.get("done", ""),
    )


async def _mark_done(tx: Transaction, staff: StaffSession, request_id: int) -> None:
    if not await mark_staff_callback_done(
        tx.conn, request_id=request_id, office_code=staff.office_code, staff_id=staff.staff_id
    ):
        raise Problem(NOT_FOUND)


@post("/callbacks/{request_id:int}/done", include_in_schema=False, opt=HTML)
async def callback_done_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    request_id: FromPath[int],
) -> Redirect:
    await _mark_done(tx, staff, request_id)
    return Redirect(link(request, "/console/callbacks", done=str(request_id)), status_code=303)


@get(
    "/api/callbacks",
    tags=["staff"],
    summary="Call-backs people asked your job centre for, soonest first",
    responses=problem_responses(401),
    description=(
        "Asked on the phone line: the person, the number to call and the window (Korea "
        "time) they chose. Only those not yet done."
    ),
)
async def get_callbacks(
    staff: NamedDependency[StaffSession], tx: NamedDependency[Transaction]
) -> StaffCallbacks:
    return StaffCallbacks(callbacks=await office_staff_callbacks(tx.conn, staff.office_code))


@post(
    "/api/callbacks/{request_id:int}/done",
    status_code=204,
    tags=["staff"],
    summary="Mark a call-back done",
    responses=problem_responses(401, 404),
    description="Another office's request, or one already done, is 404.",
)
async def post_callback_done(
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    request_id: FromPath[int],
) -> Response[None]:
    await _mark_done(tx, staff, request_id)
    return Response(None, status_code=204)


ROUTES = [callbacks_page, callback_done_page, get_callbacks, post_callback_done]

"""The console's staff page: an administrator lists their job centre's staff, adds one
(with the one-time enrollment link, shown once) and disables one. The same core as
`/console/api/staff` and `hanchang staff create|disable`.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from assisted_channel.console.pages import HTML, enrollment_link
from assisted_channel.console.render import (
    Page,
    korea_time,
    link,
    read_form,
    render_page,
    staff_cookie,
)
from assisted_channel.console.texts import texts
from auth.staff import (
    ADMIN_ROLES,
    CHANNEL,
    NAME_MAX_LENGTH,
    STAFF_ROLES,
    StaffRole,
    StaffSession,
    create_staff,
    disable_office_staff,
    list_office_staff,
    require_role,
    staff_actor,
)
from foundation.db import Transaction
from foundation.errors import request_locale

_ROLES: dict[str, StaffRole] = {role: role for role in STAFF_ROLES}


async def _staff_page(
    request: Request[Any, Any, Any],
    tx: Transaction,
    staff: StaffSession,
    cookie: str,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Page:
    locale = request_locale(request)
    members = await list_office_staff(tx.conn, staff)
    disabled = request.query_params.get("disabled", "")
    return render_page(
        request,
        "staff.html",
        title=texts(locale)["staff_title"],
        status_code=400 if errors else 200,
        session_cookie=cookie,
        self_id=staff.staff_id,
        members=[
            {
                "id": m.id,
                "name": m.name,
                "role": m.role,
                "passkeys": m.passkeys,
                "disabled": m.disabled_at is not None,
                "last_signed_in": korea_time(m.last_signed_in_at, locale)
                if m.last_signed_in_at
                else None,
            }
            for m in members
        ],
        disabled_name=next((m.name for m in members if str(m.id) == disabled), None),
        roles=STAFF_ROLES,
        form=form or {},
        errors=errors or {},
    )


@get("/staff", include_in_schema=False, opt=HTML)
async def staff_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
) -> Page:
    return await _staff_page(request, tx, staff, staff_cookie(request))


@post("/staff", include_in_schema=False, opt=HTML)
async def create_staff_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
) -> Page:
    cookie, form = staff_cookie(request), await read_form(request)
    require_role(staff, *ADMIN_ROLES)
    t = texts(request_locale(request))
    role = _ROLES.get(form.get("role", ""))
    name = form.get("name", "").strip()
    errors: dict[str, str] = {}
    if not 1 <= len(name) <= NAME_MAX_LENGTH or not name.isprintable():
        errors["name"] = t["staff_bad_name"].format(count=NAME_MAX_LENGTH)
    if role is None:
        errors["role"] = t["bad_choice"]
    if errors or role is None:
        return await _staff_page(request, tx, staff, cookie, form=form, errors=errors)
    created = await create_staff(
        tx.conn,
        name=name,
        office_code=staff.office_code,
        role=role,
        actor=staff_actor(staff.staff_id),
        created_by=staff.staff_id,
        channel=CHANNEL,
    )
    return render_page(
        request,
        "staff_link.html",
        title=t["staff_link_title"],
        session_cookie=cookie,
        name=created.staff.name,
        enrollment_link=enrollment_link(request.app.state.settings, created.enrollment_token),
    )


@post("/staff/{staff_id:int}/disable", include_in_schema=False, opt=HTML)
async def disable_staff_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    staff_id: FromPath[int],
) -> Redirect:
    disabled = await disable_office_staff(tx.conn, staff, staff_id)
    return Redirect(link(request, "/console/staff", disabled=str(disabled.id)), status_code=303)


ROUTES = [staff_page, create_staff_page, disable_staff_page]

"""The console's kiosk page (`/console/kiosks`): an administrator lists their job centre's
kiosks, gets a one-time enrolment code for a new one (shown once) and retires one. The
same core as `/console/api/kiosks` and `hanchang kiosk code|list|retire`
(auth/kiosk_devices.py)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from assisted_channel.console.pages import HTML
from assisted_channel.console.render import (
    Page,
    korea_time,
    link,
    read_form,
    render_page,
    staff_cookie,
)
from assisted_channel.console.texts import texts
from auth import issue_enrolment_code, office_kiosks, retire_kiosk_device
from auth.staff import ADMIN_ROLES, StaffSession, require_role, staff_actor
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import InvalidInput

CHANNEL = "counter"


async def _kiosks_page(
    request: Request[Any, Any, Any],
    tx: Transaction,
    staff: StaffSession,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Page:
    locale = request_locale(request)
    kiosks = await office_kiosks(tx.conn, staff.office_code)
    return render_page(
        request,
        "kiosks.html",
        title=texts(locale)["kiosks_title"],
        status_code=400 if errors else 200,
        session_cookie=staff_cookie(request),
        kiosks=[
            {
                "id": k.id,
                "location": k.location,
                "algorithm": k.key_algorithm,
                "enrolled_at": korea_time(k.enrolled_at, locale),
                "enrolled_by": k.enrolled_by or "",
                "retired": k.retired_at is not None,
            }
            for k in kiosks
        ],
        retired_id=request.query_params.get("retired", ""),
        form=form or {},
        errors=errors or {},
    )


@get("/kiosks", include_in_schema=False, opt=HTML)
async def kiosks_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
) -> Page:
    require_role(staff, *ADMIN_ROLES)
    return await _kiosks_page(request, tx, staff)


@post("/kiosks", include_in_schema=False, opt=HTML)
async def issue_code_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
) -> Page:
    form = await read_form(request)
    require_role(staff, *ADMIN_ROLES)
    locale = request_locale(request)
    try:
        issued = await issue_enrolment_code(
            tx.conn,
            office_code=staff.office_code,
            location=form.get("location", ""),
            actor=staff_actor(staff.staff_id),
            channel=CHANNEL,
        )
    except InvalidInput as wrong:
        return await _kiosks_page(request, tx, staff, form=form, errors=wrong.messages(locale))
    return render_page(
        request,
        "kiosk_code.html",
        title=texts(locale)["kiosk_code_title"],
        session_cookie=staff_cookie(request),
        code=issued.code,
        location=issued.enrolment.location,
        expires=korea_time(issued.enrolment.expires_at, locale),
    )


@post("/kiosks/{kiosk_id:int}/retire", include_in_schema=False, opt=HTML)
async def retire_kiosk_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    kiosk_id: FromPath[int],
) -> Redirect:
    require_role(staff, *ADMIN_ROLES)
    await retire_kiosk_device(
        tx.conn,
        kiosk_id,
        actor=staff_actor(staff.staff_id),
        channel=CHANNEL,
        office_code=staff.office_code,
    )
    return Redirect(link(request, "/console/kiosks", retired=str(kiosk_id)), status_code=303)


ROUTES = [kiosks_page, issue_code_page, retire_kiosk_page]

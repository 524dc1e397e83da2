"""A person's audit trail for supervisors and administrators: what was done to and by
the person, newest first, from the core's `person_audit_trail` (which records the
viewing too). A clerk is shown why not, on a page of the console."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from assisted_channel.console.assist import (
    action_label,
    actor_names,
    channel_label,
    korea_time,
    office_names,
    refusal,
)
from assisted_channel.console.pages import HTML
from assisted_channel.console.render import Page, link, render_page, staff_cookie
from assisted_channel.console.texts import texts
from auth import get_person
from auth.counter import person_audit_trail
from auth.staff import SUPERVISOR_ONLY, StaffSession
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import Problem


@get("/people/{person_id:int}/audit", include_in_schema=False, opt=HTML)
async def audit_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
) -> Page | Redirect:
    cookie = staff_cookie(request)
    locale = request_locale(request)
    t = texts(locale)
    try:
        entries = await person_audit_trail(tx.conn, staff, person_id=person_id)
    except Problem as exc:
        if exc.kind is not SUPERVISOR_ONLY:
            raise
        return render_page(
            request,
            "as_refused.html",
            title=t["as_audit_title"],
            status_code=exc.kind.status,
            session_cookie=cookie,
            refusal=refusal(exc, locale),
            back=link(request, f"/console/people/{person_id}"),
        )
    person = await get_person(tx.conn, person_id)
    names = await actor_names(tx, {entry.actor for entry in entries})
    offices = await office_names(tx, {entry.office for entry in entries if entry.office}, locale)
    rows = [
        {
            "when": korea_time(entry.occurred_at, locale),
            "what": action_label(t, entry.action),
            "who": names[entry.actor],
            "office": offices[entry.office] if entry.office else "",
            "channel": channel_label(t, entry.channel),
            "reason": entry.reason or "",
        }
        for entry in entries
    ]
    return render_page(
        request,
        "as_audit.html",
        title=t["as_audit_title"],
        session_cookie=cookie,
        person=person,
        matched_text=None,
        done=None,
        refusal=None,
        entries=rows,
    )


ROUTES = [audit_page]

"""The supervisors' monthly review of their job centre's access records
(`/console/access-report?month=2026-11`): the same core as
`GET /console/api/access-report` and `hanchang staff access-report`
(auth/staff/access_report.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency

from assisted_channel.console.assist import action_label, refusal
from assisted_channel.console.pages import HTML
from assisted_channel.console.render import Page, link, render_page, staff_cookie
from assisted_channel.console.texts import texts
from auth.staff import (
    MANY_PEOPLE_A_DAY,
    SUPERVISOR_ONLY,
    AccessReport,
    StaffSession,
    parse_month,
    previous_month,
    review_office_access,
)
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import Problem


def _rows(t: dict[str, str], report: AccessReport) -> list[dict[str, Any]]:
    return [
        {
            "id": s.staff_id,
            "name": s.name,
            "role": t[f"role_{s.role}"],
            "people": s.people,
            "busiest_day": s.busiest_day_people,
            "after_hours": s.after_hours,
            "outside_region": s.outside_region,
            "addresses": ", ".join(s.addresses) or "-",
            "actions": [(action_label(t, action), times) for action, times in s.actions.items()],
            "flags": [t[f"ar_flag_{flag}"].format(count=MANY_PEOPLE_A_DAY) for flag in s.flags],
        }
        for s in report.staff
    ]


async def _report_page(
    request: Request[Any, Any, Any], tx: Transaction, staff: StaffSession, cookie: str
) -> Page:
    locale = request_locale(request)
    t = texts(locale)
    asked = request.query_params.get("month")
    common: dict[str, Any] = {
        "title": t["ar_title"],
        "session_cookie": cookie,
        "locale_param": request.query_params.get("lang", ""),
    }
    month: date
    try:
        month = parse_month(asked) if asked is not None else previous_month()
    except ValueError:
        return render_page(
            request,
            "access_report.html",
            status_code=400,
            month=asked or "",
            month_error=t["ar_bad_month"],
            rows=None,
            **common,
        )
    try:
        report = await review_office_access(tx.conn, staff, month=month)
    except Problem as exc:
        if exc.kind is not SUPERVISOR_ONLY:
            raise
        return render_page(
            request,
            "as_refused.html",
            status_code=exc.kind.status,
            refusal=refusal(exc, locale),
            back=link(request, "/console"),
            **common,
        )
    return render_page(
        request,
        "access_report.html",
        month=report.month,
        month_error=None,
        rows=_rows(t, report),
        **common,
    )


@get("/access-report", include_in_schema=False, opt=HTML)
async def access_report_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
) -> Page:
    return await _report_page(request, tx, staff, staff_cookie(request))


ROUTES = [access_report_page]

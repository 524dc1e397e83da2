"""Operator plumbing: the data-quality report of the linked data (`/v1/admin/data-quality`)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency

from api.auth_guard import require_operator
from foundation.audit import record_audit
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import problem_responses
from onestop.data_quality import (
    CachedReport,
    DataQualityReport,
    data_quality_report,
    localized_report,
)

# For routes that need `Authorization: Bearer <HANCHANG_OPERATOR_TOKEN>`.
OPERATOR: list[dict[str, list[str]]] = [{"operator": []}]
REPORT_MAX_AGE_S = 60.0


def _cache(state: State) -> CachedReport:
    """One cache per application (each test app has its own database)."""
    cache: CachedReport | None = state.get("data_quality_report")
    if cache is None:
        cache = state["data_quality_report"] = CachedReport(max_age_s=REPORT_MAX_AGE_S)
    return cache


@get(
    "/v1/admin/data-quality",
    tags=["operators"],
    guards=[require_operator],
    security=OPERATOR,
    summary="The data-quality report of the linked data (operators only)",
    responses=problem_responses(401),
    description=(
        "Every check on the linked data (ranges, missing facts, stale facts, sources that "
        "disagree) with the facts or people it found and up to five person ids, the smallest "
        "first. Titles and descriptions in the caller's language. A report is reused for up "
        "to 60 seconds in each API process: `computed_at` says when it was made. Each call is "
        "recorded in the audit log."
    ),
)
async def admin_data_quality(
    request: Request[Any, Any, Any], tx: NamedDependency[Transaction]
) -> Response[DataQualityReport]:
    report = await _cache(request.app.state).get(lambda: data_quality_report(tx.conn))
    await record_audit(
        tx.conn,
        actor="operator",
        action="data_quality.report_viewed",
        channel="api",
        details={"computed_at": report.computed_at.isoformat()},
    )
    return Response(
        localized_report(report, request_locale(request)),
        # Person ids: no shared cache may keep them.
        headers={"Cache-Control": "no-store"},
    )


ROUTES: list[Any] = [admin_data_quality]

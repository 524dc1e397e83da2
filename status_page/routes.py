"""`GET /status` (the public page) and `GET /status.json` (the same figures for machines).

No sign-in. Both answer from the last snapshot (service_status/snapshots.py):
fresh for a minute, and when PostgreSQL is away the newest one kept, marked
stale. Both carry Cache-Control, a strong ETag, and answer 304 to a matching
If-None-Match.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, Literal

import msgspec
from litestar import MediaType, Request, Response, get
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery

from foundation.errors import render_problem, request_locale
from foundation.problems import SERVICE_UNAVAILABLE, Problem, ProblemDocument
from service_status import (
    IncidentFigures,
    MenuFigures,
    OverallStatus,
    ReadinessNow,
    ServedSnapshot,
    StatusSnapshot,
)
from status_page.page import render_status_page

WindowName = Literal["24h", "7d", "30d"]
FRESH_MAX_AGE_S = 60
STALE_MAX_AGE_S = 15
RETRY_AFTER_S = "30"
# The page loads nothing from elsewhere (only our web fonts, foundation/fonts) and runs no
# script; say so to the browser.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; font-src 'self'; "
    "img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class StatusDocument(msgspec.Struct, frozen=True, kw_only=True):
    """`/status.json`: the snapshot, and whether it is an old one served while PostgreSQL is away."""

    stale: bool
    version: int
    generated_at: datetime
    status: OverallStatus
    readiness: ReadinessNow | None
    menus: list[MenuFigures]
    incidents: list[IncidentFigures]


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(request: Request[Any, Any, Any], etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or etag in tags


async def _served(request: Request[Any, Any, Any]) -> ServedSnapshot | None:
    state = request.app.state
    served: ServedSnapshot | None = await state.status_snapshots.current(state.pool, state.redis)
    return served


def _cached(
    request: Request[Any, Any, Any],
    body: bytes,
    *,
    media_type: str,
    locale: str | None,
    fresh: bool,
    status_code: int = 200,
    extra: dict[str, str] | None = None,
) -> Response[bytes]:
    etag = _etag(body)
    headers = {
        "Cache-Control": f"public, max-age={FRESH_MAX_AGE_S if fresh else STALE_MAX_AGE_S}",
        "ETag": etag,
        **({"Content-Language": locale, "Vary": "Accept-Language"} if locale else {}),
        **(extra or {}),
    }
    if status_code == 200 and _matches(request, etag):
        return Response(b"", status_code=304, headers=headers)
    return Response(body, status_code=status_code, media_type=media_type, headers=headers)


@get("/status", include_in_schema=False, opt={"error_format": "html"})
async def status_page(
    request: Request[Any, Any, Any], window: FromQuery[WindowName] = "24h"
) -> Response[bytes]:
    """The public status page, in Korean unless `?lang=en` (or the browser) asks for English."""
    locale = request_locale(request)
    served = await _served(request)
    templates = request.app.template_engine
    assert templates is not None, "server/app.py sets the app's template engine"
    html = render_status_page(
        templates,
        served.snapshot if served else None,
        stale=served.stale if served else True,
        now=datetime.now(UTC),
        window=window,
        locale=locale,
    )
    return _cached(
        request,
        html.encode(),
        media_type=MediaType.HTML,
        locale=locale,
        fresh=bool(served and not served.stale),
        status_code=200 if served else 503,
        extra={"Content-Security-Policy": CONTENT_SECURITY_POLICY}
        | ({} if served else {"Retry-After": RETRY_AFTER_S}),
    )


@get(
    "/status.json",
    tags=["status"],
    summary="Service status per menu, for machines",
    description=(
        "The figures of the public status page: per menu over 24 hours, 7 days and 30 days, "
        "hourly and daily points, the latest readiness probe and the incidents of the last "
        "90 days. Cached for 60 seconds (ETag; If-None-Match answers 304). While the database "
        "is away the last snapshot is served with `stale: true`."
    ),
    responses={
        503: ResponseSpec(
            generate_examples=False,
            data_container=ProblemDocument,
            media_type="application/problem+json",
            description="No figures at all: the database is away and no snapshot is kept",
        )
    },
)
async def status_json(request: Request[Any, Any, Any]) -> Response[StatusDocument]:
    served = await _served(request)
    if served is None:
        return render_problem(
            request,
            Problem(
                SERVICE_UNAVAILABLE,
                down="PostgreSQL",
                extra={"down": ["postgresql"]},
                headers={"Retry-After": RETRY_AFTER_S},
            ),
        )
    snapshot: StatusSnapshot = served.snapshot
    document = StatusDocument(stale=served.stale, **msgspec.structs.asdict(snapshot))
    response = _cached(
        request,
        msgspec.json.encode(document),
        media_type=MediaType.JSON,
        locale=None,
        fresh=not served.stale,
    )
    return response  # type: ignore[return-value]


ROUTES: list[Any] = [status_page, status_json]

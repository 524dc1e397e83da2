"""`GET /v1/services` and `GET /v1/services/{programme_id}`: the benefit catalog, for anyone.

No sign-in. The catalog changes only with a release, so each answer is rendered
once per language and served with a strong ETag and `Cache-Control: public`;
a matching If-None-Match answers 304.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

import msgspec
from litestar import MediaType, Request, Response, get
from litestar.openapi import ResponseSpec
from litestar.params import FromPath

from foundation.errors import request_locale
from foundation.problems import problem_responses
from onestop.catalog import (
    PROGRAMMES,
    CatalogDocument,
    ProgrammeDocument,
    render_catalog,
    render_programme,
    require_programme,
)

MAX_AGE_S = 300


class Rendered(msgspec.Struct, frozen=True):
    body: bytes
    etag: str


def _rendered(document: CatalogDocument | ProgrammeDocument) -> Rendered:
    body = msgspec.json.encode(document)
    return Rendered(body=body, etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"')


@functools.cache
def _catalog(locale: str) -> Rendered:
    return _rendered(render_catalog(locale))


@functools.cache
def _programme(programme_id: str, locale: str) -> Rendered:
    return _rendered(render_programme(PROGRAMMES[programme_id], locale))


def _not_modified(request: Request[Any, Any, Any], etag: str) -> bool:
    # If-None-Match compares weakly (RFC 9110 §13.1.2): W/"x" matches "x".
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or etag in tags


def _cached(request: Request[Any, Any, Any], rendered: Rendered, locale: str) -> Response[bytes]:
    headers = {
        "Cache-Control": f"public, max-age={MAX_AGE_S}",
        "ETag": rendered.etag,
        "Content-Language": locale,
        "Vary": "Accept-Language",
    }
    if _not_modified(request, rendered.etag):
        return Response(b"", status_code=304, headers=headers)
    return Response(rendered.body, media_type=MediaType.JSON, headers=headers)


_NOT_MODIFIED = ResponseSpec(
    generate_examples=False,
    data_container=None,
    description="Not modified: the If-None-Match ETag is current",
)


@get(
    "/v1/services",
    tags=["services"],
    summary="The benefit catalog: every programme, in short",
    description=(
        "No sign-in. Names and summaries in the language of `?lang=` or Accept-Language "
        "(Korean by default). Cached for 5 minutes (`Cache-Control: public, max-age=300`, "
        "`Vary: Accept-Language`); send the `ETag` back in If-None-Match for a 304."
    ),
    responses={
        200: ResponseSpec(
            generate_examples=False, data_container=CatalogDocument, description="The catalog"
        ),
        304: _NOT_MODIFIED,
    },
)
async def list_services(request: Request[Any, Any, Any]) -> Response[bytes]:
    locale = request_locale(request)
    return _cached(request, _catalog(locale), locale)


@get(
    "/v1/services/{programme_id:str}",
    tags=["services"],
    summary="One programme: who it is for, what it pays, its laws, documents and steps",
    description=(
        "No sign-in. Every figure (rate, cap, period, amount) carries its `source` and the "
        "date it `holds_from`. Documents are the types the government holds and an agency "
        "views with your consent; nothing is uploaded. Cached like `GET /v1/services`. An "
        "unknown id answers 404 `programme-not-found`."
    ),
    responses={
        200: ResponseSpec(
            generate_examples=False, data_container=ProgrammeDocument, description="The programme"
        ),
        304: _NOT_MODIFIED,
        **problem_responses(404),
    },
)
async def get_service(
    programme_id: FromPath[str], request: Request[Any, Any, Any]
) -> Response[bytes]:
    locale = request_locale(request)
    programme = require_programme(programme_id)
    return _cached(request, _programme(programme.id, locale), locale)


ROUTES: list[Any] = [list_services, get_service]

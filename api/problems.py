"""`GET /problems/{slug}`: what each problem `type` URI means, for developers."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get
from litestar.params import FromPath

from foundation.errors import request_locale
from foundation.problems import NOT_FOUND, PROBLEM_KINDS, Problem
from i18n import translate


class ProblemKindDocument(msgspec.Struct, frozen=True):
    type: str
    status: int
    title: str
    detail: str


@get("/problems/{slug:str}", tags=["health"], summary="Describe a kind of problem")
async def problem_page(slug: FromPath[str], request: Request[Any, Any, Any]) -> ProblemKindDocument:
    """The kind of problem a `type` URI names, in the caller's language."""
    kind = PROBLEM_KINDS.get(slug)
    if kind is None:
        raise Problem(NOT_FOUND)
    locale = request_locale(request)
    return ProblemKindDocument(
        type=kind.type_uri,
        status=kind.status,
        title=translate(locale, kind.title),
        detail=translate(locale, kind.detail),
    )

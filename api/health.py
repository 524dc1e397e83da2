"""Liveness and readiness for load balancers (the check itself: service_status/readiness.py)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.openapi import ResponseSpec

from foundation.errors import render_problem
from foundation.problems import SERVICE_UNAVAILABLE, Problem, ProblemDocument
from service_status.readiness import check_readiness


class Health(msgspec.Struct, frozen=True):
    status: str


class Readiness(msgspec.Struct, frozen=True):
    status: str
    checks: dict[str, str]


@get("/healthz", summary="Process alive", tags=["health"], include_in_schema=True)
async def healthz() -> Health:
    """The process is up and answering. Says nothing about PostgreSQL or Redis."""
    return Health(status="ok")


@get(
    "/readyz",
    summary="Ready to serve",
    tags=["health"],
    responses={
        503: ResponseSpec(
            generate_examples=False,
            data_container=ProblemDocument,
            media_type="application/problem+json",
            description="PostgreSQL or Redis is not reachable",
        )
    },
    description=(
        "200 when PostgreSQL and Redis both answer within 2 seconds; otherwise 503 with a "
        "problem+json body whose `down` lists what is not reachable."
    ),
)
async def readyz(request: Request[Any, Any, Any]) -> Response[Readiness]:
    state = request.app.state
    results = await check_readiness(state.pool, state.redis)
    down = [name for name, ok in results.items() if not ok]
    if down:
        return render_problem(
            request,
            Problem(
                SERVICE_UNAVAILABLE,
                down=", ".join({"postgresql": "PostgreSQL", "redis": "Redis"}[d] for d in down),
                extra={"down": down},
                headers={"Retry-After": "5"},
            ),
        )
    return Response(Readiness(status="ok", checks={name: "ok" for name in results}))

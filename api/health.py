"""Liveness and readiness for load balancers and the status page."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import msgspec
from litestar import Request, Response, get
from litestar.openapi import ResponseSpec
from redis.asyncio import Redis

from server.errors import render_problem
from server.problems import SERVICE_UNAVAILABLE, Problem, ProblemDocument

CHECK_TIMEOUT_S = 2.0


class Health(msgspec.Struct, frozen=True):
    status: str


class Readiness(msgspec.Struct, frozen=True):
    status: str
    checks: dict[str, str]


@get("/healthz", summary="Process alive", tags=["health"], include_in_schema=True)
async def healthz() -> Health:
    """The process is up and answering. Says nothing about PostgreSQL or Redis."""
    return Health(status="ok")


async def _check_postgres(pool: asyncpg.Pool) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S), pool.acquire() as conn:
            return bool(await conn.fetchval("SELECT 1") == 1)
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False


async def _check_redis(redis: Redis) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            return bool(await redis.ping())
    except (TimeoutError, OSError, Exception):
        return False


async def check_readiness(pool: asyncpg.Pool, redis: Redis) -> dict[str, bool]:
    postgres_ok, redis_ok = await asyncio.gather(_check_postgres(pool), _check_redis(redis))
    return {"postgresql": postgres_ok, "redis": redis_ok}


@get(
    "/readyz",
    summary="Ready to serve",
    tags=["health"],
    responses={
        503: ResponseSpec(
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

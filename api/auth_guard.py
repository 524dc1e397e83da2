"""The signed-in session a request carries (`Authorization: Bearer <access_token>`)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from redis.asyncio import Redis

from auth.limits import enforce
from auth.sessions import CurrentSession, authenticate_access_token
from server.db import Transaction
from server.problems import UNAUTHORIZED, Problem

BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="hanchang"'}


async def provide_session(
    request: Request[Any, Any, Any], tx: NamedDependency[Transaction]
) -> CurrentSession:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(UNAUTHORIZED, headers=BEARER_CHALLENGE)
    session = await authenticate_access_token(tx.conn, token.strip())
    if session is None:
        raise Problem(
            UNAUTHORIZED,
            headers={"WWW-Authenticate": 'Bearer realm="hanchang", error="invalid_token"'},
        )
    return session


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


async def limit_by_address(request: Request[Any, Any, Any], queue: Redis, scope: str) -> None:
    """Anonymous sign-in calls: at most the configured number per client address a minute."""
    await enforce(
        queue,
        scope,
        client_address(request),
        limit=request.app.state.settings.auth.sign_in_per_address_per_minute,
        window_s=60,
    )


def request_locale(request: Request[Any, Any, Any], preferred: str | None = None) -> str:
    from i18n import negotiate_locale

    return negotiate_locale(
        accept_language=request.headers.get("accept-language"),
        preferred=preferred,
        explicit=request.query_params.get("lang"),
    )

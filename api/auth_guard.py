"""Who a request comes from: the signed-in session (`Authorization: Bearer <access_token>`),
or an operator with the operator token (`/v1/admin/...`)."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from redis.asyncio import Redis

from api.assurance import require_route_assurance
from auth import CurrentSession, authenticate_access_token, limit_sign_in_address
from foundation.client_address import client_address
from foundation.db import Transaction
from foundation.errors import PREFERRED_LANGUAGE_STATE
from foundation.problems import UNAUTHORIZED, Problem, problem_kind
from i18n import N_

BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="hanchang"'}
OPERATOR_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="hanchang-operator"'}

OPERATOR_TOKEN_NEEDED = problem_kind(
    "operator-token-needed",
    401,
    N_("For operators only"),
    N_("This address is for the people who run the service. Send a valid operator token."),
)


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
    # A request that names no language (`?lang`, Accept-Language) is answered in the
    # person's own from here on: `request_locale` reads it.
    request.state[PREFERRED_LANGUAGE_STATE] = session.preferred_language
    # What the route does decides whether aal 1 is enough: one rule, applied here once.
    require_route_assurance(request, session)
    return session


def _bearer_token(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def require_operator(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard for operator plumbing: `Authorization: Bearer <HANCHANG_OPERATOR_TOKEN>`.

    A stopgap until staff accounts with roles arrive. The comparison takes the same time
    whatever the token's content, so timing tells nothing about how much of it was right.
    """
    token = _bearer_token(connection.headers.get("authorization", ""))
    if token is None:
        raise Problem(OPERATOR_TOKEN_NEEDED, headers=OPERATOR_CHALLENGE)
    expected: str = connection.app.state.settings.operator.token
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise Problem(
            OPERATOR_TOKEN_NEEDED,
            headers={"WWW-Authenticate": 'Bearer realm="hanchang-operator", error="invalid_token"'},
        )


async def limit_by_address(request: Request[Any, Any, Any], queue: Redis, scope: str) -> None:
    """Anonymous sign-in calls: at most the configured number per client address a minute."""
    await limit_sign_in_address(
        queue, request.app.state.settings.auth, scope, client_address(request)
    )

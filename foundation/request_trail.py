"""What every HTTP request leaves behind: its id, its access line and its metrics.

One wrapper around the application's outermost ASGI handler, so that it sees the final
status of every request, unmatched ones included, and times it once for both the
access line and the request metrics (foundation/metrics.py). As a Litestar middleware
the same work cost about four times as much (bench/).

The request id comes from an incoming `X-Request-Id` when it is sane (a proxy or a
client that already named the request), else a new one; it goes back as the
`X-Request-Id` response header, into every problem+json body (`request_id`,
foundation/errors.py) and onto every log line written while serving the request
(foundation/log_lines.py).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterable

from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from foundation.log_lines import CURRENT_REQUEST, RequestInContext
from foundation.metrics import UNMATCHED_ROUTE, RequestMetrics
from foundation.problems import Problem

access_log = logging.getLogger("hanchang.access")

REQUEST_ID_HEADER = b"x-request-id"
# What we accept from outside: short, and nothing a log reader or a header could trip on.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_of(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The incoming `X-Request-Id` if it is sane (≤ 64 of `[A-Za-z0-9._-]`), else a new id."""
    for name, value in headers:
        if name.lower() == REQUEST_ID_HEADER:
            try:
                candidate = value.decode("ascii")
            except UnicodeDecodeError:
                break
            if _SANE_REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def observe_requests(handler: ASGIApp, metrics: RequestMetrics | None) -> ASGIApp:
    """Wrap `handler`: each HTTP request gets an id, an access line and (if `metrics`) a count."""

    async def observed(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await handler(scope, receive, send)
            return
        request_id = request_id_of(scope["headers"])
        token = CURRENT_REQUEST.set(RequestInContext(request_id, scope))
        started = time.perf_counter()
        status = 500
        header = (REQUEST_ID_HEADER, request_id.encode("ascii"))

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (name, value)
                    for name, value in message.get("headers") or ()
                    if name.lower() != REQUEST_ID_HEADER
                ]
                headers.append(header)
                message["headers"] = headers
            await send(message)

        try:
            await handler(scope, receive, send_wrapper)
        except Exception as exc:
            status = _status_of(exc)
            raise
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000.0
            route = scope.get("path_template") or UNMATCHED_ROUTE
            method = scope["method"]
            if metrics is not None:
                metrics.record(method, route, status, elapsed_ms, time.time())
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %d",
                    method,
                    route,
                    status,
                    extra={"method": method, "status": status, "duration_ms": round(elapsed_ms, 2)},
                )
            CURRENT_REQUEST.reset(token)

    return observed


def _status_of(exc: Exception) -> int:
    if isinstance(exc, Problem):
        return exc.kind.status
    if isinstance(exc, HTTPException):
        return exc.status_code
    return 500

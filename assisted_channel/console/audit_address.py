"""Audit rows written while serving the staff console say where the request came from.

The staff realm's access record must hold "from where" (개인정보의 안전성 확보조치 기준
제8조): every request under `/console` runs with its client address set for the audit
log (server/audit.py `audit_source_address`), so every row it writes, a read of a
person's data or a write, carries it without each core function passing it on. The
address is taken the one way the app takes it (server/client_address.py, which
believes `X-Forwarded-For` only from a trusted proxy).
"""

from __future__ import annotations

from litestar import Request
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from server.audit import audit_source_address
from server.client_address import client_address

CONSOLE = "/console"


def record_console_address(app: ASGIApp) -> ASGIApp:
    """Middleware, set once for the app."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if scope["type"] != ScopeType.HTTP or not (
            path == CONSOLE or path.startswith(CONSOLE + "/")
        ):
            await app(scope, receive, send)
            return
        with audit_source_address(client_address(Request(scope))):
            await app(scope, receive, send)

    return middleware

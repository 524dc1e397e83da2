"""Audit rows written while serving the staff console say where the request came from.

The staff realm's access record must hold "from where" (개인정보의 안전성 확보조치 기준
제8조): every request to the console's routes runs with its client address set for the
audit log (foundation/audit.py `audit_source_address`), so every row it writes, a read of a
person's data or a write, carries it without each core function passing it on. The
address is taken the one way the app takes it (foundation/client_address.py, which
believes `X-Forwarded-For` only from a trusted proxy).
"""

from __future__ import annotations

from litestar import Request
from litestar.types import ASGIApp, Receive, Scope, Send

from foundation.audit import audit_source_address
from foundation.client_address import client_address


def record_console_address(app: ASGIApp) -> ASGIApp:
    """Middleware of the console's routers (routes.py)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        with audit_source_address(client_address(Request(scope))):
            await app(scope, receive, send)

    return middleware

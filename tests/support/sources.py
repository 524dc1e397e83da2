"""Choosing where a test's requests come from, the way production learns it: through a
trusted reverse proxy (`HANCHANG_TRUSTED_PROXIES`) and `X-Forwarded-For`.

The test client's peer is the name "testclient", never a trusted proxy. `BehindProxy`
puts the app behind one at `PROXY`, as a load balancer would be; each request then
names its client with `from_address(...)`.
"""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

PROXY = "127.0.0.1"


class BehindProxy:
    """The app as reached through our own reverse proxy at `PROXY` (the ASGI peer)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope["client"] = (PROXY, 50000)
        await self.app(scope, receive, send)


def from_address(address: str) -> dict[str, str]:
    """Headers for a request from `address`, as the proxy forwards it."""
    return {"X-Forwarded-For": address}

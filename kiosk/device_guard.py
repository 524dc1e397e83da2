"""Only an enrolled kiosk reaches a kiosk page: the guard of the kiosk's router checks the
device signature on every request (auth/kiosk_signatures.py), before any handler or
dependency runs, so a page added to the router later is covered too. What the kiosk
needs to enrol (the enrolment page, its script and the service worker) is marked
`opt=UNSIGNED`.

The signature is checked in a transaction of its own, which keeps the audit row of a
refusal; the verified kiosk is on `request.state.kiosk`, given to handlers as the
`kiosk` dependency.
"""

from __future__ import annotations

from typing import Any, cast

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from auth import (
    KIOSK_ID_HEADER,
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    KioskDevice,
    SignedRequest,
    verify_kiosk_request,
)
from foundation import db
from foundation.client_address import client_address

UNSIGNED = {"kiosk_unsigned": True}
# Signed, and answered even for a kiosk retired meanwhile (its handler refuses and tells
# the person): the replay of an application queued offline (offline.py).
RETIRED_ANSWERED = {"kiosk_retired_answered": True}


def request_target(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The path with its query, as the browser sent them (what the kiosk signed)."""
    scope = connection.scope
    raw_path = scope.get("raw_path") or scope["path"].encode()
    query = scope.get("query_string", b"")
    # Some servers (httpx's test transport) leave the query in `raw_path`; ASGI says not to.
    target = raw_path.decode("latin-1").split("?", 1)[0]
    return f"{target}?{query.decode('latin-1')}" if query else target


async def require_signed_kiosk(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    if handler.opt.get("kiosk_unsigned"):
        return
    request = cast(Request[Any, Any, Any], connection)
    headers = request.headers
    signed = SignedRequest(
        method=request.method,
        target=request_target(request),
        body=await request.body(),
        kiosk_id=headers.get(KIOSK_ID_HEADER),
        timestamp=headers.get(TIMESTAMP_HEADER),
        nonce=headers.get(NONCE_HEADER),
        signature=headers.get(SIGNATURE_HEADER),
    )
    state = request.app.state
    async with db.request_slot(state.request_slots), db.transaction(state.pool) as tx:
        kiosk = await verify_kiosk_request(
            tx.conn,
            state.redis,
            signed,
            address=client_address(request),
            retired_too=bool(handler.opt.get("kiosk_retired_answered")),
        )
    request.state.kiosk = kiosk


def provide_kiosk(request: Request[Any, Any, Any]) -> KioskDevice:
    """The kiosk the guard verified for this request."""
    kiosk: KioskDevice = request.state.kiosk
    return kiosk

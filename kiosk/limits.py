"""Per client address limits of the kiosk's sign-in, card unlock and enrolment, as the
app's sign-in routes have them (auth/limits.py)."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from litestar import Request

from auth import limit_sign_in_address
from foundation.client_address import client_address


async def limit_by_address(request: Request[Any, Any, Any], queue: ArqRedis, scope: str) -> None:
    await limit_sign_in_address(
        queue, request.app.state.settings.auth, scope, client_address(request)
    )

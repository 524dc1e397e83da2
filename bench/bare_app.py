"""The bare route our HTTP figures are compared with: Litestar returning a small msgspec Struct.

Served by `python -m uvicorn bench.bare_app:app` with the options `hanchang serve`
uses; same path and body as our `/healthz`, with none of our application around it.
"""

from __future__ import annotations

import msgspec
from litestar import Litestar, get


class Health(msgspec.Struct, frozen=True):
    status: str


@get("/healthz")
async def healthz() -> Health:
    return Health(status="ok")


app = Litestar(route_handlers=[healthz])

"""`OPTIONS` answers every method of its path in `Allow`, as the 405 answer does.

Litestar gives each path an automatic `OPTIONS` handler that lists the methods of the
route it was made for. When handlers of one path sit in different routers (a channel's
`GET` in one module, its `POST` in another), Litestar merges them into one route but
keeps the first route's `OPTIONS` handler, which lists only the first handlers' methods
(`Allow: OPTIONS, PATCH` where `DELETE` is served too). Before that handler runs, this
answers with the merged route's methods instead.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, Response
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_204_NO_CONTENT

# Litestar's own OPTIONS handler (litestar/routes/http.py, `create_options_handler`).
AUTOMATIC_OPTIONS = "options_handler"
_ALLOW_BY_HANDLER = "allow_by_handler"


def _allow_by_handler(app: Litestar) -> dict[int, str]:
    """Each automatic OPTIONS handler's `Allow`: every method of the route serving it."""
    cached: dict[int, str] | None = getattr(app.state, _ALLOW_BY_HANDLER, None)
    if cached is None:
        cached = {
            id(handler): ", ".join(sorted(route.methods))
            for route in app.routes
            if isinstance(route, HTTPRoute)
            for handler in route.route_handlers
            if handler.handler_name == AUTOMATIC_OPTIONS
        }
        setattr(app.state, _ALLOW_BY_HANDLER, cached)
    return cached


def answer_options(request: Request[Any, Any, Any]) -> Response[None] | None:
    """The automatic `OPTIONS` answer with every method of the path; None otherwise."""
    if request.method != "OPTIONS":
        return None
    handler = request.scope.get("route_handler")
    if handler is None or handler.handler_name != AUTOMATIC_OPTIONS:
        return None
    allow = _allow_by_handler(request.app).get(id(handler))
    if allow is None:
        return None
    return Response(content=None, status_code=HTTP_204_NO_CONTENT, headers={"Allow": allow})

"""Every write to the console's JSON API (`/console/api/...`) is a JSON request from the
console's own pages, checked by a guard of the console's routers (routes.py) before the
handler, its body or the database is touched.

The staff cookie is SameSite=Strict, but SameSite is about sites, not origins: a page
on any host of the same site (any `*.go.kr` page, say) could make the browser post a
plain HTML form with the cookie. So, as OWASP's CSRF cheat sheet advises for cookie
sessions, two locks more:

- **The body is JSON** (`Content-Type: application/json`, 415 otherwise; `{}` for an
  action that takes no fields; a DELETE has no body). An HTML form
  can only send `text/plain`, urlencoded or multipart, and a script of another origin
  cannot send JSON without a CORS preflight, which we never grant.
- **The request says it comes from the console's origin.** Browsers add
  `Sec-Fetch-Site` and `Origin` to a POST, and a page's script cannot forge either.
  `Sec-Fetch-Site` must be `same-origin` and `Origin` must be the public URL's
  origin; a request with neither header is refused too (403), since it did not come
  from a browser on the console.

Reads (GET, HEAD, OPTIONS) change nothing and are left alone. The console's HTML forms
(`/console/...` outside `/console/api`) keep their anti-forgery token instead
(assisted_channel/console/render.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from foundation.problems import UNSUPPORTED_MEDIA_TYPE, Problem, problem_kind
from i18n import N_

CONSOLE_API = "/console/api/"
READS = frozenset({"GET", "HEAD", "OPTIONS"})
# What may carry a body. A DELETE has none, and no HTML form can send one.
WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
JSON = "application/json"

NOT_SAME_ORIGIN = problem_kind(
    "console-request-not-same-origin",
    403,
    N_("This request did not come from the console"),
    N_(
        "Changes are accepted only from the console's own pages. Open the console in "
        "your browser and try again there. Nothing was changed."
    ),
)


def origin_of(url: str) -> str:
    """`scheme://host[:port]`, lower case, as a browser writes it in `Origin`."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _from_console(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    site = connection.headers.get("sec-fetch-site")
    origin = connection.headers.get("origin")
    if site is None and origin is None:
        return False
    if site is not None and site.strip().lower() != "same-origin":
        return False
    public_url: str = connection.app.state.settings.http.public_url
    return origin is None or origin.strip().rstrip("/").lower() == origin_of(public_url)


def _is_json(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    media_type = connection.headers.get("content-type", "").partition(";")[0]
    return media_type.strip().lower() == JSON


def require_console_json_from_console(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """A write under `/console/api/` is same-origin JSON, or refused; pages pass."""
    if not connection.scope["path"].startswith(CONSOLE_API):
        return
    method = connection.scope.get("method", "GET")
    if method in READS:
        return
    if not _from_console(connection):
        raise Problem(NOT_SAME_ORIGIN)
    if method in WITH_BODY and not _is_json(connection):
        raise Problem(UNSUPPORTED_MEDIA_TYPE)

"""Reading the console's HTML pages and posting their forms with the page's anti-forgery token."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def page(client: Client, path: str, status: int = 200, **params: str) -> str:
    # Empty params would drop a query already in `path` (a redirect's location).
    response = await client.get(path, params=params or None, follow_redirects=False)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, html
    return match[1]


async def post_form(client: Client, path: str, form: dict[str, str]) -> Any:
    return await client.post(path, data=form, follow_redirects=False)

"""The counter's ID check through the console API, and the enrolment code a match allows."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]
CODE = re.compile(r"^[A-HJKMNP-Z2-9]{4}(-[A-HJKMNP-Z2-9]{4}){3}$")


async def verify(client: Client, person_id: int, result: str = "match", **overrides: Any) -> Any:
    body = {"document_type": "resident_id_card", "document_last4": "1234", "result": result}
    headers = overrides.pop("headers", {})
    body.update(overrides)
    return await client.post(
        f"/console/api/people/{person_id}/verifications", json=body, headers=headers
    )


async def issue_code(client: Client, person_id: int) -> str:
    issued = await client.post(f"/console/api/people/{person_id}/enrollment-codes", json={})
    assert issued.status_code == 201, issued.text
    code: str = issued.json()["code"]
    assert CODE.match(code), code
    return code


async def check_id(client: Client, person_id: int) -> None:
    """The clerk records a matching ID check: what a card or a phone needs first."""
    checked = await client.post(
        f"/console/api/people/{person_id}/verifications",
        json={"document_type": "resident_id_card", "document_last4": "1234", "result": "match"},
    )
    assert checked.status_code == 201, checked.text

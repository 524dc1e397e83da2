"""Citizen passkeys through the HTTP API: a software authenticator for this server's origin,
and whole registration and sign-in ceremonies."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from foundation.settings import Settings
from tests.support.webauthn_authenticator import SoftwareAuthenticator

Client = AsyncTestClient[Litestar]


def device(settings: Settings, **options: Any) -> SoftwareAuthenticator:
    return SoftwareAuthenticator(origin=settings.http.public_url, **options)


async def register(
    client: Client,
    headers: dict[str, str],
    authenticator: SoftwareAuthenticator,
    *,
    name: str | None = None,
    **create: Any,
) -> dict[str, Any]:
    """A whole registration ceremony; returns the answer to verify (not checked)."""
    started = await client.post("/v1/auth/passkeys/registration/options", headers=headers)
    assert started.status_code == 200, started.text
    body = started.json()
    credential = authenticator.create(body["options"], **create)
    payload: dict[str, Any] = {"challenge_id": body["challenge_id"], "credential": credential}
    if name is not None:
        payload["name"] = name
    answer = await client.post(
        "/v1/auth/passkeys/registration/verify", json=payload, headers=headers
    )
    return {"status": answer.status_code, "body": answer.json(), "options": body["options"]}


async def registered(
    client: Client, headers: dict[str, str], authenticator: SoftwareAuthenticator, **kw: Any
) -> dict[str, Any]:
    result = await register(client, headers, authenticator, **kw)
    assert result["status"] == 201, result["body"]
    passkey: dict[str, Any] = result["body"]
    return passkey


async def authentication_options(client: Client) -> dict[str, Any]:
    started = await client.post("/v1/auth/passkeys/authentication/options")
    assert started.status_code == 200, started.text
    body: dict[str, Any] = started.json()
    return body


async def sign_in_with(
    client: Client, authenticator: SoftwareAuthenticator, **get: Any
) -> tuple[int, dict[str, Any]]:
    started = await authentication_options(client)
    credential = authenticator.get(started["options"], **get)
    answer = await client.post(
        "/v1/auth/passkeys/authentication/verify",
        json={"challenge_id": started["challenge_id"], "credential": credential},
    )
    return answer.status_code, answer.json()

"""Access cards: a kiosk enrolled with a code from `hanchang kiosk code`, a person with a
PIN, a card issued at the console, and card + PIN at a kiosk (a signed form post)."""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import urlencode

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from auth import Account, enrol_kiosk, hash_pin
from foundation.settings import Settings
from server.kiosk_cli import add_kiosk_commands, run_kiosk_command
from tests.support.factories import make_account
from tests.support.identity_checks import check_id
from tests.support.kiosk_devices import KioskKey

Client = AsyncTestClient[Litestar]
PIN = "493028"


async def kiosk_cli(database_url: str, *words: str) -> int:
    parser = argparse.ArgumentParser()
    add_kiosk_commands(parser.add_subparsers(dest="command"))

    async def connect() -> asyncpg.Connection:
        return await asyncpg.connect(database_url)

    return await run_kiosk_command(parser.parse_args(["kiosk", *words]), connect)


async def enroll_kiosk(
    database_url: str, capsys: pytest.CaptureFixture[str], office: str = "busan"
) -> tuple[int, KioskKey]:
    """A kiosk enrolled as an administrator and the kiosk do it: a code from
    `hanchang kiosk code`, then the kiosk's own key registered with it."""
    status = await kiosk_cli(database_url, "code", "--office", office, "--location", "1층 키오스크")
    out = capsys.readouterr().out
    assert status == 0, out
    code = out.strip().splitlines()[-1]
    key = KioskKey()
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            kiosk = await enrol_kiosk(
                conn, code=code, algorithm=key.algorithm, public_key=key.public_key
            )
    finally:
        await conn.close()
    key.kiosk_id = kiosk.id
    return kiosk.id, key


async def person_with_pin(owner_conn: asyncpg.Connection, settings: Settings) -> Account:
    account = await make_account(
        owner_conn, settings, name="박순자", assurance="in_person", has_smartphone=False
    )
    await owner_conn.execute(
        "UPDATE accounts SET pin_hash = $2, pin_set_at = now() WHERE id = $1",
        account.id,
        await hash_pin(settings.auth, PIN),
    )
    return account


async def issue(client: Client, person_id: int) -> dict[str, Any]:
    """Issue a card; a first refusal (409 `id-check-needed`) is followed by the ID check."""
    answer = await client.post(f"/console/api/people/{person_id}/access-cards", json={})
    if answer.status_code == 409:
        assert answer.json()["type"].endswith("/id-check-needed"), answer.text
        await check_id(client, person_id)
        answer = await client.post(f"/console/api/people/{person_id}/access-cards", json={})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def verify(
    client: Client, kiosk: KioskKey | None, card_token: str, pin: str = PIN, **headers: str
) -> Any:
    """Card + PIN at the kiosk's sign-in page, signed by `kiosk` (unsigned with None);
    refusals as problem+json. Signed in: 303 to /kiosk/me with the session cookie."""
    body = urlencode({"card": card_token, "pin": pin}).encode()
    signed = kiosk.headers("POST", "/kiosk/sign-in", body) if kiosk is not None else {}
    return await client.post(
        "/kiosk/sign-in",
        content=body,
        headers={
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
            **signed,
            **headers,
        },
        follow_redirects=False,
    )


def session_token(answer: Any) -> str:
    """The kiosk session's token from a successful sign-in's cookie."""
    assert answer.status_code == 303, answer.text
    cookie: str = answer.headers["set-cookie"]
    assert cookie.startswith("hanchang_kiosk="), cookie
    return cookie.split(";")[0].split("=", 1)[1]

"""Access cards: a kiosk enrolled by `hanchang kiosk enroll`, a person with a PIN, a card
issued at the console, and card + PIN at a kiosk."""

from __future__ import annotations

import argparse
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from auth import Account, hash_pin
from foundation.settings import Settings
from server.kiosk_cli import add_kiosk_commands, run_kiosk_command
from tests.support.factories import make_account
from tests.support.identity_checks import check_id

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
) -> tuple[int, str]:
    status = await kiosk_cli(database_url, "enroll", "--office", office, "--name", "1층 키오스크")
    out = capsys.readouterr().out
    assert status == 0, out
    key = out.strip().splitlines()[-1]
    assert key.startswith("hck_"), out
    return int(out.split()[1]), key


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
    client: Client, kiosk_key: str | None, card_token: str, pin: str = PIN, **headers: str
) -> Any:
    if kiosk_key is not None:
        headers["X-Kiosk-Key"] = kiosk_key
    return await client.post(
        "/v1/auth/card/verify", json={"card_token": card_token, "pin": pin}, headers=headers
    )

"""Staff at the console: `hanchang staff create`, enrolment and passkey sign-in through the
console API, and staff signed in directly (a session row and its cookie)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from auth import new_token, token_hash
from auth.staff import StaffRole, insert_staff, insert_staff_session
from foundation.settings import Settings
from server.staff_cli import add_staff_commands, run_staff_command
from tests.support.passkeys import device
from tests.support.webauthn_authenticator import SoftwareAuthenticator

Client = AsyncTestClient[Litestar]
COOKIE = "hanchang_staff"


async def staff_cli(settings: Settings, database_url: str, *words: str) -> int:
    parser = argparse.ArgumentParser()
    add_staff_commands(parser.add_subparsers(dest="command"))

    async def connect() -> asyncpg.Connection:
        return await asyncpg.connect(database_url)

    return await run_staff_command(parser.parse_args(["staff", *words]), settings, connect)


async def create_staff(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    *,
    name: str = "김민수",
    office: str = "busan",
    role: str = "clerk",
) -> tuple[int, str]:
    """Run `hanchang staff create`; the new staff id and the token from the printed link."""
    status = await staff_cli(
        settings, database_url, "create", "--name", name, "--office", office, "--role", role
    )
    out = capsys.readouterr().out
    assert status == 0, out
    link = out.strip().splitlines()[-1]
    assert link.startswith(f"{settings.http.public_url}/console/enroll?token=hce_"), link
    token = parse_qs(urlsplit(link).query)["token"][0]
    staff_id = int(out.split()[1])
    return staff_id, token


async def enroll(
    client: Client, authenticator: SoftwareAuthenticator, token: str, **headers: str
) -> tuple[int, dict[str, Any]]:
    started = await client.post(
        "/console/api/enroll/options", json={"token": token}, headers=headers
    )
    if started.status_code != 200:
        return started.status_code, started.json()
    body = started.json()
    credential = authenticator.create(body["options"])
    answer = await client.post(
        "/console/api/enroll/verify",
        json={"token": token, "challenge_id": body["challenge_id"], "credential": credential},
        headers=headers,
    )
    return answer.status_code, answer.json()


async def staff_sign_in(
    client: Client, authenticator: SoftwareAuthenticator, **get: Any
) -> tuple[int, dict[str, Any]]:
    started = await client.post("/console/api/sign-in/options", json={})
    assert started.status_code == 200, started.text
    body = started.json()
    credential = authenticator.get(body["options"], **get)
    answer = await client.post(
        "/console/api/sign-in/verify",
        json={"challenge_id": body["challenge_id"], "credential": credential},
    )
    return answer.status_code, answer.json()


async def enrolled_staff(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    **staff: str,
) -> tuple[int, SoftwareAuthenticator]:
    staff_id, token = await create_staff(settings, database_url, capsys, **staff)
    authenticator = device(settings)
    status, body = await enroll(client, authenticator, token)
    assert status == 201, body
    return staff_id, authenticator


async def clerk(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    office: str = "busan",
) -> int:
    """A clerk of `office`, signed in to the console (the cookie is in `client`)."""
    staff_id, authenticator = await enrolled_staff(
        settings, database_url, capsys, client, office=office
    )
    status, body = await staff_sign_in(client, authenticator)
    assert status == 200, body
    return staff_id


async def staff_signed_in(owner_conn: asyncpg.Connection, client: Client) -> int:
    """A clerk at the Busan office with a live console session in the client's cookie."""
    staff = await insert_staff(owner_conn, name="김민수", office_code="busan", role="clerk")
    token = new_token("hcs_")
    await insert_staff_session(
        owner_conn, staff_id=staff.id, token_hash=token_hash(token), now=datetime.now(UTC)
    )
    client.cookies.set("hanchang_staff", token, path="/console")
    return staff.id


async def signed_in(
    client: Client, owner_conn: asyncpg.Connection, role: StaffRole = "clerk", name: str = "김민수"
) -> tuple[int, str]:
    """A staff member of the busan office signed in to the console: (id, session cookie)."""
    staff = await insert_staff(owner_conn, name=name, office_code="busan", role=role)
    token = new_token("hcs_")
    await insert_staff_session(
        owner_conn,
        staff_id=staff.id,
        token_hash=token_hash(token),
        now=await owner_conn.fetchval("SELECT now()"),
    )
    as_(client, token)
    return staff.id, token


def as_(client: Client, token: str) -> None:
    client.cookies.clear()
    client.cookies.set(COOKIE, token, path="/console")


class Desk:
    """Staff members signed in to the console; `as_` switches whose cookie the client sends."""

    def __init__(self, settings: Settings, database_url: str, capsys: Any, client: Client) -> None:
        self.settings, self.database_url, self.capsys, self.client = (
            settings,
            database_url,
            capsys,
            client,
        )
        self.tokens: dict[int, str] = {}

    async def staff(self, role: str = "clerk", office: str = "busan") -> int:
        self.client.cookies.clear()
        staff_id, authenticator = await enrolled_staff(
            self.settings, self.database_url, self.capsys, self.client, office=office, role=role
        )
        status, body = await staff_sign_in(self.client, authenticator)
        assert status == 200, body
        token = self.client.cookies.get(COOKIE)
        assert token
        self.tokens[staff_id] = token
        return staff_id

    def as_(self, staff_id: int) -> Client:
        self.client.cookies.clear()
        self.client.cookies.set(COOKIE, self.tokens[staff_id])
        return self.client

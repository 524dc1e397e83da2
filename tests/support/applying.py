"""Helpers for the application tests: a citizen, their facts, a verified bank account, a submit."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from auth import Account, Tokens
from foundation.korea import KOREA
from foundation.settings import Settings
from tests.support.factories import bearer, make_account, sign_in

Client = AsyncTestClient[Litestar]


def korea_today() -> date:
    return datetime.now(KOREA).date()


async def citizen(
    owner_conn: asyncpg.Connection, settings: Settings, **person: Any
) -> tuple[Account, Tokens]:
    account = await make_account(owner_conn, settings, **person)
    return account, await sign_in(owner_conn, settings, account, aal=2, method="passkey")


async def laid_off(owner_conn: asyncpg.Connection, person_id: int) -> None:
    """A persona like 박지훈: let go (권고사직, code 23) 40 days ago, registered as a job seeker."""
    today = korea_today()
    await owner_conn.execute(
        """
        INSERT INTO person_facts (person_id, kind, valid_from, valid_to, employer_name, employer_id,
                                  separation_code, paid_base_days, source_system, refreshed_at)
        VALUES ($1, 'employment_insurance', $2, $3, '한빛물류', '123-81-45678', '23', 480, 'ei', now())
        """,
        person_id,
        today - timedelta(days=700),
        today - timedelta(days=40),
    )
    await owner_conn.execute(
        "INSERT INTO person_facts (person_id, kind, valid_from, source_system, refreshed_at) "
        "VALUES ($1, 'job_seeker_registration', $2, 'worknet', now())",
        person_id,
        today - timedelta(days=30),
    )


def account_number() -> str:
    return f"110-{secrets.randbelow(10**3):03d}-{secrets.randbelow(10**6):06d}"


async def deposit_code(owner_conn: asyncpg.Connection, bank_code: str, last4: str) -> str:
    body = await owner_conn.fetchval(
        "SELECT body FROM dev_outbox WHERE channel = 'bank' AND to_e164 = $1 ORDER BY id DESC LIMIT 1",
        f"bank:{bank_code}:****{last4}",
    )
    match = re.search(r"한창(\d{4})", body or "")
    assert match, body
    return match.group(1)


async def add_account(client: Client, tokens: Tokens, bank_code: str = "088") -> dict[str, Any]:
    number = account_number()
    added = await client.post(
        "/v1/me/bank-accounts",
        json={"bank_code": bank_code, "account_number": number},
        headers=bearer(tokens),
    )
    assert added.status_code == 201, added.text
    body: dict[str, Any] = added.json()
    assert body["last4"] == number[-4:] and body["status"] == "pending"
    return body


async def verified_account(
    client: Client, owner_conn: asyncpg.Connection, tokens: Tokens, bank_code: str = "088"
) -> dict[str, Any]:
    added = await add_account(client, tokens, bank_code)
    code = await deposit_code(owner_conn, bank_code, added["last4"])
    verified = await client.post(
        f"/v1/me/bank-accounts/{added['id']}/verify", json={"code": code}, headers=bearer(tokens)
    )
    assert verified.status_code == 200, verified.text
    body: dict[str, Any] = verified.json()
    return body


def payload(bank_account_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "programme_id": "unemployment-benefit",
        "confirmed": True,
        "bank_account_id": bank_account_id,
        "contact_preference": "push",
        **changes,
    }


async def apply(
    client: Client, tokens: Tokens, body: dict[str, Any], key: str | None = None, **headers: str
) -> Any:
    return await client.post(
        "/v1/applications",
        json=body,
        headers={**bearer(tokens), "Idempotency-Key": key or str(uuid.uuid4()), **headers},
    )

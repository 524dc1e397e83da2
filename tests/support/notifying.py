"""For notification tests: a signed-in citizen, push tokens, and notices and deliveries
written with plain SQL as the delivery core would leave them."""

from __future__ import annotations

import itertools
import secrets
from typing import Any

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from auth import Account, Tokens
from foundation.settings import Settings
from tests.support.factories import bearer, make_account, sign_in

_periods = itertools.count(1)
Client = AsyncTestClient[Litestar]


async def citizen(owner_conn: asyncpg.Connection, settings: Settings) -> tuple[Account, Tokens]:
    account = await make_account(owner_conn, settings)
    return account, await sign_in(owner_conn, settings, account)


def fcm_token() -> str:
    return secrets.token_urlsafe(16) + ":APA91b" + secrets.token_urlsafe(60)


async def register_device(
    client: Client, tokens: Tokens, token: str, *, platform: str = "android", locale: str = "ko"
) -> Any:
    return await client.post(
        "/v1/me/devices",
        json={"fcm_token": token, "platform": platform, "locale": locale},
        headers=bearer(tokens),
    )


async def insert_notice(
    conn: asyncpg.Connection,
    *,
    person_id: int,
    kind: str = "benefit",
    programme_id: str | None = "unemployment-benefit",
    topic: str | None = None,
    state: str = "sent",
    legally_required: bool = False,
    locale: str = "ko",
) -> int:
    period_key = f"2026-{next(_periods)}" if kind == "benefit" else None
    notice_id: int = await conn.fetchval(
        """
        INSERT INTO notices
            (person_id, kind, programme_id, period_key, topic, state, legally_required, locale)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        RETURNING id
        """,
        person_id,
        kind,
        programme_id,
        period_key,
        topic,
        state,
        legally_required,
        locale,
    )
    return notice_id


async def insert_delivery(
    conn: asyncpg.Connection,
    *,
    notice_id: int,
    channel: str,
    state: str = "sent",
    provider_ref: str | None = None,
) -> int:
    delivery_id: int = await conn.fetchval(
        """
        INSERT INTO notice_deliveries (notice_id, channel, state, attempts, provider_ref)
        VALUES ($1, $2, $3, 1, $4)
        RETURNING id
        """,
        notice_id,
        channel,
        state,
        provider_ref,
    )
    return delivery_id

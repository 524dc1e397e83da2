"""Registered phones: a person with a PIN, and the phone line's sign-in and call-back as its
Twilio-signed webhooks will call the core (no JSON route takes a caller number)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable
from datetime import date

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import (
    Account,
    PhoneCallbackStarted,
    Tokens,
    authenticate_access_token,
    complete_callback,
    start_callback,
    verify_phone_sign_in,
)
from foundation.db import transaction
from foundation.problems import Problem, ProblemKind
from foundation.settings import Settings
from tests.support.factories import bearer, make_account, sign_in

Client = AsyncTestClient[Litestar]
BIRTH = date(1958, 3, 9)
GOOD_PIN = "493028"
WRONG_PIN = "582914"


async def person_with_pin(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, name: str
) -> Account:
    account = await make_account(owner_conn, settings, name=name, birth_date=BIRTH)
    tokens = await sign_in(owner_conn, settings, account)
    answer = await client.put("/v1/me/pin", json={"pin": GOOD_PIN}, headers=bearer(tokens))
    assert answer.status_code == 204, answer.text
    return account


def call_sid() -> str:
    """A Twilio call id, different each call."""
    return "CA" + uuid.uuid4().hex


async def phone_sign_in(
    db_pool: asyncpg.Pool,
    settings: Settings,
    caller_number: str,
    pin: str,
    *,
    call: str | None = None,
) -> Tokens:
    """Caller ID (E.164) and PIN on a call (a new one unless given), as the phone line's
    signed webhook will sign in: in one transaction of its own, which keeps what a
    refusal wrote (`commit_first`)."""
    redis = Redis.from_url(settings.redis.url)
    try:
        async with transaction(db_pool) as tx:
            return await verify_phone_sign_in(
                tx.conn,
                redis,
                settings.auth,
                caller_number=caller_number,
                call_sid=call or call_sid(),
                pin=pin,
            )
    finally:
        await redis.aclose()


async def ask_for_callback(
    db_pool: asyncpg.Pool, settings: Settings, tokens: Tokens, *, locale: str = "ko"
) -> PhoneCallbackStarted:
    """The phone line asks to be called back, for the session its sign-in began."""
    async with transaction(db_pool) as tx:
        session = await authenticate_access_token(tx.conn, tokens.access_token)
        assert session is not None
        return await start_callback(tx.conn, settings, session, locale=locale)


async def answer_callback(
    db_pool: asyncpg.Pool, settings: Settings, callback_id: uuid.UUID, pin: str, call_token: str
) -> uuid.UUID:
    """The PIN typed on the call-back, with the token from the call's TwiML: the session
    now at aal 2."""
    async with transaction(db_pool) as tx:
        return await complete_callback(
            tx.conn, settings.auth, callback_id, pin, call_token=call_token
        )


async def refused(attempt: Awaitable[object], kind: ProblemKind) -> Problem:
    """The problem `attempt` raises, which must be of `kind`."""
    with pytest.raises(Problem) as raised:
        await attempt
    assert raised.value.kind is kind, raised.value.kind.slug
    return raised.value


async def call_token_from_outbox(owner_conn: asyncpg.Connection, callback_id: uuid.UUID) -> str:
    """The token in the call's TwiML (the address its digits go to): only the call has it."""
    body = await owner_conn.fetchval(
        "SELECT body FROM dev_outbox WHERE channel = 'voice' AND body LIKE $1",
        f"%/phone/callbacks/{callback_id}/pin?token=%",
    )
    assert body is not None
    found = re.search(r"\?token=(hcb_[A-Za-z0-9_-]+)", body)
    assert found is not None
    return found.group(1)


async def refused_any(attempt: Awaitable[object]) -> Problem:
    """The problem `attempt` raises, whatever it is."""
    with pytest.raises(Problem) as raised:
        await attempt
    return raised.value

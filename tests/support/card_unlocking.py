"""Helpers for the card-unlock tests: a card holder at a kiosk, locking the card with wrong
PINs, the two unlock calls, and the code read from the fake Twilio's messages."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import Account, hash_pin, limit_key
from foundation.settings import Settings, load_settings
from tests.support.access_cards import PIN, issue, verify
from tests.support.environment import environment_for_tests
from tests.support.factories import make_account, run_jobs
from tests.support.fakes.twilio import FakeTwilio
from tests.support.kiosk_devices import KioskKey
from tests.support.problems import assert_problem
from tests.support.staff import staff_signed_in

SID = "AC" + "2" * 32
TOKEN = "test-auth-token"
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
WRONG_PIN = "582913"
Client = AsyncTestClient[Litestar]


@asynccontextmanager
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio(SID, TOKEN)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def settings_with_twilio(
    database_url: str, redis_url: str, data_dir: Path, twilio: FakeTwilio
) -> Settings:
    """Settings whose SMS go through the real Twilio SDK to the local fake."""
    env = environment_for_tests(
        database_url,
        redis_url,
        data_dir,
        TWILIO_ACCOUNT_SID=SID,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_FROM_NUMBER="+15005550006",
        TWILIO_API_BASE_URL=twilio.url,
        TWILIO_TIMEOUT_SECONDS="2",
    )
    return load_settings(env)


async def clear_limits(settings: Settings) -> None:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()


class Holder:
    """A person with a PIN and a live card, and the kiosk it is used at."""

    def __init__(self, account: Account, card: dict[str, Any], kiosk_key: KioskKey | None) -> None:
        self.account = account
        self.card_id: int = card["card_id"]
        self.token: str = card["card_token"]
        self.kiosk_key = kiosk_key
        self.phone = account.phone_e164


async def card_holder(
    settings: Settings,
    client: Client,
    owner_conn: asyncpg.Connection,
    kiosk_key: KioskKey,
    **person: Any,
) -> Holder:
    await staff_signed_in(owner_conn, client)
    account = await make_account(
        owner_conn, settings, assurance="in_person", has_smartphone=False, **person
    )
    await owner_conn.execute(
        "UPDATE accounts SET pin_hash = $2, pin_set_at = now() WHERE id = $1",
        account.id,
        await hash_pin(settings.auth, PIN),
    )
    card = await issue(client, account.person_id)
    client.cookies.clear()  # the kiosk has no staff cookie
    return Holder(account, card, kiosk_key)


async def lock(client: Client, holder: Holder) -> None:
    """Five wrong PINs at the kiosk, as the holder would."""
    for _ in range(4):
        assert_problem(
            await verify(client, holder.kiosk_key, holder.token, WRONG_PIN), 401, "pin-wrong"
        )
    assert_problem(
        await verify(client, holder.kiosk_key, holder.token, WRONG_PIN), 423, "card-locked"
    )


async def signed_json(
    client: Client, kiosk: KioskKey | None, target: str, body: dict[str, Any], **headers: str
) -> Any:
    """A JSON post of the kiosk's pages, signed by `kiosk` (unsigned with None)."""
    content = json.dumps(body).encode()
    signed = kiosk.headers("POST", target, content) if kiosk is not None else {}
    return await client.post(
        target,
        content=content,
        headers={"Content-Type": "application/json", **signed, **headers},
    )


async def start(client: Client, holder: Holder, **headers: str) -> Any:
    return await signed_json(
        client, holder.kiosk_key, "/kiosk/card/unlock", {"card_token": holder.token}, **headers
    )


async def finish(
    client: Client, holder: Holder, challenge_id: str, code: str, **headers: str
) -> Any:
    return await signed_json(
        client,
        holder.kiosk_key,
        "/kiosk/card/unlock/verify",
        {"card_token": holder.token, "challenge_id": challenge_id, "code": code},
        **headers,
    )


async def sent_code(settings: Settings, twilio: FakeTwilio, phone: str | None) -> tuple[str, str]:
    """Run the queued sending job; the last text to `phone` and the code in it."""
    await run_jobs(settings)
    bodies = [m["Body"] for m in twilio.messages if m["To"] == phone]
    assert bodies, f"no SMS to {phone}"
    match = CODE.search(bodies[-1])
    assert match
    return bodies[-1], match[1]


async def card_state(owner_conn: asyncpg.Connection, card_id: int) -> tuple[int, bool]:
    row = await owner_conn.fetchrow(
        "SELECT pin_failures, locked_at IS NOT NULL AS locked FROM access_cards WHERE id = $1",
        card_id,
    )
    assert row is not None
    return row["pin_failures"], row["locked"]


async def forget_resend_wait(settings: Settings, phone: str | None) -> None:
    assert phone is not None
    redis = Redis.from_url(settings.redis.url)
    await redis.delete(limit_key(settings.auth, "sms-resend", phone))
    await redis.aclose()

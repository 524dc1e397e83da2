"""Rate-limit keys in Redis name phone numbers and addresses only through a keyed hash
(issue 13, finding 8): a bare SHA-256 of a Korean mobile number is undone by hashing
every number there is (10^8 of them, seconds on one GPU)."""

from __future__ import annotations

import hashlib

from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from foundation.settings import Settings
from tests.support.factories import mobile_number


async def test_limit_keys_hold_no_plain_digest_of_a_number(
    client: AsyncTestClient[Litestar], settings: Settings
) -> None:
    phone = mobile_number()
    national = "0" + phone[3:]
    born = "1990-05-17"
    started = await client.post(
        "/v1/auth/sms/start", json={"phone": phone, "birth_date": born, "purpose": "sign_in"}
    )
    assert started.status_code == 202, started.text
    refused = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={"phone": phone, "birth_date": born, "code": "1234-5678-9012-3456"},
    )
    assert refused.status_code == 401

    redis = Redis.from_url(settings.redis.url)
    try:
        keys = [key.decode() for key in await redis.keys("limit:*")]
    finally:
        await redis.aclose()
    scopes = {key.split(":")[1] for key in keys}
    assert {"sms-resend", "sms-hour", "sms-start-ip", "sign-in-ip"} <= scopes
    for text in (phone, national, phone[1:], "testclient"):
        digest = hashlib.sha256(text.encode()).hexdigest()
        for key in keys:
            assert text not in key
            assert digest[:16] not in key, (text, key)

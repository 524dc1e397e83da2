"""Twilio's status callback: only signed callbacks move a delivery, only forward; failures are
followed up by the delivery core after the commit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from arq.connections import ArqRedis
from litestar import Litestar
from litestar.testing import AsyncTestClient
from twilio.request_validator import RequestValidator

from foundation.settings import Settings, load_settings
from server.app import create_app
from tests.support.environment import environment_for_tests
from tests.support.factories import make_person
from tests.support.notifying import insert_delivery, insert_notice

Client = AsyncTestClient[Litestar]
TOKEN = "test-twilio-auth-token"
PUBLIC_URL = "https://hanchang.example.kr"
CALLBACK = "/webhooks/twilio/status"
_sids = iter(range(10**6, 10**7))


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return load_settings(
        environment_for_tests(
            database_url,
            redis_url,
            tmp_path_factory.mktemp("data"),
            TWILIO_ACCOUNT_SID="AC" + "2" * 32,
            TWILIO_AUTH_TOKEN=TOKEN,
            TWILIO_FROM_NUMBER="+15005550006",
            HANCHANG_PUBLIC_URL=PUBLIC_URL,
        )
    )


@pytest.fixture
async def queue(settings: Settings) -> AsyncIterator[ArqRedis]:
    """This worker's arq queue, emptied before each test."""
    redis = ArqRedis.from_url(settings.redis.url)
    await redis.delete("arq:queue")
    for key in await redis.keys("arq:job:*"):
        await redis.delete(key)
    yield redis
    await redis.aclose()


def new_sid(prefix: str = "SM") -> str:
    return f"{prefix}{next(_sids):032x}"


def signed(params: dict[str, str], *, url: str = PUBLIC_URL + CALLBACK) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, params)}


async def callback(client: Client, params: dict[str, str], **signing: Any) -> Any:
    return await client.post(CALLBACK, data=params, headers=signed(params, **signing))


async def sms_delivery(
    owner_conn: asyncpg.Connection,
    settings: Settings,
    *,
    channel: str = "sms",
    state: str = "sent",
    others: tuple[tuple[str, str], ...] = (),
) -> tuple[int, int, str]:
    """A notice with a delivery Twilio has a SID for: (notice id, delivery id, SID)."""
    person = await make_person(owner_conn, settings)
    notice_id = await insert_notice(owner_conn, person_id=person.id, state="sent")
    sid = new_sid("SM" if channel == "sms" else "CA")
    delivery_id = await insert_delivery(
        owner_conn, notice_id=notice_id, channel=channel, state=state, provider_ref=sid
    )
    for other_channel, other_state in others:
        await insert_delivery(
            owner_conn, notice_id=notice_id, channel=other_channel, state=other_state
        )
    return notice_id, delivery_id, sid


async def delivery(owner_conn: asyncpg.Connection, delivery_id: int) -> asyncpg.Record:
    row = await owner_conn.fetchrow("SELECT * FROM notice_deliveries WHERE id = $1", delivery_id)
    assert row is not None
    return row


async def follow_ups(queue: ArqRedis) -> list[Any]:
    return [job.args for job in await queue.queued_jobs() if job.function == "deliver_notices"]


def message(sid: str, status: str, error_code: str | None = None) -> dict[str, str]:
    params = {
        "AccountSid": "AC" + "2" * 32,
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "To": "+821023456789",
        "From": "+15005550006",
        "ApiVersion": "2010-04-01",
    }
    if error_code:
        params["ErrorCode"] = error_code
    return params


def call(sid: str, status: str) -> dict[str, str]:
    return {"AccountSid": "AC" + "2" * 32, "CallSid": sid, "CallStatus": status, "Duration": "1"}


async def test_a_signed_delivered_receipt_updates_the_delivery_and_its_notice(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, queue: ArqRedis
) -> None:
    notice_id, delivery_id, sid = await sms_delivery(owner_conn, settings)
    answer = await callback(client, message(sid, "delivered"))
    assert answer.status_code == 200, answer.text
    assert answer.text == ""
    row = await delivery(owner_conn, delivery_id)
    assert (row["state"], row["error"], row["next_attempt_at"]) == ("delivered", None, None)
    notice = await owner_conn.fetchval("SELECT state FROM notices WHERE id = $1", notice_id)
    assert notice == "delivered"
    assert await follow_ups(queue) == []


async def test_states_never_go_backwards(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, queue: ArqRedis
) -> None:
    _, delivery_id, sid = await sms_delivery(owner_conn, settings, state="sending")
    for status in ("queued", "sent"):
        assert (await callback(client, message(sid, status))).status_code == 200
        assert (await delivery(owner_conn, delivery_id))["state"] == "sent"
    assert (await callback(client, message(sid, "delivered"))).status_code == 200
    delivered_at = (await delivery(owner_conn, delivery_id))["updated_at"]
    # Late and out of order: Twilio does not promise the order of its callbacks.
    for late in (message(sid, "sent"), message(sid, "queued"), message(sid, "failed", "30003")):
        assert (await callback(client, late)).status_code == 200
        row = await delivery(owner_conn, delivery_id)
        assert (row["state"], row["updated_at"]) == ("delivered", delivered_at)
    assert await follow_ups(queue) == []


async def test_an_unreachable_number_fails_for_good_and_the_core_picks_the_next_channel(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, queue: ArqRedis
) -> None:
    # Another channel still under way does not hold a permanent failure back.
    notice_id, delivery_id, sid = await sms_delivery(
        owner_conn, settings, others=(("push", "sent"),)
    )
    answer = await callback(client, message(sid, "undelivered", "30003"))
    assert answer.status_code == 200
    row = await delivery(owner_conn, delivery_id)
    assert (row["state"], row["error"], row["next_attempt_at"]) == (
        "permanent_failure",
        "twilio 30003",
        None,
    )
    assert await follow_ups(queue) == [([notice_id],)]
    # A repeated callback changes nothing and enqueues nothing more.
    await callback(client, message(sid, "undelivered", "30003"))
    assert await follow_ups(queue) == [([notice_id],)]


@pytest.mark.parametrize("code", ["30005", "30006"])
async def test_unknown_numbers_and_landlines_fail_for_good(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, queue: ArqRedis, code: str
) -> None:
    notice_id, delivery_id, sid = await sms_delivery(owner_conn, settings)
    await callback(client, message(sid, "failed", code))
    assert (await delivery(owner_conn, delivery_id))["state"] == "permanent_failure"
    assert await follow_ups(queue) == [([notice_id],)]


@pytest.mark.parametrize("code", ["30001", "30008"])
async def test_a_passing_failure_is_retried_in_five_minutes(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, queue: ArqRedis, code: str
) -> None:
    notice_id, delivery_id, sid = await sms_delivery(owner_conn, settings)
    now = datetime.now(UTC)
    await callback(client, message(sid, "undelivered", code))
    row = await delivery(owner_conn, delivery_id)
    assert (row["state"], row["error"]) == ("temporary_failure", f"twilio {code}")
    assert timedelta(minutes=4) < row["next_attempt_at"] - now < timedelta(minutes=6)
    # Nothing else is under way for the notice: the core decides what comes next.
    assert await follow_ups(queue) == [([notice_id],)]


async def test_a_passing_failure_waits_while_another_channel_is_under_way(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, queue: ArqRedis
) -> None:
    _, delivery_id, sid = await sms_delivery(owner_conn, settings, others=(("push", "sent"),))
    await callback(client, message(sid, "failed", "30001"))
    assert (await delivery(owner_conn, delivery_id))["state"] == "temporary_failure"
    assert await follow_ups(queue) == []


@pytest.mark.parametrize(
    ("statuses", "state", "followed_up"),
    [
        (("initiated", "ringing", "in-progress", "completed"), "delivered", False),
        (("initiated", "busy"), "temporary_failure", True),
        (("ringing", "no-answer"), "temporary_failure", True),
        (("queued", "canceled"), "temporary_failure", True),
        (("completed", "busy"), "delivered", False),
    ],
)
async def test_voice_calls(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    queue: ArqRedis,
    statuses: tuple[str, ...],
    state: str,
    followed_up: bool,
) -> None:
    notice_id, delivery_id, sid = await sms_delivery(owner_conn, settings, channel="voice")
    for status in statuses:
        assert (await callback(client, call(sid, status))).status_code == 200
    assert (await delivery(owner_conn, delivery_id))["state"] == state
    assert await follow_ups(queue) == ([([notice_id],)] if followed_up else [])


async def test_a_message_sid_does_not_move_a_call_and_an_unknown_sid_changes_nothing(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, queue: ArqRedis
) -> None:
    _, delivery_id, sid = await sms_delivery(owner_conn, settings, channel="voice")
    before = await delivery(owner_conn, delivery_id)
    for params in (
        message(sid, "delivered"),
        message(new_sid(), "delivered"),
        call(new_sid("CA"), "completed"),
        {"AccountSid": "AC" + "2" * 32},  # neither a message nor a call status
        call(sid, "something-new"),
    ):
        answer = await callback(client, params)
        assert answer.status_code == 200, answer.text
    assert await delivery(owner_conn, delivery_id) == before
    assert await follow_ups(queue) == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        # Signed for another address (our own host name, not the public URL Twilio was given).
        "signed for http://testserver.local",
        # Signed with another account's token.
        "signed with another token",
        # Signed, then a field changed on the way.
        "tampered",
    ],
)
async def test_callbacks_without_a_valid_signature_are_refused_and_change_nothing(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    queue: ArqRedis,
    headers: dict[str, str] | str,
) -> None:
    notice_id, delivery_id, sid = await sms_delivery(owner_conn, settings)
    before = await delivery(owner_conn, delivery_id)
    params = message(sid, "undelivered", "30003")
    if headers == "signed for http://testserver.local":
        headers = signed(params, url="http://testserver.local" + CALLBACK)
    elif headers == "signed with another token":
        headers = {
            "X-Twilio-Signature": RequestValidator("other-token").compute_signature(
                PUBLIC_URL + CALLBACK, params
            )
        }
    elif headers == "tampered":
        headers = signed(message(sid, "delivered"))
    assert isinstance(headers, dict)
    answer = await client.post(CALLBACK, data=params, headers=headers)
    assert answer.status_code == 403
    assert answer.text == ""
    assert await delivery(owner_conn, delivery_id) == before
    state = await owner_conn.fetchval("SELECT state FROM notices WHERE id = $1", notice_id)
    assert state == "sent"
    assert await follow_ups(queue) == []


async def test_without_a_twilio_account_every_callback_is_refused(
    database_url: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    owner_conn: asyncpg.Connection,
    settings: Settings,
) -> None:
    """`make run` has no auth token: a callback signed with an empty key must not pass."""
    _, delivery_id, sid = await sms_delivery(owner_conn, settings)
    no_twilio = load_settings(
        environment_for_tests(
            database_url,
            redis_url,
            tmp_path_factory.mktemp("no-twilio"),
            HANCHANG_PUBLIC_URL=PUBLIC_URL,
        )
    )
    assert not no_twilio.twilio.auth_token
    params = message(sid, "delivered")
    empty_key = RequestValidator("").compute_signature(PUBLIC_URL + CALLBACK, params)
    async with AsyncTestClient(app=create_app(no_twilio)) as client:
        answer = await client.post(CALLBACK, data=params, headers={"X-Twilio-Signature": empty_key})
    assert answer.status_code == 403
    assert (await delivery(owner_conn, delivery_id))["state"] == "sent"

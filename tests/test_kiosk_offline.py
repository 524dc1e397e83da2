"""The kiosk when the line drops: the offline page (kept by the service worker), and the
replay of applications the kiosk queued while offline (`POST /kiosk/queue/applications`,
signed JSON, as sw.js sends it). Accepted exactly once, with the device's time kept
beside the server's receipt and the person told; refused for a kiosk retired meanwhile
(the person told); refused with nothing written outside the 30-minute window, for a
session the server never saw live, or one opened at another kiosk. The kiosk's page
requests count under the `kiosk` menu of the status page."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from redis.asyncio import Redis

from auth import Account, retire_kiosk_device
from foundation.metrics import RequestMetrics
from foundation.settings import Settings, load_settings
from notifications.messages import NoticeText, render_notice
from notifications.notices import create_application_notices
from server.fake_bank import FakeAccount, FakeBank, running_fake_bank
from service_status import compute_snapshot
from tests.support.access_cards import PIN, issue, person_with_pin
from tests.support.applying import Client, account_number, laid_off
from tests.support.environment import environment_for_tests
from tests.support.kiosk_devices import KioskKey, enrolled_kiosk, signed_get, signed_post_form
from tests.support.staff import staff_signed_in

PROGRAMME = "unemployment-benefit"
REPLAY = "/kiosk/queue/applications"


@pytest.fixture(scope="module")
def bank() -> Iterator[FakeBank]:
    with running_fake_bank() as fake:
        yield fake


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, bank: FakeBank
) -> Settings:
    environment = environment_for_tests(database_url, redis_url, tmp_path_factory.mktemp("data"))
    return load_settings({**environment, **bank.environment(timeout_s=1.0)})


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


async def confirm_page(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, bank: FakeBank
) -> tuple[Account, KioskKey, dict[str, Any]]:
    """박순자 signed in at a kiosk with a payment account, on the confirm page: what the
    service worker would keep had the line dropped when she pressed "apply"."""
    await staff_signed_in(owner_conn, client)
    account = await person_with_pin(owner_conn, settings)
    await laid_off(owner_conn, account.person_id)
    card = await issue(client, account.person_id)
    client.cookies.clear()
    key = await enrolled_kiosk(client, owner_conn)
    signed = await signed_post_form(
        client, key, "/kiosk/sign-in", {"card": card["card_token"], "pin": PIN}
    )
    assert signed.status_code == 303, signed.text
    born = await owner_conn.fetchval(
        "SELECT birth_date FROM people WHERE id = $1", account.person_id
    )
    number = account_number()
    bank.add(
        FakeAccount(
            bank_code="088",
            account_num=number.replace("-", ""),
            holder_name="박순자",
            birth_date=born,
        )
    )
    added = await signed_post_form(
        client,
        key,
        f"/kiosk/benefits/{PROGRAMME}/account",
        {"bank_code": "088", "account_number": number},
    )
    assert added.status_code == 303, added.text
    page = (await signed_get(client, key, f"/kiosk/benefits/{PROGRAMME}/apply")).text

    def field(name: str) -> str:
        match = re.search(rf'name="{name}" value="([^"]+)"', page)
        assert match, page
        return match.group(1)

    queued = {
        "session_id": field("session_id"),
        "idempotency_key": field("idempotency_key"),
        "pressed_at": datetime.now(UTC).isoformat(),
        "programme_id": PROGRAMME,
        "bank_account_id": int(field("bank_account_id")),
        "contact_preference": "sms",
        "confirmed": True,
    }
    # The person walks away; the kiosk's cookie is gone by the time the line is back.
    client.cookies.clear()
    return account, key, queued


async def replay(client: Client, key: KioskKey, queued: dict[str, Any]) -> Any:
    body = json.dumps(queued).encode()
    return await client.post(
        REPLAY,
        content=body,
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Language": "en",
            **key.headers("POST", REPLAY, body),
        },
    )


async def counts(owner_conn: asyncpg.Connection) -> list[Any]:
    return [
        await owner_conn.fetchval(f"SELECT count(*) FROM {table}")
        for table in (
            "applications",
            "kiosk_queued_applications",
            "idempotency_keys",
            "notices",
            "audit_log",
        )
    ]


async def told(owner_conn: asyncpg.Connection, person_id: int) -> list[str]:
    await create_application_notices(owner_conn, datetime.now(UTC), quiet_hours=False)
    rows = await owner_conn.fetch(
        "SELECT topic FROM notices WHERE person_id = $1 AND kiosk_queue_id IS NOT NULL",
        person_id,
    )
    return [row["topic"] for row in rows]


async def test_the_offline_page_says_what_works_and_what_will_happen(
    client: Client, owner_conn: asyncpg.Connection
) -> None:
    key = await enrolled_kiosk(client, owner_conn)
    page = await signed_get(client, key, "/kiosk/offline")
    assert page.status_code == 200
    assert "키오스크 연결이 끊겼어요" in page.text and 'id="offline-apply"' in page.text
    assert 'id="offline-queued"' not in page.text and "data-signed-in" not in page.text
    queued = await signed_get(client, key, "/kiosk/offline?queued=1&lang=en")
    assert "Your application is kept on this kiosk." in queued.text
    assert "This kiosk is offline" in queued.text
    # The service worker keeps the public pages and queues applications.
    worker = (await client.get("/kiosk/sw.js")).text
    for path in ("/kiosk/offline?queued=1&lang=en", "/kiosk/kiosk.css", REPLAY):
        assert path in worker


async def test_a_queued_application_replayed_twice_is_one_application(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, bank: FakeBank
) -> None:
    account, key, queued = await confirm_page(client, owner_conn, settings, bank)
    first = await replay(client, key, queued)
    assert first.status_code == 201, first.text
    again = await replay(client, key, queued)
    assert again.status_code == 200, again.text
    assert again.json()["application_id"] == first.json()["application_id"]
    assert again.json()["replayed"] is True
    rows = await owner_conn.fetch(
        "SELECT id, submitted_at FROM applications WHERE person_id = $1", account.person_id
    )
    assert [row["id"] for row in rows] == [first.json()["application_id"]]
    kept = await owner_conn.fetchrow(
        "SELECT pressed_at, received_at, outcome, kiosk_id FROM kiosk_queued_applications "
        "WHERE person_id = $1",
        account.person_id,
    )
    assert kept is not None
    # The date that counts is the server's receipt; the device's time is kept beside it.
    assert kept["pressed_at"] == datetime.fromisoformat(queued["pressed_at"])
    assert kept["received_at"] == rows[0]["submitted_at"]
    assert kept["outcome"] == "accepted" and kept["kiosk_id"] == key.kiosk_id
    # The queue's key is kept at least 7 days.
    kept_for = await owner_conn.fetchval(
        "SELECT expires_at - created_at FROM idempotency_keys WHERE key = $1",
        queued["idempotency_key"],
    )
    assert kept_for >= timedelta(days=7)
    # Told once on their channel, by the notification core.
    assert await told(owner_conn, account.person_id) == ["kiosk_queue:accepted"]
    assert await told(owner_conn, account.person_id) == ["kiosk_queue:accepted"]
    # Pressed again on a new confirm page (a new key): the re-check refuses it, the refusal
    # is kept once and the person told.
    second = {**queued, "idempotency_key": str(uuid.uuid4())}
    refused = await replay(client, key, second)
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("kiosk-queue-refused")
    assert (await replay(client, key, second)).status_code == 422
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM applications WHERE person_id = $1", account.person_id
        )
        == 1
    )
    assert (
        await owner_conn.fetchval(
            "SELECT reason FROM kiosk_queued_applications WHERE idempotency_key = $1",
            second["idempotency_key"],
        )
        == "application-already-open"
    )
    assert sorted(await told(owner_conn, account.person_id)) == [
        "kiosk_queue:accepted",
        "kiosk_queue:refused",
    ]
    said = render_notice(
        NoticeText(kind="application_status", programme_id=PROGRAMME, topic="kiosk_queue:accepted"),
        "ko",
    )
    assert "키오스크에서 한" in said.title and "접수됐어요" in said.title


async def test_a_replay_after_the_kiosk_was_retired_is_refused_and_the_person_told(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, bank: FakeBank
) -> None:
    account, key, queued = await confirm_page(client, owner_conn, settings, bank)
    assert key.kiosk_id is not None
    async with owner_conn.transaction():
        await retire_kiosk_device(owner_conn, key.kiosk_id, actor="staff:1", channel="cli")
    # Any other request of the retired kiosk is refused as before.
    home = await signed_get(client, key, "/kiosk")
    assert home.status_code == 401
    refused = await replay(client, key, queued)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("kiosk-queue-kiosk-retired")
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM applications WHERE person_id = $1", account.person_id
        )
        == 0
    )
    before = await counts(owner_conn)
    again = await replay(client, key, queued)
    assert again.status_code == 403
    assert await counts(owner_conn) == before
    assert await told(owner_conn, account.person_id) == ["kiosk_queue:kiosk_retired"]
    said = render_notice(
        NoticeText(
            kind="application_status", programme_id=PROGRAMME, topic="kiosk_queue:kiosk_retired"
        ),
        "en",
    )
    assert "was not sent" in said.title
    sms = render_notice(
        NoticeText(
            kind="application_status", programme_id=PROGRAMME, topic="kiosk_queue:kiosk_retired"
        ),
        "ko",
    ).sms
    assert "보내지지 않았어요" in sms and "1350" in sms


async def test_a_replay_outside_the_window_or_for_a_session_never_seen_live_writes_nothing(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, bank: FakeBank
) -> None:
    account, key, queued = await confirm_page(client, owner_conn, settings, bank)
    other = await enrolled_kiosk(client, owner_conn)
    before = await counts(owner_conn)
    late = (datetime.now(UTC) + timedelta(minutes=31)).isoformat()
    early = (datetime.now(UTC) - timedelta(minutes=31)).isoformat()
    for wrong, kind, status in (
        ({"pressed_at": late}, "kiosk-queue-too-late", 422),
        ({"pressed_at": early}, "kiosk-queue-too-late", 422),
        ({"session_id": str(uuid.uuid4())}, "kiosk-queue-session-not-live", 403),
        ({"bank_account_id": 0}, "validation-error", 400),
    ):
        answer = await replay(client, key, {**queued, **wrong})
        assert answer.status_code == status, answer.text
        problem = answer.json()
        assert problem["type"].endswith(kind) and problem["title"], problem
    # The session was opened at another kiosk.
    elsewhere = await replay(client, other, queued)
    assert elsewhere.status_code == 403
    assert elsewhere.json()["type"].endswith("kiosk-queue-session-not-live")
    assert await counts(owner_conn) == before

    # Signed out while the line was up: the server saw it end, not live.
    session = uuid.UUID(queued["session_id"])
    await owner_conn.execute(
        "UPDATE sessions SET revoked_at = last_seen_at, revoked_reason = 'signed_out' "
        "WHERE id = $1",
        session,
    )
    ended = await replay(client, key, queued)
    assert ended.status_code == 403 and "Sign in again" in ended.json()["detail"]
    assert await counts(owner_conn) == before
    assert await told(owner_conn, account.person_id) == []


async def test_the_kiosk_pages_count_under_the_kiosk_menu(
    client: Client, owner_conn: asyncpg.Connection, database_url: str
) -> None:
    key = await enrolled_kiosk(client, owner_conn)
    metrics: RequestMetrics = client.app.state.metrics
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        await metrics.flush(pool)
        start = await compute_snapshot(owner_conn, datetime.now(UTC))
        before = next(m for m in start.menus if m.id == "kiosk")
        seen = before.windows["24h"].requests if before.windows else 0
        for _ in range(3):
            assert (await signed_get(client, key, "/kiosk")).status_code == 200
        await metrics.flush(pool)
        snapshot = await compute_snapshot(owner_conn, datetime.now(UTC) + timedelta(minutes=1))
    finally:
        await pool.close()
    kiosk = next(m for m in snapshot.menus if m.id == "kiosk")
    assert kiosk.has_traffic and kiosk.windows is not None
    assert kiosk.windows["24h"].requests >= seen + 3
    assert kiosk.windows["24h"].p95_ms is not None

"""Kiosk devices in the core: one-time enrolment codes, enrolling a public key of either
algorithm, retiring, and the request signature every kiosk request carries: a good one
passes; a missing, forged, stale, replayed one, an unknown and a retired kiosk are each
refused, audited, and nothing else is written."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import asyncpg
import msgspec
import pytest
from redis.asyncio import Redis

from auth import (
    KIOSK_NOT_ENROLLED,
    KioskDevice,
    SignedRequest,
    enrol_kiosk,
    issue_enrolment_code,
    retire_kiosk_device,
    verify_kiosk_request,
)
from foundation import db
from foundation.problems import InvalidInput, Problem
from foundation.settings import Settings
from tests.support.kiosk_devices import ALGORITHMS, KioskKey, enrolment_code


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis.url)
    yield client
    await client.aclose()


async def enrolled(db_pool: asyncpg.Pool, code: str, key: KioskKey) -> KioskDevice:
    async with db.transaction(db_pool) as tx:
        kiosk = await enrol_kiosk(
            tx.conn, code=code, algorithm=key.algorithm, public_key=key.public_key
        )
    key.kiosk_id = kiosk.id
    return kiosk


def signed(
    key: KioskKey, method: str = "GET", target: str = "/kiosk", body: bytes = b"", **kw: object
) -> SignedRequest:
    headers = key.headers(method, target, body, **kw)  # type: ignore[arg-type]
    return SignedRequest(
        method=method,
        target=target,
        body=body,
        kiosk_id=headers["X-Kiosk-Id"],
        timestamp=headers["X-Kiosk-Timestamp"],
        nonce=headers["X-Kiosk-Nonce"],
        signature=headers["X-Kiosk-Signature"],
    )


async def verify(db_pool: asyncpg.Pool, redis: Redis, request: SignedRequest) -> KioskDevice:
    async with db.transaction(db_pool) as tx:
        return await verify_kiosk_request(tx.conn, redis, request, address="10.0.0.7")


async def refused(
    db_pool: asyncpg.Pool, redis: Redis, owner_conn: asyncpg.Connection, request: SignedRequest
) -> str:
    """The reason the audit row gives for refusing `request`."""
    before = await owner_conn.fetchval("SELECT max(id) FROM audit_log")
    with pytest.raises(Problem) as caught:
        await verify(db_pool, redis, request)
    assert caught.value.kind is KIOSK_NOT_ENROLLED
    rows = await owner_conn.fetch(
        "SELECT action, details FROM audit_log WHERE id > $1 ORDER BY id", before or 0
    )
    assert [row["action"] for row in rows] == ["kiosk.signature_refused"]
    reason: str = json.loads(rows[0]["details"])["reason"]
    return reason


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_an_enrolled_kiosk_signs_and_every_bad_signature_is_refused(
    algorithm: str, db_pool: asyncpg.Pool, redis: Redis, owner_conn: asyncpg.Connection
) -> None:
    key = KioskKey(algorithm)
    kiosk = await enrolled(db_pool, await enrolment_code(owner_conn), key)
    row = await owner_conn.fetchrow(
        "SELECT office_code, location, public_key, key_algorithm, enrolled_by, key_hash "
        "FROM kiosks WHERE id = $1",
        kiosk.id,
    )
    assert row is not None
    assert dict(row) == {
        "office_code": "busan",
        "location": "1층 입구",
        "public_key": key.public_key,
        "key_algorithm": algorithm,
        "enrolled_by": "staff:1",
        "key_hash": None,
    }

    good = signed(key, "POST", "/kiosk/sign-in?lang=en", b"card=x&pin=1")
    assert (await verify(db_pool, redis, good)).id == kiosk.id
    assert await refused(db_pool, redis, owner_conn, good) == "replayed"

    forged = signed(key, "POST", "/kiosk/sign-in", b"pin=1")
    tampered = msgspec.structs.replace(forged, body=b"pin=2")
    assert await refused(db_pool, redis, owner_conn, tampered) == "forged"
    other = KioskKey(algorithm)
    other.kiosk_id = kiosk.id
    assert await refused(db_pool, redis, owner_conn, signed(other)) == "forged"
    moved = msgspec.structs.replace(signed(key, target="/kiosk"), target="/kiosk/me")
    assert await refused(db_pool, redis, owner_conn, moved) == "forged"

    stale = signed(key, timestamp=int(time.time()) - 61)
    assert await refused(db_pool, redis, owner_conn, stale) == "stale"
    ahead = signed(key, timestamp=int(time.time()) + 61)
    assert await refused(db_pool, redis, owner_conn, ahead) == "stale"
    assert (await verify(db_pool, redis, signed(key, timestamp=int(time.time()) - 50))).id

    missing = msgspec.structs.replace(signed(key), signature=None)
    assert await refused(db_pool, redis, owner_conn, missing) == "missing"
    unknown = signed(key, kiosk_id=kiosk.id + 1000)
    assert await refused(db_pool, redis, owner_conn, unknown) == "unknown_kiosk"

    async with db.transaction(db_pool) as tx:
        await retire_kiosk_device(tx.conn, kiosk.id, actor="operator:cli", channel="cli")
    assert await refused(db_pool, redis, owner_conn, signed(key)) == "retired"
    assert (
        await owner_conn.fetchval("SELECT retired_by FROM kiosks WHERE id = $1", kiosk.id)
        == "operator:cli"
    )


async def test_the_enrolment_code_is_single_use_and_expires(
    db_pool: asyncpg.Pool, owner_conn: asyncpg.Connection
) -> None:
    code = await enrolment_code(owner_conn, office="seoul", location="2층 민원실")
    assert len(code) == 19 and code.count("-") == 3
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM kiosk_enrolment_codes WHERE code_hash = sha256($1)", code.encode()
        )
        == 1
    )
    first = KioskKey("ES256")
    # Typed in lower case without dashes: the same code.
    kiosk = await enrolled(db_pool, code.replace("-", "").lower(), first)
    assert kiosk.office_code == "seoul"
    kiosks = await owner_conn.fetchval("SELECT count(*) FROM kiosks")
    with pytest.raises(Problem) as again:
        await enrolled(db_pool, code, KioskKey())
    assert again.value.kind.slug == "kiosk-enrolment-refused"
    assert await owner_conn.fetchval("SELECT count(*) FROM kiosks") == kiosks

    old = await enrolment_code(owner_conn)
    await owner_conn.execute(
        "UPDATE kiosk_enrolment_codes SET expires_at = now() - interval '1 second' "
        "WHERE code_hash = sha256($1)",
        old.encode(),
    )
    with pytest.raises(Problem):
        await enrolled(db_pool, old, KioskKey())
    assert await owner_conn.fetchval("SELECT count(*) FROM kiosks") == kiosks
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'kiosk.enrolment_refused'"
        )
        == 2
    )


async def test_a_bad_public_key_or_location_is_refused(
    db_pool: asyncpg.Pool, owner_conn: asyncpg.Connection
) -> None:
    code = await enrolment_code(owner_conn)
    ed = KioskKey("Ed25519")
    async with db.transaction(db_pool) as tx:
        for algorithm, public_key in (
            ("ES256", ed.public_key),
            ("RS256", ed.public_key),
            ("Ed25519", b"not a key"),
        ):
            with pytest.raises(InvalidInput) as bad:
                await enrol_kiosk(tx.conn, code=code, algorithm=algorithm, public_key=public_key)
            assert bad.value.inputs[0].name == "public_key"
        with pytest.raises(InvalidInput) as where:
            await issue_enrolment_code(
                tx.conn, office_code="busan", location=" ", actor="staff:1", channel="cli"
            )
        assert where.value.inputs[0].name == "location"
    # The code was not spent by the refusals.
    await enrolled(db_pool, code, ed)

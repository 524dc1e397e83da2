"""Idempotency keys for submits (IETF draft "The Idempotency-Key HTTP Header Field").

A key is claimed in the work's own transaction, and its answer is stored in
that transaction: the key, the work and the answer commit together, or none
does (a failed submit leaves no key behind, so the same request may be tried
again at once). A concurrent duplicate waits on the key's row until the first
request ends (bounded by the statement timeout), then gets its answer. A retry
with the same key and the same body gets that answer again, the same key with
another body is refused (422). The request holds one connection throughout:
claiming on a second one while holding the first could deadlock the pool. A key
left committed without an answer (written by an older release) is `in
progress` (409) for a couple of minutes, then may be claimed again. Keys are
kept per account for 24 hours (`KEEP_FOR`); a kiosk's queue keeps its keys at least 7
days (`KIOSK_QUEUE_KEEP_FOR`: a kiosk may replay days after the line dropped).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import asyncpg
import msgspec

from foundation.problems import Problem
from onestop.applications.problems import IDEMPOTENCY_KEY_IN_PROGRESS, IDEMPOTENCY_KEY_REUSED

KEEP_FOR = timedelta(hours=24)
KIOSK_QUEUE_KEEP_FOR = timedelta(days=7)
ABANDONED_AFTER = timedelta(minutes=2)


class StoredAnswer(msgspec.Struct, frozen=True, kw_only=True):
    status: int
    body: bytes


def request_fingerprint(scope: str, payload: Any) -> bytes:
    """SHA-256 of what the request asks: its route and its decoded body, keys sorted."""
    body = msgspec.json.encode(msgspec.to_builtins(payload), order="sorted")
    return hashlib.sha256(scope.encode() + b"\n" + body).digest()


async def _insert_or_take_over(
    conn: asyncpg.Connection, account_id: int, key: str, fingerprint: bytes, keep_for: timedelta
) -> bool:
    """Claim the key: new, expired, or abandoned by the same request. True if claimed."""
    claimed = await conn.fetchval(
        """
        INSERT INTO idempotency_keys AS k (account_id, key, request_hash, expires_at)
        VALUES ($1, $2, $3, now() + $4::interval)
        ON CONFLICT (account_id, key) DO UPDATE SET
            request_hash = excluded.request_hash, created_at = now(),
            expires_at = excluded.expires_at,
            completed_at = NULL, response_status = NULL, response_body = NULL
        WHERE k.expires_at < now()
           OR (k.completed_at IS NULL AND k.created_at < now() - $5::interval
               AND k.request_hash = excluded.request_hash)
        RETURNING true
        """,
        account_id,
        key,
        fingerprint,
        keep_for,
        ABANDONED_AFTER,
    )
    return bool(claimed)


async def _get_key(conn: asyncpg.Connection, account_id: int, key: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT request_hash, completed_at, response_status, response_body "
        "FROM idempotency_keys WHERE account_id = $1 AND key = $2",
        account_id,
        key,
    )


async def claim_key(
    conn: asyncpg.Connection,
    account_id: int,
    key: str,
    fingerprint: bytes,
    *,
    keep_for: timedelta = KEEP_FOR,
) -> StoredAnswer | None:
    """None when the caller should do the work; the stored answer for a retry. The key
    is kept `keep_for` from now.

    Runs in the caller's transaction: a concurrent request with the same key waits here
    until that transaction ends."""
    if await _insert_or_take_over(conn, account_id, key, fingerprint, keep_for):
        return None
    row = await _get_key(conn, account_id, key)
    if row is None:
        # Expired and purged between the two statements: this request may do the work.
        if await _insert_or_take_over(conn, account_id, key, fingerprint, keep_for):
            return None
        raise Problem(IDEMPOTENCY_KEY_IN_PROGRESS, headers={"Retry-After": "2"})
    if bytes(row["request_hash"]) != fingerprint:
        raise Problem(IDEMPOTENCY_KEY_REUSED)
    if row["completed_at"] is None:
        raise Problem(IDEMPOTENCY_KEY_IN_PROGRESS, headers={"Retry-After": "2"})
    return StoredAnswer(status=row["response_status"], body=bytes(row["response_body"]))


async def store_answer(
    conn: asyncpg.Connection, account_id: int, key: str, answer: StoredAnswer
) -> None:
    """In the work's own transaction: the answer commits with the work, or neither does."""
    await conn.execute(
        """
        UPDATE idempotency_keys SET completed_at = now(), response_status = $3,
            response_body = $4
        WHERE account_id = $1 AND key = $2
        """,
        account_id,
        key,
        answer.status,
        answer.body,
    )


async def purge_expired_keys(conn: asyncpg.Connection) -> int:
    status = await conn.execute("DELETE FROM idempotency_keys WHERE expires_at < now()")
    return int(status.split()[-1])

"""The append-only, hash-chained audit log: one helper to write it, one to verify it.

Every sensitive action (sign-in, authenticator change, identity verification,
consent, document view, ...) writes one row with `record_audit` in the same
transaction as the action itself, so an action and its audit row commit or roll
back together. Codes, registration numbers and full phone numbers never go in.

Each row's hash is SHA-256 over the previous row's hash and the row's content,
so changing, removing or inserting a row breaks the chain from that row on.
Writers take a transaction-scoped advisory lock to append one at a time; in
a request, rows are appended just before the commit (see `defer_audit_rows`).

Rows written while serving the staff console also say from where: the client
address, set for the request by the channel (`audit_source_address`). With the
actor, the time, the subject and the action, that is the access record the
개인정보의 안전성 확보조치 기준 (제8조) asks of staff who process personal data.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec

GENESIS_HASH = bytes(32)
_AUDIT_LOCK_KEY = 0x61756474  # "audt"
SOURCE_ADDRESS_MAX = 100

# The client address of the request being served, for the rows it writes.
_source_address: ContextVar[str | None] = ContextVar("audit_source_address", default=None)


@contextlib.contextmanager
def audit_source_address(address: str) -> Iterator[None]:
    """Audit rows recorded inside this block say they came from `address`."""
    token = _source_address.set(address[:SOURCE_ADDRESS_MAX])
    try:
        yield
    finally:
        _source_address.reset(token)


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    occurred_at: datetime
    actor: str
    action: str
    subject: str | None
    office: str | None
    channel: str | None
    reason: str | None
    details: dict[str, Any]
    prev_hash: bytes
    row_hash: bytes
    source_address: str | None = None


class ChainBreak(msgspec.Struct, frozen=True):
    id: int
    problem: str


class VerifyReport(msgspec.Struct, frozen=True):
    rows: int
    breaks: list[ChainBreak]

    @property
    def ok(self) -> bool:
        return not self.breaks


def row_hash(
    prev_hash: bytes,
    *,
    occurred_at: datetime,
    actor: str,
    action: str,
    subject: str | None,
    office: str | None,
    channel: str | None,
    reason: str | None,
    details: dict[str, Any],
    source_address: str | None = None,
) -> bytes:
    hashed: dict[str, Any] = {
        "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject": subject,
        "office": office,
        "channel": channel,
        "reason": reason,
        "details": details,
    }
    # Only when there is one, so rows from before the column (0025) hash as they did.
    if source_address is not None:
        hashed["source_address"] = source_address
    content = msgspec.json.encode(hashed, order="sorted")
    return hashlib.sha256(prev_hash + content).digest()


class PendingEntry(msgspec.Struct, frozen=True, kw_only=True):
    occurred_at: datetime
    actor: str
    action: str
    subject: str | None
    office: str | None
    channel: str | None
    reason: str | None
    details: dict[str, Any]
    source_address: str | None = None


# Audit rows written inside a request's transaction wait here, per connection,
# and are chained and inserted just before that transaction commits (foundation/db.py).
# The chain needs one writer at a time; holding its lock only for the last
# moment of each transaction, not from the first audited action to the commit,
# keeps audited requests from queueing behind one another.
_deferred: dict[int, list[PendingEntry]] = {}


def defer_audit_rows(conn: asyncpg.Connection) -> None:
    _deferred[id(conn)] = []


def take_deferred_audit_rows(conn: asyncpg.Connection) -> list[PendingEntry]:
    return _deferred.pop(id(conn), [])


def deferred_audit_mark(conn: asyncpg.Connection) -> int:
    """How many audit rows wait for this connection's commit (see `forget_audit_rows_after`)."""
    return len(_deferred.get(id(conn), []))


def forget_audit_rows_after(conn: asyncpg.Connection, mark: int) -> None:
    """Drop the rows recorded since `mark`: their work was rolled back to a savepoint."""
    pending = _deferred.get(id(conn))
    if pending is not None:
        del pending[mark:]


async def record_audit(
    conn: asyncpg.Connection,
    *,
    actor: str,
    action: str,
    subject: str | None = None,
    office: str | None = None,
    channel: str | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one audit row in the caller's transaction: it commits or rolls back with it.

    `actor` and `subject` name parties as `person:<id>`, `account:<id>`,
    `staff:<id>`, `partner:<id>` or `system`; `details` holds JSON values only.
    """
    entry = PendingEntry(
        # Microseconds, as PostgreSQL stores them, so the hash can be recomputed from the row.
        occurred_at=datetime.now(UTC),
        actor=actor,
        action=action,
        subject=subject,
        office=office,
        channel=channel,
        reason=reason,
        details=details or {},
        source_address=_source_address.get(),
    )
    pending = _deferred.get(id(conn))
    if pending is not None:
        pending.append(entry)
        return
    await append_audit_rows(conn, [entry])


async def append_audit_rows(conn: asyncpg.Connection, entries: list[PendingEntry]) -> None:
    """Chain and insert `entries` (one writer at a time, until the transaction ends)."""
    if not entries:
        return
    await conn.execute("SELECT pg_advisory_xact_lock($1)", _AUDIT_LOCK_KEY)
    previous = await conn.fetchval("SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1")
    prev_hash = bytes(previous) if previous is not None else GENESIS_HASH
    rows = []
    for entry in entries:
        digest = row_hash(
            prev_hash,
            occurred_at=entry.occurred_at,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            office=entry.office,
            channel=entry.channel,
            reason=entry.reason,
            details=entry.details,
            source_address=entry.source_address,
        )
        rows.append(
            (
                entry.occurred_at,
                entry.actor,
                entry.action,
                entry.subject,
                entry.office,
                entry.channel,
                entry.reason,
                msgspec.json.encode(entry.details).decode(),
                prev_hash,
                digest,
                entry.source_address,
            )
        )
        prev_hash = digest
    await conn.executemany(
        """
        INSERT INTO audit_log
            (occurred_at, actor, action, subject, office, channel, reason, details, prev_hash,
             row_hash, source_address)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11)
        """,
        rows,
    )


async def list_audit_for_subject(
    conn: asyncpg.Connection, subject: str, *, limit: int = 100
) -> list[AuditEntry]:
    rows = await conn.fetch(
        """
        SELECT id, occurred_at, actor, action, subject, office, channel, reason,
               details::text AS details, prev_hash, row_hash, source_address
        FROM audit_log WHERE subject = $1 ORDER BY id DESC LIMIT $2
        """,
        subject,
        limit,
    )
    return [_entry(row) for row in rows]


def _entry(row: asyncpg.Record) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        occurred_at=row["occurred_at"],
        actor=row["actor"],
        action=row["action"],
        subject=row["subject"],
        office=row["office"],
        channel=row["channel"],
        reason=row["reason"],
        details=msgspec.json.decode(row["details"]),
        prev_hash=bytes(row["prev_hash"]),
        row_hash=bytes(row["row_hash"]),
        source_address=row["source_address"],
    )


async def verify_audit_chain(conn: asyncpg.Connection, *, batch: int = 10_000) -> VerifyReport:
    """Walk the whole log in order and recompute every hash."""
    breaks: list[ChainBreak] = []
    expected_prev = GENESIS_HASH
    last_id = 0
    count = 0
    while True:
        rows = await conn.fetch(
            """
            SELECT id, occurred_at, actor, action, subject, office, channel, reason,
                   details::text AS details, prev_hash, row_hash, source_address
            FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2
            """,
            last_id,
            batch,
        )
        if not rows:
            break
        for row in rows:
            entry = _entry(row)
            count += 1
            if entry.prev_hash != expected_prev:
                breaks.append(ChainBreak(entry.id, "previous hash does not match the row before"))
            recomputed = row_hash(
                entry.prev_hash,
                occurred_at=entry.occurred_at,
                actor=entry.actor,
                action=entry.action,
                subject=entry.subject,
                office=entry.office,
                channel=entry.channel,
                reason=entry.reason,
                details=entry.details,
                source_address=entry.source_address,
            )
            if recomputed != entry.row_hash:
                breaks.append(ChainBreak(entry.id, "row content does not match its hash"))
            expected_prev = entry.row_hash
            last_id = entry.id
    return VerifyReport(rows=count, breaks=breaks)

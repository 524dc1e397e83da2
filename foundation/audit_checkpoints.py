"""Checkpoints of the audit log's head, signed and kept outside the database.

The hash chain (foundation/audit.py) shows a changed, removed or inserted row, but
not the newest rows removed: the chain that is left is still whole. So every minute
the bulk worker writes a checkpoint — the newest row's id and hash, how many rows
there are up to it, and when — signed with an HMAC key that is not in the database
(`AuditSettings.checkpoint_key`), to Redis and to an append-only file of JSON lines
(`AuditSettings.checkpoint_file`; in production a write-once store, docs/deploy.md).
Between minutes, the bulk worker also signs the head into Redis as each commit's rows
land (server/audit_anchor.py).

`hanchang audit verify` then checks that the newest checkpoint's row is still there
with the same hash and that no row up to it is missing. Someone who can delete rows
can at most hide the rows committed in the last fraction of a second (of the last minute
while the bulk worker is down); a checkpoint they forge without the key is reported as
forged.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import msgspec
from redis.asyncio import Redis

# The newest checkpoint (Redis); the file keeps them all.
REDIS_KEY = "hanchang:audit:checkpoint"
# How much of the file's end `newest_in_file` reads: about a day of checkpoints.
_FILE_TAIL_BYTES = 256 * 1024


class AuditCheckpoint(msgspec.Struct, frozen=True, kw_only=True):
    last_id: int
    row_hash: str  # hex
    rows: int
    taken_at: datetime
    signature: str = ""  # hex HMAC-SHA256 over the other fields


class FoundCheckpoints(msgspec.Struct, frozen=True):
    """The newest well-signed checkpoint of each place, and what was found forged."""

    good: list[tuple[str, AuditCheckpoint]]
    forged: list[str]


def _signed_content(checkpoint: AuditCheckpoint) -> bytes:
    return msgspec.json.encode(
        {
            "last_id": checkpoint.last_id,
            "row_hash": checkpoint.row_hash,
            "rows": checkpoint.rows,
            "taken_at": checkpoint.taken_at.astimezone(UTC).isoformat(timespec="microseconds"),
        },
        order="sorted",
    )


def sign_checkpoint(checkpoint: AuditCheckpoint, key: bytes) -> AuditCheckpoint:
    signature = hmac.new(key, _signed_content(checkpoint), hashlib.sha256).hexdigest()
    return msgspec.structs.replace(checkpoint, signature=signature)


def signature_is_valid(checkpoint: AuditCheckpoint, key: bytes) -> bool:
    expected = hmac.new(key, _signed_content(checkpoint), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, checkpoint.signature)


async def read_chain_head(conn: asyncpg.Connection, key: bytes) -> AuditCheckpoint | None:
    """A signed checkpoint of the log as it is now (None while the log is empty).

    One statement, so the newest row and the count come from the same snapshot.
    """
    row = await conn.fetchrow(
        """
        SELECT head.id, head.row_hash,
               (SELECT count(*) FROM audit_log a WHERE a.id <= head.id) AS rows
        FROM (SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1) AS head
        """
    )
    if row is None:
        return None
    checkpoint = AuditCheckpoint(
        last_id=row["id"],
        row_hash=bytes(row["row_hash"]).hex(),
        rows=row["rows"],
        taken_at=datetime.now(UTC),
    )
    return sign_checkpoint(checkpoint, key)


async def save_checkpoint(
    redis: Redis, path: Path, checkpoint: AuditCheckpoint, key: bytes
) -> None:
    """Append the checkpoint to the file (synced to disk) and make it Redis's newest,
    unless Redis already holds a newer head (server/audit_anchor.py writes one as rows
    commit: a minute's checkpoint read a moment earlier must not put it back)."""
    _append_line(path, msgspec.json.encode(checkpoint))
    await put_newest(redis, checkpoint, key)


async def put_newest(redis: Redis, checkpoint: AuditCheckpoint, key: bytes) -> None:
    """Make `checkpoint` Redis's newest unless Redis holds a newer head we signed. A log
    that lost its newest rows must not replace the checkpoint that shows it (the minute
    job logs the loss; `hanchang audit verify` keeps reporting it)."""
    current = await redis.get(REDIS_KEY)
    held = _decode(current) if current is not None else None
    if held is not None and held.last_id > checkpoint.last_id and signature_is_valid(held, key):
        return
    await redis.set(REDIS_KEY, msgspec.json.encode(checkpoint))


def _append_line(path: Path, line: bytes) -> None:
    # A few dozen bytes a minute: written in place, not worth a thread.
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line + b"\n")
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _decode(raw: bytes) -> AuditCheckpoint | None:
    try:
        return msgspec.json.decode(raw, type=AuditCheckpoint)
    except msgspec.DecodeError:
        return None


def _newest_good(lines: list[bytes], key: bytes, place: str, found: FoundCheckpoints) -> None:
    """From the newest line back: report forged lines until the first well-signed one."""
    written = [raw for raw in lines if raw.strip()]
    for from_the_end, raw in enumerate(reversed(written), start=1):
        checkpoint = _decode(raw)
        if checkpoint is not None and signature_is_valid(checkpoint, key):
            found.good.append((place, checkpoint))
            return
        found.forged.append(
            f"{place}: line {from_the_end} from the end is not a checkpoint we signed"
        )


def _tail_lines(path: Path) -> list[bytes]:
    if not path.exists():
        return []
    with path.open("rb") as file:
        size = file.seek(0, os.SEEK_END)
        start = max(0, size - _FILE_TAIL_BYTES)
        file.seek(start)
        lines = file.read().split(b"\n")
    if start > 0:
        lines = lines[1:]  # the first one is cut
    return lines


async def find_checkpoints(redis: Redis | None, path: Path, key: bytes) -> FoundCheckpoints:
    """The newest well-signed checkpoint in the file and in Redis, and any forged ones."""
    found = FoundCheckpoints(good=[], forged=[])
    # Lines are numbered from the end: the file's start may not have been read.
    _newest_good(_tail_lines(path), key, str(path), found)
    if redis is not None:
        raw = await redis.get(REDIS_KEY)
        if raw is not None:
            checkpoint = _decode(raw)
            if checkpoint is not None and signature_is_valid(checkpoint, key):
                found.good.append(("redis", checkpoint))
            else:
                found.forged.append(f"redis: {REDIS_KEY} is not a checkpoint we signed")
    return found


async def check_checkpoint(conn: asyncpg.Connection, checkpoint: AuditCheckpoint) -> list[str]:
    """What the log lacks of what `checkpoint` saw: nothing if it holds."""
    problems: list[str] = []
    taken = checkpoint.taken_at.astimezone(UTC).isoformat(timespec="seconds")
    stored = await conn.fetchval("SELECT row_hash FROM audit_log WHERE id = $1", checkpoint.last_id)
    if stored is None:
        problems.append(
            f"row {checkpoint.last_id}, the newest at the checkpoint of {taken}, is missing"
        )
    elif bytes(stored).hex() != checkpoint.row_hash:
        problems.append(
            f"row {checkpoint.last_id} no longer has the hash the checkpoint of {taken} recorded"
        )
    rows = await conn.fetchval("SELECT count(*) FROM audit_log WHERE id <= $1", checkpoint.last_id)
    if rows < checkpoint.rows:
        problems.append(
            f"{checkpoint.rows - rows} of the {checkpoint.rows} rows up to row "
            f"{checkpoint.last_id} (checkpoint of {taken}) are missing"
        )
    return problems

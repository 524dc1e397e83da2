"""Reading the audit log back; writing rows, removing them as an intruder would, and
`hanchang audit verify` run as an operator runs it."""

from __future__ import annotations

import subprocess
import sys

import asyncpg

from foundation.audit import record_audit
from foundation.settings import Settings


async def actions(owner_conn: asyncpg.Connection, subject: str) -> list[str]:
    rows = await owner_conn.fetch(
        "SELECT action FROM audit_log WHERE subject = $1 ORDER BY id", subject
    )
    return [row["action"] for row in rows]


async def write_audit_rows(owner_conn: asyncpg.Connection, count: int) -> list[int]:
    await owner_conn.execute('SET ROLE "hanchang_app"')
    try:
        async with owner_conn.transaction():
            before = await owner_conn.fetchval("SELECT coalesce(max(id), 0) FROM audit_log")
            for number in range(count):
                await record_audit(
                    owner_conn,
                    actor="system",
                    action="test.checkpoint",
                    details={"number": number},
                )
            rows = await owner_conn.fetch(
                "SELECT id FROM audit_log WHERE id > $1 ORDER BY id", before
            )
        return [row["id"] for row in rows]
    finally:
        await owner_conn.execute("RESET ROLE")


async def delete_as_owner(owner_conn: asyncpg.Connection, ids: list[int]) -> None:
    """Someone with the owner's powers lifts the guard and removes rows."""
    await owner_conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    try:
        await owner_conn.execute("DELETE FROM audit_log WHERE id = ANY($1::bigint[])", ids)
    finally:
        await owner_conn.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")


def verify_cli(settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HANCHANG_ENV": "test",
        "DATABASE_URL": settings.database.url,
        "REDIS_URL": settings.redis.url,
        "HANCHANG_PERSON_KEYS": "1:" + "QUFB" * 11,
        "HANCHANG_DATA_DIR": str(settings.data_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

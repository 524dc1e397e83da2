"""Reading the audit log back."""

from __future__ import annotations

import asyncpg


async def actions(owner_conn: asyncpg.Connection, subject: str) -> list[str]:
    rows = await owner_conn.fetch(
        "SELECT action FROM audit_log WHERE subject = $1 ORDER BY id", subject
    )
    return [row["action"] for row in rows]

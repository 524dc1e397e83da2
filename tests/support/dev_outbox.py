"""Reading the development outbox (`dev_outbox`): what the app sent, as a person got it."""

from __future__ import annotations

import re

import asyncpg

CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


async def read_outbox_code(owner_conn: asyncpg.Connection, phone: str) -> str:
    # The newest message with a code: notices about the account go to the same number.
    bodies = await owner_conn.fetch(
        "SELECT body FROM dev_outbox WHERE to_e164 = $1 ORDER BY id DESC", phone
    )
    match = next((m for row in bodies if (m := CODE.search(row["body"]))), None)
    assert match, f"no code sent to {phone}"
    return match[1]

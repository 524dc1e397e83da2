"""The urgent notice a person gets when their account changes: a row of `notices`.

Where an account changes (an authenticator bound or removed: auth/binding.py; a new
payment account: notifications/bank_account_notice.py), the notice is written in the
same transaction as the change. The notification core (notifications/) delivers it at
once, on every channel's first choice, whatever the hour: it is legally required.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

# The person's language (i18n.locale_of): the database holds only the language table's
# codes (migrations/0031_languages.sql), so the preference is taken as it is.
_LOCALE = "p.preferred_language"


async def create_account_notice(
    conn: asyncpg.Connection, now: datetime, person_id: int, topic: str
) -> int:
    """An urgent, legally required notice about the person's account (e.g. a new payment
    account): sent at once, on every channel's first choice, whatever the hour."""
    notice_id: int = await conn.fetchval(
        f"""
        INSERT INTO notices (person_id, kind, topic, legally_required, urgent, locale, send_after)
        SELECT p.id, 'account', $2, true, true, {_LOCALE}, $1 FROM people p WHERE p.id = $3
        RETURNING id
        """,
        now,
        topic,
        person_id,
    )
    return notice_id

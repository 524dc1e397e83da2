"""A person's language, chosen by themselves on a channel (today the phone line): saved
as `people.preferred_language`, which every notice and page then uses, and audited.

The code is the language table's one code (i18n/languages.py); a code the table does
not know is refused, naming the input.
"""

from __future__ import annotations

import asyncpg

from foundation.audit import record_audit
from foundation.problems import BadInput, InvalidInput
from i18n import N_, SUPPORTED_LOCALES

__all__ = ["save_preferred_language"]

UNKNOWN_LANGUAGE = N_("We do not have this language.")


async def save_preferred_language(
    conn: asyncpg.Connection, person_id: int, code: str, *, channel: str
) -> None:
    """Make `code` the person's language, in the caller's transaction, with an audit row
    saying from which channel and what it was before. Saving the same language again
    changes nothing and writes nothing."""
    if code not in SUPPORTED_LOCALES:
        raise InvalidInput(BadInput("language", UNKNOWN_LANGUAGE))
    before = await conn.fetchval(
        "SELECT preferred_language FROM people WHERE id = $1 FOR UPDATE", person_id
    )
    if before is None or before == code:
        return
    await conn.execute(
        "UPDATE people SET preferred_language = $2, updated_at = now() WHERE id = $1",
        person_id,
        code,
    )
    await record_audit(
        conn,
        actor=f"person:{person_id}",
        action="auth.person.language_saved",
        subject=f"person:{person_id}",
        channel=channel,
        details={"from": before, "to": code},
    )

"""The language a person is written to and spoken to in: their `preferred_language`.

The person sets it in the app, a clerk at the counter, or the person on the phone line;
every channel calls `set_preferred_language`, which keeps one code of the language table
(i18n/languages.py) and writes the audit row. Notices, letters and messages read it
through `i18n.locale_of`.
"""

from __future__ import annotations

import asyncpg
import msgspec

from auth.access_cards import PERSON_NOT_FOUND
from foundation.audit import record_audit
from foundation.problems import BadInput, InvalidInput, Problem
from i18n import N_, SUPPORTED_LOCALES, language_of_tag

NOT_A_LANGUAGE = N_("Choose one of these languages: {choices}.")


class LanguageSet(msgspec.Struct, frozen=True, kw_only=True):
    language: str
    previous: str

    @property
    def changed(self) -> bool:
        return self.language != self.previous


def checked_language(text: str | None, name: str = "language") -> str:
    """The table's code for a language tag (`vi`, `vi-VN`, `zh-TW`, `fil`), or
    InvalidInput naming the input `name`."""
    language = language_of_tag(text)
    if language is None:
        raise InvalidInput(
            BadInput(name, NOT_A_LANGUAGE, {"choices": ", ".join(SUPPORTED_LOCALES)})
        )
    return language.code


async def set_preferred_language(
    conn: asyncpg.Connection,
    person_id: int,
    language: str | None,
    *,
    actor: str,
    channel: str,
    office: str | None = None,
    name: str = "language",
) -> LanguageSet:
    """Keep the person's language (any tag `language_of_tag` understands, stored as the
    table's code); a change is audited with who made it (`account:<id>`, `staff:<id>`).

    InvalidInput naming `name` for a language we have no catalog for; 404
    `card-holder-not-found` for a person who is not (or no longer) in the registry."""
    code = checked_language(language, name)
    previous: str | None = await conn.fetchval(
        "SELECT preferred_language FROM people WHERE id = $1 AND deceased_on IS NULL FOR UPDATE",
        person_id,
    )
    if previous is None:
        raise Problem(PERSON_NOT_FOUND)
    if code != previous:
        await conn.execute(
            "UPDATE people SET preferred_language = $2 WHERE id = $1", person_id, code
        )
        await record_audit(
            conn,
            actor=actor,
            action="person.language_changed",
            subject=f"person:{person_id}",
            office=office,
            channel=channel,
            details={"from": previous, "to": code},
        )
    return LanguageSet(language=code, previous=previous)

"""At the counter, a clerk chooses the person's language on the person page: the list
names each language in its own words and in Korean; the choice goes through the same
core function as the app (auth/preferred_language.py), audited with the clerk's id; a
language we have no catalog for shows the page again with the problem next to the list,
and nothing changes."""

from __future__ import annotations

import html
from datetime import date

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from foundation.settings import Settings
from i18n import LANGUAGES, SUPPORTED_LOCALES, translate
from tests.support.console_pages import csrf_of, page, post_form
from tests.support.factories import make_person
from tests.support.staff import clerk

Client = AsyncTestClient[Litestar]


async def language_rows(owner_conn: asyncpg.Connection, person_id: int) -> list[asyncpg.Record]:
    return await owner_conn.fetch(
        "SELECT actor, office, channel, details FROM audit_log "
        "WHERE subject = $1 AND action = 'person.language_changed' ORDER BY id",
        f"person:{person_id}",
    )


async def test_the_clerk_chooses_the_persons_language(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    person = await make_person(owner_conn, settings, name="SOK DARA", birth_date=date(1994, 2, 11))
    staff_id = await clerk(settings, database_url, capsys, client)
    path = f"/console/people/{person.id}"
    shown = await page(client, path)
    for language in LANGUAGES:
        option = f'<option value="{language.code}"'
        assert option in shown
        assert html.escape(f"{language.name} ({language.korean_name})") in shown
    assert '<option value="ko" selected>' in shown
    # The page in any language of the table (its times go through the table's Babel locale).
    for code in SUPPORTED_LOCALES:
        assert 'id="language-form"' in await page(client, path, lang=code)

    saved = await post_form(
        client, f"{path}/language", {"csrf_token": csrf_of(shown), "language": "km"}
    )
    assert saved.status_code == 303, saved.text
    after = await page(client, saved.headers["location"])
    assert 'id="language-saved"' in after
    assert '<option value="km" selected>' in after
    kept = "SELECT preferred_language FROM people WHERE id = $1"
    assert await owner_conn.fetchval(kept, person.id) == "km"
    rows = await language_rows(owner_conn, person.id)
    assert [(r["actor"], r["office"], r["channel"]) for r in rows] == [
        (f"staff:{staff_id}", "busan", "counter")
    ]

    # A language we have no catalog for: the page again, saying so next to the list.
    refused = await post_form(
        client, f"{path}/language", {"csrf_token": csrf_of(after), "language": "fr"}
    )
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("text/html")
    expected = translate(
        "ko", "Choose one of these languages: {choices}.", choices=", ".join(SUPPORTED_LOCALES)
    )
    assert 'id="language-error"' in refused.text
    assert html.escape(expected) in refused.text
    assert await owner_conn.fetchval(kept, person.id) == "km"
    assert len(await language_rows(owner_conn, person.id)) == 1

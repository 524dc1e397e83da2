"""A person's language, set in the app (`PUT /v1/me/language`): any tag we understand is
kept as the language table's code, shown by `/v1/me`, audited; anything else is refused in
the caller's language, naming the field, and changes nothing. Problems answer in the
language `Accept-Language` asks for (`vi` → Vietnamese, as far as its catalog goes)."""

from __future__ import annotations

import asyncpg
import pytest

from auth import NOT_A_LANGUAGE, STEP_UP_REQUIRED
from foundation.audit import list_audit_for_subject
from foundation.problems import VALIDATION_ERROR
from foundation.settings import Settings
from i18n import SUPPORTED_LOCALES, translate
from tests.support.factories import bearer
from tests.support.notifying import Client, citizen

PROBLEMS = "https://hanchang.moel.go.kr/problems/"


async def preferred(owner_conn: asyncpg.Connection, person_id: int) -> str:
    language: str = await owner_conn.fetchval(
        "SELECT preferred_language FROM people WHERE id = $1", person_id
    )
    return language


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("vi", "vi"), ("vi-VN", "vi"), ("zh-TW", "zh-Hans"), ("fil", "tl"), ("th_TH", "th")],
)
async def test_the_app_sets_the_persons_language(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, sent: str, kept: str
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    answer = await client.put("/v1/me/language", json={"language": sent}, headers=bearer(tokens))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"language": kept}
    me = await client.get("/v1/me", headers=bearer(tokens))
    assert me.json()["preferred_language"] == kept
    assert await preferred(owner_conn, account.person_id) == kept
    audit = await list_audit_for_subject(owner_conn, f"person:{account.person_id}")
    changed = [entry for entry in audit if entry.action == "person.language_changed"]
    assert len(changed) == 1
    assert changed[0].actor == f"account:{account.id}"
    assert changed[0].channel == "app"
    assert changed[0].details == {"from": "ko", "to": kept}

    # The same language again: kept, nothing more to audit.
    again = await client.put("/v1/me/language", json={"language": kept}, headers=bearer(tokens))
    assert again.status_code == 200 and again.json() == {"language": kept}
    audit = await list_audit_for_subject(owner_conn, f"person:{account.person_id}")
    assert len([entry for entry in audit if entry.action == "person.language_changed"]) == 1


async def test_every_language_of_the_table_can_be_chosen(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    for code in SUPPORTED_LOCALES:
        answer = await client.put(
            "/v1/me/language", json={"language": code}, headers=bearer(tokens)
        )
        assert answer.json() == {"language": code}
        assert await preferred(owner_conn, account.person_id) == code


@pytest.mark.parametrize("caller", ["en", "ko", "vi"])
@pytest.mark.parametrize("language", ["fr", "klingon", "", "zz-ZZ"])
async def test_an_unknown_language_is_refused_in_the_callers_language(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    caller: str,
    language: str,
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    answer = await client.put(
        "/v1/me/language",
        json={"language": language},
        headers={**bearer(tokens), "Accept-Language": caller},
    )
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.headers["content-language"] == caller
    problem = answer.json()
    assert problem["type"] == PROBLEMS + "validation-error"
    assert problem["title"] == translate(caller, VALIDATION_ERROR.title)
    choices = ", ".join(SUPPORTED_LOCALES)
    assert problem["errors"] == [
        {"field": "body.language", "detail": translate(caller, NOT_A_LANGUAGE, choices=choices)}
    ]
    assert await preferred(owner_conn, account.person_id) == "ko"
    audit = await list_audit_for_subject(owner_conn, f"person:{account.person_id}")
    assert not [entry for entry in audit if entry.action == "person.language_changed"]


async def test_setting_the_language_needs_a_session(client: Client) -> None:
    answer = await client.put("/v1/me/language", json={"language": "vi"})
    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("accept_language", "locale"),
    [
        ("vi", "vi"),
        ("vi-VN,vi;q=0.9,en;q=0.5", "vi"),
        ("fr;q=1, th;q=0.8, en;q=0.5", "th"),
        ("zh-TW", "zh-Hans"),
        ("fr", "ko"),
    ],
)
async def test_a_bad_request_answers_in_the_language_accept_language_asks_for(
    client: Client, accept_language: str, locale: str
) -> None:
    answer = await client.post(
        "/v1/eligibility/check",
        content=b"{not json",
        headers={"Accept-Language": accept_language, "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.headers["content-language"] == locale
    problem = answer.json()
    assert problem["type"] == PROBLEMS + "malformed-request"
    assert problem["title"] == translate(locale, "The request could not be read")
    assert problem["detail"] == translate(
        locale, "The request body is not valid JSON. Check the format and try again."
    )


async def test_a_request_that_names_no_language_is_answered_in_the_persons_own(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    """No `?lang`, no Accept-Language: the signed-in person's preferred language, before
    Korean. A language the request names still comes first."""
    _, tokens = await citizen(owner_conn, settings)
    await client.put("/v1/me/language", json={"language": "vi"}, headers=bearer(tokens))
    # An aal-1 session asked for an application: step up, in Vietnamese.
    step_up = await client.get("/v1/applications/999999", headers=bearer(tokens))
    assert step_up.status_code == 401, step_up.text
    assert step_up.headers["content-language"] == "vi"
    assert step_up.json()["type"] == PROBLEMS + "step-up-required"
    assert step_up.json()["title"] == translate("vi", STEP_UP_REQUIRED.title)
    assert step_up.json()["title"] != translate("ko", STEP_UP_REQUIRED.title)

    asked = await client.get(
        "/v1/applications/999999", headers={**bearer(tokens), "Accept-Language": "en"}
    )
    assert asked.headers["content-language"] == "en"
    assert asked.json()["title"] == translate("en", STEP_UP_REQUIRED.title)

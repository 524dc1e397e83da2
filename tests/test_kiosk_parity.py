"""Parity: for every demo person the kiosk shows the same benefits (status and the reason
for each criterion), application statuses and inbox as the app's API. The kiosk's pages
are drawn from `benefits_of`, `applications_of` and `inbox_of` (kiosk/benefits.py,
applications.py, notices.py); this test compares what they give with the API's JSON for
the same person, in one test over a few hundred demo people."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from auth import Account, authenticate_access_token, create_account
from foundation.db import Transaction
from foundation.settings import Settings
from kiosk.applications import applications_of
from kiosk.benefits import benefits_of
from kiosk.notices import inbox_of
from onestop.applications import Applicant, move_application, submit_application
from onestop.applications.banks import add_bank_account, complete_verification
from server.demo_data import load_demo_data
from tests.support.applying import Client, account_number
from tests.support.factories import bearer, sign_in

PEOPLE = 300


async def applied(
    conn: asyncpg.Connection, settings: Settings, account: Account, *, moved: bool
) -> None:
    """An application (through the core, as every channel makes one), some under review."""
    who = {"actor": f"account:{account.id}", "channel": "app"}
    bank_account = await add_bank_account(
        conn,
        settings,
        person_id=account.person_id,
        bank_code="088",
        account_number=account_number(),
        proof="holder",
        **who,
    )
    await complete_verification(conn, account.person_id, bank_account, proof="holder", **who)
    application = await submit_application(
        conn,
        Applicant(person_id=account.person_id, account_id=account.id, channel="app"),
        programme_id="unemployment-benefit",
        confirmed=True,
        bank_account_id=bank_account.id,
        contact_preference="sms",
    )
    if moved:
        await move_application(
            conn, application.id, "under_review", actor="staff:1", channel="console"
        )


def plain(value: Any) -> Any:
    return msgspec.json.decode(msgspec.json.encode(value))


async def test_the_kiosk_shows_what_the_app_shows_for_every_demo_person(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    await load_demo_data(owner_conn, people=PEOPLE, seed=7, settings=settings)
    people = [
        r["id"]
        for r in await owner_conn.fetch(
            "SELECT id FROM people WHERE deceased_on IS NULL ORDER BY id"
        )
    ]
    assert len(people) >= PEOPLE // 2
    # Something to compare besides eligibility: a notice for every third person.
    await owner_conn.execute(
        "INSERT INTO notices (person_id, kind, topic, locale) "
        "SELECT id, 'account', 'bank_account_changed', 'ko' FROM people WHERE id % 3 = 0"
    )
    compared = 0
    statuses: set[str] = set()
    for person_id in people:
        account = await create_account(owner_conn, person_id=person_id, assurance="in_person")
        if person_id % 4 == 0:
            await applied(owner_conn, settings, account, moved=person_id % 8 == 0)
        tokens = await sign_in(owner_conn, settings, account, aal=2, method="card+pin")
        # The kiosk's pages below are read in Korean: the app is asked for Korean too (it
        # would answer in the person's own language otherwise).
        headers = {**bearer(tokens), "Accept-Language": "ko"}
        acting = await authenticate_access_token(owner_conn, tokens.access_token)
        assert acting is not None
        tx = Transaction(owner_conn)

        app_benefits = (await client.get("/v1/me/eligibility", headers=headers)).json()
        kiosk_benefits = plain(await benefits_of(tx, acting, "ko"))
        assert kiosk_benefits["programmes"] == app_benefits["programmes"], person_id
        assert kiosk_benefits["as_of"] == app_benefits["as_of"]

        app_applications = (await client.get("/v1/applications", headers=headers)).json()
        assert plain(await applications_of(tx, acting)) == app_applications, person_id
        statuses.update(a["status"] for a in app_applications)

        app_inbox = (await client.get("/v1/me/inbox", headers=headers)).json()
        kiosk_inbox = plain(await inbox_of(tx, acting, "ko"))
        assert kiosk_inbox["notices"] == app_inbox["notices"][: len(kiosk_inbox["notices"])]
        assert kiosk_inbox["unread"] == app_inbox["unread"], person_id
        compared += 1
    assert compared == len(people)
    assert statuses == {"submitted", "under_review"}

"""Recovery at the counter: a person with a PIN set in the app, one of each way in to their
account, and a count of those ways."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from auth import (
    Account,
    insert_card,
    insert_passkey,
    insert_registered_phone,
    issue_recovery_codes,
    token_hash,
)
from foundation.settings import Settings
from tests.support.factories import bearer, make_account, sign_in

Client = AsyncTestClient[Litestar]
REASON = {"reason": "잃어버린 휴대전화"}


async def person_with_pin(
    owner_conn: asyncpg.Connection, settings: Settings, client: Client, **kw: Any
) -> Account:
    account = await make_account(owner_conn, settings, **kw)
    tokens = await sign_in(owner_conn, settings, account)
    answer = await client.put("/v1/me/pin", json={"pin": "739164"}, headers=bearer(tokens))
    assert answer.status_code == 204, answer.text
    return account


async def authenticators(
    owner_conn: asyncpg.Connection, settings: Settings, account: Account, clerk: int
) -> dict[str, Any]:
    """One of each: passkey, TOTP, recovery codes, card, registered phone, and a session."""
    passkey = await insert_passkey(
        owner_conn,
        account_id=account.id,
        credential_id=f"cred-{account.id}".encode(),
        public_key=b"key",
        sign_count=0,
        transports=[],
        aaguid=None,
        device_type="single_device",
        backed_up=False,
        name="휴대전화",
    )
    assert passkey is not None
    await owner_conn.execute(
        "UPDATE accounts SET totp_secret_enc = 'x', totp_confirmed_at = now() WHERE id = $1",
        account.id,
    )
    await issue_recovery_codes(owner_conn, settings.auth, account.id, channel="app", reason="test")
    card = await insert_card(
        owner_conn,
        person_id=account.person_id,
        token_hash=token_hash(f"hcc_test-{account.id}"),
        issued_by=clerk,
        office_code="busan",
    )
    phone = await insert_registered_phone(
        owner_conn,
        person_id=account.person_id,
        phone_e164="+8225550100",
        staff_id=clerk,
        office_code="busan",
    )
    assert phone is not None
    tokens = await sign_in(owner_conn, settings, account, aal=2, method="passkey")
    return {"passkey": passkey.id, "card": card.id, "phone": phone.id, "tokens": tokens}


async def ways_in(owner_conn: asyncpg.Connection, account: Account) -> dict[str, int]:
    row = await owner_conn.fetchrow(
        """
        SELECT (SELECT count(*) FROM passkeys WHERE account_id = $1) AS passkeys,
               (SELECT count(*) FROM accounts WHERE id = $1 AND totp_confirmed_at IS NOT NULL)
                   AS totp,
               (SELECT count(*) FROM recovery_codes WHERE account_id = $1) AS recovery_codes,
               (SELECT count(*) FROM access_cards WHERE person_id = $2 AND revoked_at IS NULL)
                   AS cards,
               (SELECT count(*) FROM registered_phones WHERE person_id = $2
                   AND removed_at IS NULL) AS phones,
               (SELECT count(*) FROM sessions WHERE account_id = $1 AND revoked_at IS NULL)
                   AS sessions
        """,
        account.id,
        account.person_id,
    )
    assert row is not None
    return dict(row)

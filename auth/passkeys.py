"""Citizens' passkeys: registration and sign-in, through the one WebAuthn ceremony
(auth/webauthn_ceremony.py, realm `CITIZEN_PASSKEYS`), and the owner's list.

User verification is required (a PIN or biometric on the device), so a
passkey sign-in is AAL2 on its own (NIST SP 800-63B §5.1.8 multi-factor
cryptographic authenticator). Credentials are discoverable: sign-in needs no
user name.

A refused answer counts towards no lock: anyone who has learnt a credential id
can send one (auth/accounts.py). Answers are throttled per client address. A
signature counter that did not go up (a cloned authenticator?) is also audited.
"""

from __future__ import annotations

import logging
import uuid
from typing import NoReturn

import asyncpg
from arq.connections import ArqRedis
from redis.asyncio import Redis

from auth.accounts import (
    Account,
    ensure_not_locked,
    get_account_for_update,
    record_sign_in_failure,
    record_sign_in_success,
)
from auth.binding import (
    ensure_a_way_in_remains,
    record_authenticator_change,
    require_binding_allowed,
    require_removal_allowed,
)
from auth.passkey_store import (
    CITIZEN_PASSKEYS,
    PasskeySummary,
    count_passkeys,
    delete_passkey_row,
    get_passkey,
    list_passkeys,
    rename_passkey_row,
    user_handle,
)
from auth.problems import SIGN_IN_FAILED
from auth.sessions import CurrentSession, Tokens, start_session
from auth.webauthn_ceremony import (
    AssertionRefused,
    CeremonyOptions,
    SignCountWentBack,
    authentication_options,
    check_assertion,
    keep_credential,
    read_answer,
    registration_options,
    verify_registration,
)
from auth.webauthn_challenges import take_challenge
from auth.webauthn_json import (
    NAME_MAX_LENGTH,
    AuthenticationCredentialJSON,
    PasskeyName,
    RegistrationCredentialJSON,
)
from foundation.audit import record_audit
from foundation.db import Transaction
from foundation.problems import NOT_FOUND, Problem
from foundation.settings import AuthSettings
from i18n import N_, translate

__all__ = [
    "AuthenticationCredentialJSON",
    "PasskeyName",
    "PasskeySummary",
    "RegistrationCredentialJSON",
    "user_handle",
]

log = logging.getLogger(__name__)

# --- Registration ------------------------------------------------------------


def _masked_name(name: str) -> str:
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * min(len(name) - 2, 5) + name[-1]


def _user_name(account: Account) -> str:
    """What the device's passkey list shows: recognisable to the person, not identifying."""
    masked = _masked_name(account.name)
    if account.phone_e164:
        return f"{masked} ·{account.phone_e164[-4:]}"
    return masked


async def _default_name(conn: asyncpg.Connection, account_id: int, locale: str) -> str:
    """The first free "Passkey 1", "Passkey 2", ... in the caller's language."""
    taken = {p.name for p in await list_passkeys(conn, account_id)}
    number = len(taken) + 1
    while (name := translate(locale, N_("Passkey {number}"), number=number)) in taken:
        number += 1
    return name


async def start_registration(
    conn: asyncpg.Connection, redis: Redis, settings: AuthSettings, *, session: CurrentSession
) -> CeremonyOptions:
    """Creation options for a new passkey on the signed-in account, if it may bind one
    now (auth/binding.py; checked again when the answer comes)."""
    account = (await require_binding_allowed(conn, session, "passkey")).account
    return await registration_options(
        conn,
        redis,
        settings,
        CITIZEN_PASSKEYS,
        owner_id=account.id,
        user_name=_user_name(account),
        display_name=account.name,
    )


async def finish_registration(
    tx: Transaction,
    queue: ArqRedis,
    settings: AuthSettings,
    *,
    session: CurrentSession,
    challenge_id: uuid.UUID,
    credential: RegistrationCredentialJSON,
    name: str | None,
    locale: str,
) -> PasskeySummary:
    """Check the new credential against its challenge and keep it; the person is told on
    every channel."""
    conn = tx.conn
    grant = await require_binding_allowed(conn, session, "passkey")
    account = grant.account
    stored = await take_challenge(queue, challenge_id)
    new = verify_registration(
        settings, CITIZEN_PASSKEYS, challenge=stored, owner_id=account.id, credential=credential
    )
    chosen = (name or "").strip()[:NAME_MAX_LENGTH] or await _default_name(conn, account.id, locale)
    passkey = await keep_credential(
        conn, CITIZEN_PASSKEYS, owner_id=account.id, new=new, name=chosen
    )
    await record_authenticator_change(
        tx,
        queue,
        session,
        grant,
        kind="passkey",
        change="added",
        action="auth.passkey.added",
        details={
            "passkey": passkey.id,
            "aaguid": passkey.aaguid,
            "device_type": passkey.device_type,
            "backed_up": passkey.backed_up,
        },
    )
    return PasskeySummary.of(passkey)


# --- Sign-in -----------------------------------------------------------------


async def start_authentication(redis: Redis, settings: AuthSettings) -> CeremonyOptions:
    """Request options for signing in with any passkey of this site (no user name asked)."""
    return await authentication_options(redis, settings, CITIZEN_PASSKEYS)


async def finish_authentication(
    conn: asyncpg.Connection,
    redis: Redis,
    settings: AuthSettings,
    *,
    challenge_id: uuid.UUID,
    credential: AuthenticationCredentialJSON,
    channel: str,
    address: str | None,
    device: str | None = None,
) -> Tokens:
    """Check an assertion; on success, a new session at aal 2 (`address`, the client's,
    goes in the audit rows)."""
    answer = await read_answer(
        conn, redis, CITIZEN_PASSKEYS, challenge_id=challenge_id, credential=credential
    )
    if answer is None:
        raise Problem(SIGN_IN_FAILED)
    found = answer.credential
    # Account first, then passkey: the same lock order as deleting a passkey.
    account = await get_account_for_update(conn, found.account_id)
    passkey = await get_passkey(conn, found.account_id, found.id, lock=True)
    if account is None or passkey is None or account.deceased:
        raise Problem(SIGN_IN_FAILED)

    async def refuse(reason: str) -> NoReturn:
        # %r: the reason can quote what the client sent (an origin, say).
        log.info("passkey sign-in refused for account %s: %r", account.id, reason)
        await record_sign_in_failure(
            conn, account.id, method="passkey", channel=channel, address=address
        )
        raise Problem(SIGN_IN_FAILED, commit_first=True)

    try:
        await check_assertion(
            conn,
            settings,
            CITIZEN_PASSKEYS,
            challenge=answer.challenge,
            kept=passkey,
            credential=credential,
        )
    except SignCountWentBack as back:
        await record_audit(
            conn,
            actor="system",
            action="auth.passkey.sign_count_regression",
            subject=f"account:{account.id}",
            channel=channel,
            details={"passkey": passkey.id, "stored": back.stored, "received": back.received},
        )
        await refuse(back.reason)
    except AssertionRefused as refused:
        await refuse(refused.reason)
    # Only now: a verified assertion may learn it. (Its use, recorded by the check, is
    # rolled back with the refusal.)
    ensure_not_locked(account)
    started = await start_session(
        conn,
        settings,
        account_id=account.id,
        aal=2,
        method="passkey",
        channel=channel,
        device=device,
    )
    await record_sign_in_success(
        conn, account.id, method="passkey", channel=channel, session_id=started.id, address=address
    )
    return started.tokens


# --- The owner's list --------------------------------------------------------


async def my_passkeys(conn: asyncpg.Connection, account_id: int) -> list[PasskeySummary]:
    return [PasskeySummary.of(p) for p in await list_passkeys(conn, account_id)]


async def rename_passkey(
    conn: asyncpg.Connection, *, account_id: int, passkey_id: int, name: str, channel: str
) -> PasskeySummary:
    passkey = await rename_passkey_row(conn, account_id, passkey_id, name.strip())
    if passkey is None:
        raise Problem(NOT_FOUND)
    await record_audit(
        conn,
        actor=f"account:{account_id}",
        action="auth.passkey.renamed",
        subject=f"account:{account_id}",
        channel=channel,
        details={"passkey": passkey_id},
    )
    return PasskeySummary.of(passkey)


async def delete_passkey(
    tx: Transaction, queue: ArqRedis, *, session: CurrentSession, passkey_id: int
) -> None:
    """Remove a passkey (recent aal 2), unless it is the account's last way in
    (auth/binding.py); the person is told on every channel."""
    conn = tx.conn
    # The account row lock serialises deletions: two at once cannot remove the last two.
    grant = await require_removal_allowed(conn, session)
    passkey = await get_passkey(conn, session.account_id, passkey_id, lock=True)
    if passkey is None:
        raise Problem(NOT_FOUND)
    await ensure_a_way_in_remains(conn, grant.account, "passkey")
    await delete_passkey_row(conn, passkey_id)
    await record_authenticator_change(
        tx,
        queue,
        session,
        grant,
        kind="passkey",
        change="removed",
        action="auth.passkey.deleted",
        details={
            "passkey": passkey_id,
            "passkeys_left": await count_passkeys(conn, session.account_id),
        },
    )

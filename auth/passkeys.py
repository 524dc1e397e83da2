"""Passkeys: WebAuthn registration and sign-in, with the `webauthn` package.

User verification is required (a PIN or biometric on the device), so a
passkey sign-in is AAL2 on its own (NIST SP 800-63B §5.1.8 multi-factor
cryptographic authenticator). Credentials are discoverable: sign-in needs no
user name. Challenges are single-use and live 5 minutes in Redis, consumed
with GETDEL so a replayed answer finds nothing.

The signature counter guards against cloned authenticators (WebAuthn §6.1.1):
a correctly signed assertion whose counter did not go up is refused and audited.
Synced passkeys report 0 every time, which is not a regression.

A refused answer counts towards no lock: anyone who has learnt a credential id
can send one (auth/accounts.py). Answers are throttled per client address.
"""

from __future__ import annotations

import logging
import uuid
from typing import NoReturn

import asyncpg
import msgspec
from arq.connections import ArqRedis
from redis.asyncio import Redis
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

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
    PasskeySummary,
    count_passkeys,
    delete_passkey_row,
    get_passkey,
    get_passkey_by_credential_id,
    insert_passkey,
    is_user_handle_of,
    list_passkeys,
    record_passkey_use,
    record_sign_count_regression,
    rename_passkey_row,
    user_handle,
)
from auth.problems import SIGN_IN_FAILED
from auth.sessions import CurrentSession, Tokens, start_session
from auth.webauthn_ceremony import (
    CHALLENGE_LIFETIME_S,
    TRANSPORTS,
    VERIFY_ERRORS,
    CeremonyOptions,
    decode_b64url,
    issue_challenge,
    options_dict,
    take_challenge,
)
from auth.webauthn_json import (
    NAME_MAX_LENGTH,
    AuthenticationCredentialJSON,
    PasskeyName,
    RegistrationCredentialJSON,
)
from foundation.audit import record_audit
from foundation.db import Transaction
from foundation.problems import NOT_FOUND, Problem, problem_kind
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

PASSKEY_NOT_ADDED = problem_kind(
    "passkey-not-added",
    400,
    N_("We could not add the passkey"),
    N_("The passkey could not be checked. Please try again."),
)
PASSKEY_ALREADY_REGISTERED = problem_kind(
    "passkey-already-registered",
    409,
    N_("This passkey is already registered"),
    N_("This passkey is already linked to an account. Sign in with it, or add another one."),
)

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
    existing = await list_passkeys(conn, account.id)
    options = generate_registration_options(
        rp_id=settings.rp_id,
        rp_name=settings.rp_name,
        user_id=user_handle(settings, account.id),
        user_name=_user_name(account),
        user_display_name=account.name,
        timeout=CHALLENGE_LIFETIME_S * 1000,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        # One passkey per device and account: the device refuses a second one.
        exclude_credentials=[
            PublicKeyCredentialDescriptor(
                id=p.credential_id,
                transports=[AuthenticatorTransport(t) for t in p.transports],
            )
            for p in existing
        ],
    )
    challenge_id = await issue_challenge(
        redis, purpose="registration", challenge=options.challenge, account_id=account.id
    )
    return CeremonyOptions(challenge_id=challenge_id, options=options_dict(options))


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
    if stored is None or stored.purpose != "registration" or stored.account_id != account.id:
        raise Problem(PASSKEY_NOT_ADDED)
    try:
        verified = verify_registration_response(
            credential=msgspec.to_builtins(credential),
            expected_challenge=stored.challenge,
            expected_rp_id=settings.rp_id,
            expected_origin=list(settings.allowed_origins),
            require_user_verification=True,
        )
    except VERIFY_ERRORS as exc:
        log.info("passkey registration refused: %s: %r", type(exc).__name__, str(exc))
        raise Problem(PASSKEY_NOT_ADDED) from None
    chosen = (name or "").strip()[:NAME_MAX_LENGTH] or await _default_name(conn, account.id, locale)
    transports = [t for t in credential.response.transports or [] if t in TRANSPORTS]
    passkey = await insert_passkey(
        conn,
        account_id=account.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=transports,
        aaguid=verified.aaguid,
        device_type=verified.credential_device_type.value,
        backed_up=verified.credential_backed_up,
        name=chosen,
    )
    if passkey is None:
        raise Problem(PASSKEY_ALREADY_REGISTERED)
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
    options = generate_authentication_options(
        rp_id=settings.rp_id,
        timeout=CHALLENGE_LIFETIME_S * 1000,
        # Empty: the device offers its discoverable credentials for this site.
        allow_credentials=[],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    challenge_id = await issue_challenge(
        redis, purpose="authentication", challenge=options.challenge, account_id=None
    )
    return CeremonyOptions(challenge_id=challenge_id, options=options_dict(options))


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
    stored = await take_challenge(redis, challenge_id)
    credential_id = decode_b64url(credential.raw_id)
    found = await get_passkey_by_credential_id(conn, credential_id) if credential_id else None
    if found is None:
        raise Problem(SIGN_IN_FAILED)
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

    if stored is None or stored.purpose != "authentication":
        await refuse("no such challenge (expired, used, or for registration)")
    returned = decode_b64url(credential.response.user_handle)
    # A discoverable credential names its account (WebAuthn §7.2 step 6).
    if returned is None or not is_user_handle_of(settings, account.id, returned):
        await refuse("user handle does not match the credential's account")
    try:
        verified = verify_authentication_response(
            credential=msgspec.to_builtins(credential),
            expected_challenge=stored.challenge,
            expected_rp_id=settings.rp_id,
            expected_origin=list(settings.allowed_origins),
            credential_public_key=passkey.public_key,
            # The library compares counters before it checks the signature; we compare
            # after (below), so only a correctly signed assertion can raise the clone
            # alarm, not anyone who has learnt a credential id.
            credential_current_sign_count=0,
            require_user_verification=True,
        )
    except VERIFY_ERRORS as exc:
        await refuse(f"{type(exc).__name__}: {exc}")
    new_count = verified.new_sign_count
    if (new_count or passkey.sign_count) and new_count <= passkey.sign_count:
        await record_sign_count_regression(conn, passkey.id)
        await record_audit(
            conn,
            actor="system",
            action="auth.passkey.sign_count_regression",
            subject=f"account:{account.id}",
            channel=channel,
            details={"passkey": passkey.id, "stored": passkey.sign_count, "received": new_count},
        )
        await refuse("signature counter did not go up (a cloned authenticator?)")
    ensure_not_locked(account)  # only now: a verified assertion may learn it
    await record_passkey_use(
        conn, passkey.id, sign_count=new_count, backed_up=verified.credential_backed_up
    )
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

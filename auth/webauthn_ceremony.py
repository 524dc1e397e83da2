"""The one WebAuthn ceremony, for both realms: registering a passkey and signing in with one.

Citizens' passkeys (auth/passkeys.py) and staff passkeys (enrolled in
auth/staff/accounts.py, signing in in auth/staff/sessions.py) go through the same
steps with the `webauthn` package. A `Realm` says what differs: the challenges'
purposes, the user handle's context, and the table its credentials are kept in
(`CITIZEN_PASSKEYS` in auth/passkey_store.py, `STAFF_PASSKEYS` in auth/staff/store.py).
What each realm does around the ceremony (who may add a passkey, what a refused
sign-in counts towards, the session that follows) stays with it.

User verification is required (a PIN or biometric on the device) and credentials are
discoverable: sign-in asks no user name. Both realms answer to the one relying party
of the site (`AuthSettings`: its id, name and allowed origins).

Challenges are single-use and bound to their realm's purposes
(auth/webauthn_challenges.py).

The signature counter guards against cloned authenticators (WebAuthn §6.1.1): a
correctly signed assertion whose counter did not go up is refused and counted on the
credential. Synced passkeys report 0 every time, which is not a regression.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar

import asyncpg
import msgspec
from redis.asyncio import Redis
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from auth.problems import PASSKEY_ALREADY_REGISTERED, PASSKEY_NOT_ADDED
from auth.webauthn_challenges import (
    CHALLENGE_LIFETIME_S,
    Purpose,
    StoredChallenge,
    issue_challenge,
    take_challenge,
)
from auth.webauthn_json import AuthenticationCredentialJSON, RegistrationCredentialJSON
from foundation.problems import Problem
from foundation.settings import AuthSettings

log = logging.getLogger(__name__)

TRANSPORTS = {t.value for t in AuthenticatorTransport}
# What a malformed or forged credential can make the library raise.
VERIFY_ERRORS = (WebAuthnException, ValueError, TypeError, KeyError, IndexError)


class CeremonyOptions(msgspec.Struct, frozen=True, kw_only=True):
    """A challenge to answer: send `options` to the platform's WebAuthn API, the answer back."""

    challenge_id: uuid.UUID
    # PublicKeyCredentialCreationOptions or ...RequestOptions as JSON (bytes in base64url).
    options: dict[str, Any]


class KeptCredential(Protocol):
    """What the ceremony reads of a kept credential (a row of `passkeys` or `staff_passkeys`)."""

    @property
    def id(self) -> int: ...
    @property
    def owner_id(self) -> int: ...
    @property
    def credential_id(self) -> bytes: ...
    @property
    def public_key(self) -> bytes: ...
    @property
    def sign_count(self) -> int: ...
    @property
    def transports(self) -> list[str]: ...


class NewCredential(msgspec.Struct, frozen=True, kw_only=True):
    """A new credential whose registration was verified, for its realm to keep."""

    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: list[str]
    aaguid: str | None
    device_type: str
    backed_up: bool


Credential = TypeVar("Credential", bound=KeptCredential)


@dataclass(frozen=True, kw_only=True)
class Realm(Generic[Credential]):
    """Whose passkeys a ceremony is about, and where they are kept.

    The store functions take the connection first and never commit, like every query.
    """

    # In log lines: "citizen", "staff".
    name: str
    # Whom a credential belongs to, in a refusal's reason ("account", "staff member").
    owner_noun: str
    registration: Purpose
    authentication: Purpose
    # The field of a registration challenge that names its owner (kept as it was, so a
    # challenge issued before a deploy is still answered after it).
    challenge_owner: Literal["account_id", "staff_id"]
    # Makes the realm's user handles differ from every other realm's, even for one id.
    handle_context: bytes
    # (conn, owner id): the owner's credentials, which a device must not register twice.
    list_credentials: Callable[[asyncpg.Connection, int], Awaitable[Sequence[Credential]]]
    # (conn, credential id): the credential an answer names, if it is this realm's.
    find_credential: Callable[[asyncpg.Connection, bytes], Awaitable[Credential | None]]
    # (conn, owner id, the credential, the name its owner gives it, if the realm has
    # names): the kept credential, or None when the credential is already registered.
    insert_credential: Callable[
        [asyncpg.Connection, int, NewCredential, str | None], Awaitable[Credential | None]
    ]
    # (conn, credential's id, new sign count, backed up): after a verified sign-in.
    record_use: Callable[[asyncpg.Connection, int, int, bool], Awaitable[None]]
    # (conn, credential's id): a correctly signed assertion whose counter did not go up.
    record_sign_count_regression: Callable[[asyncpg.Connection, int], Awaitable[None]]

    def user_handle(
        self, settings: AuthSettings, owner_id: int, version: int | None = None
    ) -> bytes:
        """The owner's WebAuthn user handle: opaque (no id or personal data), and stable.

        An HMAC of the owner's id under a data key. It lives on the person's devices as
        long as their passkeys do, so a data key that made handles must stay configured
        (as an older version) after rotation.
        """
        key = settings.data_keys[settings.current_data_key if version is None else version]
        return hmac.new(key, self.handle_context + str(owner_id).encode(), hashlib.sha256).digest()

    def is_user_handle_of(self, settings: AuthSettings, owner_id: int, handle: bytes) -> bool:
        return any(
            hmac.compare_digest(self.user_handle(settings, owner_id, version), handle)
            for version in settings.data_keys
        )

    def owner_of(self, stored: StoredChallenge) -> int | None:
        return stored.account_id if self.challenge_owner == "account_id" else stored.staff_id


class AssertionRefused(Exception):
    """A sign-in answer that does not hold; `reason` is for the log and the audit row."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SignCountWentBack(AssertionRefused):
    """A correctly signed assertion whose counter did not go up: a cloned authenticator?"""

    def __init__(self, *, stored: int, received: int) -> None:
        super().__init__("signature counter did not go up (a cloned authenticator?)")
        self.stored = stored
        self.received = received


@dataclass(frozen=True, kw_only=True)
class Answer(Generic[Credential]):
    """A sign-in answer as it arrived: its challenge (None when expired or used) and the
    credential it names."""

    challenge: StoredChallenge | None
    credential: Credential


# --- Helpers -------------------------------------------------------------------


def options_dict(options: Any) -> dict[str, Any]:
    decoded: dict[str, Any] = msgspec.json.decode(options_to_json(options))
    return decoded


def decode_b64url(text: str | None) -> bytes | None:
    if text is None:
        return None
    try:
        return base64url_to_bytes(text)
    except ValueError:
        return None


# --- Registration ----------------------------------------------------------------


async def registration_options(
    conn: asyncpg.Connection,
    redis: Redis,
    settings: AuthSettings,
    realm: Realm[Credential],
    *,
    owner_id: int,
    user_name: str,
    display_name: str,
) -> CeremonyOptions:
    """Creation options for a new passkey of `owner_id`; `user_name` is what the device's
    passkey list shows."""
    existing = await realm.list_credentials(conn, owner_id)
    options = generate_registration_options(
        rp_id=settings.rp_id,
        rp_name=settings.rp_name,
        user_id=realm.user_handle(settings, owner_id),
        user_name=user_name,
        user_display_name=display_name,
        timeout=CHALLENGE_LIFETIME_S * 1000,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        # One passkey per device and owner: the device refuses a second one.
        exclude_credentials=[
            PublicKeyCredentialDescriptor(
                id=c.credential_id, transports=[AuthenticatorTransport(t) for t in c.transports]
            )
            for c in existing
        ],
    )
    challenge_id = await issue_challenge(
        redis,
        purpose=realm.registration,
        challenge=options.challenge,
        account_id=owner_id if realm.challenge_owner == "account_id" else None,
        staff_id=owner_id if realm.challenge_owner == "staff_id" else None,
    )
    return CeremonyOptions(challenge_id=challenge_id, options=options_dict(options))


def verify_registration(
    settings: AuthSettings,
    realm: Realm[Credential],
    *,
    challenge: StoredChallenge | None,
    owner_id: int,
    credential: RegistrationCredentialJSON,
) -> NewCredential:
    """Check a new credential against its challenge (taken by the caller, in the order
    its own checks need), or refuse it with `passkey-not-added`."""
    if (
        challenge is None
        or challenge.purpose != realm.registration
        or realm.owner_of(challenge) != owner_id
    ):
        raise Problem(PASSKEY_NOT_ADDED)
    try:
        verified = verify_registration_response(
            credential=msgspec.to_builtins(credential),
            expected_challenge=challenge.challenge,
            expected_rp_id=settings.rp_id,
            expected_origin=list(settings.allowed_origins),
            require_user_verification=True,
        )
    except VERIFY_ERRORS as exc:
        log.info(
            "%s passkey registration refused: %s: %r", realm.name, type(exc).__name__, str(exc)
        )
        raise Problem(PASSKEY_NOT_ADDED) from None
    return NewCredential(
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[t for t in credential.response.transports or [] if t in TRANSPORTS],
        aaguid=verified.aaguid,
        device_type=verified.credential_device_type.value,
        backed_up=verified.credential_backed_up,
    )


async def keep_credential(
    conn: asyncpg.Connection,
    realm: Realm[Credential],
    *,
    owner_id: int,
    new: NewCredential,
    name: str | None = None,
) -> Credential:
    """Keep a verified credential, unless the realm already keeps it (to anyone:
    `passkey-already-registered`)."""
    kept = await realm.insert_credential(conn, owner_id, new, name)
    if kept is None:
        raise Problem(PASSKEY_ALREADY_REGISTERED)
    return kept


# --- Sign-in ---------------------------------------------------------------------


async def authentication_options(
    redis: Redis, settings: AuthSettings, realm: Realm[Credential]
) -> CeremonyOptions:
    """Request options for signing in with any passkey of the realm (no user name asked)."""
    options = generate_authentication_options(
        rp_id=settings.rp_id,
        timeout=CHALLENGE_LIFETIME_S * 1000,
        # Empty: the device offers its discoverable credentials for this site.
        allow_credentials=[],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    challenge_id = await issue_challenge(
        redis, purpose=realm.authentication, challenge=options.challenge
    )
    return CeremonyOptions(challenge_id=challenge_id, options=options_dict(options))


async def read_answer(
    conn: asyncpg.Connection,
    redis: Redis,
    realm: Realm[Credential],
    *,
    challenge_id: uuid.UUID,
    credential: AuthenticationCredentialJSON,
) -> Answer[Credential] | None:
    """Take the answer's challenge and find the credential it names; None when the realm
    has no such credential (nobody to hold a refusal against)."""
    challenge = await take_challenge(redis, challenge_id)
    credential_id = decode_b64url(credential.raw_id)
    found = await realm.find_credential(conn, credential_id) if credential_id else None
    if found is None:
        return None
    return Answer(challenge=challenge, credential=found)


async def check_assertion(
    conn: asyncpg.Connection,
    settings: AuthSettings,
    realm: Realm[Credential],
    *,
    challenge: StoredChallenge | None,
    kept: Credential,
    credential: AuthenticationCredentialJSON,
) -> None:
    """Check an assertion made with `kept` (read again under lock by the caller, after its
    owner) and record the use; raise `AssertionRefused` when it does not hold.

    A regression of the signature counter is counted on the credential before
    `SignCountWentBack` is raised: the caller commits it with its refusal."""
    if challenge is None or challenge.purpose != realm.authentication:
        raise AssertionRefused("no such challenge (expired, used, or for another ceremony)")
    returned = decode_b64url(credential.response.user_handle)
    # A discoverable credential names its owner (WebAuthn §7.2 step 6).
    if returned is None or not realm.is_user_handle_of(settings, kept.owner_id, returned):
        raise AssertionRefused(f"user handle does not match the credential's {realm.owner_noun}")
    try:
        verified = verify_authentication_response(
            credential=msgspec.to_builtins(credential),
            expected_challenge=challenge.challenge,
            expected_rp_id=settings.rp_id,
            expected_origin=list(settings.allowed_origins),
            credential_public_key=kept.public_key,
            # The library compares counters before it checks the signature; we compare
            # after (below), so only a correctly signed assertion can raise the clone
            # alarm, not anyone who has learnt a credential id.
            credential_current_sign_count=0,
            require_user_verification=True,
        )
    except VERIFY_ERRORS as exc:
        raise AssertionRefused(f"{type(exc).__name__}: {exc}") from None
    new_count = verified.new_sign_count
    if (new_count or kept.sign_count) and new_count <= kept.sign_count:
        await realm.record_sign_count_regression(conn, kept.id)
        raise SignCountWentBack(stored=kept.sign_count, received=new_count)
    await realm.record_use(conn, kept.id, new_count, verified.credential_backed_up)

"""Staff of the job centres: accounts, one-time enrollment links, and their passkeys.

Staff sign in to the counter console with a passkey only (no SMS, no password):
they act on citizens' records, so a phishing-resistant authenticator is the one
way in (NIST SP 800-63B §5.2.5, AAL3-like verifier impersonation resistance). An
administrator creates the account; the new staff member opens a one-time link
(24 hours) and registers a passkey with it. The link's token is random and kept
only as SHA-256, like every other token (auth/secrets.py).

Staff user handles are HMACs under their own context, so a staff member's and a
citizen's passkeys never share a handle even when one device holds both.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
from redis.asyncio import Redis
from webauthn import generate_registration_options, verify_registration_response
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from auth.passkey_store import user_handle
from auth.passkeys import PASSKEY_ALREADY_REGISTERED, PASSKEY_NOT_ADDED
from auth.secrets import new_token, token_hash
from auth.staff.notices import tell_admins_of_new_staff
from auth.staff.store import (
    StaffMember,
    StaffRole,
    get_office,
    get_open_enrollment,
    get_staff,
    insert_enrollment,
    insert_role_grant,
    insert_staff,
    insert_staff_passkey,
    list_region_neighbours,
    list_staff_passkeys,
    mark_enrollment_used,
    mark_staff_disabled,
    revoke_all_staff_sessions,
)
from auth.webauthn_ceremony import (
    CHALLENGE_LIFETIME_S,
    TRANSPORTS,
    VERIFY_ERRORS,
    CeremonyOptions,
    issue_challenge,
    options_dict,
    take_challenge,
)
from auth.webauthn_json import RegistrationCredentialJSON
from i18n import N_
from server.audit import record_audit
from server.problems import Problem, problem_kind
from server.settings import AuthSettings

log = logging.getLogger(__name__)

ENROLLMENT_LIFETIME = timedelta(hours=24)
STAFF_HANDLE_CONTEXT = b"webauthn-staff-handle:"
NAME_MAX_LENGTH = 64

ENROLLMENT_LINK_INVALID = problem_kind(
    "enrollment-link-invalid",
    400,
    N_("This enrollment link cannot be used"),
    N_("The link has expired or was already used. Ask your administrator for a new link."),
)


class StaffCreated(msgspec.Struct, frozen=True, kw_only=True):
    staff: StaffMember
    # Shown once: only its hash is kept.
    enrollment_token: str


class UnknownOffice(ValueError):
    pass


def staff_handle(settings: AuthSettings, staff_id: int, version: int | None = None) -> bytes:
    return user_handle(settings, staff_id, version, context=STAFF_HANDLE_CONTEXT)


def staff_actor(staff_id: int) -> str:
    return f"staff:{staff_id}"


async def create_staff(
    conn: asyncpg.Connection,
    *,
    name: str,
    office_code: str,
    role: StaffRole,
    actor: str,
    created_by: int | None = None,
    channel: str = "cli",
) -> StaffCreated:
    """A new staff member and their one-time enrollment token (valid 24 hours).

    `created_by` is the administrator who does it (None: the operator on the command
    line). For 30 days the new account cannot be their second person
    (auth/staff/circle.py), and the office's other administrators are told."""
    name = name.strip()
    if not 1 <= len(name) <= NAME_MAX_LENGTH or not name.isprintable():
        raise ValueError(f"the name must be 1 to {NAME_MAX_LENGTH} printable characters")
    if await get_office(conn, office_code) is None:
        raise UnknownOffice(office_code)
    staff = await insert_staff(conn, name=name, office_code=office_code, role=role)
    await insert_role_grant(conn, staff_id=staff.id, role=role, granted_by=created_by)
    token = await _new_enrollment(conn, staff.id)
    told = await tell_admins_of_new_staff(
        conn,
        created=staff,
        by_staff_id=created_by,
        region=await list_region_neighbours(conn, office_code),
    )
    await record_audit(
        conn,
        actor=actor,
        action="staff.created",
        subject=staff_actor(staff.id),
        office=office_code,
        channel=channel,
        details={"role": role, "told": told},
    )
    return StaffCreated(staff=staff, enrollment_token=token)


async def _new_enrollment(conn: asyncpg.Connection, staff_id: int) -> str:
    token = new_token("hce_")
    await insert_enrollment(
        conn,
        staff_id=staff_id,
        token_hash=token_hash(token),
        expires_at=datetime.now(UTC) + ENROLLMENT_LIFETIME,
    )
    return token


async def disable_staff(
    conn: asyncpg.Connection, staff_id: int, *, actor: str, channel: str = "cli"
) -> StaffMember:
    """Disable at once: every open console session of theirs ends with it."""
    staff = await mark_staff_disabled(conn, staff_id)
    if staff is None:
        raise LookupError(staff_id)
    ended = await revoke_all_staff_sessions(conn, staff_id, reason="disabled")
    await record_audit(
        conn,
        actor=actor,
        action="staff.disabled",
        subject=staff_actor(staff_id),
        office=staff.office_code,
        channel=channel,
        details={"sessions_ended": ended},
    )
    return staff


async def _enrolling_staff(conn: asyncpg.Connection, token: str, *, lock: bool) -> StaffMember:
    staff_id = await get_open_enrollment(conn, token_hash(token), lock=lock)
    staff = await get_staff(conn, staff_id, lock=lock) if staff_id is not None else None
    if staff is None or staff.disabled_at is not None:
        raise Problem(ENROLLMENT_LINK_INVALID)
    return staff


async def start_enrollment(
    conn: asyncpg.Connection, redis: Redis, settings: AuthSettings, *, token: str
) -> CeremonyOptions:
    """Creation options for the staff member the link names (the link stays unused)."""
    staff = await _enrolling_staff(conn, token, lock=False)
    existing = await list_staff_passkeys(conn, staff.id)
    options = generate_registration_options(
        rp_id=settings.rp_id,
        rp_name=settings.rp_name,
        user_id=staff_handle(settings, staff.id),
        user_name=f"{staff.name} ({staff.office_code})",
        user_display_name=staff.name,
        timeout=CHALLENGE_LIFETIME_S * 1000,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(
                id=p.credential_id, transports=[AuthenticatorTransport(t) for t in p.transports]
            )
            for p in existing
        ],
    )
    challenge_id = await issue_challenge(
        redis, purpose="staff-registration", challenge=options.challenge, staff_id=staff.id
    )
    return CeremonyOptions(challenge_id=challenge_id, options=options_dict(options))


async def finish_enrollment(
    conn: asyncpg.Connection,
    redis: Redis,
    settings: AuthSettings,
    *,
    token: str,
    challenge_id: uuid.UUID,
    credential: RegistrationCredentialJSON,
) -> StaffMember:
    """Keep the staff member's passkey and use up the link, both or neither."""
    stored = await take_challenge(redis, challenge_id)
    # Locked: two answers with one link cannot both register a passkey.
    staff = await _enrolling_staff(conn, token, lock=True)
    if stored is None or stored.purpose != "staff-registration" or stored.staff_id != staff.id:
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
        log.info("staff passkey registration refused: %s: %r", type(exc).__name__, str(exc))
        raise Problem(PASSKEY_NOT_ADDED) from None
    passkey = await insert_staff_passkey(
        conn,
        staff_id=staff.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[t for t in credential.response.transports or [] if t in TRANSPORTS],
        aaguid=verified.aaguid,
        device_type=verified.credential_device_type.value,
        backed_up=verified.credential_backed_up,
    )
    if passkey is None:
        raise Problem(PASSKEY_ALREADY_REGISTERED)
    await mark_enrollment_used(conn, token_hash(token))
    await record_audit(
        conn,
        actor=staff_actor(staff.id),
        action="staff.enrolled",
        subject=staff_actor(staff.id),
        office=staff.office_code,
        channel="counter",
        details={"passkey": passkey.id, "aaguid": verified.aaguid},
    )
    return staff

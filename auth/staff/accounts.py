"""Staff of the job centres: accounts, one-time enrollment links, and their passkeys.

Staff sign in to the counter console with a passkey only (no SMS, no password):
they act on citizens' records, so a phishing-resistant authenticator is the one
way in (NIST SP 800-63B §5.2.5, AAL3-like verifier impersonation resistance). An
administrator creates the account; the new staff member opens a one-time link
(24 hours) and registers a passkey with it. The link's token is random and kept
only as SHA-256, like every other token (auth/secrets.py).

Their passkeys go through the one WebAuthn ceremony (auth/webauthn_ceremony.py) in
the staff realm (`STAFF_PASSKEYS`, auth/staff/store.py), whose user handles never
match a citizen's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
from redis.asyncio import Redis

from auth.secrets import new_token, token_hash
from auth.staff.notices import tell_admins_of_new_staff
from auth.staff.store import (
    STAFF_PASSKEYS,
    StaffMember,
    StaffRole,
    get_office,
    get_open_enrollment,
    get_staff,
    insert_enrollment,
    insert_role_grant,
    insert_staff,
    list_region_neighbours,
    mark_enrollment_used,
    mark_staff_disabled,
    revoke_all_staff_sessions,
)
from auth.webauthn_ceremony import (
    CeremonyOptions,
    keep_credential,
    registration_options,
    verify_registration,
)
from auth.webauthn_challenges import take_challenge
from auth.webauthn_json import RegistrationCredentialJSON
from foundation.audit import record_audit
from foundation.problems import Problem, problem_kind
from foundation.settings import AuthSettings
from i18n import N_

ENROLLMENT_LIFETIME = timedelta(hours=24)
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
    return await registration_options(
        conn,
        redis,
        settings,
        STAFF_PASSKEYS,
        owner_id=staff.id,
        user_name=f"{staff.name} ({staff.office_code})",
        display_name=staff.name,
    )


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
    new = verify_registration(
        settings, STAFF_PASSKEYS, challenge=stored, owner_id=staff.id, credential=credential
    )
    passkey = await keep_credential(conn, STAFF_PASSKEYS, owner_id=staff.id, new=new)
    await mark_enrollment_used(conn, token_hash(token))
    await record_audit(
        conn,
        actor=staff_actor(staff.id),
        action="staff.enrolled",
        subject=staff_actor(staff.id),
        office=staff.office_code,
        channel="counter",
        details={"passkey": passkey.id, "aaguid": new.aaguid},
    )
    return staff

"""Identity verification at a job centre counter.

A clerk finds the person in the master registry by their exact name and birth
date (never by listing people), checks a physical document and records the
document type, the last 4 characters of its number and the result. A match
creates the person's account at assurance `in_person`, or raises an existing
one to it; a mismatch changes nothing but is recorded. Every search and every
check is audited with the clerk and their office.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

import asyncpg
import msgspec

from auth.accounts import create_account, get_account_by_person
from auth.people import mask_phone
from auth.staff.accounts import staff_actor
from auth.staff.roles import COUNTER_ROLES, require_role
from auth.staff.sessions import StaffSession
from foundation.audit import record_audit
from foundation.problems import Problem, problem_kind
from i18n import N_

DocumentType = Literal["resident_id_card", "drivers_licence", "passport", "alien_registration_card"]
DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    "resident_id_card",
    "drivers_licence",
    "passport",
    "alien_registration_card",
)
VerificationResult = Literal["match", "mismatch"]
IN_PERSON = "in_person"
# Enough for namesakes born on the same day; more would be a listing.
MAX_PEOPLE_FOUND = 10
NAME_MAX_LENGTH = 100
# An enrollment code (or other credential) needs a matching check this recent:
# the person is still at the counter, or at least on the same day.
RECENT_MATCH = timedelta(hours=8)

PERSON_NOT_FOUND = problem_kind(
    "person-not-found",
    404,
    N_("Person not found"),
    N_("We could not find this person in the registry. Search again by name and birth date."),
)


ID_CHECK_NEEDED = problem_kind(
    "id-check-needed",
    409,
    N_("Check the person's ID first"),
    N_(
        "A card or a phone to sign in with is given or unlocked only after the person's ID "
        "document matched, within the last 8 hours. Check the document and record the "
        "result first."
    ),
)


class PersonFound(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    birth_date: date
    # Masked: the clerk asks the person to confirm it, never reads it out whole.
    phone_masked: str | None
    assurance: str | None


class IdentityVerification(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    person_id: int
    staff_id: int
    office_code: str
    document_type: DocumentType
    document_last4: str
    result: VerificationResult
    channel: str
    verified_at: datetime


class VerificationOutcome(msgspec.Struct, frozen=True, kw_only=True):
    verification: IdentityVerification
    # The account after the check: None when a mismatch found none.
    account_id: int | None
    assurance: str | None
    account_created: bool
    account_upgraded: bool


class InvalidDocumentNumber(ValueError):
    pass


def normalize_last4(text: str) -> str:
    """The last 4 characters of a document number: letters or digits, upper case."""
    value = text.strip().upper()
    if len(value) != 4 or not value.isascii() or not value.isalnum():
        raise InvalidDocumentNumber("the last 4 characters are letters or digits")
    return value


def normalize_name(text: str) -> str:
    name = text.strip()
    if not 1 <= len(name) <= NAME_MAX_LENGTH or not name.isprintable():
        raise ValueError(f"a name has 1 to {NAME_MAX_LENGTH} printable characters")
    return name


# --- Queries -----------------------------------------------------------------


_VERIFICATION = (
    "id, person_id, staff_id, office_code, document_type, document_last4, result, channel, "
    "verified_at"
)


async def select_people_by_name_and_birth_date(
    conn: asyncpg.Connection, name: str, birth_date: date, *, limit: int
) -> list[PersonFound]:
    rows = await conn.fetch(
        """
        SELECT p.id, p.name, p.birth_date, p.phone_e164, a.assurance
        FROM people p LEFT JOIN accounts a ON a.person_id = p.id
        WHERE p.name = $1 AND p.birth_date = $2 AND p.deceased_on IS NULL
        ORDER BY p.id
        LIMIT $3
        """,
        name,
        birth_date,
        limit,
    )
    return [
        PersonFound(
            id=row["id"],
            name=row["name"],
            birth_date=row["birth_date"],
            phone_masked=mask_phone(row["phone_e164"]) if row["phone_e164"] else None,
            assurance=row["assurance"],
        )
        for row in rows
    ]


async def lock_living_person(conn: asyncpg.Connection, person_id: int) -> bool:
    """Lock the person's row (two clerks at once verify one after the other)."""
    found = await conn.fetchval(
        "SELECT true FROM people WHERE id = $1 AND deceased_on IS NULL FOR UPDATE", person_id
    )
    return bool(found)


async def insert_identity_verification(
    conn: asyncpg.Connection,
    *,
    person_id: int,
    staff_id: int,
    office_code: str,
    document_type: DocumentType,
    document_last4: str,
    result: VerificationResult,
    channel: str,
) -> IdentityVerification:
    row = await conn.fetchrow(
        f"""
        INSERT INTO identity_verifications (person_id, staff_id, office_code, document_type,
                                            document_last4, result, channel)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        RETURNING {_VERIFICATION}
        """,
        person_id,
        staff_id,
        office_code,
        document_type,
        document_last4,
        result,
        channel,
    )
    assert row is not None
    return IdentityVerification(**dict(row))


async def get_recent_match(
    conn: asyncpg.Connection, person_id: int, *, within: timedelta
) -> IdentityVerification | None:
    """The person's latest matching check within `within`, if any."""
    row = await conn.fetchrow(
        f"""
        SELECT {_VERIFICATION} FROM identity_verifications
        WHERE person_id = $1 AND result = 'match' AND verified_at > now() - $2::interval
        ORDER BY verified_at DESC, id DESC
        LIMIT 1
        """,
        person_id,
        within,
    )
    return IdentityVerification(**dict(row)) if row else None


async def raise_assurance_to_in_person(conn: asyncpg.Connection, account_id: int) -> None:
    await conn.execute(
        "UPDATE accounts SET assurance = 'in_person' WHERE id = $1 AND assurance <> 'in_person'",
        account_id,
    )


# --- Core ------------------------------------------------------------------------


async def find_people(
    conn: asyncpg.Connection, name: str, birth_date: date, *, staff: StaffSession
) -> list[PersonFound]:
    """Living people with exactly this name and birth date (at most 10), phones masked."""
    name = normalize_name(name)
    found = await select_people_by_name_and_birth_date(
        conn, name, birth_date, limit=MAX_PEOPLE_FOUND
    )
    # The name and birth date are personal data: the audit row keeps only the count.
    await record_audit(
        conn,
        actor=staff_actor(staff.staff_id),
        action="counter.people_searched",
        office=staff.office_code,
        channel="counter",
        details={"found": [f"person:{p.id}" for p in found]},
    )
    return found


async def verify_identity(
    conn: asyncpg.Connection,
    *,
    staff: StaffSession,
    person_id: int,
    document_type: DocumentType,
    document_last4: str,
    result: VerificationResult,
    channel: str = "counter",
) -> VerificationOutcome:
    """Record a document check; a match creates the account or raises it to `in_person`."""
    require_role(staff, *COUNTER_ROLES)
    last4 = normalize_last4(document_last4)
    if not await lock_living_person(conn, person_id):
        raise Problem(PERSON_NOT_FOUND)
    verification = await insert_identity_verification(
        conn,
        person_id=person_id,
        staff_id=staff.staff_id,
        office_code=staff.office_code,
        document_type=document_type,
        document_last4=last4,
        result=result,
        channel=channel,
    )
    account = await get_account_by_person(conn, person_id)
    created = upgraded = False
    if result == "match":
        if account is None:
            account = await create_account(conn, person_id=person_id, assurance=IN_PERSON)
            created = True
        elif account.assurance != IN_PERSON:
            await raise_assurance_to_in_person(conn, account.id)
            upgraded = True
    assurance = IN_PERSON if result == "match" else (account.assurance if account else None)
    await record_audit(
        conn,
        actor=staff_actor(staff.staff_id),
        action="counter.identity_verified" if result == "match" else "counter.identity_mismatch",
        subject=f"person:{person_id}",
        office=staff.office_code,
        channel=channel,
        # The last 4 characters stay in identity_verifications, not in the audit log.
        details={
            "verification": verification.id,
            "document_type": document_type,
            "result": result,
            "account": account.id if account else None,
            "account_created": created,
            "assurance_raised": upgraded,
        },
    )
    return VerificationOutcome(
        verification=verification,
        account_id=account.id if account else None,
        assurance=assurance,
        account_created=created,
        account_upgraded=upgraded,
    )


async def require_recent_match(conn: asyncpg.Connection, person_id: int) -> IdentityVerification:
    """The person's matching ID check of the last 8 hours, or 409 `id-check-needed`: a
    credential goes only to someone whose document a clerk has just seen."""
    match = await get_recent_match(conn, person_id, within=RECENT_MATCH)
    if match is None:
        raise Problem(ID_CHECK_NEEDED)
    return match

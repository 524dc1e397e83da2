"""How a person signs in, seen from the counter: the summary the recovery page shows
(PIN, locks, passkeys, TOTP, access card, registered phones, their recovery requests),
the office's queue of requests for supervisors, and unlocking the access card after a
recent ID check.

The actions themselves are in auth/counter/recovery.py; this module reads, and its one
action (the card) goes through the same ID check as theirs. Every summary read is
audited, like opening the person (auth/counter/view.py): it shows how to get into
someone's account.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import msgspec

from auth.access_card_store import AccessCard, get_card
from auth.access_cards import CARD_NOT_FOUND, unlock_card
from auth.counter.identity_checks import PERSON_NOT_FOUND, get_recent_match
from auth.counter.recovery import CHANNEL, RECENT_MATCH_FOR_RECOVERY, checked_account
from auth.counter.recovery_store import SEEN_FROM_OFFICE, RecoveryAction, RecoveryStatus
from auth.counter.two_person import MAX_REQUESTS_LISTED, REQUEST_LIFETIME
from auth.passkey_store import list_passkeys
from auth.people import get_person, mask_phone_for_display
from auth.staff.accounts import staff_actor
from auth.staff.roles import COUNTER_ROLES, SUPERVISOR_ROLES, require_role
from auth.staff.sessions import StaffSession
from foundation.audit import record_audit
from foundation.problems import Problem

# The person's own requests on their page; the office's recently decided ones.
PERSON_REQUESTS_LISTED = 20
DECIDED_REQUESTS_LISTED = 20


class AccountAtCounter(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    assurance: str
    has_pin: bool
    pin_set_at: datetime | None
    # The app's PIN step-up: 5 wrong PINs lock it (auth/pin.py).
    app_pin_failures: int
    app_pin_locked: bool
    # Wrong PINs in a row after proven possession (auth/accounts.py): 100 lock the account
    # until a counter visit.
    consecutive_failures: int
    hard_locked_at: datetime | None
    totp_enabled: bool


class PasskeyAtCounter(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


class CardAtCounter(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    issued_at: datetime
    pin_failures: int
    locked: bool


class PhoneAtCounter(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    phone_masked: str
    registered_at: datetime
    pin_failures: int
    locked: bool


class RequestAtCounter(msgspec.Struct, frozen=True, kw_only=True):
    """A recovery request with the names a person reads (never the whole new number)."""

    id: int
    person_id: int
    person_name: str
    action: RecoveryAction
    reason: str
    new_phone_masked: str | None
    requested_by: int
    requested_by_name: str
    requested_at: datetime
    status: RecoveryStatus
    # Pending, but older than a working day: it can no longer be approved.
    expired: bool
    decided_by_name: str | None
    decided_at: datetime | None
    decision_reason: str | None
    office_code: str
    # Offered to the region's offices: no one of `office_code` could be the second person.
    offered_to_region: bool


class SignInSummary(msgspec.Struct, frozen=True, kw_only=True):
    person_id: int
    name: str
    phone_masked: str | None
    # The latest matching ID check within 30 minutes: what every recovery action needs.
    recent_match_at: datetime | None
    account: AccountAtCounter | None
    passkeys: list[PasskeyAtCounter]
    card: CardAtCounter | None
    phones: list[PhoneAtCounter]
    requests: list[RequestAtCounter]


class RecoveryQueue(msgspec.Struct, frozen=True, kw_only=True):
    pending: list[RequestAtCounter]
    decided: list[RequestAtCounter]


# --- Queries -------------------------------------------------------------------


async def select_account_at_counter(
    conn: asyncpg.Connection, person_id: int
) -> AccountAtCounter | None:
    row = await conn.fetchrow(
        """
        SELECT id, assurance, pin_hash IS NOT NULL AS has_pin, pin_set_at, app_pin_failures,
               app_pin_locked_at IS NOT NULL AS app_pin_locked, consecutive_failures,
               hard_locked_at, totp_confirmed_at IS NOT NULL AS totp_enabled
        FROM accounts WHERE person_id = $1
        """,
        person_id,
    )
    return AccountAtCounter(**dict(row)) if row else None


async def select_live_card(conn: asyncpg.Connection, person_id: int) -> CardAtCounter | None:
    row = await conn.fetchrow(
        "SELECT id, issued_at, pin_failures, locked_at IS NOT NULL AS locked "
        "FROM access_cards WHERE person_id = $1 AND revoked_at IS NULL",
        person_id,
    )
    return CardAtCounter(**dict(row)) if row else None


async def select_live_phones(conn: asyncpg.Connection, person_id: int) -> list[PhoneAtCounter]:
    rows = await conn.fetch(
        "SELECT id, phone_e164, registered_at, pin_failures, locked_at IS NOT NULL AS locked "
        "FROM registered_phones WHERE person_id = $1 AND removed_at IS NULL ORDER BY id",
        person_id,
    )
    return [
        PhoneAtCounter(
            id=row["id"],
            phone_masked=mask_phone_for_display(row["phone_e164"]),
            registered_at=row["registered_at"],
            pin_failures=row["pin_failures"],
            locked=row["locked"],
        )
        for row in rows
    ]


_REQUESTS = """
    SELECT r.id, r.person_id, p.name AS person_name, r.action, r.reason, r.new_phone_e164,
           r.requested_by, s.name AS requested_by_name, r.requested_at, r.status,
           d.name AS decided_by_name, r.decided_at, r.decision_reason, r.office_code,
           r.offered_to_region
    FROM recovery_requests r
    JOIN people p ON p.id = r.person_id
    JOIN staff s ON s.id = r.requested_by
    LEFT JOIN staff d ON d.id = r.decided_by
"""


def _request(row: asyncpg.Record, now: datetime) -> RequestAtCounter:
    values = dict(row)
    phone = values.pop("new_phone_e164")
    return RequestAtCounter(
        **values,
        new_phone_masked=mask_phone_for_display(phone) if phone else None,
        expired=row["status"] == "pending" and now - row["requested_at"] > REQUEST_LIFETIME,
    )


async def select_person_requests(
    conn: asyncpg.Connection, person_id: int, *, limit: int
) -> list[RequestAtCounter]:
    rows = await conn.fetch(
        _REQUESTS + " WHERE r.person_id = $1 ORDER BY r.requested_at DESC, r.id DESC LIMIT $2",
        person_id,
        limit,
    )
    now = datetime.now(UTC)
    return [_request(row, now) for row in rows]


async def select_office_requests(
    conn: asyncpg.Connection, office_code: str, *, decided: bool, limit: int
) -> list[RequestAtCounter]:
    """Pending ones newest asked first, or decided ones newest decided first."""
    if decided:
        query = f" WHERE {SEEN_FROM_OFFICE} AND r.status <> 'pending' ORDER BY r.decided_at DESC"
    else:
        query = f" WHERE {SEEN_FROM_OFFICE} AND r.status = 'pending' ORDER BY r.requested_at DESC"
    rows = await conn.fetch(_REQUESTS + query + ", r.id DESC LIMIT $2", office_code, limit)
    now = datetime.now(UTC)
    return [_request(row, now) for row in rows]


# --- Core ------------------------------------------------------------------------


async def person_sign_in_summary(
    conn: asyncpg.Connection, staff: StaffSession, person_id: int
) -> SignInSummary:
    """Everything the counter needs to help the person sign in again; each read audited."""
    require_role(staff, *COUNTER_ROLES)
    person = await get_person(conn, person_id)
    if person is None or person.is_deceased:
        raise Problem(PERSON_NOT_FOUND)
    match = await get_recent_match(conn, person_id, within=RECENT_MATCH_FOR_RECOVERY)
    account = await select_account_at_counter(conn, person_id)
    passkeys = await list_passkeys(conn, account.id) if account else []
    await record_audit(
        conn,
        actor=staff_actor(staff.staff_id),
        action="counter.sign_in_summary_viewed",
        subject=f"person:{person_id}",
        office=staff.office_code,
        channel=CHANNEL,
        details={"account": account.id if account else None},
    )
    return SignInSummary(
        person_id=person.id,
        name=person.name,
        phone_masked=mask_phone_for_display(person.phone_e164) if person.phone_e164 else None,
        recent_match_at=match.verified_at if match else None,
        account=account,
        passkeys=[
            PasskeyAtCounter(
                id=p.id, name=p.name, created_at=p.created_at, last_used_at=p.last_used_at
            )
            for p in passkeys
        ],
        card=await select_live_card(conn, person_id),
        phones=await select_live_phones(conn, person_id),
        requests=await select_person_requests(conn, person_id, limit=PERSON_REQUESTS_LISTED),
    )


async def office_recovery_queue(conn: asyncpg.Connection, staff: StaffSession) -> RecoveryQueue:
    """The office's pending requests and the latest decided ones (supervisors, admins)."""
    require_role(staff, *SUPERVISOR_ROLES)
    return RecoveryQueue(
        pending=await select_office_requests(
            conn, staff.office_code, decided=False, limit=MAX_REQUESTS_LISTED
        ),
        decided=await select_office_requests(
            conn, staff.office_code, decided=True, limit=DECIDED_REQUESTS_LISTED
        ),
    )


async def unlock_card_at_counter(
    conn: asyncpg.Connection,
    staff: StaffSession,
    *,
    person_id: int,
    card_id: int,
    reason: str,
) -> AccessCard:
    """Clear the card's wrong PINs and lock, for the person whose ID matched in the last
    30 minutes, and only their own card."""
    require_role(staff, *COUNTER_ROLES)
    _, verification = await checked_account(conn, person_id)
    card = await get_card(conn, card_id)
    if card is None or card.person_id != person_id:
        raise Problem(CARD_NOT_FOUND)
    return await unlock_card(
        conn,
        card_id,
        staff_id=staff.staff_id,
        office_code=staff.office_code,
        reason=reason,
        details={"verification": verification.id},
    )

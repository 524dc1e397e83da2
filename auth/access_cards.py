"""Access cards: sign-in at a job-centre kiosk with a card and the PIN, for people
without a smartphone.

The card is a printed page with a QR code carrying a random card token (only its
SHA-256 is kept). A QR can be photographed, so the card alone is worth nothing: it
signs in only at an enrolled kiosk (which proves itself with its own random key,
also kept only as SHA-256) and only with the person's PIN. The three together reach
`aal` 2 (NIST SP 800-63B: something you have, the card at a kiosk we control,
activated by something you know).

Each card counts its own wrong PINs through `auth.pin.check_pin`; every 5th locks that
card only, not the app's PIN (the card at an enrolled kiosk is possession proven, so
each also counts towards the account's lock at 100). A counter clerk unlocks it, or its
holder at a kiosk with an SMS code (auth/card_unlock.py). Wrong PINs are also throttled
per kiosk, the kiosk channel's source: 20 in 10 minutes. Reissuing a card revokes every
earlier card of the person at once.

A refusal never tells an unknown kiosk from an unknown card, revoked card or
retired kiosk: the caller learns nothing it could probe with.
"""

from __future__ import annotations

from typing import Literal

import asyncpg
import msgspec
from redis.asyncio import Redis

from auth.access_card_store import (
    AccessCard,
    Kiosk,
    add_card_pin_failure,
    card_token_matches,
    clear_card_pin_failures,
    get_card,
    get_live_card_by_token,
    get_live_kiosk_by_key,
    insert_card,
    insert_kiosk,
    lock_card_row,
    mark_kiosk_retired,
    revoke_live_cards,
)
from auth.accounts import get_account_by_person, record_sign_in_success, with_address
from auth.counter.identity_checks import require_recent_match
from auth.limits import FailureLimit, count_failure, refuse_when_over
from auth.people import Person, get_person
from auth.pin import MAX_WRONG_PINS, check_pin, is_wrong_pin
from auth.problems import CREDENTIAL_LOCKED, NO_PIN
from auth.secrets import new_token, token_hash
from auth.sessions import Tokens, start_session
from foundation.audit import record_audit
from foundation.problems import Problem, problem_kind
from foundation.settings import AuthSettings
from i18n import N_

KIOSK_KEY_PREFIX = "hck_"
CARD_TOKEN_PREFIX = "hcc_"  # noqa: S105 - a token prefix, not a secret
NAME_MAX_LENGTH = 64
CHANNEL = "kiosk"
METHOD = "card+pin"
# The kiosk is the kiosk channel's source: someone there with many photographed cards
# meets this before they have locked many of them.
KIOSK_WRONG_PINS = FailureLimit("kiosk-wrong-pins", 20, 600)

CARD_SIGN_IN_FAILED = problem_kind(
    "card-sign-in-failed",
    401,
    N_("This card cannot be used here"),
    N_(
        "The card or this kiosk is not recognised, or the card was replaced. "
        "Ask at the job centre counter, or call 1350."
    ),
)
CARD_LOCKED = problem_kind(
    "card-locked",
    423,
    N_("This card is locked"),
    N_(
        "The PIN was entered wrongly 5 times with this card. Unlock it here with a code "
        "sent to your mobile phone, or at a job centre counter. You can also call 1350."
    ),
)
CARD_NOT_FOUND = problem_kind(
    "card-not-found",
    404,
    N_("No such card"),
    N_("There is no access card with this number, or it was replaced."),
)
PERSON_NOT_FOUND = problem_kind(
    "card-holder-not-found",
    404,
    N_("No such person"),
    N_("There is no person with this number in the registry."),
)


class IssuedCard(msgspec.Struct, frozen=True, kw_only=True):
    card: AccessCard
    # Shown once, for the QR code: only its hash is kept.
    token: str
    revoked: list[int]


class EnrolledKiosk(msgspec.Struct, frozen=True, kw_only=True):
    kiosk: Kiosk
    # Shown once, to be installed on the kiosk: only its hash is kept.
    key: str


class UnknownOffice(ValueError):
    pass


class CardPin:
    """The PIN entered with one access card: the card's own failure count and lock."""

    kind = "card"

    def __init__(self, card_id: int) -> None:
        self.card_id = card_id

    async def is_locked(self, conn: asyncpg.Connection) -> bool:
        return await lock_card_row(conn, self.card_id) is not None

    async def record_wrong_pin(self, conn: asyncpg.Connection) -> int:
        return await add_card_pin_failure(conn, self.card_id, MAX_WRONG_PINS)

    async def clear_wrong_pins(self, conn: asyncpg.Connection) -> None:
        await clear_card_pin_failures(conn, self.card_id)


async def enroll_kiosk(
    conn: asyncpg.Connection, *, office_code: str, name: str, actor: str
) -> EnrolledKiosk:
    name = name.strip()
    if not 1 <= len(name) <= NAME_MAX_LENGTH or not name.isprintable():
        raise ValueError(f"the name must be 1 to {NAME_MAX_LENGTH} printable characters")
    if await conn.fetchval("SELECT 1 FROM offices WHERE code = $1", office_code) is None:
        raise UnknownOffice(office_code)
    key = new_token(KIOSK_KEY_PREFIX)
    kiosk = await insert_kiosk(conn, office_code=office_code, name=name, key_hash=token_hash(key))
    await record_audit(
        conn,
        actor=actor,
        action="kiosk.enrolled",
        subject=f"kiosk:{kiosk.id}",
        office=office_code,
        channel="cli",
        details={"name": name},
    )
    return EnrolledKiosk(kiosk=kiosk, key=key)


async def retire_kiosk(conn: asyncpg.Connection, kiosk_id: int, *, actor: str) -> Kiosk:
    """Its key stops working at once (a stolen or replaced kiosk)."""
    kiosk = await mark_kiosk_retired(conn, kiosk_id)
    if kiosk is None:
        raise LookupError(kiosk_id)
    await record_audit(
        conn,
        actor=actor,
        action="kiosk.retired",
        subject=f"kiosk:{kiosk.id}",
        office=kiosk.office_code,
        channel="cli",
    )
    return kiosk


async def issue_card(
    conn: asyncpg.Connection, *, person_id: int, staff_id: int, office_code: str
) -> IssuedCard:
    """A new card for the person; every earlier card of theirs is revoked in the same step."""
    person = await get_person(conn, person_id)
    if person is None or person.is_deceased:
        raise Problem(PERSON_NOT_FOUND)
    # Serialises two clerks issuing at once: the partial unique index would refuse the second.
    await conn.execute("SELECT id FROM people WHERE id = $1 FOR UPDATE", person_id)
    await require_recent_match(conn, person_id)
    revoked = await revoke_live_cards(conn, person_id)
    token = new_token(CARD_TOKEN_PREFIX)
    card = await insert_card(
        conn,
        person_id=person_id,
        token_hash=token_hash(token),
        issued_by=staff_id,
        office_code=office_code,
    )
    for card_id in revoked:
        await record_audit(
            conn,
            actor=f"staff:{staff_id}",
            action="auth.card.revoked",
            subject=f"person:{person_id}",
            office=office_code,
            channel="counter",
            reason="reissued",
            details={"card": card_id, "replaced_by": card.id},
        )
    await record_audit(
        conn,
        actor=f"staff:{staff_id}",
        action="auth.card.issued",
        subject=f"person:{person_id}",
        office=office_code,
        channel="counter",
        details={"card": card.id, "revoked": revoked},
    )
    return IssuedCard(card=card, token=token, revoked=revoked)


async def card_holder(conn: asyncpg.Connection, card_id: int) -> tuple[AccessCard, Person]:
    card = await get_card(conn, card_id)
    person = await get_person(conn, card.person_id) if card is not None else None
    if card is None or person is None:
        raise Problem(CARD_NOT_FOUND)
    return card, person


async def card_to_print(
    conn: asyncpg.Connection,
    card_id: int,
    token: str,
    *,
    staff_id: int,
    office_code: str,
    printed_as: Literal["html", "pdf"],
) -> tuple[AccessCard, Person]:
    """The card and its holder for printing, when `token` is this live card's token (only its
    hash is kept, so a card can be printed only by whoever holds the token from issuing)."""
    if not token.startswith(CARD_TOKEN_PREFIX) or not await card_token_matches(
        conn, card_id, token_hash(token)
    ):
        raise Problem(CARD_NOT_FOUND)
    card, person = await card_holder(conn, card_id)
    await record_audit(
        conn,
        actor=f"staff:{staff_id}",
        action="auth.card.printed",
        subject=f"person:{card.person_id}",
        office=office_code,
        channel="counter",
        details={"card": card_id, "format": printed_as},
    )
    return card, person


async def unlock_card(
    conn: asyncpg.Connection,
    card_id: int,
    *,
    staff_id: int,
    office_code: str,
    reason: str | None = None,
    details: dict[str, object] | None = None,
) -> AccessCard:
    """A counter clerk clears the card's wrong PINs and its lock (after checking the person).

    `reason` (the clerk's words) and `details` go in the audit row."""
    card = await get_card(conn, card_id, lock=True)
    if card is None or card.revoked_at is not None:
        raise Problem(CARD_NOT_FOUND)
    await require_recent_match(conn, card.person_id)
    await clear_card_pin_failures(conn, card_id)
    await record_audit(
        conn,
        actor=f"staff:{staff_id}",
        action="auth.card.unlocked",
        subject=f"person:{card.person_id}",
        office=office_code,
        channel="counter",
        reason=reason,
        details={**(details or {}), "card": card_id, "was_locked": card.locked_at is not None},
    )
    unlocked = await get_card(conn, card_id)
    assert unlocked is not None
    return unlocked


async def live_kiosk_and_card(
    conn: asyncpg.Connection,
    *,
    kiosk_key: str,
    card_token: str,
    step: str | None = None,
    address: str | None = None,
) -> tuple[Kiosk, AccessCard]:
    """The enrolled live kiosk and the live card, or the one refusal for every miss (audited,
    with `step` naming what was tried when it was not the sign-in itself, and the client's
    `address` when the caller passes it)."""
    kiosk = await get_live_kiosk_by_key(conn, token_hash(kiosk_key)) if kiosk_key else None
    card = await get_live_card_by_token(conn, token_hash(card_token))
    if kiosk is not None and card is not None:
        return kiosk, card
    details: dict[str, object] = {
        "kiosk": kiosk.id if kiosk is not None else None,
        "card": card.id if card is not None else None,
        "reason": "kiosk_unknown" if kiosk is None else "card_unknown",
    }
    if step is not None:
        details["step"] = step
    if address is not None:
        details["address"] = address
    await record_audit(
        conn,
        actor="anonymous",
        action="auth.card.refused",
        subject=f"person:{card.person_id}" if card is not None else None,
        office=kiosk.office_code if kiosk is not None else None,
        channel=CHANNEL,
        details=details,
    )
    raise Problem(CARD_SIGN_IN_FAILED, commit_first=True)


async def verify_card(
    conn: asyncpg.Connection,
    redis: Redis,
    settings: AuthSettings,
    *,
    kiosk_key: str,
    card_token: str,
    pin: str,
    address: str | None,
) -> Tokens:
    """Card + PIN at an enrolled kiosk: a new session at aal 2 on the kiosk channel
    (`address`, the kiosk's, goes in the audit rows)."""
    kiosk, card = await live_kiosk_and_card(
        conn, kiosk_key=kiosk_key, card_token=card_token, address=address
    )
    await refuse_when_over(redis, settings, str(kiosk.id), KIOSK_WRONG_PINS)
    account = await get_account_by_person(conn, card.person_id)
    if account is None:
        raise Problem(NO_PIN)
    try:
        await check_pin(
            conn,
            settings,
            account.id,
            pin,
            CardPin(card.id),
            channel=CHANNEL,
            # The card, shown at a kiosk we enrolled: something the person has.
            possession_proven=True,
            address=address,
        )
    except Problem as problem:
        if is_wrong_pin(problem):
            await count_failure(redis, settings, str(kiosk.id), KIOSK_WRONG_PINS)
        # check_pin's own lock message points to an SMS code, which the kiosk cannot take.
        if problem.kind == CREDENTIAL_LOCKED:
            raise Problem(CARD_LOCKED, commit_first=problem.commit_first) from None
        raise
    started = await start_session(
        conn,
        settings,
        account_id=account.id,
        aal=2,
        method=METHOD,
        channel=CHANNEL,
        device=f"kiosk:{kiosk.id}",
    )
    await record_sign_in_success(
        conn, account.id, method=METHOD, channel=CHANNEL, session_id=started.id, address=address
    )
    await record_audit(
        conn,
        actor=f"account:{account.id}",
        action="auth.card.signed_in",
        subject=f"person:{card.person_id}",
        office=kiosk.office_code,
        channel=CHANNEL,
        details=with_address(
            {"card": card.id, "kiosk": kiosk.id, "session": str(started.id)}, address=address
        ),
    )
    return started.tokens

"""Access cards: sign-in at a job-centre kiosk with a card and the PIN, for people
without a smartphone.

The card is a printed page with a QR code carrying a random card token (only its
SHA-256 is kept). A QR can be photographed, so the card alone is worth nothing: it
signs in only at an enrolled kiosk (which signs every request with its own device key,
auth/kiosk_signatures.py) and only with the person's PIN. The three together reach
`aal` 2 (NIST SP 800-63B: something you have, the card at a kiosk we control,
activated by something you know). The sign-in itself, and its session bound to the
kiosk, is auth/kiosk_sessions.py.

Each card counts its own wrong PINs through `auth.pin.check_pin`; every 5th locks that
card only, not the app's PIN (the card at an enrolled kiosk is possession proven, so
each also counts towards the account's lock at 100). A counter clerk unlocks it, or its
holder at a kiosk with an SMS code (auth/card_unlock.py). Wrong PINs are also throttled
per kiosk, the kiosk channel's source: 20 in 10 minutes. Reissuing a card revokes every
earlier card of the person at once.

A refusal never tells an unknown card from a revoked one: the caller learns nothing it
could probe with.
"""

from __future__ import annotations

from typing import Literal

import asyncpg
import msgspec

from auth.access_card_store import (
    AccessCard,
    add_card_pin_failure,
    card_token_matches,
    clear_card_pin_failures,
    get_card,
    get_live_card_by_token,
    insert_card,
    lock_card_row,
    revoke_live_cards,
)
from auth.counter.identity_checks import require_recent_match
from auth.kiosk_device_store import KioskDevice
from auth.limits import FailureLimit
from auth.people import Person, get_person
from auth.pin import MAX_WRONG_PINS
from auth.secrets import new_token, token_hash
from foundation.audit import record_audit
from foundation.problems import Problem, problem_kind
from i18n import N_

CARD_TOKEN_PREFIX = "hcc_"  # noqa: S105 - a token prefix, not a secret
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


async def live_card_at_kiosk(
    conn: asyncpg.Connection,
    kiosk: KioskDevice,
    card_token: str,
    *,
    step: str | None = None,
    address: str | None = None,
) -> AccessCard:
    """The live card, at `kiosk` (whose signature the kiosk channel verified), or the one
    refusal for an unknown, revoked or replaced card (audited, with `step` naming what was
    tried when it was not the sign-in itself, and the client's `address`)."""
    card = await get_live_card_by_token(conn, token_hash(card_token))
    if card is not None:
        return card
    details: dict[str, object] = {"kiosk": kiosk.id, "card": None, "reason": "card_unknown"}
    if step is not None:
        details["step"] = step
    if address is not None:
        details["address"] = address
    await record_audit(
        conn,
        actor="anonymous",
        action="auth.card.refused",
        office=kiosk.office_code,
        channel=CHANNEL,
        details=details,
    )
    raise Problem(CARD_SIGN_IN_FAILED, commit_first=True)

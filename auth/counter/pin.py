"""The PIN set at the counter, by the person, on the spot.

Someone with no smartphone gets an access card or a registered phone at the counter,
and both need the one PIN (auth/pin.py). Rather than send them to a kiosk with an
enrollment code, the clerk turns the keypad to them and they type it themselves: the
clerk never sees it, and the console page says so.

Only a first PIN is set this way (none yet, or cleared by a PIN reset): changing a
PIN someone still knows is for their own aal 2 session. It needs a matching ID check
in the last 30 minutes, like every recovery action, since whoever sets the PIN holds
the card.
"""

from __future__ import annotations

import asyncpg
import msgspec

from auth.counter.recovery import CHANNEL, checked_account
from auth.pin import store_pin
from auth.staff.accounts import staff_actor
from auth.staff.roles import COUNTER_ROLES, require_role
from auth.staff.sessions import StaffSession
from foundation.audit import record_audit
from foundation.problems import Problem, problem_kind
from foundation.settings import AuthSettings
from i18n import N_

PIN_ALREADY_SET = problem_kind(
    "pin-already-set",
    409,
    N_("This person already has a PIN"),
    N_(
        "A PIN the person still knows is changed in the app. If they forgot it, reset the "
        "PIN first; then they can set a new one here."
    ),
)


class PinSetAtCounter(msgspec.Struct, frozen=True, kw_only=True):
    account_id: int
    verification_id: int


async def set_pin_at_counter(
    conn: asyncpg.Connection,
    settings: AuthSettings,
    staff: StaffSession,
    *,
    person_id: int,
    pin: str,
) -> PinSetAtCounter:
    """The person's first PIN, typed by them at the counter after a recent ID match."""
    require_role(staff, *COUNTER_ROLES)
    account, verification = await checked_account(conn, person_id)
    if account.has_pin:
        raise Problem(PIN_ALREADY_SET)
    await store_pin(conn, settings, account, pin)
    await record_audit(
        conn,
        actor=staff_actor(staff.staff_id),
        action="counter.pin_set",
        subject=f"person:{person_id}",
        office=staff.office_code,
        channel=CHANNEL,
        details={"account": account.id, "verification": verification.id, "typed_by": "person"},
    )
    return PinSetAtCounter(account_id=account.id, verification_id=verification.id)

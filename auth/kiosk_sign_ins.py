"""The other ways to sign in at a kiosk, beside card + PIN (auth/kiosk_sessions.py): each
one the app's own sign-in, opening a session bound to the kiosk instead of the app's
tokens (no refresh token leaves a kiosk).

- An SMS code to a feature phone (aal 1), as `POST /v1/auth/sms/verify`
  (auth/sms_codes.py: `accept_code`).
- That session completed with the app's PIN (aal 2), as `POST /v1/auth/pin/verify`
  (auth/pin.py: `check_pin_on_code`). Wrong PINs count against the app's PIN, never the
  card (the one rule of auth/pin.py).
- An enrollment code from the counter (aal 1, to set the PIN with `set_pin`), as
  `POST /v1/auth/enrollment/redeem` (auth/enrollment_codes.py: `take_enrollment_code`).
"""

from __future__ import annotations

import uuid

import asyncpg

from auth.access_cards import CHANNEL
from auth.accounts import record_sign_in_success
from auth.enrollment_codes import record_enrollment_code_redeemed, take_enrollment_code
from auth.kiosk_device_store import KioskDevice
from auth.kiosk_sessions import KioskSession, StartedKioskSession, open_kiosk_session
from auth.pin import check_pin_on_code
from auth.sessions import revoke_session
from auth.sms_codes import accept_code, code_signed_in
from foundation.audit import record_audit
from foundation.db import Transaction
from foundation.settings import AuthSettings, Settings


async def sign_in_with_code_at_kiosk(
    tx: Transaction,
    settings: Settings,
    *,
    kiosk: KioskDevice,
    challenge_id: uuid.UUID,
    code: str,
    address: str | None,
) -> StartedKioskSession:
    """An SMS (or voice) code typed at `kiosk`: a session at aal 1 bound to it."""
    account, challenge = await accept_code(
        tx, settings, challenge_id=challenge_id, code=code, channel=CHANNEL, address=address
    )
    started = await open_kiosk_session(
        tx.conn, account_id=account.id, kiosk_id=kiosk.id, aal=1, method=challenge.delivery
    )
    await code_signed_in(
        tx.conn, account, challenge, session_id=started.id, channel=CHANNEL, address=address
    )
    return started


async def step_up_at_kiosk(
    conn: asyncpg.Connection,
    settings: AuthSettings,
    session: KioskSession,
    pin: str,
    *,
    address: str | None,
) -> StartedKioskSession:
    """The app's PIN on top of a code session at this kiosk: a new session at aal 2, bound
    to the same kiosk; this one ends."""
    account = await check_pin_on_code(conn, settings, session.as_current(), pin, address=address)
    method = f"pin+{session.method}"
    await revoke_session(conn, session.id, reason="stepped_up")
    started = await open_kiosk_session(
        conn, account_id=account.id, kiosk_id=session.kiosk_id, aal=2, method=method
    )
    await record_sign_in_success(
        conn, account.id, method=method, channel=CHANNEL, session_id=started.id, address=address
    )
    await record_audit(
        conn,
        actor=f"account:{account.id}",
        action="auth.session.stepped_up",
        subject=f"account:{account.id}",
        channel=CHANNEL,
        details={
            "from_session": str(session.id),
            "session": str(started.id),
            "method": method,
            "kiosk": session.kiosk_id,
        },
    )
    return started


async def redeem_enrollment_code_at_kiosk(
    conn: asyncpg.Connection, *, kiosk: KioskDevice, code: str, address: str | None
) -> StartedKioskSession:
    """An enrollment code typed at `kiosk`: a session at aal 1 bound to it, to set the PIN."""
    taken = await take_enrollment_code(conn, code=code, channel="kiosk")
    started = await open_kiosk_session(
        conn, account_id=taken.account_id, kiosk_id=kiosk.id, aal=1, method="enrollment_code"
    )
    await record_enrollment_code_redeemed(
        conn, taken, session_id=started.id, channel=CHANNEL, address=address
    )
    return started

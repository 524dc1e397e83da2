"""A voice notice's call: we placed it to the person's number of record, so its key
presses may sign the person in (issue 16: "2 to apply").

The notice's TwiML carries, in the address its `<Gather>` posts to, a token for that
delivery (that call) and person: sealed with the data key (AES-GCM, so signed and
opaque: the person id is never in clear), expiring with the call, and single-use (its
first post claims it in Redis; the call then goes on under its `CallSid`).

The PIN typed on that call gives aal 2 at once: answering a call we placed to a
registered number is possession of that phone (as a call-back is, auth/registered_phones
.py), so a wrong PIN counts towards this phone's lock (every 5th) and the account's hard
lock, as on a call-back. A number of record that is not a registered phone of the person
cannot sign in by PIN (no registered phone, no credential to count against).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
from cryptography.exceptions import InvalidTag
from redis.asyncio import Redis

from auth.accounts import record_sign_in_success
from auth.registered_phone_store import insert_phone_session
from auth.registered_phones import PHONE_SESSION_NEEDED, check_phone_pin
from auth.secrets import seal, unseal
from auth.sessions import start_session
from foundation.audit import record_audit
from foundation.problems import Problem, problem_kind
from foundation.settings import AuthSettings
from i18n import N_

NOTICE_CALL_LIFETIME = timedelta(minutes=30)
PLACED_CALL_METHOD = "phone_pin+placed_call"
_PREFIX = "hnc_"
_CONTEXT = b"hanchang:voice-notice-call"
_USED = "phone:notice-call-used:"

NOTICE_CALL_ENDED = problem_kind(
    "notice-call-ended",
    400,
    N_("This call can no longer be answered"),
    N_("Too much time passed, or the keys were already pressed on this call."),
)


class NoticeCall(msgspec.Struct, frozen=True, kw_only=True):
    """What a voice notice's call is about: the delivery (the call), the person, the
    number we called, and the notice's kind, programme, topic and language (to say it
    again as it was said: in Korean and English for a language without a voice)."""

    delivery_id: int
    person_id: int
    phone_e164: str
    kind: str
    programme_id: str | None
    topic: str | None
    expires_at: datetime
    locale: str = "ko"


def notice_call_token(settings: AuthSettings, call: NoticeCall) -> str:
    sealed = seal(settings, msgspec.msgpack.encode(call), _CONTEXT)
    return _PREFIX + base64.urlsafe_b64encode(sealed).decode().rstrip("=")


async def open_notice_call_token(redis: Redis, settings: AuthSettings, token: str) -> NoticeCall:
    """The call a token is for; refused when forged, expired or already used (once only)."""
    try:
        raw = token.removeprefix(_PREFIX)
        blob = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        call = msgspec.msgpack.decode(unseal(settings, blob, _CONTEXT), type=NoticeCall)
    except (ValueError, KeyError, IndexError, InvalidTag, msgspec.DecodeError):
        raise Problem(NOTICE_CALL_ENDED) from None
    left = (call.expires_at - datetime.now(UTC)).total_seconds()
    if not token.startswith(_PREFIX) or left <= 0:
        raise Problem(NOTICE_CALL_ENDED)
    used = _USED + hashlib.sha256(token.encode()).hexdigest()
    if not await redis.set(used, "1", nx=True, ex=max(1, int(left))):
        raise Problem(NOTICE_CALL_ENDED)
    return call


async def sign_in_on_placed_call(
    conn: asyncpg.Connection, settings: AuthSettings, call: NoticeCall, pin: str
) -> uuid.UUID:
    """The PIN on a voice notice's call: a session at aal 2 on the phone channel (its id)."""
    row = await conn.fetchrow(
        """
        SELECT r.id AS phone_id, a.id AS account_id
        FROM registered_phones r JOIN accounts a ON a.person_id = r.person_id
        JOIN people p ON p.id = r.person_id
        WHERE r.person_id = $1 AND r.phone_e164 = $2 AND r.removed_at IS NULL
          AND p.phone_e164 = $2 AND p.deceased_on IS NULL
        """,
        call.person_id,
        call.phone_e164,
    )
    if row is None:
        raise Problem(PHONE_SESSION_NEEDED)
    account_id, phone_id = row["account_id"], row["phone_id"]
    await check_phone_pin(conn, settings, account_id, phone_id, pin, possession_proven=True)
    started = await start_session(
        conn, settings, account_id=account_id, aal=2, method=PLACED_CALL_METHOD, channel="phone"
    )
    await record_sign_in_success(
        conn,
        account_id,
        method=PLACED_CALL_METHOD,
        channel="phone",
        session_id=started.id,
        address=None,
    )
    await insert_phone_session(conn, started.id, phone_id)
    await record_audit(
        conn,
        actor=f"account:{account_id}",
        action="auth.phone.signed_in",
        subject=f"account:{account_id}",
        channel="phone",
        details={
            "phone_id": phone_id,
            "session": str(started.id),
            "aal": 2,
            "delivery": call.delivery_id,
        },
    )
    return started.id

"""What the phone line remembers about a call between two key presses, in Redis.

Twilio posts each key press as a new webhook; the call's language, who signed in (the
session, never a token), its assurance level and where in the menus the caller is live
under the call's `CallSid` and expire with the call (`CALL_STATE_TTL`: no call lasts an
hour). Nothing here is a secret a caller could use: the session is loaded afresh from
the database on every press (auth `phone_session`), so a session ended meanwhile ends
the call's sign-in too.
"""

from __future__ import annotations

import uuid

import msgspec
from redis.asyncio import Redis

from auth import NoticeCall
from onestop.offices import CallbackWindow

CALL_STATE_TTL_S = 3600
_KEY = "phone:call:"


class CallState(msgspec.Struct, kw_only=True):
    locale: str = "ko"
    # The language the caller chose on the language menu (the line may go on in their
    # saved one once signed in: voice.py `line_language`); they may save it (menu key 8).
    chosen: str | None = None
    # Once signed in: the person's saved language (people.preferred_language).
    saved: str | None = None
    # The menu the caller is in: the route their next key press goes to.
    at: str = "language"
    # Set once signed in: the session, its assurance level (1, or 2 after the call-back).
    session_id: uuid.UUID | None = None
    aal: int = 0
    # Typed before the PIN (YYMMDD), kept only until the PIN is checked.
    birth_date: str | None = None
    # While applying: the programmes offered, in the order of their keys, and the choice.
    offered: list[str] = []
    programme_id: str | None = None
    bank_account_id: int | None = None
    # While choosing a staff call-back: the windows offered, in the order of their keys.
    windows: list[CallbackWindow] = []
    # On a voice notice's call (one we placed): what the call is about (auth NoticeCall).
    notice: NoticeCall | None = None


async def load_call(redis: Redis, call_sid: str) -> CallState | None:
    raw = await redis.get(_KEY + call_sid)
    if raw is None:
        return None
    return msgspec.json.decode(raw, type=CallState)


async def save_call(redis: Redis, call_sid: str, state: CallState) -> None:
    await redis.set(_KEY + call_sid, msgspec.json.encode(state), ex=CALL_STATE_TTL_S)

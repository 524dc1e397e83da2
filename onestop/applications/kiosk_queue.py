"""Applications a kiosk queued while the line to the centre was down, accepted once.

A person whose session was opened while the line was up presses "apply"; the kiosk,
offline, keeps the application on the device with the time it was pressed, the confirm
page's idempotency key and the session, and replays it, signed by its device key, when
the line returns (kiosk/offline.py). No PIN is ever checked offline: the session is the
one the server saw, at this kiosk.

The server accepts it when the session was live when the server last saw it and "apply"
was pressed within `QUEUE_WINDOW` of that; eligibility and the payment account are
checked again through `submit_once`, the same core as every channel, under the queue's
idempotency key kept `KIOSK_QUEUE_KEEP_FOR`. Each replay the server takes is kept in
`kiosk_queued_applications`, once per (account, key), for good: a later replay gets the
same answer, whatever the age of the key. The application's `submitted_at` is the
server's receipt (the date that counts; no law we apply says otherwise), the device's
time is kept beside it (`pressed_at`). The person is told of each outcome on their
channel by the notification core (notifications/notices.py), as of an application's
status changes. A kiosk retired meanwhile: the application is not sent, and the person
is told so.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import asyncpg
import msgspec

from auth import LastSeenKioskSession, has_recent_aal2, session_last_seen_live
from foundation.problems import InvalidInput, Problem, problem_kind
from i18n import N_
from onestop.applications.applying import ApplicationRequest, submit_once
from onestop.applications.idempotency import KIOSK_QUEUE_KEEP_FOR
from onestop.applications.problems import IDEMPOTENCY_KEY_IN_PROGRESS

QUEUE_WINDOW = timedelta(minutes=30)

KIOSK_QUEUE_SESSION_NOT_LIVE = problem_kind(
    "kiosk-queue-session-not-live",
    403,
    N_("This application was not sent"),
    N_(
        "The kiosk kept it for a session we do not know at this kiosk, or one that had "
        "ended. Sign in again and apply."
    ),
)
KIOSK_QUEUE_TOO_LATE = problem_kind(
    "kiosk-queue-too-late",
    422,
    N_("This application was not sent"),
    N_(
        "Apply was pressed more than 30 minutes after the session was last seen. "
        "Sign in again and apply."
    ),
)
KIOSK_QUEUE_NOT_AAL2 = problem_kind(
    "kiosk-queue-needs-card-and-pin",
    403,
    N_("This application was not sent"),
    N_("Applying needs a sign-in with your card and PIN. Sign in again and apply."),
)
KIOSK_QUEUE_KIOSK_RETIRED = problem_kind(
    "kiosk-queue-kiosk-retired",
    403,
    N_("This application was not sent"),
    N_("This kiosk was retired before it could send the application. We told the person."),
)
KIOSK_QUEUE_REFUSED = problem_kind(
    "kiosk-queue-refused",
    422,
    N_("This application was not accepted"),
    N_("It was checked again when it arrived and could not be accepted. We told the person."),
)


class QueuedApplication(msgspec.Struct, frozen=True, kw_only=True):
    """What the kiosk kept on the device when "apply" was pressed offline."""

    session_id: uuid.UUID
    idempotency_key: str
    # The kiosk's clock when the person pressed "apply".
    pressed_at: datetime
    application: ApplicationRequest


class QueueAnswer(msgspec.Struct, frozen=True, kw_only=True):
    application_id: int
    # The server's receipt: the date that counts.
    received_at: datetime
    pressed_at: datetime
    # Answered before (a replay of a replay).
    replayed: bool


class _Kept(msgspec.Struct, frozen=True):
    outcome: str
    application_id: int | None
    received_at: datetime
    pressed_at: datetime


async def _kept(conn: asyncpg.Connection, account_id: int, key: str) -> _Kept | None:
    row = await conn.fetchrow(
        "SELECT outcome, application_id, received_at, pressed_at FROM kiosk_queued_applications "
        "WHERE account_id = $1 AND idempotency_key = $2",
        account_id,
        key,
    )
    return None if row is None else _Kept(**dict(row))


async def _keep(
    conn: asyncpg.Connection,
    kiosk_id: int,
    seen: LastSeenKioskSession,
    queued: QueuedApplication,
    *,
    outcome: str,
    reason: str | None = None,
    application_id: int | None = None,
) -> _Kept | None:
    """The replay's record; None when a concurrent replay of the same key kept it first."""
    row = await conn.fetchrow(
        """
        INSERT INTO kiosk_queued_applications (kiosk_id, session_id, account_id, person_id,
            idempotency_key, programme_id, pressed_at, outcome, reason, application_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        ON CONFLICT (account_id, idempotency_key) DO NOTHING
        RETURNING outcome, application_id, received_at, pressed_at
        """,
        kiosk_id,
        queued.session_id,
        seen.acting.account_id,
        seen.acting.person_id,
        queued.idempotency_key,
        queued.application.programme_id,
        queued.pressed_at,
        outcome,
        reason,
        application_id,
    )
    return None if row is None else _Kept(**dict(row))


def _answer(kept: _Kept, *, replayed: bool) -> QueueAnswer:
    if kept.outcome == "kiosk_retired":
        raise Problem(KIOSK_QUEUE_KIOSK_RETIRED)
    if kept.outcome != "accepted" or kept.application_id is None:
        raise Problem(KIOSK_QUEUE_REFUSED)
    return QueueAnswer(
        application_id=kept.application_id,
        received_at=kept.received_at,
        pressed_at=kept.pressed_at,
        replayed=replayed,
    )


async def accept_queued_application(
    conn: asyncpg.Connection,
    *,
    kiosk_id: int,
    kiosk_retired: bool,
    queued: QueuedApplication,
    locale: str,
) -> QueueAnswer:
    """Accept, once, an application kiosk `kiosk_id` queued offline (see the module).

    Refused with nothing written: a session the server never saw live at this kiosk,
    "apply" pressed more than `QUEUE_WINDOW` from when it was last seen, a session without
    recent aal 2 then. Refused with the
    refusal kept and the person told (the problem commits first): the kiosk retired, or
    the re-check (eligibility, the payment account, already applied) says no."""
    seen = await session_last_seen_live(conn, queued.session_id, kiosk_id)
    if seen is None:
        raise Problem(KIOSK_QUEUE_SESSION_NOT_LIVE)
    if abs(queued.pressed_at - seen.last_seen_at) > QUEUE_WINDOW:
        raise Problem(KIOSK_QUEUE_TOO_LATE)
    # The assurance rule of applying, as of when "apply" was pressed (auth/assurance.py).
    if not has_recent_aal2(seen.acting, now=max(queued.pressed_at, seen.last_seen_at)):
        raise Problem(KIOSK_QUEUE_NOT_AAL2)
    before = await _kept(conn, seen.acting.account_id, queued.idempotency_key)
    if before is not None:
        return _answer(before, replayed=True)
    if kiosk_retired:
        await _keep(conn, kiosk_id, seen, queued, outcome="kiosk_retired")
        raise Problem(KIOSK_QUEUE_KIOSK_RETIRED, commit_first=True)
    try:
        # A savepoint: a refusal leaves nothing of the attempt, only its record below.
        async with conn.transaction():
            submitted = await submit_once(
                conn,
                seen.acting,
                queued.application,
                queued.idempotency_key,
                for_person=None,
                locale=locale,
                keep_key_for=KIOSK_QUEUE_KEEP_FOR,
            )
    except (Problem, InvalidInput) as refused:
        if isinstance(refused, Problem) and refused.kind is IDEMPOTENCY_KEY_IN_PROGRESS:
            raise  # a concurrent replay is at it: try again in a moment
        reason = refused.kind.slug
        await _keep(conn, kiosk_id, seen, queued, outcome="refused", reason=reason)
        raise Problem(KIOSK_QUEUE_REFUSED, commit_first=True) from None
    kept = await _keep(
        conn, kiosk_id, seen, queued, outcome="accepted", application_id=submitted.application_id
    )
    if kept is None:
        # A concurrent replay of the same key kept its record first: its answer.
        first = await _kept(conn, seen.acting.account_id, queued.idempotency_key)
        assert first is not None
        return _answer(first, replayed=True)
    return _answer(kept, replayed=submitted.replayed)

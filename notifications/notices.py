"""Who is told, and when: notices created set-based, once per eligibility period.

- `create_benefit_notices`: people the last eligibility run found eligible for a
  programme they have not applied for in that period. The partial unique index
  `notices_once_per_period` makes a second run (or a re-run job) a no-op.
- `create_application_notices`: one notice per application status change, and one per
  application a kiosk queued offline and replayed (`kiosk_queued_applications`: accepted,
  refused on the re-check, or not sent because the kiosk was retired), topic
  `kiosk_queue:<outcome>`.
- Account notices (an authenticator bound, a new payment account) are created by
  `auth/account_notices.py`, where the change happens; this package delivers them.
- Quiet hours: a notice created between the person's `quiet_from` and
  `quiet_until` (Korea time; 21:00–08:00 unless they chose otherwise) gets a
  `send_after` in the next morning, spread over an hour by person so that
  providers are not hit at once. Urgent notices are not deferred. The setting
  `HANCHANG_QUIET_HOURS=false` turns them off (tests of the whole system only).
- Opt-outs: a notice the person opted out of is still created, as
  `inbox_only`; legally required notices (application decisions) are never
  opted out of.
- `claim_due_notices`: takes up to 500 due notices for one delivery job.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

BATCH = 500

# The person's quiet hours on `$now` (Korea time), and when they end. Reads `pref` (the
# person's preferences, or defaults) and `$1` (now); spread by person over an hour.
_SEND_AFTER = """
CASE WHEN (CASE WHEN coalesce(pref.quiet_from, 21) > coalesce(pref.quiet_until, 8)
                THEN extract(hour FROM $1::timestamptz AT TIME ZONE 'Asia/Seoul')
                     >= coalesce(pref.quiet_from, 21)
                  OR extract(hour FROM $1::timestamptz AT TIME ZONE 'Asia/Seoul')
                     < coalesce(pref.quiet_until, 8)
                ELSE extract(hour FROM $1::timestamptz AT TIME ZONE 'Asia/Seoul')
                     >= coalesce(pref.quiet_from, 21)
                 AND extract(hour FROM $1::timestamptz AT TIME ZONE 'Asia/Seoul')
                     < coalesce(pref.quiet_until, 8) END)
     THEN ((date_trunc('day', $1::timestamptz AT TIME ZONE 'Asia/Seoul')
            + make_interval(hours => coalesce(pref.quiet_until, 8))
            + CASE WHEN extract(hour FROM $1::timestamptz AT TIME ZONE 'Asia/Seoul')
                        >= coalesce(pref.quiet_until, 8)
                   THEN interval '1 day' ELSE interval '0' END)
           AT TIME ZONE 'Asia/Seoul')
          + make_interval(secs => (p.id * 7919) % 3600)
     ELSE $1::timestamptz END
"""

# The person's language (i18n.locale_of): the database holds only the language table's
# codes (migrations/0031_languages.sql), so the preference is taken as it is.
_LOCALE = "p.preferred_language"


def _send_after(quiet_hours: bool) -> str:
    return _SEND_AFTER if quiet_hours else "$1::timestamptz"


async def create_benefit_notices(
    conn: asyncpg.Connection,
    now: datetime,
    person_ids: Sequence[int] | None = None,
    *,
    quiet_hours: bool = True,
) -> int:
    """Notices for everyone newly eligible (or the given people); returns how many."""
    only = "" if person_ids is None else "AND e.person_id = ANY($2::bigint[])"
    args: list[object] = [now] if person_ids is None else [now, list(person_ids)]
    status = await conn.execute(
        f"""
        INSERT INTO notices (person_id, kind, programme_id, period_key, locale, send_after, state)
        SELECT e.person_id, 'benefit', e.programme_id, e.period_key, {_LOCALE},
               {_send_after(quiet_hours)},
               CASE WHEN pref.opted_out_of_offers OR e.programme_id = ANY(pref.opted_out_programmes)
                    THEN 'inbox_only' ELSE 'pending' END
        FROM eligibility e
        JOIN people p ON p.id = e.person_id
        LEFT JOIN notification_preferences pref ON pref.person_id = e.person_id
        WHERE e.status = 'eligible' AND e.period_key IS NOT NULL AND p.deceased_on IS NULL
          {only}
          AND NOT EXISTS (
              SELECT 1 FROM applications a
              WHERE a.person_id = e.person_id AND a.programme_id = e.programme_id
                AND coalesce(a.period_key, '') = e.period_key AND a.status <> 'rejected')
          AND NOT EXISTS (
              SELECT 1 FROM notices n
              WHERE n.kind = 'benefit' AND n.person_id = e.person_id
                AND n.programme_id = e.programme_id AND n.period_key = e.period_key)
        ON CONFLICT (person_id, programme_id, period_key) WHERE kind = 'benefit' DO NOTHING
        """,
        *args,
    )
    return int(status.rsplit(" ", 1)[-1])


async def create_application_notices(
    conn: asyncpg.Connection, now: datetime, *, quiet_hours: bool = True
) -> list[int]:
    """A notice for each application status change not told yet (decisions are legally
    required: they reach the person whatever their opt-outs). Returns the people told."""
    rows = await conn.fetch(
        f"""
        INSERT INTO notices (person_id, kind, programme_id, application_event_id, topic,
                             legally_required, locale, send_after)
        SELECT a.person_id, 'application_status', a.programme_id, ev.id, ev.status,
               ev.status IN ('approved', 'rejected'), {_LOCALE}, {_send_after(quiet_hours)}
        FROM application_events ev
        JOIN applications a ON a.id = ev.application_id
        JOIN people p ON p.id = a.person_id
        LEFT JOIN notification_preferences pref ON pref.person_id = a.person_id
        WHERE ev.kind = 'status' AND ev.status <> 'submitted'
          AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.application_event_id = ev.id)
        ON CONFLICT (application_event_id) WHERE application_event_id IS NOT NULL DO NOTHING
        RETURNING person_id
        """,
        now,
    )
    queued = await conn.fetch(
        f"""
        INSERT INTO notices (person_id, kind, programme_id, kiosk_queue_id, topic, locale,
                             send_after)
        SELECT q.person_id, 'application_status', q.programme_id, q.id,
               'kiosk_queue:' || q.outcome, {_LOCALE}, {_send_after(quiet_hours)}
        FROM kiosk_queued_applications q
        JOIN people p ON p.id = q.person_id
        LEFT JOIN notification_preferences pref ON pref.person_id = q.person_id
        WHERE NOT EXISTS (SELECT 1 FROM notices n WHERE n.kiosk_queue_id = q.id)
        ON CONFLICT (kiosk_queue_id) WHERE kiosk_queue_id IS NOT NULL DO NOTHING
        RETURNING person_id
        """,
        now,
    )
    return sorted({row["person_id"] for row in [*rows, *queued]})


async def claim_due_notices(
    conn: asyncpg.Connection, now: datetime, limit: int = BATCH, job_id: str | None = None
) -> list[int]:
    """Mark up to `limit` due notices `sending` and return them (for one delivery job).

    `job_id` is the id the delivery job will be enqueued under: the sweep hands the
    claim back when no such job is queued or running (its dispatcher died first).
    SKIP LOCKED lets several dispatchers run side by side without taking the same
    notice twice.
    """
    rows = await conn.fetch(
        """
        UPDATE notices SET state = 'sending', claimed_at = $1, claim_job = $3
        WHERE id IN (
            SELECT id FROM notices
            WHERE state = 'pending' AND send_after <= $1
            ORDER BY send_after, id
            LIMIT $2
            FOR UPDATE SKIP LOCKED)
        RETURNING id
        """,
        now,
        limit,
        job_id,
    )
    return sorted(row["id"] for row in rows)

"""A notice's state follows its deliveries, and says `sent` only when that is settled.

A notice is `sent` once one of its deliveries was accepted by the provider (or
its letter queued) and none is still unsettled (`sending`, `ambiguous`): an
account notice goes on several channels at once, and one of them may still be
in doubt. A push that could not be confirmed leaves the notice `inbox_only`.
Failures are decided by the delivery rounds (the next channel, or `failed`).
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg


async def settle_notices(conn: asyncpg.Connection, notice_ids: Sequence[int]) -> int:
    """Bring these notices' states in line with their deliveries; returns how many moved."""
    if not notice_ids:
        return 0
    status = await conn.execute(
        """
        UPDATE notices n SET state = s.settled
        FROM (
            SELECT notice_id,
                   CASE WHEN bool_or(state IN ('sending', 'ambiguous')) THEN NULL
                        WHEN bool_or(state IN ('sent', 'delivered')) THEN 'sent'
                        WHEN bool_or(state = 'inbox') THEN 'inbox_only'
                   END AS settled
            FROM notice_deliveries WHERE notice_id = ANY($1::bigint[])
            GROUP BY notice_id) s
        WHERE n.id = s.notice_id AND s.settled IS NOT NULL AND n.state <> s.settled
          AND n.state IN ('pending', 'sending', 'inbox_only')
        """,
        list(notice_ids),
    )
    return int(status.rsplit(" ", 1)[-1])

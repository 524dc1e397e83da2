"""Who brought whom into the console: what "a second person" means for the two-person
rule (auth/counter/two_person.py).

An administrator who creates an account holds its enrollment link, so for a while
that account may be theirs in all but name; the same goes for a role they raise. A
staff member's *circle* is themselves and whoever created them or gave them a role in
the last 30 days, and whoever did that to those, up the chain (`staff_role_grants`,
migrations/0025). Two staff members are independent when their circles do not meet:
neither brought the other in, and nobody brought in both. The operator at the
command line belongs to no circle: that is where trust begins.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from auth.staff.roles import SUPERVISOR_ROLES

# Long enough that an account made for one approval is worthless by then.
INDEPENDENCE_WINDOW = timedelta(days=30)


async def circle_of(conn: asyncpg.Connection, staff_id: int) -> set[int]:
    rows = await conn.fetch(
        """
        WITH RECURSIVE circle (staff_id) AS (
            SELECT $1::bigint
            UNION
            SELECT g.granted_by FROM staff_role_grants g JOIN circle c ON g.staff_id = c.staff_id
            WHERE g.granted_by IS NOT NULL AND g.granted_at > now() - $2::interval
        )
        SELECT staff_id FROM circle
        """,
        staff_id,
        INDEPENDENCE_WINDOW,
    )
    return {row["staff_id"] for row in rows}


async def are_independent(conn: asyncpg.Connection, first: int, second: int) -> bool:
    return not (await circle_of(conn, first) & await circle_of(conn, second))


async def independent_approvers(
    conn: asyncpg.Connection, requester_id: int, office_codes: list[str]
) -> list[int]:
    """Live supervisors and administrators of `office_codes` who can sign in (they have
    a passkey) and are independent of the requester."""
    rows = await conn.fetch(
        """
        WITH RECURSIVE
        mine (staff_id) AS (
            SELECT $1::bigint
            UNION
            SELECT g.granted_by FROM staff_role_grants g JOIN mine m ON g.staff_id = m.staff_id
            WHERE g.granted_by IS NOT NULL AND g.granted_at > now() - $2::interval
        ),
        candidates AS (
            SELECT s.id FROM staff s
            WHERE s.office_code = ANY($3::text[]) AND s.role = ANY($4::text[])
              AND s.disabled_at IS NULL
              AND EXISTS (SELECT 1 FROM staff_passkeys p WHERE p.staff_id = s.id)
        ),
        theirs (candidate, staff_id) AS (
            SELECT id, id FROM candidates
            UNION
            SELECT t.candidate, g.granted_by
            FROM theirs t JOIN staff_role_grants g ON g.staff_id = t.staff_id
            WHERE g.granted_by IS NOT NULL AND g.granted_at > now() - $2::interval
        )
        SELECT c.id FROM candidates c
        WHERE NOT EXISTS (
            SELECT 1 FROM theirs t JOIN mine m ON m.staff_id = t.staff_id WHERE t.candidate = c.id
        )
        ORDER BY c.id
        """,
        requester_id,
        INDEPENDENCE_WINDOW,
        office_codes,
        list(SUPERVISOR_ROLES),
    )
    return [row["id"] for row in rows]

"""An administrator's view of their own job centre's staff: who they are, whether each
has registered a passkey, and disabling one. Creating staff is `create_staff`
(auth/staff/accounts.py), which the CLI and the console share.

An administrator sees and acts only on their own office; another office's staff are
"not found", so the console tells nothing about them.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

from auth.staff.accounts import disable_staff, staff_actor
from auth.staff.roles import ADMIN_ROLES, require_role
from auth.staff.sessions import StaffSession
from auth.staff.store import StaffMember, StaffRole, get_staff
from foundation.problems import NOT_FOUND, Problem, problem_kind
from i18n import N_

CHANNEL = "counter"
MAX_LISTED = 500

CANNOT_DISABLE_YOURSELF = problem_kind(
    "cannot-disable-yourself",
    409,
    N_("You cannot disable your own account"),
    N_("Ask another administrator of your job centre to do it. Nothing was changed."),
)


class OfficeStaff(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    role: StaffRole
    created_at: datetime
    disabled_at: datetime | None
    passkeys: int
    last_signed_in_at: datetime | None


async def list_office_staff(conn: asyncpg.Connection, admin: StaffSession) -> list[OfficeStaff]:
    """The admin's office: live staff first, then disabled ones, each by name."""
    require_role(admin, *ADMIN_ROLES)
    rows = await conn.fetch(
        """
        SELECT s.id, s.name, s.role, s.created_at, s.disabled_at,
               (SELECT count(*) FROM staff_passkeys p WHERE p.staff_id = s.id) AS passkeys,
               (SELECT max(created_at) FROM staff_sessions x WHERE x.staff_id = s.id)
                   AS last_signed_in_at
        FROM staff s
        WHERE s.office_code = $1
        ORDER BY s.disabled_at IS NOT NULL, s.name, s.id
        LIMIT $2
        """,
        admin.office_code,
        MAX_LISTED,
    )
    return [OfficeStaff(**dict(row)) for row in rows]


async def disable_office_staff(
    conn: asyncpg.Connection, admin: StaffSession, staff_id: int
) -> StaffMember:
    """Disable a staff member of the admin's own office; their sessions end at once.
    Disabling again changes nothing; one's own account is refused."""
    require_role(admin, *ADMIN_ROLES)
    member = await get_staff(conn, staff_id, lock=True) if 1 <= staff_id < 2**63 else None
    if member is None or member.office_code != admin.office_code:
        raise Problem(NOT_FOUND)
    if member.id == admin.staff_id:
        raise Problem(CANNOT_DISABLE_YOURSELF)
    if member.disabled_at is not None:
        return member
    return await disable_staff(conn, member.id, actor=staff_actor(admin.staff_id), channel=CHANNEL)

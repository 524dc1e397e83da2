"""The staff realm: the job centres' staff, who sign in to the counter console with
passkeys of their own and hold console sessions of their own, apart from citizens.

- `accounts`: creating and disabling staff, one-time enrollment links, enrolling a passkey.
- `sessions`: signing in with a staff passkey, and console sessions.
- `roles`: what clerks, supervisors and administrators may do.
- `circle`: who brought whom into the console (the two-person rule's second person).
- `notices`: what staff are told on their console.
- `admin`: an administrator's view of their own office's staff.
- `access_report`: the monthly review of staff access records.
- `store`: rows of the staff tables (offices, staff, their passkeys, enrollment links).

Code outside `auth/` imports these names from here; modules inside `auth/` import
each other by full module path.
"""

from __future__ import annotations

from auth.staff.access_report import (
    MANY_PEOPLE_A_DAY,
    AccessReport,
    access_report,
    parse_month,
    previous_month,
    review_office_access,
)
from auth.staff.accounts import (
    NAME_MAX_LENGTH,
    UnknownOffice,
    create_staff,
    disable_staff,
    finish_enrollment,
    staff_actor,
    start_enrollment,
)
from auth.staff.admin import CHANNEL, OfficeStaff, disable_office_staff, list_office_staff
from auth.staff.notices import StaffNotice, see_notice, tell_office_of_help_call, unseen_notices
from auth.staff.roles import (
    ADMIN_ONLY,
    ADMIN_ROLES,
    COUNTER_ROLES,
    ROLE_NOT_ALLOWED,
    SUPERVISOR_ONLY,
    SUPERVISOR_ROLES,
    require_role,
)
from auth.staff.sessions import (
    STAFF_SESSION_MAX_AGE,
    StaffSession,
    authenticate_staff_token,
    finish_staff_sign_in,
    insert_staff_session,
    sign_out_staff,
    start_staff_sign_in,
)
from auth.staff.store import (
    STAFF_ROLES,
    StaffMember,
    StaffRole,
    get_office,
    get_staff,
    insert_staff,
    list_office_codes,
)

__all__ = [
    "ADMIN_ONLY",
    "ADMIN_ROLES",
    "CHANNEL",
    "COUNTER_ROLES",
    "MANY_PEOPLE_A_DAY",
    "NAME_MAX_LENGTH",
    "ROLE_NOT_ALLOWED",
    "STAFF_ROLES",
    "STAFF_SESSION_MAX_AGE",
    "SUPERVISOR_ONLY",
    "SUPERVISOR_ROLES",
    "AccessReport",
    "OfficeStaff",
    "StaffMember",
    "StaffNotice",
    "StaffRole",
    "StaffSession",
    "UnknownOffice",
    "access_report",
    "authenticate_staff_token",
    "create_staff",
    "disable_office_staff",
    "disable_staff",
    "finish_enrollment",
    "finish_staff_sign_in",
    "get_office",
    "get_staff",
    "insert_staff",
    "insert_staff_session",
    "list_office_codes",
    "list_office_staff",
    "parse_month",
    "previous_month",
    "require_role",
    "review_office_access",
    "see_notice",
    "sign_out_staff",
    "staff_actor",
    "start_enrollment",
    "start_staff_sign_in",
    "tell_office_of_help_call",
    "unseen_notices",
]

"""What each staff role may do in the console, checked on every action.

Clerks (창구 직원) serve people at the counter: identity checks, access cards,
enrollment codes, registered phones, PIN resets. Supervisors (감독자) also decide on
recovery requests (the second of two people) and read a person's audit trail.
Administrators (관리자) also create and disable the staff of their own office. The
role is read from the staff row on every request (auth/staff/sessions.py), so a
change applies at once.
"""

from __future__ import annotations

from auth.staff.sessions import StaffSession
from auth.staff.store import StaffRole
from foundation.problems import Problem, ProblemKind, problem_kind
from i18n import N_

COUNTER_ROLES: tuple[StaffRole, ...] = ("clerk", "supervisor", "admin")
SUPERVISOR_ROLES: tuple[StaffRole, ...] = ("supervisor", "admin")
ADMIN_ROLES: tuple[StaffRole, ...] = ("admin",)

SUPERVISOR_ONLY = problem_kind(
    "supervisor-only",
    403,
    N_("Only a supervisor can do this"),
    N_("Only a supervisor or administrator can see this."),
)
ADMIN_ONLY = problem_kind(
    "admin-only",
    403,
    N_("Only an administrator can do this"),
    N_("Only an administrator of the job centre can manage its staff. Ask your administrator."),
)
ROLE_NOT_ALLOWED = problem_kind(
    "staff-role-not-allowed",
    403,
    N_("Your role does not allow this"),
    N_("Your role at the job centre does not allow this. Ask your supervisor."),
)


def _refusal(roles: tuple[StaffRole, ...]) -> ProblemKind:
    if set(roles) == set(SUPERVISOR_ROLES):
        return SUPERVISOR_ONLY
    if set(roles) == set(ADMIN_ROLES):
        return ADMIN_ONLY
    return ROLE_NOT_ALLOWED


def require_role(staff: StaffSession, *roles: StaffRole) -> None:
    """403 unless the staff member holds one of `roles`."""
    if not roles:
        raise ValueError("name at least one role")
    if staff.role not in roles:
        raise Problem(_refusal(roles), extra={"allowed_roles": list(roles)})

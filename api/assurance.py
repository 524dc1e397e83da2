"""What each `/v1` route does, in the words of auth/assurance.py, which decides what needs
aal 2. The session dependency (api/auth_guard.py) applies it to every route that reads
the signed-in session; a test walks the app's routes and fails on one missing here, so a
new route must choose.

`None`: the route reads no person's session (a sign-in, the public catalog, an
operator's or a kiosk's own key).
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from auth import Action, CurrentSession, require_assurance, require_recent_aal2

ROUTE_ACTIONS: dict[tuple[str, str], Action | None] = {
    # Signing in and up, tokens.
    ("POST", "/v1/auth/signup"): None,
    ("POST", "/v1/auth/sms/start"): None,
    ("POST", "/v1/auth/sms/verify"): None,
    ("POST", "/v1/auth/passkeys/authentication/options"): None,
    ("POST", "/v1/auth/passkeys/authentication/verify"): None,
    ("POST", "/v1/auth/totp/verify"): None,
    ("POST", "/v1/auth/recovery-codes/verify"): None,
    ("POST", "/v1/auth/enrollment/redeem"): None,
    ("POST", "/v1/auth/token/refresh"): None,
    ("POST", "/v1/auth/pin/verify"): Action.STEP_UP,
    ("POST", "/v1/auth/logout"): Action.SIGN_OUT,
    ("POST", "/v1/auth/logout-all"): Action.SIGN_OUT,
    # The account, its sessions and its authenticators.
    ("GET", "/v1/me"): Action.VIEW_ACCOUNT,
    ("GET", "/v1/me/sessions"): Action.VIEW_ACCOUNT,
    ("DELETE", "/v1/me/sessions/{session_id:uuid}"): Action.SIGN_OUT,
    ("GET", "/v1/me/passkeys"): Action.VIEW_ACCOUNT,
    ("PATCH", "/v1/me/passkeys/{passkey_id:int}"): Action.RENAME_AUTHENTICATOR,
    ("POST", "/v1/auth/passkeys/registration/options"): Action.BIND_AUTHENTICATOR,
    ("POST", "/v1/auth/passkeys/registration/verify"): Action.BIND_AUTHENTICATOR,
    ("DELETE", "/v1/me/passkeys/{passkey_id:int}"): Action.REMOVE_AUTHENTICATOR,
    ("POST", "/v1/auth/totp/setup"): Action.BIND_AUTHENTICATOR,
    ("POST", "/v1/auth/totp/confirm"): Action.BIND_AUTHENTICATOR,
    ("DELETE", "/v1/me/totp"): Action.REMOVE_AUTHENTICATOR,
    ("PUT", "/v1/me/pin"): Action.BIND_AUTHENTICATOR,
    ("POST", "/v1/me/recovery-codes"): Action.BIND_AUTHENTICATOR,
    # Benefits and applications.
    ("GET", "/v1/services"): None,
    ("GET", "/v1/services/{programme_id:str}"): None,
    ("POST", "/v1/eligibility/check"): None,
    ("GET", "/v1/me/eligibility"): Action.VIEW_BENEFITS,
    ("GET", "/v1/applications"): Action.VIEW_APPLICATION_STATUSES,
    ("GET", "/v1/applications/{application_id:int}"): Action.VIEW_APPLICATION,
    ("POST", "/v1/applications"): Action.APPLY,
    ("POST", "/v1/applications/{application_id:int}/appeal"): Action.APPEAL,
    ("GET", "/v1/me/bank-accounts/banks"): None,
    ("GET", "/v1/me/bank-accounts"): Action.PAYMENT_ACCOUNTS,
    ("POST", "/v1/me/bank-accounts"): Action.PAYMENT_ACCOUNTS,
    ("POST", "/v1/me/bank-accounts/{bank_account_id:int}/verify"): Action.PAYMENT_ACCOUNTS,
    ("POST", "/v1/me/bank-accounts/{bank_account_id:int}/holder-check"): Action.PAYMENT_ACCOUNTS,
    # Documents by consent.
    ("GET", "/v1/me/consents"): Action.VIEW_CONSENTS,
    ("POST", "/v1/me/consents"): Action.GIVE_CONSENT,
    ("DELETE", "/v1/me/consents/{consent_id:int}"): Action.WITHDRAW_CONSENT,
    ("GET", "/v1/me/data-access"): Action.VIEW_DATA_ACCESS,
    ("GET", "/v1/me/documents/{document_type:str}"): Action.VIEW_DOCUMENT,
    # Notices.
    ("GET", "/v1/me/inbox"): Action.READ_INBOX,
    ("POST", "/v1/me/inbox/{notice_id:int}/read"): Action.MARK_NOTICE_READ,
    ("GET", "/v1/me/notification-preferences"): Action.SET_NOTIFICATION_PREFERENCES,
    ("PUT", "/v1/me/notification-preferences"): Action.SET_NOTIFICATION_PREFERENCES,
    ("PUT", "/v1/me/language"): Action.SET_LANGUAGE,
    ("GET", "/v1/me/devices"): Action.MANAGE_PUSH_DEVICES,
    ("POST", "/v1/me/devices"): Action.MANAGE_PUSH_DEVICES,
    ("DELETE", "/v1/me/devices/{device_id:int}"): Action.MANAGE_PUSH_DEVICES,
    # Acting for someone: the proxy's own session, and the same rule for what it shows.
    ("GET", "/v1/me/delegations"): Action.VIEW_DELEGATIONS,
    ("POST", "/v1/me/delegations"): Action.GIVE_DELEGATION,
    ("DELETE", "/v1/me/delegations/{delegation_id:int}"): Action.END_DELEGATION,
    ("GET", "/v1/me/activity"): Action.VIEW_DATA_ACCESS,
    ("GET", "/v1/people/{principal_id:int}/eligibility"): Action.VIEW_BENEFITS,
    ("GET", "/v1/people/{principal_id:int}/inbox"): Action.READ_INBOX,
    # Operators (their own token) and the app's anonymous beacons.
    ("GET", "/v1/admin/data-quality"): None,
    ("GET", "/v1/admin/notifications"): None,
    ("POST", "/v1/telemetry/screen-loads"): None,
}


def route_key(request: Request[Any, Any, Any]) -> tuple[str, str]:
    """(method, path template) of the route serving `request`, as in ROUTE_ACTIONS."""
    path = next(iter(request.route_handler.paths))
    return request.method, path


def require_route_assurance(request: Request[Any, Any, Any], session: CurrentSession) -> None:
    """The assurance the route's action needs (auth/assurance.py). A route that reads a
    session but is missing here needs aal 2 (and the route-table test fails)."""
    action = ROUTE_ACTIONS.get(route_key(request))
    if action is None:
        require_recent_aal2(session)
        return
    require_assurance(session, action)

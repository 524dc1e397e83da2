"""What a signed-in person may do at each assurance level: one rule, for every channel.

At aal 1 (one factor: an SMS or voice code, an authenticator app, a recovery
code, a call from a registered phone) a person may see which benefits they may
get, their applications' statuses, their inbox, their consents and who looked
at their data, and may do what only protects them or concerns how they are
told: mark notices read, set notification preferences and their language,
register or remove a push device, withdraw a consent or end a delegation, ask
for a call back, and sign out or end their sessions (so that someone who got
their phone number back can end a thief's sessions).

Everything else needs aal 2 proven recently (auth/sessions.py: 12 hours, 30
minutes idle): the details that tell a person's history (the dates and
reasons of leaving a job, insured days, amounts, documents, the reasons per
criterion), and every other change (applying, giving a consent or a
delegation, payment accounts). Binding and removing authenticators follow
their own rule (auth/binding.py), which allows a first passkey or PIN at aal 1.

Channels name the action each of their routes or pages performs
(api/assurance.py for the JSON API) and call `require_assurance`; what an
action is allowed at aal 1 is decided here only. An action not listed below
as allowed at aal 1 needs aal 2.
"""

from __future__ import annotations

from enum import StrEnum

from auth.sessions import CurrentSession, has_recent_aal2, require_recent_aal2


class Action(StrEnum):
    # Allowed at aal 1.
    VIEW_ACCOUNT = "view_account"  # the account, its sessions and its ways in
    SIGN_OUT = "sign_out"  # this session, another one, or all of them
    STEP_UP = "step_up"  # the PIN on top of a code: how aal 1 becomes aal 2
    VIEW_BENEFITS = "view_benefits"  # which benefits, without the history behind them
    VIEW_APPLICATION_STATUSES = "view_application_statuses"
    READ_INBOX = "read_inbox"
    MARK_NOTICE_READ = "mark_notice_read"
    VIEW_CONSENTS = "view_consents"
    WITHDRAW_CONSENT = "withdraw_consent"
    VIEW_DATA_ACCESS = "view_data_access"  # who looked at your documents, what proxies did
    VIEW_DELEGATIONS = "view_delegations"
    END_DELEGATION = "end_delegation"
    SET_NOTIFICATION_PREFERENCES = "set_notification_preferences"
    SET_LANGUAGE = "set_language"  # the app, the kiosk and the phone line
    MANAGE_PUSH_DEVICES = "manage_push_devices"
    ASK_FOR_CALL_BACK = "ask_for_call_back"  # the phone line (not built yet)
    # The binding rule decides (auth/binding.py).
    BIND_AUTHENTICATOR = "bind_authenticator"
    REMOVE_AUTHENTICATOR = "remove_authenticator"
    # Recent aal 2.
    VIEW_APPLICATION = "view_application"  # its eligibility answer, form and decision
    APPLY = "apply"
    APPEAL = "appeal"
    GIVE_CONSENT = "give_consent"
    VIEW_DOCUMENT = "view_document"
    PAYMENT_ACCOUNTS = "payment_accounts"
    GIVE_DELEGATION = "give_delegation"
    RENAME_AUTHENTICATOR = "rename_authenticator"


# The one list of what aal 1 may do.
AAL1_ACTIONS: frozenset[Action] = frozenset(
    {
        Action.VIEW_ACCOUNT,
        Action.SIGN_OUT,
        Action.STEP_UP,
        Action.VIEW_BENEFITS,
        Action.VIEW_APPLICATION_STATUSES,
        Action.READ_INBOX,
        Action.MARK_NOTICE_READ,
        Action.VIEW_CONSENTS,
        Action.WITHDRAW_CONSENT,
        Action.VIEW_DATA_ACCESS,
        Action.VIEW_DELEGATIONS,
        Action.END_DELEGATION,
        Action.SET_NOTIFICATION_PREFERENCES,
        Action.SET_LANGUAGE,
        Action.MANAGE_PUSH_DEVICES,
        Action.ASK_FOR_CALL_BACK,
    }
)
BINDING_ACTIONS: frozenset[Action] = frozenset(
    {Action.BIND_AUTHENTICATOR, Action.REMOVE_AUTHENTICATOR}
)


def require_assurance(session: CurrentSession, action: Action) -> None:
    """Refuse with `step-up-required` (401) an action that needs recent aal 2."""
    if action in AAL1_ACTIONS or action in BINDING_ACTIONS:
        return
    require_recent_aal2(session)


def may_see_history(session: CurrentSession) -> bool:
    """Whether answers may carry the details that tell the person's history (dates and
    reasons of leaving a job, insured days, amounts, the reasons per criterion)."""
    return has_recent_aal2(session)

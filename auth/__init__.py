"""The single ID: who a person is, how they sign in, what each sign-in allows, and the
staff who serve them at the counter.

Sub-packages:
- `auth.staff`: the staff realm (staff accounts, their passkeys and console sessions).
- `auth.counter`: what happens at the counter (identity checks, recovery, the two-person rule).

Modules:
- `people`: the master person registry, phone numbers and registration numbers.
- `preferred_language`: the language a person is written to and spoken to in, set on
  every channel by one function.
- `accounts`: accounts, their locks and the record of sign-ins.
- `sessions`: sessions, their tokens, refresh and step-up.
- `assurance`: what each assurance level may do.
- `binding`: who may bind or remove an authenticator, and telling the person.
- `webauthn_ceremony`, `webauthn_challenges`: the one WebAuthn ceremony, for citizens'
  and staff passkeys alike (a `Realm` each), and its single-use challenges.
- `webauthn_json`: WebAuthn's JSON as the routes receive it.
- `passkeys`, `passkey_store`: citizens' passkeys and their table.
- `totp`: authenticator apps.
- `sms_codes`, `code_delivery`: SMS and voice codes, and the job that sends them.
- `pin`, `pin_rules`, `pin_hashing`, `app_pin_unlocks`: the one PIN.
- `recovery_codes`: recovery codes.
- `limits`: rate limits and lockouts.
- `enrollment_codes`: codes a clerk hands out to bind a first authenticator.
- `access_cards`, `access_card_store`, `card_unlock`: access cards and card unlock.
- `kiosk_devices`, `kiosk_device_store`, `kiosk_signatures`, `kiosk_sessions`,
  `kiosk_acting`, `kiosk_sign_ins`: enrolled kiosks (and their calls for staff), the
  signature on each of their requests, sessions bound to one kiosk, the ways to open them
  and acting through them as the app's session does.
- `registered_phones`, `registered_phone_store`: registered phones on the phone line;
  `placed_calls`: signing in on a voice notice's call we placed (its token, the PIN).
- `delegations`, `delegation_store`: proxies, and clerks acting for a person.
- `secrets`: random tokens and their hashes, and secrets sealed at rest.
- `problems`: the problem kinds the single ID answers with.

Code outside `auth/` imports these names from here (and the sub-packages' names from
their faces); modules inside `auth/` import each other by full module path. The
sub-packages load first: auth/access_cards.py and auth/enrollment_codes.py use
auth/counter/identity_checks.py, and the counter's face imports modules that use them.
"""

from __future__ import annotations

from auth import counter, staff
from auth.access_card_store import AccessCard, insert_card
from auth.access_cards import (
    CARD_NOT_FOUND,
    card_to_print,
    issue_card,
    unlock_card,
)
from auth.account_notices import create_account_notice
from auth.accounts import (
    Account,
    create_account,
    get_account,
    get_account_by_person,
    record_wrong_pin,
)
from auth.assurance import AAL1_ACTIONS, BINDING_ACTIONS, Action, may_see_history, require_assurance
from auth.binding import last_weak_binding
from auth.card_unlock import start_card_unlock, verify_card_unlock
from auth.code_delivery import send_code
from auth.delegation_store import (
    SCOPES,
    AccountId,
    DelegatedAction,
    Delegation,
    DelegationShown,
    Scope,
    Scopes,
)
from auth.delegations import (
    DELEGATION_NEEDED,
    MAX_VALIDITY_DAYS,
    PRINCIPAL_CHECK_NEEDED,
    ActingSession,
    DelegationsOverview,
    checked_scopes,
    checked_until,
    create_counter_delegation,
    create_delegation,
    list_activity,
    list_delegations,
    record_delegated_action,
    require_scope,
    revoke_delegation,
    revoke_delegation_at_counter,
)
from auth.enrollment_codes import (
    EnrollmentCodeIssued,
    RedeemChannel,
    issue_enrollment_code,
    redeem_enrollment_code,
)
from auth.kiosk_acting import LastSeenKioskSession, acting_at_kiosk, session_last_seen_live
from auth.kiosk_device_store import KioskDevice, office_name
from auth.kiosk_devices import (
    ALGORITHMS,
    BAD_PUBLIC_KEY,
    call_staff_to_kiosk,
    enrol_kiosk,
    issue_enrolment_code,
    office_kiosks,
    retire_kiosk_device,
)
from auth.kiosk_sessions import (
    KIOSK_SESSION_ELSEWHERE,
    KIOSK_SIGN_IN_REQUIRED,
    KioskSession,
    end_kiosk_session,
    kiosk_session,
    sign_in_with_card,
)
from auth.kiosk_sign_ins import (
    redeem_enrollment_code_at_kiosk,
    sign_in_with_code_at_kiosk,
    step_up_at_kiosk,
)
from auth.kiosk_signatures import (
    KIOSK_ID_HEADER,
    KIOSK_NOT_ENROLLED,
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignedRequest,
    b64url,
    signed_string,
    verify_kiosk_request,
)
from auth.limits import enforce, limit_key, limit_sign_in_address
from auth.passkey_store import PasskeySummary, insert_passkey, user_handle
from auth.passkeys import (
    delete_passkey,
    finish_authentication,
    finish_registration,
    my_passkeys,
    rename_passkey,
    start_authentication,
    start_registration,
)
from auth.people import (
    InvalidPhoneNumber,
    InvalidRegistrationNumber,
    Person,
    checked_phone,
    find_people_by_name_and_birth_date,
    find_person_by_registration_number,
    get_person,
    insert_person,
    is_mobile_number,
    mark_deceased,
    mask_phone,
    mask_phone_for_display,
    normalize_registration_number,
    parse_phone,
    person_key,
    rekey_person,
)
from auth.pin import PIN_NOT_NEEDED, PIN_WRONG, set_pin, step_up_with_pin, store_pin
from auth.pin_hashing import hash_pin, pin_matches
from auth.pin_rules import Pin, PinRequest
from auth.placed_calls import (
    NOTICE_CALL_ENDED,
    NOTICE_CALL_LIFETIME,
    NoticeCall,
    notice_call_token,
    open_notice_call_token,
    sign_in_on_placed_call,
)
from auth.preferred_language import (
    NOT_A_LANGUAGE,
    LanguageSet,
    checked_language,
    set_preferred_language,
)
from auth.problems import SIGN_IN_FAILED, STEP_UP_REQUIRED
from auth.recovery_codes import (
    issue_recovery_codes,
    regenerate_recovery_codes,
    sign_in_with_recovery_code,
)
from auth.registered_phone_store import get_session_phone, insert_registered_phone
from auth.registered_phones import (
    CALLBACK_ENDED,
    PHONE_PIN_LOCKED,
    PHONE_SESSION_NEEDED,
    PhoneCallbackStarted,
    complete_callback,
    phone_session,
    start_callback,
    verify_phone_sign_in,
)
from auth.secrets import code_hash, new_token, numeric_code, same_hash, seal, token_hash, unseal
from auth.sessions import (
    REFRESH_RACE_GRACE,
    CurrentSession,
    SessionSummary,
    Tokens,
    authenticate_access_token,
    end_own_session,
    has_recent_aal2,
    list_sessions,
    refresh_session,
    require_recent_aal2,
    revoke_account_sessions,
    revoke_session,
    start_session,
)

# An SMS code's lifetime (an enrollment code has its own, in days).
from auth.sms_codes import CODE_LIFETIME as SMS_CODE_LIFETIME
from auth.sms_codes import Code, start_phone_challenge, start_signup, verify_code
from auth.totp import (
    DIGITS,
    INTERVAL_S,
    SEED_BYTES,
    confirm_totp,
    remove_totp,
    seed_context,
    sign_in_with_totp,
    start_totp_setup,
)
from auth.webauthn_json import (
    AUTHENTICATION_EXAMPLE,
    REGISTRATION_EXAMPLE,
    AuthenticationChallenge,
    AuthenticationCredentialJSON,
    ChallengeId,
    PasskeyName,
    RegistrationChallenge,
    RegistrationCredentialJSON,
)

__all__ = [
    "AAL1_ACTIONS",
    "ALGORITHMS",
    "AUTHENTICATION_EXAMPLE",
    "BAD_PUBLIC_KEY",
    "BINDING_ACTIONS",
    "CALLBACK_ENDED",
    "CARD_NOT_FOUND",
    "DELEGATION_NEEDED",
    "DIGITS",
    "INTERVAL_S",
    "KIOSK_ID_HEADER",
    "KIOSK_NOT_ENROLLED",
    "KIOSK_SESSION_ELSEWHERE",
    "KIOSK_SIGN_IN_REQUIRED",
    "MAX_VALIDITY_DAYS",
    "NONCE_HEADER",
    "NOTICE_CALL_ENDED",
    "NOTICE_CALL_LIFETIME",
    "NOT_A_LANGUAGE",
    "PHONE_PIN_LOCKED",
    "PHONE_SESSION_NEEDED",
    "PIN_NOT_NEEDED",
    "PIN_WRONG",
    "PRINCIPAL_CHECK_NEEDED",
    "REFRESH_RACE_GRACE",
    "REGISTRATION_EXAMPLE",
    "SCOPES",
    "SEED_BYTES",
    "SIGNATURE_HEADER",
    "SIGN_IN_FAILED",
    "SMS_CODE_LIFETIME",
    "STEP_UP_REQUIRED",
    "TIMESTAMP_HEADER",
    "AccessCard",
    "Account",
    "AccountId",
    "ActingSession",
    "Action",
    "AuthenticationChallenge",
    "AuthenticationCredentialJSON",
    "ChallengeId",
    "Code",
    "CurrentSession",
    "DelegatedAction",
    "Delegation",
    "DelegationShown",
    "DelegationsOverview",
    "EnrollmentCodeIssued",
    "InvalidPhoneNumber",
    "InvalidRegistrationNumber",
    "KioskDevice",
    "KioskSession",
    "LanguageSet",
    "LastSeenKioskSession",
    "NoticeCall",
    "PasskeyName",
    "PasskeySummary",
    "Person",
    "PhoneCallbackStarted",
    "Pin",
    "PinRequest",
    "RedeemChannel",
    "RegistrationChallenge",
    "RegistrationCredentialJSON",
    "Scope",
    "Scopes",
    "SessionSummary",
    "SignedRequest",
    "Tokens",
    "acting_at_kiosk",
    "authenticate_access_token",
    "b64url",
    "call_staff_to_kiosk",
    "card_to_print",
    "checked_language",
    "checked_phone",
    "checked_scopes",
    "checked_until",
    "code_hash",
    "complete_callback",
    "confirm_totp",
    "counter",
    "create_account",
    "create_account_notice",
    "create_counter_delegation",
    "create_delegation",
    "delete_passkey",
    "end_kiosk_session",
    "end_own_session",
    "enforce",
    "enrol_kiosk",
    "find_people_by_name_and_birth_date",
    "find_person_by_registration_number",
    "finish_authentication",
    "finish_registration",
    "get_account",
    "get_account_by_person",
    "get_person",
    "get_session_phone",
    "has_recent_aal2",
    "hash_pin",
    "insert_card",
    "insert_passkey",
    "insert_person",
    "insert_registered_phone",
    "is_mobile_number",
    "issue_card",
    "issue_enrollment_code",
    "issue_enrolment_code",
    "issue_recovery_codes",
    "kiosk_session",
    "last_weak_binding",
    "limit_key",
    "limit_sign_in_address",
    "list_activity",
    "list_delegations",
    "list_sessions",
    "mark_deceased",
    "mask_phone",
    "mask_phone_for_display",
    "may_see_history",
    "my_passkeys",
    "new_token",
    "normalize_registration_number",
    "notice_call_token",
    "numeric_code",
    "office_kiosks",
    "office_name",
    "open_notice_call_token",
    "parse_phone",
    "person_key",
    "phone_session",
    "pin_matches",
    "record_delegated_action",
    "record_wrong_pin",
    "redeem_enrollment_code",
    "redeem_enrollment_code_at_kiosk",
    "refresh_session",
    "regenerate_recovery_codes",
    "rekey_person",
    "remove_totp",
    "rename_passkey",
    "require_assurance",
    "require_recent_aal2",
    "require_scope",
    "retire_kiosk_device",
    "revoke_account_sessions",
    "revoke_delegation",
    "revoke_delegation_at_counter",
    "revoke_session",
    "same_hash",
    "seal",
    "seed_context",
    "send_code",
    "session_last_seen_live",
    "set_pin",
    "set_preferred_language",
    "sign_in_on_placed_call",
    "sign_in_with_card",
    "sign_in_with_code_at_kiosk",
    "sign_in_with_recovery_code",
    "sign_in_with_totp",
    "signed_string",
    "staff",
    "start_authentication",
    "start_callback",
    "start_card_unlock",
    "start_phone_challenge",
    "start_registration",
    "start_session",
    "start_signup",
    "start_totp_setup",
    "step_up_at_kiosk",
    "step_up_with_pin",
    "store_pin",
    "token_hash",
    "unlock_card",
    "unseal",
    "user_handle",
    "verify_card_unlock",
    "verify_code",
    "verify_kiosk_request",
    "verify_phone_sign_in",
]

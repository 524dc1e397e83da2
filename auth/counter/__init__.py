"""What happens at a job centre's counter: a clerk, signed in to the console, serves a
person who stands in front of them with their ID document.

- `identity_checks`: finding the person in the registry and checking their document.
- `view`: one person, opened at the counter after a search.
- `assist`: what a clerk looks up for a person's registered phones and delegations.
- `phone_desk`: registering, removing and unlocking a registered phone for a person.
- `pin`: the PIN the person sets on the counter's keypad.
- `recovery`: resetting a PIN, unlocking, revoking an authenticator, after an ID check.
- `two_person`: the recovery actions that need a second person to approve them.
- `sign_in`: how a person signs in, seen from the counter, and the office's queue.
- `recovery_store`: the queries of recovery at the counter.

Code outside `auth/` imports these names from here; modules inside `auth/` import
each other by full module path.
"""

from __future__ import annotations

from auth.counter.assist import (
    PROXY_FIELD,
    delegations_at_counter,
    find_proxy_at_counter,
    phones_at_counter,
)
from auth.counter.identity_checks import (
    DOCUMENT_TYPES,
    ID_CHECK_NEEDED,
    NAME_MAX_LENGTH,
    PERSON_NOT_FOUND,
    DocumentType,
    InvalidDocumentNumber,
    PersonFound,
    VerificationResult,
    find_people,
    normalize_name,
    verify_identity,
)
from auth.counter.phone_desk import (
    PHONE_ALREADY_REGISTERED,
    register_phone,
    remove_phone,
    unlock_phone,
)
from auth.counter.pin import set_pin_at_counter
from auth.counter.recovery import (
    AUTHENTICATOR_KINDS,
    REASON_MAX_LENGTH,
    RECENT_CHECK_NEEDED,
    AccountUnlocked,
    AuthenticatorKind,
    AuthenticatorRevoked,
    PinReset,
    checked_reason,
    person_audit_trail,
    reset_pin,
    revoke_authenticator,
    unlock,
)
from auth.counter.recovery_store import AuditTrailEntry, RecoveryAction, RecoveryRequest
from auth.counter.sign_in import (
    SignInSummary,
    office_recovery_queue,
    person_sign_in_summary,
    unlock_card_at_counter,
)
from auth.counter.two_person import (
    APPROVAL_NOT_ALLOWED,
    APPROVAL_NOT_INDEPENDENT,
    RECOVERY_STATUSES,
    REQUEST_ALREADY_DECIDED,
    REQUEST_EXPIRED,
    WhoCanApprove,
    decide_recovery,
    pending_for_office,
    request_recovery,
)
from auth.counter.view import PersonAtCounter, open_person_at_counter

__all__ = [
    "APPROVAL_NOT_ALLOWED",
    "APPROVAL_NOT_INDEPENDENT",
    "AUTHENTICATOR_KINDS",
    "DOCUMENT_TYPES",
    "ID_CHECK_NEEDED",
    "NAME_MAX_LENGTH",
    "PERSON_NOT_FOUND",
    "PHONE_ALREADY_REGISTERED",
    "PROXY_FIELD",
    "REASON_MAX_LENGTH",
    "RECENT_CHECK_NEEDED",
    "RECOVERY_STATUSES",
    "REQUEST_ALREADY_DECIDED",
    "REQUEST_EXPIRED",
    "AccountUnlocked",
    "AuditTrailEntry",
    "AuthenticatorKind",
    "AuthenticatorRevoked",
    "DocumentType",
    "InvalidDocumentNumber",
    "PersonAtCounter",
    "PersonFound",
    "PinReset",
    "RecoveryAction",
    "RecoveryRequest",
    "SignInSummary",
    "VerificationResult",
    "WhoCanApprove",
    "checked_reason",
    "decide_recovery",
    "delegations_at_counter",
    "find_people",
    "find_proxy_at_counter",
    "normalize_name",
    "office_recovery_queue",
    "open_person_at_counter",
    "pending_for_office",
    "person_audit_trail",
    "person_sign_in_summary",
    "phones_at_counter",
    "register_phone",
    "remove_phone",
    "request_recovery",
    "reset_pin",
    "revoke_authenticator",
    "set_pin_at_counter",
    "unlock",
    "unlock_card_at_counter",
    "unlock_phone",
    "verify_identity",
]

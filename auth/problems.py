"""Kinds of problem the single ID answers with (type URIs are part of the app contract)."""

from __future__ import annotations

from foundation.problems import problem_kind
from i18n import N_

SIGN_IN_FAILED = problem_kind(
    "sign-in-failed",
    401,
    N_("We could not sign you in"),
    N_("The details or the code are not right. Check them and try again."),
)
CODE_EXPIRED = problem_kind(
    "code-expired",
    400,
    N_("The code has expired"),
    N_("This code can no longer be used. Ask for a new code."),
)
CODE_ATTEMPTS_EXCEEDED = problem_kind(
    "code-attempts-exceeded",
    400,
    N_("Too many wrong codes"),
    N_("A wrong code was entered too many times. Ask for a new code."),
)
ACCOUNT_LOCKED_UNTIL_COUNTER = problem_kind(
    "account-locked-counter",
    423,
    N_("Please visit a job centre"),
    N_(
        "The PIN was entered wrongly too many times in a row, so sign-in is stopped to "
        "protect you. Bring your ID card to a job centre counter and we will unlock it the "
        "same day."
    ),
)
CREDENTIAL_LOCKED = problem_kind(
    "credential-locked",
    423,
    N_("The PIN is locked"),
    N_(
        "The PIN was entered wrongly 5 times. Sign in with an SMS code to unlock it, "
        "or visit a job centre counter."
    ),
)
TOO_MANY_CODES = problem_kind(
    "too-many-codes",
    429,
    N_("Please wait before asking again"),
    N_("A code was sent a moment ago. You can ask for a new one in {seconds} seconds."),
)
STEP_UP_REQUIRED = problem_kind(
    "step-up-required",
    401,
    N_("Please confirm it is you"),
    N_(
        "This action protects your personal data. Confirm it is you with your passkey, "
        "or with your PIN and a code."
    ),
)
RECENT_SIGN_IN_REQUIRED = problem_kind(
    "recent-sign-in-required",
    401,
    N_("Please sign in again"),
    N_("For your safety, sign in again before you change this."),
)
SESSION_INVALID = problem_kind(
    "session-invalid",
    401,
    N_("Your sign-in has ended"),
    N_("Your sign-in has expired or was ended. Please sign in again."),
)
REFRESH_ALREADY_USED = problem_kind(
    "refresh-already-used",
    409,
    N_("This sign-in was just renewed"),
    N_(
        "Another request renewed this sign-in a moment ago. Use the tokens from that answer; "
        "if you do not have them, sign in again."
    ),
)
LAST_AUTHENTICATOR = problem_kind(
    "last-authenticator",
    409,
    N_("You need another way to sign in first"),
    N_("This is your only way to sign in. Add another one before you remove it."),
)
PIN_TOO_SIMPLE = problem_kind(
    "pin-too-simple",
    400,
    N_("Choose a harder PIN"),
    N_("This PIN is too easy to guess. Avoid repeated or consecutive digits and your birth date."),
)
NO_PIN = problem_kind(
    "no-pin",
    409,
    N_("No PIN yet"),
    N_("You have not set a PIN yet. Set one in the app or at a job centre."),
)
# Refusals of a new passkey, in both realms (auth/webauthn_ceremony.py).
PASSKEY_NOT_ADDED = problem_kind(
    "passkey-not-added",
    400,
    N_("We could not add the passkey"),
    N_("The passkey could not be checked. Please try again."),
)
PASSKEY_ALREADY_REGISTERED = problem_kind(
    "passkey-already-registered",
    409,
    N_("This passkey is already registered"),
    N_("This passkey is already linked to an account. Sign in with it, or add another one."),
)

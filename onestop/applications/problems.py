"""Kinds of problem applications and bank accounts answer with (slugs are the app contract)."""

from __future__ import annotations

from foundation.problems import problem_kind
from i18n import N_

IDEMPOTENCY_KEY_REUSED = problem_kind(
    "idempotency-key-reused",
    422,
    N_("This request key was used for something else"),
    N_(
        "The Idempotency-Key was already used for a different application. "
        "Use a new key for a new application."
    ),
)
IDEMPOTENCY_KEY_IN_PROGRESS = problem_kind(
    "idempotency-key-in-progress",
    409,
    N_("Your application is still being sent"),
    N_("We are still handling the first request with this key. Wait a moment and try again."),
)
APPLICATION_ALREADY_OPEN = problem_kind(
    "application-already-open",
    409,
    N_("You have already applied"),
    N_(
        "You already have an application for this benefit for the same period "
        "(application {application_id}). You can follow it in Application status."
    ),
)
PROGRAMME_NOT_OPEN = problem_kind(
    "programme-not-open",
    409,
    N_("You cannot apply for this benefit now"),
    N_("This benefit has no rule in force today, so applications are closed."),
)
BANK_ACCOUNT_NOT_VERIFIED = problem_kind(
    "bank-account-not-verified",
    409,
    N_("Confirm your bank account first"),
    N_(
        "We can pay only into a bank account you have confirmed. Enter the 4-digit code "
        "from the 1-won deposit, then apply again."
    ),
)
BANK_ACCOUNT_COOLING_OFF = problem_kind(
    "bank-account-cooling-off",
    409,
    N_("Your new bank account is not ready yet"),
    N_(
        "For your safety, a new bank account can be used one day after it is confirmed: "
        "from {effective_from}. You can apply now with your current account."
    ),
)
DEPOSIT_CODE_WRONG = problem_kind(
    "deposit-code-wrong",
    400,
    N_("The code is not right"),
    N_(
        "This is not the code in the memo of the 1-won deposit. You can try {tries_left} "
        "more times."
    ),
)
DEPOSIT_VOID = problem_kind(
    "deposit-void",
    409,
    N_("This bank account check has ended"),
    N_(
        "A wrong code was entered 5 times, or the code is more than a day old. "
        "Add the bank account again to get a new deposit."
    ),
)
ALREADY_VERIFIED = problem_kind(
    "bank-account-already-verified",
    409,
    N_("This bank account is already confirmed"),
    N_("You have already confirmed this bank account. There is nothing more to do."),
)
BANK_TRANSFER_UNAVAILABLE = problem_kind(
    "bank-transfer-unavailable",
    503,
    N_("We cannot check bank accounts right now"),
    N_("The bank connection is not available. Please try again later, or call the 1350 helpline."),
)
# The account-holder inquiry (holder_check.py). Its 503 says what the deposit's says.
BANK_INQUIRY_UNAVAILABLE = problem_kind(
    "bank-inquiry-unavailable",
    503,
    N_("We cannot check bank accounts right now"),
    N_("The bank connection is not available. Please try again later, or call the 1350 helpline."),
)
BANK_ACCOUNT_HOLDER_MISMATCH = problem_kind(
    "bank-account-holder-mismatch",
    409,
    N_("This account is not in your name"),
    N_(
        "The bank says this account is in someone else's name. We pay only into an account "
        "in your own name. Check the bank and the number, and add the account again."
    ),
)
BANK_ACCOUNT_UNKNOWN = problem_kind(
    "bank-account-unknown",
    409,
    N_("The bank could not find this account"),
    N_(
        "Check the bank and the account number, and that the account is still open. "
        "Then add the account again."
    ),
)
BANK_ACCOUNT_CHECK_ENDED = problem_kind(
    "bank-account-check-ended",
    409,
    N_("This bank account check has ended"),
    N_("We could not confirm this account. Add the bank account again."),
)
BANK_HOLDER_CHECKS_EXHAUSTED = problem_kind(
    "bank-holder-checks-exhausted",
    429,
    N_("No more account checks today"),
    N_(
        "The bank could not confirm an account in your name {limit} times today. "
        "Try again tomorrow, or call the 1350 helpline."
    ),
)
ILLEGAL_TRANSITION = problem_kind(
    "application-transition-not-allowed",
    409,
    N_("This change of status is not possible"),
    N_("This application cannot move from its current status to the one asked for."),
)
REASON_REQUIRED = problem_kind(
    "decision-reason-required",
    400,
    N_("A reason is needed"),
    N_("A rejection must say why, in words the applicant can read."),
)
NOT_REJECTED = problem_kind(
    "application-not-rejected",
    409,
    N_("Only a rejected application can be reviewed again"),
    N_("You can ask for a review or file an appeal once a decision to reject is made."),
)
ALREADY_APPEALED = problem_kind(
    "application-already-appealed",
    409,
    N_("You have already asked for a review"),
    N_("A review or an appeal for this application was filed on {filed_on}."),
)
APPEAL_PERIOD_OVER = problem_kind(
    "appeal-period-over",
    409,
    N_("The time to appeal has passed"),
    N_(
        "An appeal must be filed within 90 days of the decision, by {deadline}. "
        "You can still ask a caseworker to look again, or call the 1350 helpline."
    ),
)

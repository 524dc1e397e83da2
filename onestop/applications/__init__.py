"""Applications in one step, bank accounts for payments, the status lifecycle and appeals."""

from onestop.applications.applying import (
    SUBMIT_SCOPE,
    ApplicationRequest,
    BankAccountChoice,
    Submitted,
    payment_accounts,
    submit_once,
    usable_bank_accounts,
)
from onestop.applications.banks import (
    BANKS,
    BankAccount,
    BankAccountVerified,
    Proof,
    add_bank_account,
    bank_name,
    list_bank_accounts,
    verify_bank_account,
)
from onestop.applications.holder_check import add_account, check_holder
from onestop.applications.idempotency import (
    StoredAnswer,
    claim_key,
    purge_expired_keys,
    request_fingerprint,
    store_answer,
)
from onestop.applications.kiosk_queue import (
    QUEUE_WINDOW,
    QueueAnswer,
    QueuedApplication,
    accept_queued_application,
)
from onestop.applications.lifecycle import TRANSITIONS, file_appeal, move_application
from onestop.applications.records import (
    STATUSES,
    AppealKind,
    Application,
    ContactPreference,
    list_applications_by_status,
)
from onestop.applications.submit import Applicant, korea_today, submit_application
from onestop.applications.views import (
    ApplicationSummary,
    ApplicationView,
    BankAccountItem,
    BankAccountRef,
    application_view,
    bank_account_item,
    bank_account_ref,
    my_application,
    my_applications,
)

__all__ = [
    "BANKS",
    "QUEUE_WINDOW",
    "STATUSES",
    "SUBMIT_SCOPE",
    "TRANSITIONS",
    "AppealKind",
    "Applicant",
    "Application",
    "ApplicationRequest",
    "ApplicationSummary",
    "ApplicationView",
    "BankAccount",
    "BankAccountChoice",
    "BankAccountItem",
    "BankAccountRef",
    "BankAccountVerified",
    "ContactPreference",
    "Proof",
    "QueueAnswer",
    "QueuedApplication",
    "StoredAnswer",
    "Submitted",
    "accept_queued_application",
    "add_account",
    "add_bank_account",
    "application_view",
    "bank_account_item",
    "bank_account_ref",
    "bank_name",
    "check_holder",
    "claim_key",
    "file_appeal",
    "korea_today",
    "list_applications_by_status",
    "list_bank_accounts",
    "move_application",
    "my_application",
    "my_applications",
    "payment_accounts",
    "purge_expired_keys",
    "request_fingerprint",
    "store_answer",
    "submit_application",
    "submit_once",
    "usable_bank_accounts",
    "verify_bank_account",
]

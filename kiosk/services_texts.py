"""Every word of the kiosk's service pages (benefits, applying, applications, receipts,
inbox, documents, who viewed my data), as English message ids, in the reader's language
(`s.<key>` in those templates). Each page also has a short spoken description
(`<page>_spoken`), which the kiosk's shell reads aloud."""

from __future__ import annotations

from i18n import N_, translate

SERVICE_TEXTS: dict[str, str] = {
    "services": N_("What you can do here"),
    "back_to_me": N_("Back to my page"),
    # Benefits.
    "benefits_title": N_("Benefits you may get"),
    "benefits_spoken": N_(
        "This page lists the benefits you may get, and why. Each one has a button to apply."
    ),
    "benefits_as_of": N_("Checked today, {date}."),
    "benefits_no_details": N_("To see the reasons, sign in again with your card and PIN."),
    "criterion_met": N_("Met"),
    "criterion_not_met": N_("Not met"),
    "criterion_unknown": N_("Not known"),
    "why": N_("Why"),
    "figure_used": N_("What we used: {figure}"),
    "apply": N_("Apply for {name}"),
    # Applying.
    "apply_title": N_("Apply for {name}"),
    "apply_spoken": N_(
        "Check the payment account and how we tell you. Then press the apply button."
    ),
    "apply_not_eligible": N_(
        "It looks like you may not get this benefit. You can still apply. "
        "A caseworker looks at every application."
    ),
    "apply_unknown": N_(
        "We cannot tell yet if you can get this benefit. You can still apply. "
        "A caseworker will check."
    ),
    "account_label": N_("Account for the payment"),
    "account_choice": N_("{bank}, account ending in {last4}"),
    "account_waiting": N_(
        "Your new account at {bank}, ending in {last4}, can be used from {time}. "
        "Apply then, or call 1350 for help."
    ),
    "contact_label": N_("How should we tell you about it?"),
    "contact_sms": N_("Text message"),
    "contact_voice": N_("Phone call"),
    "contact_letter": N_("Letter"),
    "confirm_label": N_("The information above is right"),
    "apply_button": N_("Apply now"),
    "no_account": N_(
        "You need a bank account in your own name for the payment. Add one here. "
        "We ask the bank whose name it is in. This takes a moment."
    ),
    "bank_label": N_("Bank"),
    "number_label": N_("Account number"),
    "number_hint": N_("Digits only, or with hyphens"),
    "add_account_button": N_("Check and add this account"),
    "account_added": N_("Your account is confirmed. You can apply now."),
    # Applications and receipts.
    "applications_title": N_("My applications"),
    "applications_spoken": N_(
        "This page lists your applications and where each one is. "
        "Each one has a receipt you can print."
    ),
    "no_applications": N_("You have not applied for anything yet."),
    "app_submitted": N_("Received"),
    "app_under_review": N_("Being reviewed"),
    "app_approved": N_("Approved"),
    "app_rejected": N_("Not approved"),
    "app_paid": N_("Paid"),
    "applied_on": N_("Applied on {date}"),
    "receipt": N_("Receipt for application {reference}"),
    "receipt_title": N_("Application receipt"),
    "receipt_spoken": N_(
        "This is the receipt of your application. Press the print button to print it."
    ),
    "applied_now": N_("Your application is in. Keep this receipt."),
    "reference": N_("Reference number"),
    "date": N_("Date"),
    "programme": N_("Benefit"),
    "status": N_("Status"),
    "qr_label": N_("QR code of reference number {reference}"),
    "print": N_("Print"),
    # Inbox.
    "inbox_title": N_("My notices"),
    "inbox_spoken": N_(
        "This page lists your notices, newest first. Open one, or press read aloud to hear it."
    ),
    "no_notices": N_("You have no notices."),
    "unread": N_("New"),
    "unread_count": N_("{count} new"),
    "open_notice": N_("Open: {title}"),
    "read_aloud": N_("Read aloud"),
    "notice_title": N_("Notice"),
    "notice_spoken": N_("This is one of your notices. Press read aloud to hear it."),
    "older": N_("Older notices"),
    "to_inbox": N_("Back to my notices"),
    # Documents by consent.
    "documents_title": N_("Documents I let others see"),
    "documents_spoken": N_(
        "This page lists who may see your documents. You can take back a consent that is "
        "still in effect."
    ),
    "no_consents": N_("You have not let anyone see your documents."),
    "consent_for": N_("{document} for {grantee}"),
    "consent_purpose": N_("Why: {purpose}"),
    "consent_until": N_("Until {date}"),
    "revoke": N_("Take back: {document}"),
    "revoked": N_("Done. Nobody can see this document with that consent any more."),
    # Who viewed my data.
    "access_title": N_("Who viewed my data"),
    "access_spoken": N_("This page lists who looked at your documents, newest first."),
    "no_views": N_("Nobody has looked at your documents."),
    "viewed_by": N_("{when}: {document}, seen by {viewer}"),
    "viewer_you": N_("you"),
    "older_views": N_("Older entries"),
}


def service_texts(locale: str) -> dict[str, str]:
    return {key: translate(locale, message) for key, message in SERVICE_TEXTS.items()}

"""Every word the console pages show, as English message ids, in the reader's language.

The templates (`templates/*.html`) show them as `t.<key>`. Each part of the console
keeps its words in `<part>_texts.py` (strings only, so it imports nothing of the
console); they are merged here, and a key used twice is an error at import.
"""

from __future__ import annotations

from assisted_channel.console import (
    access_report_texts,
    acting_texts,
    assist_texts,
    callback_texts,
    kiosk_texts,
    notices_texts,
    pin_texts,
    recovery_texts,
    staff_texts,
)
from i18n import N_, translate

TEXTS: dict[str, str] = {
    "console": N_("Counter console"),
    "skip": N_("Skip to main content"),
    "language": N_("Language"),
    "helpline": N_("Need help? Call the 1350 helpline."),
    "sign_in_title": N_("Sign in to the console"),
    "sign_in_intro": N_("Sign in with the passkey on this computer or your security key."),
    "sign_in_button": N_("Sign in with a passkey"),
    "working": N_("Waiting for your passkey..."),
    "failed": N_("That did not work. Try again, or ask your administrator."),
    "no_script": N_("This page needs JavaScript to use your passkey."),
    "enroll_title": N_("Register your staff passkey"),
    "enroll_intro": N_(
        "This link works once, for 24 hours. Register a passkey on this computer "
        "or on your security key."
    ),
    "enroll_button": N_("Register a passkey"),
    "enrolled": N_("Your passkey is registered. You can sign in now."),
    "enroll_missing": N_("The link has no token. Open the whole link from your administrator."),
    "go_sign_in": N_("Go to sign-in"),
    "home_title": N_("Console home"),
    "staff_name": N_("Name"),
    "office": N_("Office"),
    "role": N_("Role"),
    "role_clerk": N_("Clerk"),
    "role_supervisor": N_("Supervisor"),
    "role_admin": N_("Administrator"),
    "sign_out": N_("Sign out"),
    "find_person": N_("Find a person"),
    "people_title": N_("Find a person"),
    "people_intro": N_("Enter the name and birth date exactly as on the ID document."),
    "name": N_("Name"),
    "birth_date": N_("Birth date"),
    "birth_date_hint": N_("For example 1980-03-15"),
    "search": N_("Search"),
    "results": N_("Results"),
    "nobody": N_("Nobody matches. Check the spelling and the birth date."),
    "phone": N_("Phone"),
    "no_phone": N_("None on record"),
    "open": N_("Open"),
    "open_person": N_("Open {name}"),
    "errors_title": N_("Please check these answers"),
    "person_title": N_("Identity check"),
    "last_match": N_("Last matching ID check: {time}"),
    "no_match_yet": N_("The ID has not been checked in the last 8 hours."),
    "check_title": N_("Check the ID document"),
    "document_type": N_("Document type"),
    "doc_resident_id_card": N_("Resident registration card"),
    "doc_drivers_licence": N_("Driver's licence"),
    "doc_passport": N_("Passport"),
    "doc_alien_registration_card": N_("Alien registration card"),
    "last4": N_("Last 4 letters or digits of the document number"),
    "result": N_("Result"),
    "result_match": N_("The document matches this person"),
    "result_mismatch": N_("The document does not match"),
    "record_check": N_("Record the check"),
    "checked_match": N_("The ID matched. You can now issue an access card or an enrollment code."),
    "checked_mismatch": N_("The mismatch is recorded. Nothing else changed."),
    "after_match": N_("After the check"),
    "issue_card": N_("Issue an access card and print it"),
    "issue_card_hint": N_("A new card stops every earlier card of this person."),
    "issue_code": N_("Issue an enrollment code"),
    "code_title": N_("Enrollment code"),
    "code_intro": N_(
        "Give this code to the person. It is shown only now and works once, until {time}."
    ),
    "back_to_person": N_("Back to the person"),
    "choose": N_("Choose one"),
    "required": N_("This field is required."),
    "bad_date": N_("Enter a date as YYYY-MM-DD."),
    "bad_choice": N_("Choose one of the options."),
    "bad_name": N_("Enter the name as on the ID document, up to {count} characters."),
    "bad_last4": N_("Enter the last 4 letters or digits of the document number."),
    "account_title": N_("Sign-in and help"),
    "link_recovery": N_("PIN, locks and authenticators"),
    "link_phones": N_("Registered phones"),
    "link_delegations": N_("People acting for this person"),
    "link_audit": N_("Audit trail"),
    "language_title": N_("Language for notices"),
    "language_hint": N_(
        "Notices, letters and messages to this person are written in this language."
    ),
    "language_save": N_("Save the language"),
    "language_saved": N_("The language is saved."),
    "link_approvals": N_("Requests waiting for approval"),
}

PARTS: tuple[dict[str, str], ...] = (
    pin_texts.TEXTS,
    acting_texts.TEXTS,
    staff_texts.TEXTS,
    assist_texts.TEXTS,
    recovery_texts.TEXTS,
    notices_texts.TEXTS,
    access_report_texts.TEXTS,
    kiosk_texts.TEXTS,
    callback_texts.TEXTS,
)


def merged(*parts: dict[str, str]) -> dict[str, str]:
    """One dict of every part; the same key in two parts is a mistake to catch at import."""
    whole: dict[str, str] = {}
    for part in parts:
        twice = whole.keys() & part.keys()
        if twice:
            raise ValueError(f"console keys defined twice: {sorted(twice)}")
        whole.update(part)
    return whole


ALL_TEXTS = merged(TEXTS, *PARTS)


def texts(locale: str) -> dict[str, str]:
    return {key: translate(locale, message) for key, message in ALL_TEXTS.items()}

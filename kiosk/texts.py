"""Every word the kiosk pages show, as English message ids, in the reader's language
(`t.<key>` in `templates/*.html`)."""

from __future__ import annotations

from i18n import N_, translate
from kiosk import shell_texts

TEXTS: dict[str, str] = {
    "kiosk": N_("Job centre kiosk"),
    "skip": N_("Skip to main content"),
    "language": N_("Language"),
    "helpline": N_("Need help? Call the 1350 helpline."),
    "home_title": N_("Welcome"),
    "home_intro": N_("Here you can check and apply for benefits with your access card."),
    "where": N_("{office}, {location}"),
    "programmes_heading": N_("What the job centre can help with"),
    "hours_heading": N_("When the job centre is open"),
    "hours_line": N_("{days}: {opens} to {closes}"),
    "hours_closed": N_("Closed on other days and on public holidays."),
    "hours_unknown": N_("Ask a member of staff when the job centre is open."),
    "help_heading": N_("If you need help"),
    "help_text": N_(
        "Press Call staff at the bottom of the screen: someone comes to you. Or call the "
        "1350 helpline."
    ),
    "sign_in": N_("Sign in"),
    "enrol_title": N_("Enrol this kiosk"),
    "enrol_intro": N_(
        "Type the enrolment code an administrator gave you. This kiosk then makes its own "
        "key and is registered to the job centre."
    ),
    "enrol_code": N_("Enrolment code"),
    "enrol_code_hint": N_("16 letters and digits, for example ABCD-EFGH-JKMN-PQRS"),
    "enrol_button": N_("Enrol this kiosk"),
    "enrol_working": N_("Enrolling this kiosk..."),
    "enrol_done": N_("This kiosk is enrolled. Opening the start page..."),
    "enrol_failed": N_("Enrolment did not work: {reason}"),
    "enrol_unsupported": N_("This browser cannot keep a key safely. Use the kiosk's own browser."),
    "sign_in_title": N_("Sign in with your card"),
    "card_label": N_("Access card"),
    "card_hint": N_("Hold the QR code of your card under the scanner."),
    "pin_label": N_("PIN"),
    "pin_hint": N_("Enter your 6-digit PIN on the keypad. Nobody can see it."),
    "keypad": N_("Keypad"),
    "erase": N_("Erase"),
    "clear_all": N_("Clear all"),
    "sign_in_button": N_("Sign in"),
    "back": N_("Back to the start"),
    "try_again": N_("Try again"),
    "me_title": N_("You are signed in"),
    "me_intro": N_("Hello, {name}. You are signed in at this kiosk."),
    "sign_out": N_("Sign out"),
    "signed_out": N_("You are signed out. Take your card with you."),
    "offline_title": N_("This kiosk is offline"),
    "offline_now": N_("The line to the job centre is down right now."),
    "offline_what": N_(
        "You can still read this page and the start page. Signing in and checking your "
        "benefits wait until the line is back."
    ),
    "offline_apply": N_(
        "If you were signed in and pressed Apply, the kiosk keeps your application and "
        "sends it when the line is back. Then we tell you by text, call or letter."
    ),
    "offline_help": N_("Need help now? Ask a member of staff, or call the 1350 helpline."),
    "offline_queued": N_(
        "Your application is kept on this kiosk. It will be sent when the line is back. "
        "You can sign out now."
    ),
}


def texts(locale: str) -> dict[str, str]:
    every = {**TEXTS, **shell_texts.TEXTS}
    return {key: translate(locale, message) for key, message in every.items()}

"""Words of the kiosk's page frame (layout.html: settings, audio, the keypad, call staff,
inactivity) and of the other ways to sign in, merged into `texts()` (kiosk/texts.py)."""

from __future__ import annotations

from i18n import N_

TEXTS: dict[str, str] = {
    "tools": N_("Help and settings"),
    "display": N_("Screen"),
    "larger_text": N_("Larger text"),
    "high_contrast": N_("High contrast"),
    "audio_guide": N_("Audio guide"),
    "volume_label": N_("Volume"),
    "quieter": N_("Quieter"),
    "louder": N_("Louder"),
    "volume": N_("Volume {level} of 5"),
    "no_voice": N_(
        "This kiosk has no voice for this language. Choose Korean or English for audio."
    ),
    "call_staff": N_("Call staff"),
    "call_staff_spoken": N_("Call staff. A member of staff comes to you."),
    "key_help": N_(
        "Keypad: arrow keys move, Enter chooses, minus (-) goes back, dot (.) reads the "
        "page again, star (*) turns audio on or off, plus (+) and slash (/) change the "
        "volume."
    ),
    "idle_title": N_("Do you need more time?"),
    "idle_text": N_("You will be signed out in 20 seconds to protect your information."),
    "idle_spoken": N_(
        "Do you need more time? Press Enter for more time. Otherwise you will be signed "
        "out in 20 seconds."
    ),
    "more_time": N_("More time"),
    "keypad_digit": N_("Number key. Digits of a PIN are never read aloud."),
    "digits_entered": N_("{count} of 6 digits entered."),
    "help_title": N_("Someone is coming"),
    "help_coming": N_(
        "We told the staff of this job centre. Someone is coming to help you. Please wait here."
    ),
    "help_meanwhile": N_("You can also call the 1350 helpline."),
    "help_back": N_("Back to where I was"),
    "sign_in_spoken": N_(
        "Sign in. Hold the QR code of your card under the scanner, then enter your "
        "6-digit PIN on the keypad and press Enter. You can also sign in with a text "
        "message code."
    ),
    "other_ways": N_("Other ways to sign in"),
    "way_sms": N_("With a code by text message"),
    "way_enrollment": N_("With a code from the counter (set a PIN)"),
    "way_unlock": N_("Unlock a locked card"),
    "back_to_sign_in": N_("Back to sign-in"),
    "sms_title": N_("Sign in with a text message"),
    "sms_spoken": N_(
        "Sign in with a text message. Enter your mobile number and your birth date as 8 "
        "digits. We send a code to your phone."
    ),
    "sms_intro": N_(
        "We send a code to your mobile phone. Any phone that gets text messages works."
    ),
    "phone_label": N_("Mobile number"),
    "phone_hint": N_("For example 01012345678"),
    "birth_label": N_("Birth date"),
    "birth_hint": N_("8 digits, for example 19600517"),
    "sms_send": N_("Send the code"),
    "sms_again": N_("Start again: enter your number to get a new code."),
    "sms_code_title": N_("Enter the code"),
    "sms_code_sent": N_(
        "If this number and birth date are ours, we sent a code. It works for 10 minutes."
    ),
    "sms_code_spoken": N_(
        "Enter the 6-digit code from your phone. If you have an app PIN, enter it too, to "
        "see your personal pages."
    ),
    "code_label": N_("Code"),
    "code_hint": N_("The 6 digits in the text message"),
    "app_pin_label": N_("App PIN (if you have one)"),
    "app_pin_hint": N_("With your PIN you can see your personal pages. Nobody can see it."),
    "sms_new_code": N_("Get a new code"),
    "step_up_title": N_("Enter your PIN"),
    "step_up_spoken": N_("Enter your 6-digit app PIN on the keypad to see your personal pages."),
    "step_up_intro": N_("You signed in with a code. Your PIN opens your personal pages."),
    "step_up_button": N_("Confirm with my PIN"),
    "step_up_skip": N_("Not now"),
    "aal1_note": N_(
        "You signed in with a code only. For your personal pages, confirm with your PIN."
    ),
    "enrollment_title": N_("Sign in with a code from the counter"),
    "enrollment_spoken": N_("Type the code a job centre clerk gave you. Then you choose your PIN."),
    "enrollment_intro": N_(
        "A clerk at the counter gave you a code on paper. With it you choose your PIN here."
    ),
    "enrollment_label": N_("Code from the counter"),
    "enrollment_hint": N_("16 letters and digits, for example KX7P-M2QD-9HTW-RB4C"),
    "enrollment_button": N_("Next"),
    "new_pin_title": N_("Choose your PIN"),
    "new_pin_spoken": N_(
        "Choose a 6-digit PIN and enter it twice. Do not use your birth date or digits in order."
    ),
    "new_pin_intro": N_(
        "You use this PIN with your card at a kiosk, in the app and on the phone line. Do "
        "it within 5 minutes."
    ),
    "new_pin_label": N_("New PIN"),
    "new_pin_hint": N_("6 digits. Not your birth date, not 123456."),
    "new_pin_again_label": N_("New PIN again"),
    "new_pin_again_hint": N_("The same 6 digits once more"),
    "new_pin_button": N_("Save my PIN"),
    "pin_set": N_("Your PIN is saved. From now on, use it with your card."),
    "unlock_title": N_("Unlock your card"),
    "unlock_spoken": N_(
        "Unlock your card. Hold the QR code of your locked card under the scanner. We "
        "send a code to your mobile phone."
    ),
    "unlock_intro": N_(
        "After 5 wrong PINs the card is locked. A code to your mobile phone unlocks it, 3 "
        "times a day at most."
    ),
    "unlock_send": N_("Send a code to my phone"),
    "unlock_button": N_("Unlock the card"),
    "unlock_failed": N_("That did not work: {reason}"),
}

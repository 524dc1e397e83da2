"""Words of the console's PIN page (`templates/pin.html`), where the person types their first PIN."""

from __future__ import annotations

from i18n import N_

TEXTS: dict[str, str] = {
    "pin_title": N_("Set the PIN"),
    "pin_link": N_("Let the person set their PIN now"),
    "pin_intro": N_(
        "Turn the keypad to the person. They type a PIN of 6 digits twice. "
        "Do not look and do not type it for them."
    ),
    "pin_rules": N_("Avoid repeated or consecutive digits and the birth date."),
    "pin_new": N_("New PIN (6 digits)"),
    "pin_again": N_("The same PIN again"),
    "pin_save": N_("Save the PIN"),
    "pin_bad_format": N_("Enter exactly 6 digits."),
    "pin_not_same": N_("The two PINs are not the same. Type them again."),
    "pin_done": N_("The PIN is saved. The person can now use it with the access card."),
}

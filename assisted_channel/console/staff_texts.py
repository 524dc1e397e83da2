"""Words of the console's staff pages (`templates/staff*.html`; administrators of a job centre)."""

from __future__ import annotations

from i18n import N_

TEXTS: dict[str, str] = {
    "staff_title": N_("Staff of this job centre"),
    "staff_link": N_("Manage the staff"),
    "staff_passkey": N_("Passkey"),
    "staff_passkey_yes": N_("Passkey registered"),
    "staff_passkey_no": N_("Not yet: the link was not used"),
    "staff_last_sign_in": N_("Last sign-in"),
    "staff_never": N_("Never"),
    "staff_state": N_("State"),
    "staff_live": N_("Active"),
    "staff_disabled": N_("Disabled"),
    "staff_disable": N_("Disable {name}"),
    "staff_disabled_done": N_("{name} is disabled. Their console sessions have ended."),
    "staff_new_title": N_("Add a staff member"),
    "staff_create": N_("Create and get the link"),
    "staff_bad_name": N_("Enter the name, 1 to {count} characters."),
    "staff_link_title": N_("Enrollment link"),
    "staff_link_intro": N_(
        "Give this link to {name}. It works once, within 24 hours, to register a passkey "
        "on their computer or security key. It is shown only now."
    ),
    "staff_back": N_("Back to the staff list"),
}

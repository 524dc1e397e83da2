"""Words of the notices on the console home (`templates/notices.html`)."""

from __future__ import annotations

from i18n import N_

TEXTS: dict[str, str] = {
    "notices_title": N_("For your attention"),
    "notice_staff_created": N_("{by} created a staff account: {name}, {role}, on {time}."),
    "notice_by_operator": N_("The operator (on the command line)"),
    "notice_staff_created_hint": N_(
        "If you did not expect this account, disable it on the staff page and tell your "
        "security officer."
    ),
    "notice_seen": N_("Mark as seen"),
    "notice_kiosk_help": N_("Someone at the kiosk at {location} asks for help ({time})."),
    "notice_kiosk_help_hint": N_(
        "The kiosk tells them that someone is coming. Go to them, then mark this as seen."
    ),
}

"""Words of the console's kiosk page (`templates/kiosks.html`, `kiosk_code.html`;
administrators of a job centre)."""

from __future__ import annotations

from i18n import N_

TEXTS: dict[str, str] = {
    "kiosks_title": N_("Kiosks of this job centre"),
    "kiosks_link": N_("Manage the kiosks"),
    "kiosks_none": N_("No kiosk is enrolled yet."),
    "kiosk_number": N_("Number"),
    "kiosk_location": N_("Where it stands"),
    "kiosk_key": N_("Key"),
    "kiosk_enrolled": N_("Enrolled"),
    "kiosk_enrolled_by": N_("Enrolled by"),
    "kiosk_retire": N_("Retire kiosk {id}"),
    "kiosk_retired": N_("Retired"),
    "kiosk_retired_done": N_("Kiosk {id} is retired. It is refused from now on."),
    "kiosk_old_key": N_("Shared key (old)"),
    "kiosk_new_title": N_("Enrol a new kiosk"),
    "kiosk_new_intro": N_(
        "Get a one-time code, then type it on the new kiosk's enrolment page "
        "(/kiosk/enrol). The code works once, within 24 hours."
    ),
    "kiosk_create": N_("Get an enrolment code"),
    "kiosk_code_title": N_("Enrolment code"),
    "kiosk_code_intro": N_(
        "Type this code on the enrolment page of the kiosk at {location}. It works once, "
        "until {expires}. It is shown only now."
    ),
    "kiosk_back": N_("Back to the kiosks"),
}

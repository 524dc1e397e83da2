"""Words of the console's call-back page (`templates/callbacks.html`): the call-backs
people asked their job centre's staff for on the phone line."""

from __future__ import annotations

from i18n import N_

TEXTS: dict[str, str] = {
    "cb_title": N_("Call-backs people asked for"),
    "cb_link": N_("Call-backs to make"),
    "cb_none": N_("Nobody is waiting for a call-back."),
    "cb_person": N_("Person"),
    "cb_number": N_("Number"),
    "cb_when": N_("Call between"),
    "cb_asked": N_("Asked"),
    "cb_done": N_("Mark request {id} done"),
    "cb_done_said": N_("Request {id} is marked done."),
}

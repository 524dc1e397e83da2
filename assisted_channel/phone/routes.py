"""The phone line's router, mounted by server/app.py: Twilio's voice webhooks.

An incoming call starts at `/webhooks/twilio/voice/incoming` (the address configured on
the ministry's Twilio number); each menu's keys come to the route named in its
`<Gather action>`; the PIN typed on a call-back we placed comes to
`/phone/callbacks/{id}/pin` (the address auth's `callback_speech` gives). Every route
checks Twilio's signature first (guard.py) and answers TwiML, problems included, with
a 200. A path no route serves is a real 404 (foundation/errors.py). The call flow for
operators: docs/phone.md.
"""

from __future__ import annotations

from litestar import Router

from assisted_channel.phone import (
    applying,
    callback,
    greeting,
    menus,
    notice_call,
    sign_in,
    staff_callback,
)
from assisted_channel.phone.guard import spoken_problem, twilio_only

PHONE_LINE = Router(
    path="/",
    route_handlers=[
        *greeting.ROUTES,
        *sign_in.ROUTES,
        *menus.ROUTES,
        *applying.ROUTES,
        *callback.ROUTES,
        *staff_callback.ROUTES,
        *notice_call.ROUTES,
    ],
    opt={"error_format": "twiml"},
    before_request=twilio_only,
    exception_handlers={Exception: spoken_problem},
    include_in_schema=False,
)

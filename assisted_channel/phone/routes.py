"""The phone line's router, mounted by server/app.py; its routes come with the phone line.

They will be Twilio's voice webhooks: an incoming call under `/webhooks/twilio/voice/...`
(caller ID and the PIN: `verify_phone_sign_in`, then `start_callback` in
auth/registered_phones.py), and the digits typed on a call-back, which Twilio posts to
`/phone/callbacks/{id}/pin` (`complete_callback`). Each must check Twilio's signature
(`X-Twilio-Signature`), as the status callback does. Every problem on this router is
spoken to the caller, as TwiML answered with a 200 (foundation/errors.py); what a call we
place says is built by the core as a `Speech` and written as TwiML by
providers/twilio_voice.py.
"""

from __future__ import annotations

from litestar import Router

PHONE_LINE = Router(path="/", route_handlers=[], opt={"error_format": "twiml"})

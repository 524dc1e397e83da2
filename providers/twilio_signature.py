"""Is this request from Twilio? The one check of `X-Twilio-Signature`, for every webhook.

Twilio signs each webhook with our auth token over the address it was given (our public
URL, not the host we see behind a proxy) and the posted form; twilio's own
`RequestValidator` recomputes it. The status callback (api/) and the phone line
(assisted_channel/phone/) both call `signed_by_twilio`, so neither imports the other.
Without an auth token nothing is signed and every webhook is refused; `make run`, which
has no Twilio account, checks them with a development token (foundation/settings.py) that
`hanchang phone call` signs with.
"""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator

from foundation.settings import Settings


def signed_url(public_url: str, path: str, query: str) -> str:
    """The address Twilio called, as it was configured: our public URL, then the path and
    the query we received."""
    return public_url + path + (f"?{query}" if query else "")


def signed_by_twilio(
    settings: Settings, *, path: str, query: str, form: Mapping[str, str], signature: str
) -> bool:
    """True when `signature` is Twilio's for this address and form under our auth token."""
    auth_token = settings.twilio.auth_token
    if not (auth_token and signature):
        return False
    url = signed_url(settings.http.public_url, path, query)
    return bool(RequestValidator(auth_token).validate(url, dict(form), signature))

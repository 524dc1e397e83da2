"""Twilio for SMS and voice calls, through the real `twilio` SDK (its async client).

The SDK has no setting for its address; our `TWILIO_API_BASE_URL` (tests and
local fakes only) is applied by a small subclass of its HTTP client passed
through the SDK's public `http_client=` parameter. The SDK also sets no
timeout by default: we always set one.

Without Twilio credentials (`make run`), messages go to the development
outbox table instead, which the demo shows at `/dev/outbox`.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import asyncpg
import msgspec
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from server.settings import TwilioSettings

TWILIO_API = "https://api.twilio.com"


class ProviderError(Exception):
    """A send that did not go through; `transient` ones are worth retrying."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        status: int | None = None,
        ambiguous: bool = False,
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status
        # No answer (a timeout, a dropped connection): Twilio may have sent it. Twilio takes
        # no idempotency key, so such a send is never repeated on the same channel.
        self.ambiguous = ambiguous


class Sent(msgspec.Struct, frozen=True):
    provider_id: str


class _TwilioHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    def __init__(self, base_url: str, timeout_s: float) -> None:
        super().__init__(pool_connections=True, timeout=timeout_s)
        self._base_url = base_url
        self._timeout_s = timeout_s

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the SDK's own signature
        allow_redirects: bool = False,
    ) -> Response:
        if self._base_url and url.startswith(TWILIO_API):
            url = self._base_url + url[len(TWILIO_API) :]
        return await super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout or self._timeout_s,
            allow_redirects=allow_redirects,
        )


def _transient(status: int) -> bool:
    return status >= 500 or status == 429


async def _call(settings: TwilioSettings, action: str, **kwargs: Any) -> Sent:
    http_client = _TwilioHttpClient(settings.api_base_url, settings.timeout_s)
    client = Client(settings.account_sid, settings.auth_token, http_client=http_client)
    try:
        if action == "sms":
            message = await client.messages.create_async(from_=settings.from_number, **kwargs)
            return Sent(provider_id=str(message.sid))
        call = await client.calls.create_async(from_=settings.from_number, **kwargs)
        return Sent(provider_id=str(call.sid))
    except TwilioRestException as exc:
        raise ProviderError(
            f"Twilio answered {exc.status} (code {exc.code})",
            transient=_transient(exc.status),
            status=exc.status,
        ) from None
    except aiohttp.ClientConnectorError as exc:
        # Never connected: nothing was sent, a retry is safe.
        raise ProviderError(f"Twilio unreachable: {type(exc).__name__}", transient=True) from None
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise ProviderError(
            f"Twilio did not answer: {type(exc).__name__}", transient=True, ambiguous=True
        ) from None
    finally:
        await http_client.session.close()


async def send_sms(
    settings: TwilioSettings,
    conn: asyncpg.Connection | None,
    *,
    to: str,
    body: str,
    status_callback: str | None = None,
) -> Sent:
    """An SMS; with `status_callback`, Twilio reports delivery to that URL."""
    if not settings.enabled:
        return await _to_outbox(conn, "sms", to, body)
    extra = {"status_callback": status_callback} if status_callback else {}
    return await _call(settings, "sms", to=to, body=body, **extra)


async def place_call(
    settings: TwilioSettings,
    conn: asyncpg.Connection | None,
    *,
    to: str,
    twiml: str,
    status_callback: str | None = None,
) -> Sent:
    """A voice call that speaks `twiml` (inline TwiML: no webhook needed)."""
    if not settings.enabled:
        return await _to_outbox(conn, "voice", to, twiml)
    extra = {"status_callback": status_callback} if status_callback else {}
    return await _call(settings, "voice", to=to, twiml=twiml, **extra)


async def _to_outbox(conn: asyncpg.Connection | None, channel: str, to: str, body: str) -> Sent:
    if conn is None:
        raise ProviderError("no Twilio account and no outbox connection", transient=False)
    outbox_id = await conn.fetchval(
        "INSERT INTO dev_outbox (channel, to_e164, body) VALUES ($1, $2, $3) RETURNING id",
        channel,
        to,
        body,
    )
    return Sent(provider_id=f"outbox-{outbox_id}")

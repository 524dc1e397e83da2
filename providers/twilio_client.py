"""Twilio for SMS and voice calls, through the real `twilio` SDK (its async client).

The SDK has no setting for its address; our `TWILIO_API_BASE_URL` (tests and
local fakes only) is applied by a small subclass of its HTTP client passed
through the SDK's public `http_client=` parameter. The SDK also sets no
timeout by default: we always set one.

Without Twilio credentials (`make run`), messages go to the development
outbox table instead, which the demo shows at `/dev/outbox`. The outbox is
written through whatever is given: the caller's connection, or the pool (a
sender that holds no connection while it calls the provider).

Sign-in codes and security alerts (`interactive=True`) go from their own sender
(`TWILIO_CODES_FROM`: a Messaging Service or a number), so that they never wait
behind bulk notices in Twilio's queue either, with a validity period after which
Twilio drops them rather than deliver a dead code.

`find_sent` answers "did this send reach Twilio?" for a send whose answer was
lost (a timeout, a worker killed mid-call): it lists the messages or calls to
that number from our sender in that window (or the outbox rows).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any, Literal

import aiohttp
import asyncpg
import msgspec
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from foundation.provider_settings import TwilioSettings

TWILIO_API = "https://api.twilio.com"
# Twilio's validity period: from 1 s to 36,000 s (10 hours).
MIN_VALIDITY_S, MAX_VALIDITY_S = 1, 36_000
# Where to send: a connection of the caller's, or the pool (the outbox only).
Outbox = asyncpg.Connection | asyncpg.Pool


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


def shown_on_korean_phones(text: str) -> bool:
    """Every character of `text` is one Korean mobile operators carry. Twilio's South Korea
    guidelines: "Only EUC-KR characters are supported by the South Korean mobile
    operators" (twilio.com/en/guidelines/kr/sms). What to send instead is the caller's
    choice (notifications/korean_handsets.py, auth/code_delivery.py)."""
    try:
        text.encode("euc_kr")
    except UnicodeEncodeError:
        return False
    return True


def _transient(status: int) -> bool:
    return status >= 500 or status == 429


def _sender(settings: TwilioSettings, interactive: bool) -> dict[str, str]:
    sender = settings.codes_sender if interactive else settings.from_number
    if sender.startswith("MG"):
        return {"messaging_service_sid": sender}
    return {"from_": sender}


async def _call(settings: TwilioSettings, action: str, *, interactive: bool, **kwargs: Any) -> Sent:
    http_client = _TwilioHttpClient(settings.api_base_url, settings.timeout_s)
    client = Client(settings.account_sid, settings.auth_token, http_client=http_client)
    try:
        if action == "sms":
            message = await client.messages.create_async(**_sender(settings, interactive), **kwargs)
            return Sent(provider_id=str(message.sid))
        # A call needs a number; a Messaging Service SID cannot place one.
        caller = settings.codes_sender if interactive else settings.from_number
        if caller.startswith("MG"):
            caller = settings.from_number
        call = await client.calls.create_async(from_=caller, **kwargs)
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
    conn: Outbox | None,
    *,
    to: str,
    body: str,
    status_callback: str | None = None,
    interactive: bool = False,
    valid_for_s: int | None = None,
) -> Sent:
    """An SMS; with `status_callback`, Twilio reports delivery to that URL.

    `interactive`: from the codes' sender; `valid_for_s`: Twilio drops it if it could not
    be sent within that time (a code that would arrive dead)."""
    if not settings.enabled:
        return await _to_outbox(conn, "sms", to, body)
    extra: dict[str, Any] = {"status_callback": status_callback} if status_callback else {}
    if valid_for_s is not None:
        extra["validity_period"] = max(MIN_VALIDITY_S, min(MAX_VALIDITY_S, valid_for_s))
    return await _call(settings, "sms", interactive=interactive, to=to, body=body, **extra)


async def place_call(
    settings: TwilioSettings,
    conn: Outbox | None,
    *,
    to: str,
    twiml: str,
    status_callback: str | None = None,
    interactive: bool = False,
) -> Sent:
    """A voice call that speaks `twiml` (inline TwiML: no webhook needed)."""
    if not settings.enabled:
        return await _to_outbox(conn, "voice", to, twiml)
    extra = {"status_callback": status_callback} if status_callback else {}
    return await _call(settings, "voice", interactive=interactive, to=to, twiml=twiml, **extra)


async def find_sent(
    settings: TwilioSettings,
    conn: Outbox,
    *,
    channel: Literal["sms", "voice"],
    to: str,
    body_sha256: bytes | None,
    since: datetime,
    until: datetime,
    known: set[str],
) -> str | None:
    """The reference of a message whose text has this SHA-256 (from any of our senders:
    the text tells it apart), or of a call from our bulk number, to `to` between `since`
    and `until`, other than the `known` ones; None if there is none. Raises
    ProviderError when Twilio cannot be asked (the answer stays unknown)."""

    def same_text(text: str | None) -> bool:
        return body_sha256 is None or hashlib.sha256((text or "").encode()).digest() == body_sha256

    if not settings.enabled:
        rows = await conn.fetch(
            """
            SELECT 'outbox-' || id AS ref, body FROM dev_outbox
            WHERE channel = $1 AND to_e164 = $2 AND created_at BETWEEN $3 AND $4
            ORDER BY id
            """,
            channel,
            to,
            since - timedelta(seconds=1),
            until + timedelta(seconds=1),
        )
        return next(
            (row["ref"] for row in rows if row["ref"] not in known and same_text(row["body"])),
            None,
        )
    http_client = _TwilioHttpClient(settings.api_base_url, settings.timeout_s)
    client = Client(settings.account_sid, settings.auth_token, http_client=http_client)
    # Twilio's clock and ours differ a little; the window is widened by a minute each way.
    # No date filter on Twilio's side: it filters on the date *sent*, which a message
    # still queued there does not have yet.
    low, high = since - timedelta(minutes=1), until + timedelta(minutes=1)
    sender = {} if settings.from_number.startswith("MG") else {"from_": settings.from_number}
    try:
        if channel == "sms":
            messages = await client.messages.list_async(to=to, limit=50)
            found = [
                str(m.sid)
                for m in messages
                if same_text(m.body)
                and m.date_created is not None
                and low <= m.date_created <= high
            ]
        else:
            calls = await client.calls.list_async(to=to, limit=50, **sender)
            found = [
                str(c.sid)
                for c in calls
                if c.date_created is not None and low <= c.date_created <= high
            ]
    except TwilioRestException as exc:
        raise ProviderError(
            f"Twilio answered {exc.status} (code {exc.code})", transient=True, status=exc.status
        ) from None
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise ProviderError(
            f"Twilio did not answer: {type(exc).__name__}", transient=True
        ) from None
    finally:
        await http_client.session.close()
    return next((sid for sid in sorted(found) if sid not in known), None)


async def _to_outbox(conn: Outbox | None, channel: str, to: str, body: str) -> Sent:
    if conn is None:
        raise ProviderError("no Twilio account and no outbox connection", transient=False)
    outbox_id = await conn.fetchval(
        "INSERT INTO dev_outbox (channel, to_e164, body) VALUES ($1, $2, $3) RETURNING id",
        channel,
        to,
        body,
    )
    return Sent(provider_id=f"outbox-{outbox_id}")

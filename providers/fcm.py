"""Push notifications through Firebase Cloud Messaging, with the real `firebase-admin` SDK.

`send_push` sends each message with `messaging.send_each_async` (at most 500
a call) and answers one `PushOutcome` per message, in order; a message that
fails never raises. How an FCM answer maps to an outcome:

| FCM answer | outcome |
| --- | --- |
| a message name | sent |
| UNREGISTERED; INVALID_ARGUMENT about the token | permanent_failure, token_dead |
| QUOTA_EXCEEDED (429), UNAVAILABLE (503), INTERNAL (500), no connection | temporary_failure |
| no answer within the timeout | ambiguous: it may have been delivered, and FCM takes no idempotency key, so we never send it again on this channel |
| anything else (credentials, sender mismatch, a bad message) | technical_failure |

Two departures from "no patching", both confined to this module:

- firebase-admin hard-codes its FCM address (`_MessagingService.FCM_URL`) and has
  no option for it. When `FCM_API_BASE_URL` is set (tests and local fakes only),
  that one class attribute is overridden while our app's messaging service is
  made, then put back; the service keeps the address it was made with.
- The SDK retries 500 and 503 up to four times with backoff (about 7 s) on its
  own HTTP client, with no option either. The notification jobs retry later
  themselves, so our apps' messaging service gets the same SDK client class
  with one quick retry.

One `firebase_admin.App` is made per (credentials, base URL, timeout) and event
loop, and reused. Its `httpTimeout` is our timeout (the SDK's default is 120 s).
Access tokens are fetched by google-auth with blocking calls: we refresh an
expired one in a thread, so that a token fetch never stalls the event loop.

Without credentials (`make run`), pushes go to the development outbox table
(channel `push`), which the demo shows at `/dev/outbox`.
"""

from __future__ import annotations

import asyncio
import itertools
import warnings
import weakref
from collections.abc import Sequence
from typing import Any, Literal

import asyncpg
import firebase_admin
import httpx
import msgspec
from firebase_admin import _http_client, credentials, exceptions, messaging
from firebase_admin._retry import HttpxRetry
from google.auth.exceptions import GoogleAuthError
from google.auth.transport.requests import Request as GoogleAuthRequest

from foundation.provider_settings import FcmSettings

# FCM's limit for one send_each call.
BATCH_SIZE = 500
FCM_HOST = "https://fcm.googleapis.com"
# One quick retry of a 500 or 503 inside the SDK; later ones are the job's.
_RETRY = HttpxRetry(max_retries=1, status_forcelist=[500, 503], backoff_factor=0.5)
_FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
_TEMPORARY = frozenset({"QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL"})

# Devices register with FCM registration tokens (the app's `getToken()`); firebase-admin 7.7
# deprecates `Message.token` for Firebase installation IDs, which our app does not send yet.
warnings.filterwarnings(
    "ignore", message="Message.token is deprecated", category=DeprecationWarning
)

PushState = Literal[
    "sent", "temporary_failure", "permanent_failure", "technical_failure", "ambiguous"
]


class PushMessage(msgspec.Struct, frozen=True, kw_only=True):
    token: str  # the device's FCM registration token
    title: str
    body: str
    data: dict[str, str]  # e.g. {"notice_id": "17", "open": "apply/unemployment-benefit"}
    locale: str = "ko"


class PushOutcome(msgspec.Struct, frozen=True, kw_only=True):
    state: PushState
    message_id: str | None = None  # FCM's "projects/.../messages/..." name when sent
    error: str | None = None  # short code, e.g. "UNREGISTERED", "QUOTA_EXCEEDED", "timeout"
    token_dead: bool = False  # the token will never work again: retire it


_app_numbers = itertools.count(1)
_apps: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str, float], Any]] = (
    weakref.WeakKeyDictionary()
)


def _firebase_app(settings: FcmSettings) -> Any:
    """The App for these settings on the running loop (the SDK's HTTP pool belongs to one loop)."""
    loop = asyncio.get_running_loop()
    key = (settings.credentials, settings.api_base_url, settings.timeout_s)
    apps = _apps.setdefault(loop, {})
    if key in apps:
        return apps[key]
    certificate = credentials.Certificate(settings.credentials)
    app = firebase_admin.initialize_app(
        certificate,
        {"httpTimeout": settings.timeout_s, "projectId": certificate.project_id},
        # App names are unique per process, even for a loop made after another was collected.
        name=f"hanchang-push-{next(_app_numbers)}",
    )
    service_class: Any = messaging._MessagingService
    default_url = service_class.FCM_URL
    if settings.api_base_url:
        service_class.FCM_URL = default_url.replace(FCM_HOST, settings.api_base_url)
    try:
        service = messaging._get_messaging_service(app)
    finally:
        service_class.FCM_URL = default_url
    service._async_client = _http_client.HttpxAsyncClient(
        credential=certificate.get_credential(), retry_config=_RETRY, timeout=settings.timeout_s
    )
    apps[key] = app
    return app


async def _fresh_access_token(app: Any) -> None:
    """Fetch an access token off the loop when the cached one is missing or about to expire."""
    credential = app.credential.get_credential()
    if not credential.valid:
        await asyncio.to_thread(credential.refresh, GoogleAuthRequest())


def _fcm_message(message: PushMessage) -> messaging.Message:
    return messaging.Message(
        # A registration token, as the app registers it; `fid` (7.7's new field) would need
        # the app to send Firebase installation ids instead.
        token=message.token,
        notification=messaging.Notification(title=message.title, body=message.body),
        # The app opens the notice in the language it was written in.
        data={**message.data, "locale": message.locale},
        android=messaging.AndroidConfig(priority="high"),
    )


def _fcm_error_code(error: exceptions.FirebaseError) -> str:
    """FCM's own error code (UNREGISTERED, QUOTA_EXCEEDED, ...) when it gave one, else the platform code."""
    response = error.http_response
    if response is not None:
        try:
            body = response.json()
            for detail in body.get("error", {}).get("details", []):
                if detail.get("@type") == _FCM_ERROR and detail.get("errorCode"):
                    return str(detail["errorCode"])
        except (ValueError, AttributeError):
            pass
    return str(error.code)


def _outcome_of_error(error: exceptions.FirebaseError) -> PushOutcome:
    cause = error.cause
    if isinstance(cause, httpx.ConnectTimeout | httpx.PoolTimeout | httpx.ConnectError):
        # The request never left: safe to send again later.
        return PushOutcome(state="temporary_failure", error="unreachable")
    if isinstance(cause, httpx.TimeoutException):
        return PushOutcome(state="ambiguous", error="timeout")
    if isinstance(cause, httpx.TransportError):
        # The connection broke after the request went out: FCM may have taken it.
        return PushOutcome(state="ambiguous", error="connection_lost")
    code = _fcm_error_code(error)
    if code == "UNREGISTERED":
        return PushOutcome(state="permanent_failure", error=code, token_dead=True)
    if code == "INVALID_ARGUMENT" and "registration token" in str(error).lower():
        return PushOutcome(state="permanent_failure", error=code, token_dead=True)
    if code in _TEMPORARY:
        return PushOutcome(state="temporary_failure", error=code)
    return PushOutcome(state="technical_failure", error=code)


def _outcome(response: messaging.SendResponse) -> PushOutcome:
    if response.success:
        return PushOutcome(state="sent", message_id=response.message_id)
    return _outcome_of_error(response.exception)


async def _send_batch(app: Any, batch: Sequence[PushMessage]) -> list[PushOutcome]:
    try:
        fcm_messages = [_fcm_message(message) for message in batch]
        result = await messaging.send_each_async(fcm_messages, app=app)
    except ValueError:
        # The SDK checks every message before sending any: find the bad ones alone.
        if len(batch) == 1:
            return [PushOutcome(state="technical_failure", error="invalid_message")]
        return [outcome for message in batch for outcome in await _send_batch(app, [message])]
    except exceptions.FirebaseError:
        # Something failed outside the per-message handling (e.g. an unreadable 2xx
        # answer): some of the batch may have been delivered.
        return [PushOutcome(state="ambiguous", error="batch_failed") for _ in batch]
    return [_outcome(response) for response in result.responses]


async def send_push(
    settings: FcmSettings,
    messages: Sequence[PushMessage],
    conn: asyncpg.Connection | asyncpg.Pool | None = None,
) -> list[PushOutcome]:
    """Send each message; one outcome per message, in order. Raises only for a database error."""
    if not messages:
        return []
    if not settings.enabled:
        return await _to_outbox(conn, messages)
    app = _firebase_app(settings)
    try:
        await _fresh_access_token(app)
    except GoogleAuthError:
        # No access token (key revoked, clock skew, token endpoint down): nothing went out.
        return [PushOutcome(state="technical_failure", error="auth") for _ in messages]
    outcomes: list[PushOutcome] = []
    for start in range(0, len(messages), BATCH_SIZE):
        outcomes.extend(await _send_batch(app, messages[start : start + BATCH_SIZE]))
    return outcomes


async def insert_push_outbox(
    conn: asyncpg.Connection | asyncpg.Pool, tokens: list[str], bodies: list[str]
) -> list[int]:
    """Outbox rows in the order given; their ids, ascending in that order."""
    rows = await conn.fetch(
        """
        INSERT INTO dev_outbox (channel, to_e164, body)
        SELECT 'push', token, body
        FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS given (token, body, position)
        ORDER BY position
        RETURNING id
        """,
        tokens,
        bodies,
    )
    # Identity values are drawn row by row in insertion order, so sorted ids follow `position`.
    return sorted(row["id"] for row in rows)


async def _to_outbox(
    conn: asyncpg.Connection | asyncpg.Pool | None, messages: Sequence[PushMessage]
) -> list[PushOutcome]:
    if conn is None:
        return [PushOutcome(state="technical_failure", error="no_outbox") for _ in messages]
    ids = await insert_push_outbox(
        conn, [m.token for m in messages], [f"{m.title}\n{m.body}" for m in messages]
    )
    return [PushOutcome(state="sent", message_id=f"outbox-{outbox_id}") for outbox_id in ids]

"""The kiosk when the line to the centre drops (docs/kiosk.md, "When the line drops").

`/kiosk/offline`: the page the service worker (static/sw.js) keeps in its cache with the
public pages and shows when the network fails; `?queued=1` once it kept an application.

`POST /kiosk/queue/applications`: the replay of an application the kiosk kept on the
device while offline, signed by the kiosk like every request, as JSON. It is answered
for a kiosk retired meanwhile too (`RETIRED_ANSWERED`): refused, and the person told.
The rule is the core's (onestop/applications/kiosk_queue.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from auth import KioskDevice
from foundation.db import Transaction
from kiosk.device_guard import RETIRED_ANSWERED
from kiosk.render import Page, kiosk_locale, render_page
from kiosk.texts import texts
from onestop.applications import (
    ApplicationRequest,
    ContactPreference,
    QueuedApplication,
    accept_queued_application,
)

# The kiosk channel's JSON: problems answer problem+json (render.py).
JSON = {"kiosk_json": True}


class QueuedApplicationBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An application the kiosk kept while offline, as its service worker replays it."""

    session_id: uuid.UUID
    idempotency_key: Annotated[str, msgspec.Meta(min_length=8, max_length=128)]
    # The kiosk's clock when the person pressed "apply" (RFC 3339).
    pressed_at: datetime
    programme_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    bank_account_id: Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
    contact_preference: ContactPreference
    confirmed: bool


class QueuedApplicationAccepted(msgspec.Struct, frozen=True, kw_only=True):
    application_id: int
    # The server's receipt: the date that counts.
    received_at: datetime
    # The kiosk's time, kept beside it.
    pressed_at: datetime
    replayed: bool


@get("/offline", include_in_schema=False)
async def offline_page(request: Request[Any, Any, Any]) -> Page:
    t = texts(kiosk_locale(request))
    return render_page(
        request,
        "offline.html",
        title=t["offline_title"],
        spoken=f"{t['offline_title']}. {t['offline_now']} {t['offline_what']}",
        queued=request.query_params.get("queued") == "1",
    )


@post("/queue/applications", include_in_schema=False, opt={**JSON, **RETIRED_ANSWERED})
async def replay_queued_application(
    data: JSONBody[QueuedApplicationBody],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    kiosk: NamedDependency[KioskDevice],
) -> Response[QueuedApplicationAccepted]:
    answer = await accept_queued_application(
        tx.conn,
        kiosk_id=kiosk.id,
        kiosk_retired=kiosk.retired_at is not None,
        queued=QueuedApplication(
            session_id=data.session_id,
            idempotency_key=data.idempotency_key,
            pressed_at=data.pressed_at,
            application=ApplicationRequest(
                programme_id=data.programme_id,
                confirmed=data.confirmed,
                bank_account_id=data.bank_account_id,
                contact_preference=data.contact_preference,
            ),
        ),
        locale=kiosk_locale(request),
    )
    return Response(
        QueuedApplicationAccepted(
            application_id=answer.application_id,
            received_at=answer.received_at,
            pressed_at=answer.pressed_at,
            replayed=answer.replayed,
        ),
        status_code=200 if answer.replayed else 201,
    )


ROUTES = [offline_page, replay_queued_application]

"""Twilio's status callback for notice SMS and voice calls (`POST /webhooks/twilio/status`).

Only Twilio may move a delivery: every callback must carry an `X-Twilio-Signature`
that validates with our auth token over the public URL Twilio was given and the
posted form (providers/twilio_signature.py, the check the phone line uses too). Anything else is refused with an
empty 403, whatever it says, and changes nothing. Without a Twilio account
(`make run`) there is no token to check against, so every callback is refused.
"""

from __future__ import annotations

import logging
from typing import Any

from arq.connections import ArqRedis
from litestar import MediaType, Request, Response, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from foundation.db import Transaction
from notifications.receipts import apply_twilio_status, status_from_form
from providers.twilio_signature import signed_by_twilio

log = logging.getLogger(__name__)


def _plain(status_code: int) -> Response[str]:
    # Empty: Twilio reads nothing from a status callback's answer.
    return Response("", status_code=status_code, media_type=MediaType.TEXT)


@post(
    "/webhooks/twilio/status",
    status_code=200,
    tags=["webhooks"],
    summary="Twilio status callback for notice SMS and calls (signed by Twilio)",
    media_type=MediaType.TEXT,
    responses={
        403: ResponseSpec(
            generate_examples=False,
            data_container=str,
            media_type=MediaType.TEXT,
            description="Not signed by Twilio: an empty answer, and nothing changed",
        )
    },
    description=(
        "Form-encoded, as Twilio posts it: `MessageSid` and `MessageStatus`, or `CallSid` and "
        "`CallStatus`, and `ErrorCode` on failures. Refused with an empty 403 unless "
        "`X-Twilio-Signature` is valid for this address and the form. A SID we do not know, or "
        "a status older than the one we have, answers 200 and changes nothing (Twilio need "
        "not retry)."
    ),
)
async def twilio_status(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Response[str]:
    form = await request.form()
    if not signed_by_twilio(
        request.app.state.settings,
        path=request.url.path,
        query=request.url.query,
        form={key: str(value) for key, value in form.items()},
        signature=request.headers.get("x-twilio-signature", ""),
    ):
        log.warning("refused a Twilio status callback without a valid signature")
        return _plain(403)
    status = status_from_form({key: str(value) for key, value in form.items()})
    if status is not None:
        await apply_twilio_status(tx, queue, status)
    return _plain(200)


ROUTES: list[Any] = [twilio_status]

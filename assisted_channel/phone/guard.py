"""Only Twilio may drive the phone line, and whatever fails, Twilio gets TwiML to speak.

`twilio_only` runs before every handler of the router: a post without a valid
`X-Twilio-Signature` for our public address and its form (providers/twilio_signature.py,
the status callback's check too) gets an empty 403, before anything is read or written.

`spoken_problem` answers every error on the router: a problem is spoken in the caller's
language with a 200 (foundation/errors.py), since Twilio reads TwiML only from a 200;
PostgreSQL or Redis out of reach is said as such, never a 500.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from litestar import MediaType, Request, Response
from redis.exceptions import RedisError

from assisted_channel.phone.voice import PHONE_LINE_DOWN
from foundation.errors import handle_exception, outage_of, render_problem
from foundation.problems import SERVICE_UNAVAILABLE, Problem
from providers.twilio_signature import signed_by_twilio

log = logging.getLogger(__name__)

_OUT_OF_REACH = (
    OSError,
    TimeoutError,
    RedisError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
)


async def twilio_only(request: Request[Any, Any, Any]) -> Response[str] | None:
    form = await request.form()
    if signed_by_twilio(
        request.app.state.settings,
        path=request.url.path,
        query=request.url.query,
        form={key: str(value) for key, value in form.items()},
        signature=request.headers.get("x-twilio-signature", ""),
    ):
        return None
    log.warning("refused a phone-line webhook without a valid Twilio signature")
    return Response("", status_code=403, media_type=MediaType.TEXT)


def spoken_problem(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if (
        outage_of(exc) is not None
        or isinstance(exc, _OUT_OF_REACH)
        or (isinstance(exc, Problem) and exc.kind is SERVICE_UNAVAILABLE)
    ):
        log.warning("the phone line answered without PostgreSQL or Redis: %r", exc)
        return render_problem(request, Problem(PHONE_LINE_DOWN))
    return handle_exception(request, exc)

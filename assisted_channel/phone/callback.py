"""aal 2 by call-back: the line calls the registered number this call signed in from and
asks for the PIN again (auth `start_callback`, `complete_callback`). The caller hangs up
and waits; the PIN typed on our call (whose TwiML, with its one-time token, the core
composed: `callback_speech`) comes to `/phone/callbacks/{id}/pin`, and that call goes on
at aal 2 in the same session."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from arq.connections import ArqRedis
from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from assisted_channel.phone.call_state import CallState
from assisted_channel.phone.signed_in import main_menu
from assisted_channel.phone.voice import (
    Post,
    goodbye,
    read_post,
    remember,
    settings_of,
    spoken,
    t,
)
from auth import (
    PHONE_PIN_LOCKED,
    PIN_WRONG,
    CurrentSession,
    complete_callback,
    enforce,
    start_callback,
)
from foundation.db import Transaction, savepoint
from foundation.problems import SERVICE_UNAVAILABLE, Problem
from foundation.settings import Settings
from i18n import N_
from providers.twilio_voice import AskForDigits, Hangup, Say, Speech

# Call-backs one phone session may ask for (the removed JSON route's limit).
CALLBACKS_PER_SESSION = 3
CALLBACK_WINDOW_S = 600
# After the 5th wrong PIN on calls we placed (the core locks this phone, nothing else).
HOW_TO_UNLOCK = N_(
    "The PIN was entered wrongly 5 times, so it is locked on this phone. A job centre "
    "counter can unlock it; bring your ID card. After that, call us, ask for a call back and "
    "enter the right PIN. Your other ways of signing in still work."
)


async def offer_callback(
    conn: asyncpg.Connection,
    redis: ArqRedis,
    post_: Post,
    state: CallState,
    session: CurrentSession,
    settings: Settings,
) -> Response[str]:
    locale = state.locale
    try:
        await enforce(
            redis,
            settings.auth,
            "phone-callback",
            str(session.id),
            limit=CALLBACKS_PER_SESSION,
            window_s=CALLBACK_WINDOW_S,
        )
        async with savepoint(conn):
            await start_callback(conn, settings, session, locale=locale)
    except Problem as refused:
        if refused.kind is SERVICE_UNAVAILABLE:
            raise
        body = refused.body(locale)
        await remember(redis, post_, state, "menu")
        return spoken(main_menu(settings, state, str(body["title"]), str(body["detail"])))
    await remember(redis, post_, state, "ended")
    return spoken(
        goodbye(
            locale,
            t(
                locale,
                N_(
                    "We will call you back on your registered number now. Please hang up and "
                    "wait for our call, then enter your PIN again."
                ),
            ),
        )
    )


def ask_pin_again(send_to: str, locale: str, said: str) -> Speech:
    question = AskForDigits(
        prompt=t(locale, N_("Enter your 6-digit PIN.")), digits=6, timeout_s=10, send_to=send_to
    )
    bye = Say(t(locale, N_("We did not hear your PIN. Goodbye.")))
    return Speech(locale=locale, steps=[Say(said), question, bye, Hangup()])


@post("/phone/callbacks/{callback_id:uuid}/pin", status_code=200, include_in_schema=False)
async def callback_pin(
    request: Request[Any, Any, Any],
    callback_id: FromPath[uuid.UUID],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
    token: FromQuery[str] = "",
) -> Response[str]:
    post_ = await read_post(request)
    settings = settings_of(request)
    locale = post_.locale
    try:
        async with savepoint(tx.conn):
            session_id = await complete_callback(
                tx.conn, settings.auth, callback_id, post_.digits, call_token=token
            )
    except Problem as refused:
        if refused.kind is SERVICE_UNAVAILABLE:
            raise
        body = refused.body(locale)
        if refused.kind is PIN_WRONG:
            # The same address again: this call's token stays good until the call-back
            # expires or is used.
            here = settings.http.public_url + request.url.path + "?" + request.url.query
            return spoken(ask_pin_again(here, locale, str(body["detail"])))
        if refused.kind is PHONE_PIN_LOCKED:
            return spoken(goodbye(locale, str(body["title"]), t(locale, HOW_TO_UNLOCK)))
        return spoken(goodbye(locale, str(body["title"]), str(body["detail"])))
    state = CallState(locale=locale, session_id=session_id, aal=2)
    await remember(queue, post_, state, "menu")
    thanks = t(locale, N_("Thank you. It is confirmed that it is you."))
    return spoken(main_menu(settings, state, thanks))


ROUTES = [callback_pin]

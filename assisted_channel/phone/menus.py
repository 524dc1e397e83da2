"""The menu after signing in: what the person may get, their applications, their new
notices (read aloud, then marked read), applying, the call-back that proves aal 2, and
(8) saving the language the caller chose as their language (auth
`set_preferred_language`, audited).

Every answer is the core's, the same function the app's route calls
(`eligibility_of`, `my_applications`, the inbox's notices), at the same level of
detail: below a recent aal 2 no reasons per criterion (auth `may_see_history`)."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from litestar import Request, Response, post
from litestar.di import NamedDependency

from assisted_channel.phone.applying import offer_programmes
from assisted_channel.phone.callback import offer_callback
from assisted_channel.phone.readout import applications_said, benefits_said, notices_said
from assisted_channel.phone.signed_in import (
    LANGUAGE_SAVED,
    STEP_UP_OFFER,
    main_menu,
    may_save_language,
    signed_in,
)
from assisted_channel.phone.staff_callback import offer_windows
from assisted_channel.phone.transfer import transfer
from assisted_channel.phone.voice import (
    VOICE,
    current_call,
    not_on_the_menu,
    read_post,
    remember,
    settings_of,
    spoken,
    t,
)
from auth import set_preferred_language
from foundation.db import Transaction


@post(f"{VOICE}/menu", status_code=200, include_in_schema=False)
async def menu(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Response[str]:
    post_ = await read_post(request)
    state = await current_call(queue, post_)
    session = await signed_in(tx.conn, state)
    settings = settings_of(request)
    locale = state.locale
    said: list[str]
    match post_.digits:
        case "1":
            said = await benefits_said(tx.conn, session, locale)
            if state.aal < 2:
                said.append(t(locale, STEP_UP_OFFER))
        case "2":
            said = await applications_said(tx.conn, session, locale)
        case "3":
            said = await notices_said(tx.conn, session, locale)
        case "4" if state.aal >= 2:
            return await offer_programmes(tx.conn, queue, post_, state, session, settings)
        case "4":
            said = [t(locale, STEP_UP_OFFER)]
        case "5" if state.aal < 2:
            return await offer_callback(tx.conn, queue, post_, state, session, settings)
        case "6" | "0":
            return await transfer(tx.conn, queue, post_, state, session, settings)
        case "7":
            return await offer_windows(tx.conn, queue, post_, state, session, settings)
        case "8" if may_save_language(state):
            assert state.chosen is not None
            await set_preferred_language(
                tx.conn,
                session.person_id,
                state.chosen,
                actor=f"account:{session.account_id}",
                channel="phone",
            )
            state.saved = state.locale = locale = state.chosen
            said = [t(locale, LANGUAGE_SAVED)]
        case "9":
            said = []
        case _:
            said = [not_on_the_menu(locale)]
    await remember(queue, post_, state, "menu")
    return spoken(main_menu(settings, state, *said))


ROUTES = [menu]

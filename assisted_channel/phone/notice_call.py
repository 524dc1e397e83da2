"""Keys pressed on a voice notice's call (one we placed, notifications/sending.py): 1 to
hear it again, 2 to apply (for a notice about a programme), 0 for a person.

The notice's `<Gather>` posts to `/webhooks/twilio/voice/notice?token=…`: the token
(auth `open_notice_call_token`: sealed, expiring, single-use) says which delivery and
person the call is for; the call then goes on under its `CallSid`. 2 asks for the PIN:
on a call we placed to the registered number of record it gives aal 2 at once (auth
`sign_in_on_placed_call`; 5 wrong lock this phone), and the line goes to applying for
the notice's programme."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromQuery

from assisted_channel.phone.applying import read_back_account
from assisted_channel.phone.call_state import CallState
from assisted_channel.phone.callback import HOW_TO_UNLOCK
from assisted_channel.phone.readout import benefits_answer
from assisted_channel.phone.signed_in import main_menu, signed_in
from assisted_channel.phone.transfer import persons_office, put_through
from assisted_channel.phone.voice import (
    CALL_NOT_FOLLOWED,
    VOICE,
    Post,
    ask,
    current_call,
    goodbye,
    not_on_the_menu,
    read_post,
    remember,
    settings_of,
    spoken,
    t,
    to_a_person,
)
from auth import (
    PHONE_PIN_LOCKED,
    PHONE_SESSION_NEEDED,
    PIN_WRONG,
    open_notice_call_token,
    sign_in_on_placed_call,
)
from foundation.db import Transaction, savepoint
from foundation.korea import korea_now
from foundation.problems import SERVICE_UNAVAILABLE, Problem
from foundation.settings import Settings
from i18n import N_
from notifications.messages import NoticeText, notice_keys, speech_language, spoken_notice
from onestop.offices import is_open
from providers.twilio_voice import Say, Speech


def notice_menu(settings: Settings, state: CallState, *said: str | Say) -> Speech:
    """The notice's keys in the call's language; for a person whose language has no voice
    (the call is in Korean), in English too."""
    assert state.notice is not None
    can_apply = state.notice.programme_id is not None
    prompt = notice_keys(state.locale, can_apply=can_apply)
    more = []
    if state.notice.locale != state.locale:
        more = [Say(notice_keys("en", can_apply=can_apply), locale="en")]
    return ask(
        settings,
        state.locale,
        "notice/menu",
        said=list(said),
        prompt=prompt,
        hints=False,
        more=more,
    )


def ask_notice_pin(settings: Settings, locale: str, *said: str) -> Speech:
    prompt = t(locale, N_("To apply, enter your 6-digit PIN."))
    return ask(
        settings, locale, "notice/pin", said=list(said), prompt=prompt, digits=6, hints=False
    )


async def _keys(
    tx: Transaction, redis: ArqRedis, post_: Post, state: CallState, settings: Settings
) -> Response[str]:
    notice = state.notice
    assert notice is not None
    locale = state.locale
    match post_.digits:
        case "1":
            text = NoticeText(
                kind=notice.kind, programme_id=notice.programme_id, topic=notice.topic
            )
            await remember(redis, post_, state, "notice/menu")
            said = spoken_notice(text, notice.locale)
            return spoken(notice_menu(settings, state, *said))
        case "2" if notice.programme_id is not None:
            await remember(redis, post_, state, "notice/pin")
            return spoken(ask_notice_pin(settings, locale))
        case "0":
            office = await persons_office(tx.conn, notice.person_id)
            if office and office.phone_e164 and is_open(office, korea_now()):
                await remember(redis, post_, state, "ended")
                connecting = t(
                    locale,
                    N_("Connecting you to {office}. Please wait."),
                    office=office.name(locale),
                )
                return spoken(put_through(locale, office.phone_e164, connecting))
            return spoken(notice_menu(settings, state, to_a_person(locale)))
        case "9":
            return spoken(notice_menu(settings, state))
    return spoken(notice_menu(settings, state, not_on_the_menu(locale)))


@post(f"{VOICE}/notice", status_code=200, include_in_schema=False)
async def notice_answered(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
    token: FromQuery[str] = "",
) -> Response[str]:
    post_ = await read_post(request)
    settings = settings_of(request)
    call = await open_notice_call_token(queue, settings.auth, token)
    # The address says the call's language: one with a voice (notifications'
    # `speech_language`); a forged or stale one without a voice is said in Korean.
    state = CallState(locale=speech_language(post_.locale), notice=call)
    await remember(queue, post_, state, "notice/menu")
    return await _keys(tx, queue, post_, state, settings)


@post(f"{VOICE}/notice/menu", status_code=200, include_in_schema=False)
async def notice_keys_pressed(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Response[str]:
    post_ = await read_post(request)
    state = await current_call(queue, post_)
    if state.notice is None:
        raise Problem(CALL_NOT_FOLLOWED)
    return await _keys(tx, queue, post_, state, settings_of(request))


@post(f"{VOICE}/notice/pin", status_code=200, include_in_schema=False)
async def notice_pin(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Response[str]:
    post_ = await read_post(request)
    state = await current_call(queue, post_)
    settings = settings_of(request)
    locale, notice = state.locale, state.notice
    if notice is None or notice.programme_id is None:
        raise Problem(CALL_NOT_FOLLOWED)
    if not (len(post_.digits) == 6 and post_.digits.isdigit()):
        return spoken(ask_notice_pin(settings, locale, t(locale, N_("Please enter six digits."))))
    try:
        async with savepoint(tx.conn):
            session_id = await sign_in_on_placed_call(tx.conn, settings.auth, notice, post_.digits)
    except Problem as refused:
        if refused.kind is SERVICE_UNAVAILABLE:
            raise
        body = refused.body(locale)
        if refused.kind is PIN_WRONG:
            return spoken(ask_notice_pin(settings, locale, str(body["detail"])))
        if refused.kind is PHONE_PIN_LOCKED:
            return spoken(goodbye(locale, str(body["title"]), t(locale, HOW_TO_UNLOCK)))
        if refused.kind is PHONE_SESSION_NEEDED:
            no_phone = t(
                locale,
                N_(
                    "To apply by phone, your phone number needs to be registered at a job "
                    "centre first."
                ),
            )
            await remember(queue, post_, state, "notice/menu")
            return spoken(notice_menu(settings, state, no_phone))
        return spoken(goodbye(locale, str(body["title"]), str(body["detail"])))
    # Signed in at aal 2 on this call: on to applying for the notice's programme.
    state.session_id, state.aal = session_id, 2
    session = await signed_in(tx.conn, state)
    answer = await benefits_answer(tx.conn, session, locale)
    offered = {p.programme_id: p.name for p in answer.programmes if p.status == "eligible"}
    thanks = t(locale, N_("Thank you. It is confirmed that it is you."))
    if notice.programme_id not in offered:
        await remember(queue, post_, state, "menu")
        nothing = t(locale, N_("There is no benefit you can apply for now."))
        return spoken(main_menu(settings, state, thanks, nothing))
    state.offered = [notice.programme_id]
    state.programme_id = notice.programme_id
    return await read_back_account(
        tx.conn, queue, post_, state, session, settings, offered[notice.programme_id]
    )


ROUTES = [notice_answered, notice_keys_pressed, notice_pin]

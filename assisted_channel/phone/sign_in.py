"""Signing in by phone: the birth date (six digits), asked of every caller the same way
whether or not their number is registered or shared, then the PIN; the calling number is
the `From` of Twilio's signed post. The rules (throttles per number and per call, what a
wrong PIN counts towards) are the core's: `verify_phone_sign_in`."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from litestar import Request, Response, post
from litestar.di import NamedDependency

from assisted_channel.phone.signed_in import main_menu
from assisted_channel.phone.voice import (
    VOICE,
    ask,
    current_call,
    goodbye,
    line_language,
    read_post,
    remember,
    settings_of,
    spoken,
    t,
)
from auth import SIGN_IN_FAILED, authenticate_access_token, get_person, verify_phone_sign_in
from foundation.db import Transaction, savepoint
from foundation.problems import SERVICE_UNAVAILABLE, Problem
from foundation.settings import Settings
from i18n import N_
from onestop.helplines import no_voice_pointer
from providers.twilio_voice import Say, Speech, has_voice


def ask_birth_date(settings: Settings, locale: str, *said: str) -> Speech:
    return ask(
        settings,
        locale,
        "birth-date",
        said=list(said),
        prompt=t(
            locale,
            N_(
                "Enter your date of birth as six digits: the year, the month and the day. For "
                "example, for the 9th of March 1958, press 5 8 0 3 0 9."
            ),
        ),
        digits=6,
        hints=False,
    )


def ask_pin(settings: Settings, locale: str, *said: str) -> Speech:
    return ask(
        settings,
        locale,
        "pin",
        said=list(said),
        prompt=t(locale, N_("Enter your 6-digit PIN.")),
        digits=6,
        hints=False,
    )


def six_digits(digits: str) -> bool:
    return len(digits) == 6 and digits.isdigit()


@post(f"{VOICE}/birth-date", status_code=200, include_in_schema=False)
async def birth_date(
    request: Request[Any, Any, Any], queue: NamedDependency[ArqRedis]
) -> Response[str]:
    post_ = await read_post(request)
    state = await current_call(queue, post_)
    settings = settings_of(request)
    if not six_digits(post_.digits):
        return spoken(
            ask_birth_date(settings, state.locale, t(state.locale, N_("Please enter six digits.")))
        )
    state.birth_date = post_.digits
    await remember(queue, post_, state, "pin")
    return spoken(ask_pin(settings, state.locale))


@post(f"{VOICE}/pin", status_code=200, include_in_schema=False)
async def pin(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Response[str]:
    post_ = await read_post(request)
    state = await current_call(queue, post_)
    settings = settings_of(request)
    locale = state.locale
    if state.birth_date is None:
        await remember(queue, post_, state, "birth-date")
        return spoken(ask_birth_date(settings, locale))
    if not six_digits(post_.digits):
        return spoken(ask_pin(settings, locale, t(locale, N_("Please enter six digits."))))
    try:
        async with savepoint(tx.conn):
            tokens = await verify_phone_sign_in(
                tx.conn,
                queue,
                settings.auth,
                caller_number=post_.caller,
                call_sid=post_.call_sid,
                pin=post_.digits,
                birth_date=state.birth_date,
            )
    except Problem as refused:
        state.birth_date = None
        if refused.kind is SIGN_IN_FAILED:
            # What the refusal wrote (its audit row) stays: it is committed with this answer.
            await remember(queue, post_, state, "birth-date")
            again = t(locale, N_("The birth date or the PIN did not match. Please try again."))
            return spoken(ask_birth_date(settings, locale, again))
        if refused.kind is SERVICE_UNAVAILABLE:
            raise
        await remember(queue, post_, state, "ended")
        body = refused.body(locale)
        return spoken(goodbye(locale, str(body["title"]), str(body["detail"])))
    session = await authenticate_access_token(tx.conn, tokens.access_token)
    assert session is not None
    state.session_id, state.aal = session.id, session.aal
    # From here on the call speaks the person's saved language (as the app does) when
    # Twilio has a voice for it; else the caller's choice, after saying (in Korean and
    # English) who answers in their language.
    person = await get_person(tx.conn, session.person_id)
    pointer: list[Say] = []
    if person is not None:
        state.saved = person.preferred_language
        state.locale = locale = line_language(person.preferred_language, locale)
        if not has_voice(person.preferred_language):
            pointer = [
                Say(no_voice_pointer(language), locale=language) for language in ("ko", "en")
            ]
    await remember(queue, post_, state, "menu")
    return spoken(main_menu(settings, state, t(locale, N_("You are signed in.")), *pointer))


ROUTES = [birth_date, pin]

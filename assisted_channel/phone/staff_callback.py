"""7: a call back from the staff of the person's job centre, at a time they choose (this
morning, this afternoon, the next opening morning: within the office's hours), queued
for the office (onestop `request_staff_callback`, listed on its console) and confirmed
by SMS when the registered number can take one (the interactive queue)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import asyncpg
from arq.connections import ArqRedis
from litestar import Request, Response, post
from litestar.di import NamedDependency

from assisted_channel.phone.call_state import CallState
from assisted_channel.phone.readout import spoken_date
from assisted_channel.phone.signed_in import main_menu, signed_in
from assisted_channel.phone.transfer import persons_office
from assisted_channel.phone.voice import (
    VOICE,
    Post,
    ask,
    current_call,
    read_post,
    remember,
    settings_of,
    spoken,
    t,
    to_a_person,
)
from auth import CurrentSession, get_session_phone, is_mobile_number
from foundation.db import Transaction
from foundation.jobs import enqueue_after_commit
from foundation.korea import korea_now
from foundation.settings import Settings
from i18n import N_
from onestop.offices import CallbackWindow, callback_windows, request_staff_callback
from providers.twilio_voice import Speech

# This morning, this afternoon, the next opening morning.
MAX_WINDOWS = 3


def window_said(window: CallbackWindow, locale: str, today: date) -> str:
    morning = window.part == "morning"
    if window.day == today:
        return t(locale, N_("this morning") if morning else N_("this afternoon"))
    if window.day == today + timedelta(days=1):
        return t(locale, N_("tomorrow morning") if morning else N_("tomorrow afternoon"))
    day = spoken_date(window.day, locale)
    return t(
        locale, N_("the morning of {day}") if morning else N_("the afternoon of {day}"), day=day
    )


def windows_menu(settings: Settings, state: CallState, *said: str) -> Speech:
    locale, today = state.locale, korea_now().date()
    prompt = " ".join(
        t(locale, N_("For {when}, press {key}."), when=window_said(w, locale, today), key=key)
        for key, w in enumerate(state.windows, start=1)
    )
    return ask(settings, locale, "staff-callback", said=list(said), prompt=prompt)


async def offer_windows(
    conn: asyncpg.Connection,
    redis: ArqRedis,
    post_: Post,
    state: CallState,
    session: CurrentSession,
    settings: Settings,
) -> Response[str]:
    office = await persons_office(conn, session.person_id)
    windows = callback_windows(office, korea_now())[:MAX_WINDOWS] if office else []
    if not windows:
        await remember(redis, post_, state, "menu")
        return spoken(main_menu(settings, state, to_a_person(state.locale)))
    state.windows = windows
    await remember(redis, post_, state, "staff-callback")
    when = t(state.locale, N_("When should the staff of your job centre call you?"))
    return spoken(windows_menu(settings, state, when))


@post(f"{VOICE}/staff-callback", status_code=200, include_in_schema=False)
async def choose_window(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Response[str]:
    post_ = await read_post(request)
    state = await current_call(queue, post_)
    session = await signed_in(tx.conn, state)
    settings = settings_of(request)
    locale = state.locale
    key = int(post_.digits) if post_.digits.isdigit() and len(post_.digits) == 1 else 0
    if not 1 <= key <= len(state.windows):
        if post_.digits == "0":
            await remember(queue, post_, state, "menu")
            return spoken(main_menu(settings, state, to_a_person(locale)))
        said = [] if post_.digits == "9" else [t(locale, N_("That key is not on this menu."))]
        return spoken(windows_menu(settings, state, *said))
    window = state.windows[key - 1]
    office = await persons_office(tx.conn, session.person_id)
    phone = await get_session_phone(tx.conn, session.id)
    if office is None or phone is None:
        await remember(queue, post_, state, "menu")
        return spoken(main_menu(settings, state, to_a_person(locale)))
    request_id, new = await request_staff_callback(
        tx.conn,
        office=office,
        person_id=session.person_id,
        phone_e164=phone.phone_e164,
        window=window,
        channel="phone",
    )
    said = [
        t(
            locale,
            N_("Staff of {office} will call you back {when}, on your registered number."),
            office=office.name(locale),
            when=window_said(window, locale, korea_now().date()),
        )
    ]
    if is_mobile_number(phone.phone_e164):
        if new:
            enqueue_after_commit(tx, queue, "confirm_staff_callback", request_id, locale)
        said.append(t(locale, N_("We will also send you a text message to confirm.")))
    state.windows = []
    await remember(queue, post_, state, "menu")
    return spoken(main_menu(settings, state, *said))


ROUTES = [choose_window]

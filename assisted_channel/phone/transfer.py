"""0 for a person, and 6 for the job centre: a transfer (`<Dial>`) to the office that
serves the signed-in person's region while it is open; out of hours the line offers a
call back from its staff instead (7, staff_callback.py). A caller not signed in is put
through to the national helpline, 1350, in its hours."""

from __future__ import annotations

from datetime import time

import asyncpg
from arq.connections import ArqRedis
from litestar import Response

from assisted_channel.phone.call_state import CallState
from assisted_channel.phone.signed_in import main_menu
from assisted_channel.phone.voice import HELPLINE, Post, remember, spoken, t, to_a_person
from auth import CurrentSession, get_person
from foundation.korea import korea_now
from foundation.settings import Settings
from i18n import N_
from onestop.offices import Office, is_open, office_serving
from providers.twilio_voice import Dial, Hangup, Say, Speech

# The national helpline (고용노동부 고객상담센터 1350): weekdays 9 to 6.
HELPLINE_HOURS = Office(
    code="helpline",
    name_ko="고객상담센터",
    name_en="helpline",
    phone_e164=HELPLINE,
    hours={day: (time(9, 0), time(18, 0)) for day in range(1, 6)},
)
NO_ANSWER = N_("Nobody could answer just now. Please call again later. Goodbye.")


def put_through(locale: str, number: str, connecting: str) -> Speech:
    return Speech(
        locale=locale,
        steps=[Say(connecting), Dial(number=number), Say(t(locale, NO_ANSWER)), Hangup()],
    )


def helpline_or_hours(locale: str) -> Speech | None:
    """Put a caller not signed in through to the helpline while it is open; None out of
    hours (the menu then says the hours)."""
    if not is_open(HELPLINE_HOURS, korea_now()):
        return None
    connecting = t(locale, N_("Connecting you to the helpline. Please wait."))
    return put_through(locale, HELPLINE, connecting)


async def persons_office(conn: asyncpg.Connection, person_id: int) -> Office | None:
    person = await get_person(conn, person_id)
    return await office_serving(conn, person.region_code) if person else None


async def transfer(
    conn: asyncpg.Connection,
    redis: ArqRedis,
    post_: Post,
    state: CallState,
    session: CurrentSession,
    settings: Settings,
) -> Response[str]:
    locale = state.locale
    office = await persons_office(conn, session.person_id)
    if office is None or office.phone_e164 is None:
        await remember(redis, post_, state, "menu")
        return spoken(main_menu(settings, state, to_a_person(locale)))
    name = office.name(locale)
    if is_open(office, korea_now()):
        await remember(redis, post_, state, "ended")
        connecting = t(locale, N_("Connecting you to {office}. Please wait."), office=name)
        return spoken(put_through(locale, office.phone_e164, connecting))
    closed = t(
        locale,
        N_("{office} is closed now. To ask its staff to call you back, press 7."),
        office=name,
    )
    await remember(redis, post_, state, "menu")
    return spoken(main_menu(settings, state, closed))

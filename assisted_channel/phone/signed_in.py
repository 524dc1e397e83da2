"""A signed-in call: its menu, and its session, loaded afresh on every key press."""

from __future__ import annotations

import asyncpg

from assisted_channel.phone.call_state import CallState
from assisted_channel.phone.voice import CALL_NOT_FOLLOWED, ask, t
from auth import CurrentSession, has_recent_aal2, phone_session
from foundation.problems import Problem
from foundation.settings import Settings
from i18n import N_
from providers.twilio_voice import Say, Speech

STEP_UP_OFFER = N_(
    "To hear the reasons for each answer, or to apply, we need to call you back to confirm "
    "it is you. Press 5 for a call back."
)


# Offered in the language the caller chose, in its voice, when it is not their saved one.
SAVE_LANGUAGE_OFFER = N_("To use this language for everything we send you, press 8.")
LANGUAGE_SAVED = N_("Done. From now on, we will use this language for everything we send you.")


def may_save_language(state: CallState) -> bool:
    return state.chosen is not None and state.saved is not None and state.chosen != state.saved


def main_menu(settings: Settings, state: CallState, *said: str | Say) -> Speech:
    locale = state.locale
    choices = [
        t(locale, N_("For the benefits you may get, press 1.")),
        t(locale, N_("For your applications, press 2.")),
        t(locale, N_("For new notices, press 3.")),
        t(locale, N_("To apply for a benefit, press 4.")),
    ]
    if state.aal < 2:
        choices.append(t(locale, N_("To confirm it is you by a call back, press 5.")))
    choices += [
        t(locale, N_("To talk to someone at your job centre, press 6.")),
        t(locale, N_("To ask your job centre's staff to call you back, press 7.")),
    ]
    more = []
    if may_save_language(state):
        assert state.chosen is not None
        more.append(Say(t(state.chosen, SAVE_LANGUAGE_OFFER), locale=state.chosen))
    return ask(settings, locale, "menu", said=list(said), prompt=" ".join(choices), more=more)


async def signed_in(conn: asyncpg.Connection, state: CallState) -> CurrentSession:
    """The call's session, live; its level is the session's (an aal 2 grown old is 1)."""
    session = await phone_session(conn, state.session_id) if state.session_id else None
    if session is None:
        raise Problem(CALL_NOT_FOLLOWED)
    state.aal = 2 if has_recent_aal2(session) else 1
    return session

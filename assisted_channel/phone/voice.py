"""What every webhook of the phone line shares: reading Twilio's post, the call's state,
composing a menu as a `Speech` (written as TwiML by providers/twilio_voice.py), and the
keys every menu knows (9 repeats, 0 for a person).

Every address we give Twilio carries the call's language (`?lang=`), so that even a
call whose state has expired, or a post without a `CallSid`, is answered in the
language the caller chose (foundation/errors.py reads `lang` for every problem).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from redis.asyncio import Redis

from assisted_channel.phone.call_state import CallState, load_call, save_call
from foundation.errors import request_locale
from foundation.problems import Problem, problem_kind
from foundation.settings import Settings
from i18n import N_, translate
from onestop.helplines import HELPLINE as MINISTRY_HELPLINE
from providers.twilio_voice import AskForDigits, Hangup, Say, Speech, Step, has_voice, twiml

VOICE = "/webhooks/twilio/voice"
# Seconds a menu waits for a key; then it is said once more, then the call ends.
MENU_TIMEOUT_S = 6
NUMBER_TIMEOUT_S = 10
HELPLINE = MINISTRY_HELPLINE.number

CALL_NOT_FOLLOWED = problem_kind(
    "call-not-followed",
    400,
    N_("We lost track of this call"),
    N_("Too much time passed, or the call could not be followed. Please call again."),
)
PHONE_LINE_DOWN = problem_kind(
    "phone-line-down",
    503,
    N_("The phone line is not working right now"),
    N_("Nothing was changed. Please call again in a few minutes, or call the 1350 helpline."),
)


class Post(msgspec.Struct, frozen=True, kw_only=True):
    """What Twilio posted: the call, the caller's number and the keys pressed."""

    call_sid: str
    caller: str
    digits: str
    locale: str


async def read_post(request: Request[Any, Any, Any]) -> Post:
    form = await request.form()
    call_sid = str(form.get("CallSid") or "")
    if not call_sid:
        raise Problem(CALL_NOT_FOLLOWED)
    return Post(
        call_sid=call_sid,
        caller=str(form.get("From") or ""),
        digits=str(form.get("Digits") or ""),
        locale=request_locale(request),
    )


async def current_call(redis: Redis, post: Post) -> CallState:
    """The call's state; an unknown or expired call is told so (spoken, 200)."""
    state = await load_call(redis, post.call_sid)
    if state is None:
        raise Problem(CALL_NOT_FOLLOWED)
    return state


def settings_of(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def address(settings: Settings, step: str, locale: str) -> str:
    """Where a menu's keys go: a webhook of ours, in the call's language."""
    return f"{settings.http.public_url}{VOICE}/{step}?lang={locale}"


def line_language(saved: str, chosen: str) -> str:
    """The language a signed-in call goes on in: the person's saved language when Twilio
    has a voice for it (the table of languages), else the one the caller chose."""
    return saved if has_voice(saved) else chosen


def spoken(speech: Speech) -> Response[str]:
    return Response(twiml(speech), status_code=200, media_type=MediaType.XML)


def t(locale: str, message: str, /, **params: object) -> str:
    return translate(locale, message, **params)


def ask(
    settings: Settings,
    locale: str,
    step: str,
    *,
    said: Sequence[str | Say],
    prompt: str,
    digits: int = 1,
    hints: bool = True,
    more: Sequence[Say] = (),
) -> Speech:
    """`said` (a sentence in the call's language, or a `Say` in another's voice), then
    `prompt` for `digits` keys sent to `step`, and `more` while waiting; with no key, the
    prompt once more, then goodbye."""
    if hints:
        prompt = " ".join(
            [prompt, t(locale, N_("To hear this again, press 9. To talk to a person, press 0."))]
        )
    timeout = MENU_TIMEOUT_S if digits == 1 else NUMBER_TIMEOUT_S
    question = AskForDigits(
        prompt=prompt,
        digits=digits,
        timeout_s=timeout,
        send_to=address(settings, step, locale),
        more=list(more),
    )
    steps: list[Step] = [line if isinstance(line, Say) else Say(line) for line in said]
    steps += [
        question,
        question,
        Say(t(locale, N_("We did not hear a key. Please call again. Goodbye."))),
        Hangup(),
    ]
    return Speech(locale=locale, steps=steps)


def goodbye(locale: str, *said: str) -> Speech:
    return Speech(locale=locale, steps=[*(Say(line) for line in said), Hangup()])


def to_a_person(locale: str) -> str:
    # Transfer to the office (<Dial>) comes with offices' numbers and hours.
    return t(
        locale,
        N_("To talk to a person, call the helpline on {number}, weekdays from 9 to 6."),
        number=spelled_digits(HELPLINE),
    )


def not_on_the_menu(locale: str) -> str:
    return t(locale, N_("That key is not on this menu."))


def spelled_digits(digits: str) -> str:
    """Digits read one by one (a phone number, an account's last four), not as a number."""
    return " ".join(digits)


async def remember(redis: Redis, post: Post, state: CallState, at: str) -> None:
    state.at = at
    await save_call(redis, post.call_sid, state)

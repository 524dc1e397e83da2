"""The start of every call, the same for every caller whether or not their number is
registered: the voice-phishing warning, the language, then public information or
signing in. Nothing here looks at the calling number.

The language: 1 Korean, 2 English, 3 other languages; 3 offers each language Twilio has
a voice for, in its own voice, and a key for "my language is not listed", which says in
Korean and English who answers in the caller's language (onestop/helplines.py)."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from litestar import Request, Response, post
from litestar.di import NamedDependency

from assisted_channel.phone.call_state import CallState
from assisted_channel.phone.sign_in import ask_birth_date
from assisted_channel.phone.transfer import helpline_or_hours
from assisted_channel.phone.voice import (
    VOICE,
    address,
    ask,
    current_call,
    not_on_the_menu,
    read_post,
    remember,
    settings_of,
    spoken,
    t,
    to_a_person,
)
from foundation.settings import Settings
from i18n import BY_CODE, N_, SUPPORTED_LOCALES
from onestop.catalog import PROGRAMMES
from onestop.helplines import no_voice_pointer
from providers.twilio_voice import AskForDigits, Hangup, Say, Speech, has_voice

LANGUAGES = {"1": "ko", "2": "en"}
# Said in each catalog's own words on the menu of every language (3 on the first menu).
THIS_LANGUAGE = N_("For this language, press {key}.")
WARNING = N_(
    "Please be careful of phone scams. This line never asks for your resident registration "
    "number, a bank password or a card number."
)


def language_menu(settings: Settings, *, said: list[Say]) -> Speech:
    """In both languages, each in its own voice: 1 Korean, 2 English."""
    question = AskForDigits(
        prompt=t("ko", N_("For Korean, press 1.")),
        digits=1,
        timeout_s=6,
        send_to=address(settings, "language", "ko"),
        more=[
            Say(t("en", N_("For English, press 2.")), locale="en"),
            Say(t("ko", N_("For other languages, press 3."))),
            Say(t("en", N_("For other languages, press 3.")), locale="en"),
        ],
    )
    goodbye = Say(t("ko", N_("We did not hear a key. Please call again. Goodbye.")))
    return Speech(locale="ko", steps=[*said, question, question, goodbye, Hangup()])


# The every-language menu: each language Twilio has a voice for, in the table's order
# (i18n/languages.py), key 1 upwards, then one key for "my language is not listed";
# 9 (again) and 0 (a person) keep their meaning, so at most 8 keys.
VOICED_LOCALES: tuple[str, ...] = tuple(code for code in SUPPORTED_LOCALES if has_voice(code))
NOT_LISTED_KEY = str(len(VOICED_LOCALES) + 1)
assert len(VOICED_LOCALES) + 1 <= 8, "the every-language menu has keys 1 to 8 only"
NOT_LISTED = N_("If your language is not on this list, press {key}.")
# While a draft catalog lacks THIS_LANGUAGE, its English would say "For English, press
# 3." in a Vietnamese voice: the language's own name is said instead.
NAMED_LANGUAGE = N_("{language}: press {key}.")


def offer_of(locale: str, key: int) -> str:
    """`For this language, press {key}.` in the language's own words, or, while its
    catalog lacks them, its own name (i18n/languages.py) and the key."""
    own = t(locale, THIS_LANGUAGE, key=key)
    if locale != "en" and own == t("en", THIS_LANGUAGE, key=key):
        return t(locale, NAMED_LANGUAGE, language=BY_CODE[locale].name, key=key)
    return own


def every_language_menu(settings: Settings, *, said: list[Say]) -> Speech:
    """Every language the line can speak, each offered in its own words and its own voice:
    key 1 for the first, and so on; then, in Korean and English, the key for a language
    not on the list."""
    offers = [
        Say(offer_of(locale, key), locale=locale)
        for key, locale in enumerate(VOICED_LOCALES, start=1)
    ]
    offers += [
        Say(t(locale, NOT_LISTED, key=NOT_LISTED_KEY), locale=locale) for locale in ("ko", "en")
    ]
    question = AskForDigits(
        prompt=offers[0].text,
        digits=1,
        timeout_s=6,
        send_to=address(settings, "languages", "ko"),
        more=offers[1:],
    )
    goodbye = Say(t("ko", N_("We did not hear a key. Please call again. Goodbye.")))
    return Speech(
        locale=offers[0].locale or "ko", steps=[*said, question, question, goodbye, Hangup()]
    )


def not_listed(settings: Settings) -> Speech:
    """In Korean, then English: the line cannot speak the caller's language yet, and who
    answers in it; then the first menu again (Korean, English, other languages)."""
    said = [Say(no_voice_pointer(locale), locale=locale) for locale in ("ko", "en")]
    return language_menu(settings, said=said)


@post(f"{VOICE}/languages", status_code=200, include_in_schema=False)
async def choose_any_language(
    request: Request[Any, Any, Any], queue: NamedDependency[ArqRedis]
) -> Response[str]:
    post_ = await read_post(request)
    state = await current_call(queue, post_)
    settings = settings_of(request)
    if post_.digits == NOT_LISTED_KEY:
        await remember(queue, post_, state, "language")
        return spoken(not_listed(settings))
    if post_.digits == "0" and (helpline := helpline_or_hours("ko")):
        await remember(queue, post_, state, "ended")
        return spoken(helpline)
    key = int(post_.digits) if post_.digits.isdigit() and len(post_.digits) == 1 else 0
    if not 1 <= key <= len(VOICED_LOCALES):
        said = [] if post_.digits == "9" else [Say(not_on_the_menu("ko"))]
        if post_.digits == "0":
            said = [Say(to_a_person("ko"))]
        return spoken(every_language_menu(settings, said=said))
    state.locale = state.chosen = VOICED_LOCALES[key - 1]
    await remember(queue, post_, state, "start")
    return spoken(start_menu(settings, state.locale))


def start_menu(settings: Settings, locale: str, *said: str) -> Speech:
    return ask(
        settings,
        locale,
        "start",
        said=list(said),
        prompt=t(locale, N_("For information about our services, press 1. To sign in, press 2.")),
    )


@post(f"{VOICE}/incoming", status_code=200, include_in_schema=False)
async def incoming_call(
    request: Request[Any, Any, Any], queue: NamedDependency[ArqRedis]
) -> Response[str]:
    post_ = await read_post(request)
    await remember(queue, post_, CallState(), "language")
    welcome = [
        Say(t("ko", N_("Hello. This is the Ministry of Employment and Labor."))),
        Say(t("ko", WARNING)),
        Say(t("en", WARNING), locale="en"),
    ]
    return spoken(language_menu(settings_of(request), said=welcome))


@post(f"{VOICE}/language", status_code=200, include_in_schema=False)
async def choose_language(
    request: Request[Any, Any, Any], queue: NamedDependency[ArqRedis]
) -> Response[str]:
    post_ = await read_post(request)
    state = await current_call(queue, post_)
    settings = settings_of(request)
    if post_.digits == "3":
        await remember(queue, post_, state, "languages")
        return spoken(every_language_menu(settings, said=[]))
    locale = LANGUAGES.get(post_.digits)
    if locale is None and post_.digits == "0" and (helpline := helpline_or_hours("ko")):
        return spoken(helpline)
    if locale is None:
        said = to_a_person("ko") if post_.digits == "0" else not_on_the_menu("ko")
        if post_.digits == "9":
            return spoken(language_menu(settings, said=[]))
        return spoken(language_menu(settings, said=[Say(said)]))
    state.locale = state.chosen = locale
    await remember(queue, post_, state, "start")
    return spoken(start_menu(settings, locale))


def public_information(locale: str) -> list[str]:
    names = ", ".join(t(locale, programme.name) for programme in PROGRAMMES.values())
    return [
        t(locale, N_("We help with these services: {names}"), names=names) + ".",
        t(
            locale,
            N_(
                "To hear which ones you may get, sign in with the phone number and PIN "
                "registered at a job centre, or visit a job centre."
            ),
        ),
    ]


@post(f"{VOICE}/start", status_code=200, include_in_schema=False)
async def start(request: Request[Any, Any, Any], queue: NamedDependency[ArqRedis]) -> Response[str]:
    post_ = await read_post(request)
    state = await current_call(queue, post_)
    settings = settings_of(request)
    locale = state.locale
    match post_.digits:
        case "1":
            return spoken(start_menu(settings, locale, *public_information(locale)))
        case "2":
            await remember(queue, post_, state, "birth-date")
            return spoken(ask_birth_date(settings, locale))
        case "9":
            return spoken(start_menu(settings, locale))
        case "0":
            helpline = helpline_or_hours(locale)
            if helpline is not None:
                await remember(queue, post_, state, "ended")
                return spoken(helpline)
            return spoken(start_menu(settings, locale, to_a_person(locale)))
    return spoken(start_menu(settings, locale, not_on_the_menu(locale)))


ROUTES = [incoming_call, choose_language, choose_any_language, start]

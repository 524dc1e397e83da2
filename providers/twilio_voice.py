"""What a voice call says, and the TwiML that makes Twilio say it.

The core decides what a call says, in the person's language: sentences, pauses, and a
question for key presses with where their answer goes (a `Speech`); the phone line
composes its menus the same way. This module, beside the Twilio client, is the only one
that writes TwiML, Twilio's XML, for a call we place and for the phone line's webhooks
(`twiml`); a problem answered to a webhook is spoken by foundation/errors.py.
"""

from __future__ import annotations

import msgspec
from twilio.twiml.voice_response import VoiceResponse

from foundation.provider_settings import TwilioSettings
from i18n import LANGUAGES
from providers.twilio_client import Outbox, Sent, place_call

# The voice Twilio reads each language with (`<Say language=...>`), from the table of
# languages (i18n/languages.py). A language without one (Nepali, Khmer, Uzbek, Mongolian
# today) is never read out in another language's voice: the caller hears, in Korean and
# English, who answers in their language (onestop/helplines.py).
VOICE_LANGUAGES: dict[str, str] = {
    language.code: language.voice for language in LANGUAGES if language.voice
}


class Say(msgspec.Struct, frozen=True):
    text: str
    # Said in this language's voice rather than the speech's (the language menu).
    locale: str | None = None


class Pause(msgspec.Struct, frozen=True):
    seconds: int


class AskForDigits(msgspec.Struct, frozen=True, kw_only=True):
    """Say `prompt` and take `digits` key presses, sent to `send_to` (a webhook of ours);
    with none within `timeout_s`, the call goes on to the next step."""

    prompt: str
    digits: int
    timeout_s: int
    send_to: str
    # More sentences while waiting, each perhaps in another voice.
    more: list[Say] = []


class Hangup(msgspec.Struct, frozen=True):
    """End the call."""


class Dial(msgspec.Struct, frozen=True, kw_only=True):
    """Put the caller through to `number` (an office's E.164 number, or a short national
    number such as 1350); when nobody answers within `timeout_s`, the next step."""

    number: str
    timeout_s: int = 30


Step = Say | Pause | AskForDigits | Hangup | Dial


class Speech(msgspec.Struct, frozen=True, kw_only=True):
    """A call's words in `locale`, in order."""

    locale: str
    steps: list[Step]


def has_voice(locale: str) -> bool:
    return locale in VOICE_LANGUAGES


def voice_language(locale: str) -> str:
    return VOICE_LANGUAGES.get(locale, VOICE_LANGUAGES["ko"])


def twiml(speech: Speech) -> str:
    language = voice_language(speech.locale)
    response = VoiceResponse()
    for step in speech.steps:
        if isinstance(step, Say):
            response.say(step.text, language=voice_language(step.locale or speech.locale))
        elif isinstance(step, Pause):
            response.pause(length=step.seconds)
        elif isinstance(step, Hangup):
            response.hangup()
        elif isinstance(step, Dial):
            response.dial(step.number, timeout=step.timeout_s)
        else:
            gather = response.gather(
                input="dtmf",
                num_digits=step.digits,
                timeout=step.timeout_s,
                method="POST",
                action=step.send_to,
            )
            gather.say(step.prompt, language=language)
            for more in step.more:
                gather.say(more.text, language=voice_language(more.locale or speech.locale))
    return str(response)


async def place_call_saying(
    settings: TwilioSettings,
    conn: Outbox | None,
    *,
    to: str,
    speech: Speech,
    status_callback: str | None = None,
    interactive: bool = False,
) -> Sent:
    """A voice call that says `speech` (see `place_call`)."""
    return await place_call(
        settings,
        conn,
        to=to,
        twiml=twiml(speech),
        status_callback=status_callback,
        interactive=interactive,
    )

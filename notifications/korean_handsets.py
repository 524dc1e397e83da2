"""SMS as Korean phones receive it.

Twilio's South Korea guidelines (twilio.com/en/guidelines/kr/sms): "Only EUC-KR
characters are supported by the South Korean mobile operators", and every message is
prefixed by the operator with `[Web발신]` (an application's message) or `[국제발신]` (sent
from abroad). So:

- **Decided per message, not per language.** A text in the person's language that is
  entirely EUC-KR (KS X 1001: Hangul, ASCII, some Latin, Greek, Cyrillic, kanji) goes as
  it is: Korean, English, and an Indonesian or Filipino text in plain ASCII (GSM-7).
  One that is not (Vietnamese, Thai, Khmer, Nepali, Simplified Chinese, Mongolian's
  ө/ү, Uzbek's oʻ/gʻ, a Filipino ñ …) would reach the handset as boxes or question
  marks: the person gets instead a short SMS in Korean and English saying where the
  notice is in their language — the app's inbox where they have the app, the phone line
  where it has a voice for their language, a job centre otherwise — and the helpline.
- **Length.** Two concatenated segments of the encoding the text goes in (messages.py:
  GSM-7 2 × 153 septets, UCS-2 2 × 67 characters), less room for the operator's
  prefix: Twilio does not say whether the prefix takes characters of the message, so
  we assume it does (`OPERATOR_PREFIX_ROOM`: `[Web발신]` and a line break, the longer of
  the two). The body is shortened, never the helpline.
"""

from __future__ import annotations

from collections.abc import Callable

from i18n import N_, translate
from notifications.messages import fit_sms, sms_length, sms_limit
from onestop.helplines import HELPLINE
from providers.twilio_client import shown_on_korean_phones as is_euc_kr
from providers.twilio_voice import has_voice

__all__ = [
    "WHERE_IN_FULL",
    "is_euc_kr",
    "pointer_sms",
    "sms_for_korean_handsets",
    "sms_text_korean_phones_show",
]

# Where the full notice is, in the person's language, by what they have (best first).
WHERE_IN_FULL: dict[str, str] = {
    "app": N_(
        "You have a new notice. See it in your language in the Hanchang app. Help: {helpline}"
    ),
    "phone": N_("You have a new notice. Call {helpline} and sign in to hear it in your language."),
    "job_centre": N_(
        "You have a new notice. See it in your language at a job centre. Help: {helpline}"
    ),
}
# Said once, on the Korean line, which comes first.
SENDER = N_("[Ministry of Employment and Labor]")


def pointer_sms(where: str) -> str:
    """The short SMS, in Korean then English, pointing to where the notice is in the
    person's language (`WHERE_IN_FULL`)."""
    message = WHERE_IN_FULL[where]
    korean = translate("ko", message, helpline=HELPLINE.written)
    english = translate("en", message, helpline=HELPLINE.written)
    return f"{translate('ko', SENDER)} {korean}\n{english}"


def sms_for_korean_handsets(text: str, locale: str, *, has_app: bool) -> str:
    """What is sent for a notice whose SMS in the person's language (`locale`) is `text`:
    `text` fitted to two segments when Korean phones can show it, else the pointer."""
    if is_euc_kr(text):
        return fit_sms(text)
    if has_app:
        return pointer_sms("app")
    if has_voice(locale):
        return pointer_sms("phone")
    return pointer_sms("job_centre")


def sms_text_korean_phones_show(locale: str, text_in: Callable[[str], str]) -> str:
    """An SMS that is not a notice (a new payment account, a call-back's time), whose text
    in a language is `text_in(language)`: in the person's language when Korean phones can
    show it; else in Korean and English when both fit two segments; else in English, the
    language a foreign reader is likelier to read. Fitted, the helpline kept."""
    own = text_in(locale)
    if is_euc_kr(own):
        return fit_sms(own)
    both = f"{text_in('ko')}\n{text_in('en')}"
    if sms_length(both) <= sms_limit(both):
        return both
    return fit_sms(text_in("en"))

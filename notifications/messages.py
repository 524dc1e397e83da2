"""What a notice says, per channel, in the person's language.

SMS and voice carry no links (smishing): they tell the person to open the app,
visit a kiosk or call 1350. Push opens the one-step application in the app.
SMS text is kept within two concatenated segments of its encoding (GSM-7 for text that
fits its alphabet, as English does: 2 × 153 characters; UCS-2 otherwise, as Korean: 2 × 67),
less room for the Korean operators' prefix, shortened at a word boundary before its last
sentence, which carries the helpline: the helpline is never cut. What a Korean phone can
show at all (EUC-KR) is decided per message when it is sent: korean_handsets.py.
"""

from __future__ import annotations

import re

import msgspec

from i18n import N_, translate
from onestop.catalog import PROGRAMMES
from onestop.helplines import no_voice_pointer
from providers.twilio_voice import AskForDigits, Pause, Say, Speech, Step, has_voice

# Two concatenated segments: UCS-2 (Korean) 2 × 67 characters, GSM-7 (English) 2 × 153,
# less the room the Korean operators' prefix may take: `[Web발신]` or `[국제발신]` and a
# line break. Twilio's guidelines for South Korea say the prefix is added, not whether it
# counts against the message, so we assume it does (see korean_handsets.py).
OPERATOR_PREFIX_ROOM = len("[Web발신]\n")
SMS_MAX_CHARS = 2 * 67 - OPERATOR_PREFIX_ROOM
SMS_MAX_GSM_CHARS = 2 * 153 - OPERATOR_PREFIX_ROOM
# GSM 03.38's basic alphabet: a text made only of these goes as GSM-7.
GSM_7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Its extension table: each of these takes two septets.
GSM_7_EXTENSION = frozenset("^{}\\[~]|€")

STATUS_UPDATED = N_("updated")
APPLICATION_STATUS: dict[str, str] = {
    "submitted": N_("received"),
    "under_review": N_("being reviewed"),
    "approved": N_("approved"),
    "rejected": N_("not approved"),
    "paid": N_("paid"),
}


# What happened to the account's ways in, by notice topic (auth/binding.py).
AUTHENTICATOR_CHANGES: dict[str, str] = {
    "authenticator_added:passkey": N_("A passkey was added to your account"),
    "authenticator_added:totp": N_("An authenticator app was added to your account"),
    "authenticator_added:pin": N_("A new PIN was set for your account"),
    "authenticator_added:recovery_codes": N_("New recovery codes were made for your account"),
    "authenticator_removed:passkey": N_("A passkey was removed from your account"),
    "authenticator_removed:totp": N_("The authenticator app was removed from your account"),
}
AUTHENTICATOR_CHANGED = N_("The way you sign in was changed")


# An application a kiosk kept while offline, once the server had it (topic
# `kiosk_queue:<outcome>`, notifications/notices.py).
KIOSK_QUEUE_TITLES: dict[str, str] = {
    "kiosk_queue:accepted": N_("Your application for {programme} from the kiosk was received"),
    "kiosk_queue:refused": N_("Your application for {programme} from the kiosk was not accepted"),
    "kiosk_queue:kiosk_retired": N_("Your application for {programme} from the kiosk was not sent"),
}
KIOSK_QUEUE_BODIES: dict[str, str] = {
    "kiosk_queue:accepted": N_(
        "The kiosk was offline, so it sent it when the line came back. "
        "The date of your application is the day we received it."
    ),
    "kiosk_queue:refused": N_(
        "We checked it again when it arrived. Apply again in the app or at a kiosk, or call 1350."
    ),
    "kiosk_queue:kiosk_retired": N_(
        "The kiosk was taken out of service before it could send it. Apply again in the "
        "app or at a kiosk, or call 1350."
    ),
}


class RenderedNotice(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    body: str
    sms: str
    voice: str
    # Where the app opens (push only).
    open: str


class NoticeText(msgspec.Struct, frozen=True, kw_only=True):
    """What the renderer needs to know about a notice."""

    kind: str
    programme_id: str | None = None
    topic: str | None = None


def is_gsm_7(text: str) -> bool:
    return all(c in GSM_7 or c in GSM_7_EXTENSION for c in text)


def sms_length(text: str) -> int:
    """Characters as the network counts them: septets in GSM-7 (an extension character
    is two), UTF-16 code units in UCS-2."""
    if is_gsm_7(text):
        return sum(2 if c in GSM_7_EXTENSION else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def sms_limit(text: str) -> int:
    """The characters `text` may take: two segments of its encoding, less the operator's
    prefix."""
    return SMS_MAX_GSM_CHARS if is_gsm_7(text) else SMS_MAX_CHARS


# A Korean gloss in parentheses, as after a programme's name in Indonesian or Filipino:
# "Tunjangan Pencari Kerja (구직급여)".
_KOREAN_GLOSS = re.compile(r"\s*\([^()]*[\uac00-\ud7a3][^()]*\)")


def fit_sms(text: str, limit: int | None = None) -> str:
    """`text` if it fits two segments of its encoding; else, if its Korean glosses are all
    that makes it UCS-2 (under half the room of GSM-7), `text` without them, in GSM-7: the
    programme's name in the person's language is worth more than the gloss; else its last
    sentence (the helpline) kept whole, and before it as many whole words as fit, and an
    ellipsis."""
    gsm = is_gsm_7(text)
    if sms_length(text) <= (limit or sms_limit(text)):
        return text
    if not gsm and limit is None:
        plain = _KOREAN_GLOSS.sub("", text)
        if plain != text and is_gsm_7(plain):
            return fit_sms(plain)
    limit = limit or sms_limit(text)
    ellipsis = "..." if gsm else "…"
    head, _, tail = text.rpartition(". ")
    if not head or sms_length(tail) + len(ellipsis) + 1 >= limit:
        head, tail = text, ""
    room = limit - len(ellipsis) - (sms_length(tail) + 1 if tail else 0)
    words = head.split(" ")
    kept: list[str] = []
    for word in words:
        if sms_length(" ".join([*kept, word])) > room:
            break
        kept.append(word)
    shortened = (" ".join(kept) if kept else head[:room]).rstrip(" ,.") + ellipsis
    return f"{shortened} {tail}" if tail else shortened


def _programme_name(locale: str, programme_id: str | None) -> str:
    programme = PROGRAMMES.get(programme_id or "")
    return translate(locale, programme.name) if programme else ""


def render_notice(notice: NoticeText, locale: str) -> RenderedNotice:
    name = _programme_name(locale, notice.programme_id)
    if notice.kind == "benefit":
        title = translate(locale, N_("You may be able to get {programme}"), programme=name)
        body = translate(
            locale,
            N_("We checked the records we hold. You can apply in one step in the app."),
        )
        sms = translate(
            locale,
            N_(
                "[Ministry of Employment and Labor] You may be able to get {programme}. "
                "Apply in the Hanchang app, at a job centre kiosk, or call 1350."
            ),
            programme=name,
        )
        voice = translate(
            locale,
            N_(
                "Hello. This is the Ministry of Employment and Labor. You may be able to get "
                "{programme}. You can apply in the Hanchang app or at a job centre kiosk. "
                "For help, call 1 3 5 0."
            ),
            programme=name,
        )
        target = f"apply/{notice.programme_id}"
    elif notice.kind == "application_status" and notice.topic in KIOSK_QUEUE_TITLES:
        title = translate(locale, KIOSK_QUEUE_TITLES[notice.topic], programme=name)
        body = translate(locale, KIOSK_QUEUE_BODIES[notice.topic])
        # The SMS is short: what happened, and the helpline (the details are in the inbox).
        sms = translate(
            locale,
            N_("[Ministry of Employment and Labor] {title}. For help, call 1350."),
            title=title,
        )
        voice = translate(
            locale,
            N_("Hello. This is the Ministry of Employment and Labor. {title}. {body}"),
            title=title,
            body=body.replace("1350", "1 3 5 0"),
        )
        target = "applications"
    elif notice.kind == "application_status":
        status = translate(locale, APPLICATION_STATUS.get(notice.topic or "", STATUS_UPDATED))
        title = translate(
            locale,
            N_("Your application for {programme} was {status}"),
            programme=name,
            status=status,
        )
        body = translate(locale, N_("Open the app to see the details."))
        sms = translate(
            locale,
            N_(
                "[Ministry of Employment and Labor] Your application for {programme} was "
                "{status}. See the details in the Hanchang app or call 1350."
            ),
            programme=name,
            status=status,
        )
        voice = translate(
            locale,
            N_(
                "Hello. This is the Ministry of Employment and Labor. Your application for "
                "{programme} was {status}. For details, call 1 3 5 0."
            ),
            programme=name,
            status=status,
        )
        target = "applications"
    elif (notice.topic or "").startswith("authenticator_"):
        title = translate(
            locale, AUTHENTICATOR_CHANGES.get(notice.topic or "", AUTHENTICATOR_CHANGED)
        )
        body = translate(locale, N_("If you did not do this, call 1350 at once. We will help you."))
        sms = translate(
            locale,
            N_(
                "[Ministry of Employment and Labor] {what}. If you did not do this, "
                "call 1350 at once."
            ),
            what=title,
        )
        voice = translate(
            locale,
            N_(
                "Hello. This is the Ministry of Employment and Labor. {what}. If you did not "
                "do this, call 1 3 5 0 at once."
            ),
            what=title,
        )
        target = "account"
    else:
        title = translate(locale, N_("Your payment account was changed"))
        body = translate(
            locale, N_("If you did not change it, call 1350 at once. We will help you.")
        )
        sms = translate(
            locale,
            N_(
                "[Ministry of Employment and Labor] Your payment account was changed. "
                "If you did not change it, call 1350 at once."
            ),
        )
        voice = translate(
            locale,
            N_(
                "Hello. This is the Ministry of Employment and Labor. Your payment account "
                "was changed. If you did not change it, call 1 3 5 0 at once."
            ),
        )
        target = "account"
    return RenderedNotice(title=title, body=body, sms=fit_sms(sms), voice=voice, open=target)


def speech_language(locale: str) -> str:
    """The language a call to a person of `locale` goes on in: theirs where Twilio has a
    voice for it, else Korean (English follows each sentence: `spoken_notice`)."""
    return locale if has_voice(locale) else "ko"


def spoken_notice(notice: NoticeText, locale: str) -> list[Say]:
    """The notice as a call says it: in the person's language where Twilio has a voice for
    it; else in Korean, then in English, each after the words that the line cannot speak
    their language yet and who answers in it (onestop/helplines.py)."""
    if has_voice(locale):
        return [Say(render_notice(notice, locale).voice)]
    said: list[Say] = []
    for language in ("ko", "en"):
        said += [
            Say(no_voice_pointer(language), locale=language),
            Say(render_notice(notice, language).voice, locale=language),
        ]
    return said


def voice_speech(
    notice: NoticeText, locale: str, *, keys_to: str | None = None, can_apply: bool = False
) -> Speech:
    """The message spoken twice, slowly, in the person's language (or Korean and English,
    `spoken_notice`); with `keys_to` (the phone line's address for this call), then "1 to
    hear again, 2 to apply, 0 for a person" (2 only for a notice about a programme)."""
    language = speech_language(locale)
    once_more = Say(translate(language, N_("Once more.")))
    said = spoken_notice(notice, locale)
    steps: list[Step] = [Pause(1), *said, Pause(2), once_more, *said]
    if keys_to is not None:
        more = [] if language == locale else [Say(notice_keys("en", can_apply=can_apply), "en")]
        steps.append(
            AskForDigits(
                prompt=notice_keys(language, can_apply=can_apply),
                digits=1,
                timeout_s=6,
                send_to=keys_to,
                more=more,
            )
        )
    return Speech(locale=language, steps=steps)


def notice_keys(locale: str, *, can_apply: bool) -> str:
    keys = [translate(locale, N_("To hear this again, press 1."))]
    if can_apply:
        keys.append(translate(locale, N_("To apply, press 2.")))
    keys.append(translate(locale, N_("To talk to a person, press 0.")))
    return " ".join(keys)

"""The voices the line and voice notices speak in come from the table of languages
(i18n/languages.py); a language Twilio has no voice for is never read in another's voice:
the call says, in Korean then English, that it cannot speak that language yet, and who
answers in it, with the numbers from onestop/helplines.py."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from i18n import LANGUAGES, SUPPORTED_LOCALES, translate
from notifications.messages import NoticeText, speech_language, voice_speech
from onestop.helplines import DANURI, EPS_COUNSELLING, NO_VOICE_YET, spoken_number
from providers.twilio_voice import VOICE_LANGUAGES, has_voice, twiml

NOTICE = NoticeText(kind="benefit", programme_id="unemployment-benefit")
KEYS_TO = "https://hanchang.example/webhooks/twilio/voice/notice?token=t&lang=ko"


def voices_of(document: str) -> list[str]:
    return re.findall(r'<Say language="([^"]+)"', document)


def test_the_voices_are_the_tables() -> None:
    table = {language.code: language.voice for language in LANGUAGES if language.voice}
    assert table == VOICE_LANGUAGES
    assert set(VOICE_LANGUAGES) == {"ko", "en", "vi", "zh-Hans", "th", "id", "tl"}
    assert VOICE_LANGUAGES["zh-Hans"] == "cmn-CN" and VOICE_LANGUAGES["tl"] == "fil-PH"
    assert not any(has_voice(code) for code in ("ne", "km", "uz", "mn"))


def test_the_numbers_are_data_said_digit_by_digit() -> None:
    assert spoken_number(EPS_COUNSELLING) == "1 5 7 7, 0 0 7 1"
    assert spoken_number(DANURI) == "1 5 7 7, 1 3 6 6"
    for locale in ("ko", "en"):
        # The message has placeholders, never the numbers themselves.
        assert "{eps}" in translate(locale, NO_VOICE_YET)
        assert "1577" not in translate(locale, NO_VOICE_YET)


@pytest.mark.parametrize("locale", [code for code in SUPPORTED_LOCALES if has_voice(code)])
def test_a_voice_notice_is_said_in_the_persons_own_voice(locale: str) -> None:
    document = twiml(voice_speech(NOTICE, locale, keys_to=KEYS_TO, can_apply=True))
    assert set(voices_of(document)) == {VOICE_LANGUAGES[locale]}
    assert "1 5 7 7" not in document and speech_language(locale) == locale


@pytest.mark.parametrize("locale", [code for code in SUPPORTED_LOCALES if not has_voice(code)])
def test_a_voice_notice_without_a_voice_is_said_in_korean_then_english_with_the_centres(
    locale: str,
) -> None:
    document = twiml(voice_speech(NOTICE, locale, keys_to=KEYS_TO, can_apply=True))
    said = said_with_voices(document)
    assert {voice for voice, _ in said} == {"ko-KR", "en-US"} and said[0][0] == "ko-KR"
    numbers = {"eps": "1 5 7 7, 0 0 7 1", "danuri": "1 5 7 7, 1 3 6 6"}
    korean = ("ko-KR", translate("ko", NO_VOICE_YET, **numbers))
    english = ("en-US", translate("en", NO_VOICE_YET, **numbers))
    assert korean in said and english in said and said.index(korean) < said.index(english)
    notice = [text for _, text in said]
    assert any("구직급여" in text for text in notice)
    assert any("Unemployment benefit" in text for text in notice)
    # The keys in Korean, then English; the call goes on in Korean.
    korean_keys = translate("ko", "To apply, press 2.")
    assert any(korean_keys in text for voice, text in said if voice == "ko-KR")
    assert any("To apply, press 2." in text for voice, text in said if voice == "en-US")
    assert speech_language(locale) == "ko"


def said_with_voices(document: str) -> list[tuple[str, str]]:
    root = ET.fromstring(document)  # noqa: S314 - our own answer, in a test
    return [(e.attrib["language"], e.text or "") for e in root.iter("Say")]

"""A notice's SMS fits two segments of its encoding, less room for the Korean operators'
prefix, and never loses the helpline: English goes as GSM-7 (2 × 153 septets; `[`, `]`
count two), Korean as UCS-2 (2 × 67); what is shortened is the text before the last
sentence, at a word boundary. A text Korean phones cannot show (not EUC-KR) is not sent:
a short SMS in Korean and English says where the notice is in the person's language."""

from __future__ import annotations

import pytest

from i18n import BY_CODE, LANGUAGES, translate
from notifications.korean_handsets import (
    WHERE_IN_FULL,
    pointer_sms,
    sms_for_korean_handsets,
    sms_text_korean_phones_show,
)
from notifications.messages import (
    OPERATOR_PREFIX_ROOM,
    SMS_MAX_CHARS,
    SMS_MAX_GSM_CHARS,
    NoticeText,
    fit_sms,
    is_gsm_7,
    render_notice,
    sms_length,
    sms_limit,
)
from onestop.catalog import PROGRAMMES
from providers.twilio_client import shown_on_korean_phones


@pytest.mark.parametrize("locale", ["ko", "en"])
@pytest.mark.parametrize("programme_id", sorted(PROGRAMMES))
def test_every_benefit_sms_keeps_the_helpline_within_two_segments(
    locale: str, programme_id: str
) -> None:
    sms = render_notice(NoticeText(kind="benefit", programme_id=programme_id), locale).sms
    assert sms.endswith("1350." if locale == "en" else "전화해 주세요."), sms
    assert "1350" in sms
    limit = SMS_MAX_GSM_CHARS if locale == "en" else SMS_MAX_CHARS
    assert sms_length(sms) <= limit
    assert is_gsm_7(sms) == (locale == "en")


def test_an_english_sms_was_cut_before_the_helpline_and_is_not_any_more() -> None:
    sms = render_notice(
        NoticeText(kind="benefit", programme_id="national-employment-support-1"), "en"
    ).sms
    assert sms.endswith("or call 1350."), sms
    assert "…" not in sms and "..." not in sms


def test_too_long_a_text_is_shortened_before_its_last_sentence() -> None:
    text = "[Ministry] " + "word " * 100 + "then more. For help, call 1350."
    fitted = fit_sms(text)
    assert fitted.endswith("... For help, call 1350.")
    assert sms_length(fitted) <= SMS_MAX_GSM_CHARS
    korean = "[고용노동부] " + "낱말 " * 80 + "끝이에요. 도움이 필요하면 1350으로 전화해 주세요."
    fitted = fit_sms(korean)
    assert fitted.endswith("… 도움이 필요하면 1350으로 전화해 주세요.")
    assert sms_length(fitted) <= SMS_MAX_CHARS
    assert sms_length("[]") == 4 and sms_length("ab") == 2


# Korean handsets show only EUC-KR (Twilio's South Korea guidelines): decided per message.
DRAFT_LANGUAGES = [language.code for language in LANGUAGES if not language.complete]
NOT_EUC_KR = {
    "vi": "[Bộ Lao động] Bạn có thể nhận trợ cấp. Gọi 1350.",
    "th": "[กระทรวงแรงงาน] คุณอาจได้รับเงินช่วยเหลือ โทร 1350",
    "km": "[ក្រសួងការងារ] អ្នកអាចទទួលបានប្រាក់ឧបត្ថម្ភ។ ហៅ 1350",
    "ne": "[श्रम मन्त्रालय] तपाईं सहायता पाउन सक्नुहुन्छ। 1350 मा फोन गर्नुहोस्।",
    "zh-Hans": "[劳动部] 您可能可以领取补助。请拨打1350。",
    "mn": "[Хөдөлмөрийн яам] Та тэтгэмж авах боломжтой. Өргөдлөө 1350 руу залгаж өгнө үү.",
    "uz": "[Mehnat vazirligi] Siz nafaqa olishingiz mumkin. Yoʻl-yoʻriq uchun 1350 ga qoʻngʻiroq qiling.",
    "tl": "[Kagawaran] Maaari kang makakuha ng tulong. Tumawag sa 1350 para sa señal.",
}
EUC_KR = {
    "id": "[Kementerian Tenaga Kerja] Anda mungkin bisa mendapat bantuan. Hubungi 1350.",
    "tl": "[Kagawaran ng Paggawa] Maaari kang makakuha ng tulong. Tumawag sa 1350.",
    "ko": "[고용노동부] 구직급여를 받을 수 있어요. 1350으로 전화해 주세요.",
    "en": "[Ministry of Employment and Labor] You may be able to get a benefit. Call 1350.",
}


def test_draft_languages_are_the_nine_of_the_issue() -> None:
    assert sorted(DRAFT_LANGUAGES) == sorted(
        ["vi", "zh-Hans", "th", "ne", "km", "id", "uz", "mn", "tl"]
    )


@pytest.mark.parametrize(("locale", "text"), sorted(NOT_EUC_KR.items()))
@pytest.mark.parametrize("has_app", [True, False])
def test_a_text_korean_phones_cannot_show_goes_as_a_pointer_in_korean_and_english(
    locale: str, text: str, has_app: bool
) -> None:
    assert not shown_on_korean_phones(text)
    sms = sms_for_korean_handsets(text, locale, has_app=has_app)
    korean, english = sms.split("\n")
    assert korean.startswith("[고용노동부]") and english.isascii()
    assert shown_on_korean_phones(sms) and not is_gsm_7(sms)
    assert sms_length(sms) <= SMS_MAX_CHARS == 2 * 67 - OPERATOR_PREFIX_ROOM
    assert "1350" in korean and "1350" in english
    where = "app" if has_app else "phone" if BY_CODE[locale].voice else "job_centre"
    assert sms == pointer_sms(where)
    if has_app:
        assert "Hanchang app" in english
    elif BY_CODE[locale].voice:
        assert "Call 1350 and sign in" in english
    else:
        assert "job centre" in english


@pytest.mark.parametrize(("locale", "text"), sorted(EUC_KR.items()))
def test_a_text_korean_phones_can_show_goes_as_it_is(locale: str, text: str) -> None:
    assert sms_for_korean_handsets(text, locale, has_app=False) == text
    assert is_gsm_7(text) == (locale != "ko")


@pytest.mark.parametrize("where", sorted(WHERE_IN_FULL))
def test_every_pointer_fits_two_segments_with_the_operators_prefix(where: str) -> None:
    sms = pointer_sms(where)
    assert sms_length(sms) + OPERATOR_PREFIX_ROOM <= 2 * 67
    assert sms.count("1350") == 2 and "http" not in sms


@pytest.mark.parametrize("locale", DRAFT_LANGUAGES)
@pytest.mark.parametrize("programme_id", sorted(PROGRAMMES))
def test_every_notice_sms_of_every_draft_language_is_one_korean_phones_show(
    locale: str, programme_id: str
) -> None:
    """Through the catalogs, whatever they hold today (a message a draft lacks is English)."""
    for notice in (
        NoticeText(kind="benefit", programme_id=programme_id),
        NoticeText(kind="application_status", programme_id=programme_id, topic="approved"),
        NoticeText(kind="account", topic="authenticator_added:passkey"),
    ):
        own = render_notice(notice, locale).sms
        for has_app in (True, False):
            sms = sms_for_korean_handsets(own, locale, has_app=has_app)
            assert shown_on_korean_phones(sms), (locale, sms)
            assert "1350" in sms and sms_length(sms) <= sms_limit(sms)
            if shown_on_korean_phones(own):
                assert sms == own  # sent in the person's language (or its English fallback)
            else:
                assert sms.startswith("[고용노동부]") and "\n" in sms


def test_a_long_text_in_a_language_korean_phones_show_keeps_its_helpline() -> None:
    text = "[Kementerian] " + "bantuan " * 60 + "lagi. Hubungi 1350."
    sms = sms_for_korean_handsets(text, "id", has_app=False)
    assert sms.endswith("... Hubungi 1350.") and sms_length(sms) <= SMS_MAX_GSM_CHARS


def test_other_sms_go_in_korean_and_english_or_english_when_both_do_not_fit() -> None:
    def short(language: str) -> str:
        return {
            "ko": "[고용노동부] 전화드릴게요.",
            "en": "We will call you.",
            "vi": "Chúng tôi sẽ gọi.",
        }[language]

    assert (
        sms_text_korean_phones_show("vi", short) == "[고용노동부] 전화드릴게요.\nWe will call you."
    )
    assert sms_text_korean_phones_show("ko", short) == "[고용노동부] 전화드릴게요."

    def long(language: str) -> str:
        return {"ko": "[고용노동부] " + "가" * 80, "en": "Call 1350. " * 10, "th": "โทร 1350"}[
            language
        ]

    assert sms_text_korean_phones_show("th", long) == long("en")


@pytest.mark.parametrize("locale", ["id", "tl"])
@pytest.mark.parametrize("programme_id", sorted(PROGRAMMES))
def test_a_latin_script_sms_drops_its_korean_glosses_rather_than_the_programme(
    locale: str, programme_id: str
) -> None:
    """The Korean gloss after a programme's name made an Indonesian or Filipino SMS UCS-2
    (2 × 67 characters), and the programme was cut to one word ("Anda… Ajukan di ...").
    Without the glosses the text is GSM-7 and whole: the programme named in full."""
    sms = render_notice(NoticeText(kind="benefit", programme_id=programme_id), locale).sms
    name = PROGRAMMES[programme_id].name
    assert translate(locale, name).split(" (")[0] in sms, sms
    assert "…" not in sms and "..." not in sms, sms
    assert is_gsm_7(sms) and sms_length(sms) <= SMS_MAX_GSM_CHARS
    assert sms.endswith("1350."), sms
    assert sms_for_korean_handsets(sms, locale, has_app=False) == sms


def test_a_korean_text_keeps_its_parentheses() -> None:
    korean = (
        "[고용노동부] "
        + "낱말 " * 80
        + "(구직급여) 끝이에요. 도움이 필요하면 1350으로 전화해 주세요."
    )
    assert "…" in fit_sms(korean)
    assert fit_sms("[고용노동부] 구직급여(실업급여) 신청 대상일 수 있어요.") == (
        "[고용노동부] 구직급여(실업급여) 신청 대상일 수 있어요."
    )

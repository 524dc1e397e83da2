"""A notice's SMS fits two segments of its encoding and never loses the helpline: English
goes as GSM-7 (2 × 153 septets; `[`, `]` count two), Korean as UCS-2 (2 × 67); what is
shortened is the text before the last sentence, at a word boundary."""

from __future__ import annotations

import pytest

from notifications.messages import (
    SMS_MAX_CHARS,
    SMS_MAX_GSM_CHARS,
    NoticeText,
    fit_sms,
    is_gsm_7,
    render_notice,
    sms_length,
)
from onestop.catalog import PROGRAMMES


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

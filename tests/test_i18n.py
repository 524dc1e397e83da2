"""Catalogs are complete in Korean and English, and cover every message in the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from i18n import (
    LANGUAGES,
    SUPPORTED_LOCALES,
    catalog_folder,
    negotiate_locale,
    parse_accept_language,
    report,
    translate,
)

COMPLETE = [language.code for language in LANGUAGES if language.complete]


def _catalog(locale: str) -> dict[str, tuple[str, bool]]:
    path = catalog_folder(locale) / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=catalog_folder(locale).parent.name)
    return {str(m.id): (_text(m.string), m.fuzzy) for m in catalog if m.id}


def _text(string: object) -> str:
    # A plural message (translate_plural) has a string per form: missing unless all are there.
    if isinstance(string, tuple | list):
        return " | ".join(string) if all(string) else ""
    return str(string or "")


@pytest.fixture(scope="module")
def code_messages() -> set[str]:
    """Every message in the code, by the extraction `make i18n` and its report run."""
    messages = set(report.code_messages())
    assert len(messages) > 20
    return messages


@pytest.mark.parametrize("locale", COMPLETE)
def test_every_message_in_the_code_is_translated(locale: str, code_messages: set[str]) -> None:
    catalog = _catalog(locale)
    missing = sorted(m for m in code_messages if not catalog.get(m, ("", False))[0])
    fuzzy = sorted(m for m in code_messages if catalog.get(m, ("", False))[1])
    assert not missing, f"{locale}: untranslated (run `make i18n` and translate): {missing}"
    assert not fuzzy, f"{locale}: fuzzy translations to review: {fuzzy}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_placeholders_survive_translation(locale: str) -> None:
    import re

    for message, (translation, _fuzzy) in _catalog(locale).items():
        if not translation:
            continue  # a draft's missing message: shown in English
        wanted = set(re.findall(r"\{(\w+)\}", message))
        assert set(re.findall(r"\{(\w+)\}", translation)) == wanted, message


def test_korean_is_polite_and_plain() -> None:
    # 해요체: sentences end in -요 (or a request ending -세요 / -주세요), never 합니다/한다.
    for message, (translation, _fuzzy) in _catalog("ko").items():
        if message.endswith("."):
            assert translation.endswith(("요.", "요")) or translation.endswith("요: {down}."), (
                message,
                translation,
            )
        assert "합니다" not in translation and "십시오" not in translation, translation


def test_negotiation() -> None:
    assert parse_accept_language("en-US,en;q=0.9,ko;q=0.8") == ["en-us", "en", "ko"]
    assert parse_accept_language("ko;q=0.5, en;q=0.9") == ["en", "ko"]
    assert parse_accept_language("fr;q=0") == []
    assert negotiate_locale(None) == "ko"
    assert negotiate_locale("en-GB") == "en"
    assert negotiate_locale("fr-FR, de") == "ko"
    assert negotiate_locale("fr-FR", preferred="en") == "en"
    assert negotiate_locale("", preferred="xh") == "en"  # no catalog for this preference
    assert negotiate_locale("", preferred="vi") == "vi"
    assert negotiate_locale("vi-VN,vi;q=0.9") == "vi"
    assert negotiate_locale("zh-TW") == "zh-Hans"
    assert negotiate_locale("zh-Hant-HK, en;q=0.5") == "zh-Hans"
    assert negotiate_locale("fil-PH") == "tl"
    assert negotiate_locale("uz-Latn-UZ") == "uz"
    assert negotiate_locale("fr, km;q=0.3") == "km"
    assert negotiate_locale("fr", preferred="th") == "th"
    assert negotiate_locale("en;q=0.2, ne;q=0.8") == "ne"
    assert negotiate_locale("en", explicit="ko") == "ko"
    assert negotiate_locale("ko-KR", preferred="en") == "ko"


def test_translate_fills_fields() -> None:
    assert translate("en", "Enter at least {count} characters.", count=3) == (
        "Enter at least 3 characters."
    )
    assert (
        translate("ko", "Enter at least {count} characters.", count=3) == "3자 이상 입력해 주세요."
    )
    assert translate("xx", "Not found") == "찾을 수 없어요"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalogs_compile_as_the_install_compiles_them(locale: str, tmp_path: Path) -> None:
    """`make` compiles with Babel's checks (e.g. a "%" that looks like a format field)."""
    source = catalog_folder(locale) / "messages.po"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "compile",
            "-i",
            str(source),
            "-o",
            str(tmp_path / "messages.mo"),
            "-l",
            catalog_folder(locale).parent.name,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower(), result.stderr


def test_a_draft_catalog_falls_back_to_english_for_what_it_lacks() -> None:
    drafts = [language.code for language in LANGUAGES if not language.complete]
    assert drafts
    for code in drafts:
        lacking = [m for m, (text, _fuzzy) in _catalog(code).items() if not text]
        for message in lacking[:5]:
            assert translate(code, message) == translate("en", message)

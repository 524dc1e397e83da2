"""Each draft catalog names one thing one way: the glossary's term wherever the Korean
text uses the Korean word, and a programme's Korean name kept beside its translation."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from i18n import LANGUAGES, catalog_folder

GLOSSARY = Path(__file__).resolve().parent.parent / "i18n" / "glossary"
DRAFTS = [language.code for language in LANGUAGES if not language.complete]


def _terms() -> list[dict[str, object]]:
    with (GLOSSARY / "terms.toml").open("rb") as handle:
        terms: list[dict[str, object]] = tomllib.load(handle)["term"]
    return terms


def _glossary(code: str) -> dict[str, list[str]]:
    """Korean term -> the accepted spellings of its translation (the first is the name)."""
    with (GLOSSARY / f"{code}.toml").open("rb") as handle:
        entries = tomllib.load(handle)["term"]
    return {str(e["ko"]): [str(e["name"]), *map(str, e.get("forms", []))] for e in entries}


def _catalog(code: str) -> dict[str, str]:
    with (catalog_folder(code) / "messages.po").open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id and m.string}


def _spaced(char: str) -> bool:
    """Whether the script writes words apart (Latin, Cyrillic), so a word has edges."""
    return unicodedata.name(char, "").startswith(("LATIN", "CYRILLIC"))


def _uses(text: str, form: str) -> bool:
    """`form` appears in `text` as a word of its own where the script has words: it does not
    start inside another word, and a short one (PIN, ID) does not end inside one either
    ("pindutin", "idagdag"); a longer one may take an ending (Uzbek, Mongolian)."""
    form = form.casefold()
    pattern = re.escape(form)
    if _spaced(form[0]):
        pattern = r"(?<!\w)" + pattern
    if _spaced(form[-1]) and len(form) <= 3:
        pattern += r"(?!\w)"
    return re.search(pattern, text.casefold()) is not None


def test_a_short_term_is_a_word_not_a_piece_of_one() -> None:
    assert _uses("Ilagay ang inyong PIN.", "PIN")
    assert not _uses("Pindutin ang 1.", "PIN")
    assert not _uses("Idagdag ang account.", "ID")
    assert _uses("Parolingizni kiriting", "parol")
    assert _uses("请输入密码。", "密码")


def test_the_terms_are_unique() -> None:
    words = [str(term["ko"]) for term in _terms()]
    assert len(words) == len(set(words))


@pytest.mark.parametrize("code", DRAFTS)
def test_every_language_translates_every_term(code: str) -> None:
    glossary = _glossary(code)
    assert sorted(glossary) == sorted(str(term["ko"]) for term in _terms())
    assert all(forms[0].strip() for forms in glossary.values())


@pytest.mark.parametrize("code", DRAFTS)
def test_every_message_uses_the_glossary(code: str) -> None:
    korean = _catalog("ko")
    glossary = _glossary(code)
    keep = {str(t["ko"]) for t in _terms() if t.get("keep_korean")}
    wrong: list[str] = []
    for message, text in _catalog(code).items():
        source = korean.get(message, "")
        for term, forms in glossary.items():
            if term not in source:
                continue
            if not any(_uses(text, form) for form in forms):
                wrong.append(f"{term} -> {forms[0]!r} missing in {message!r}: {text!r}")
            elif term in keep and term not in text:
                wrong.append(f"({term}) not kept beside {forms[0]!r} in {message!r}: {text!r}")
    assert not wrong, "\n".join(wrong[:40])

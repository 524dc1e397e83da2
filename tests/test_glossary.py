"""Each draft catalog names one thing one way: the glossary's term wherever the Korean
text uses the Korean word, and a programme's Korean name kept beside its translation."""

from __future__ import annotations

import tomllib
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
        folded = text.casefold()
        for term, forms in glossary.items():
            if term not in source:
                continue
            if not any(form.casefold() in folded for form in forms):
                wrong.append(f"{term} -> {forms[0]!r} missing in {message!r}: {text!r}")
            elif term in keep and term not in text:
                wrong.append(f"({term}) not kept beside {forms[0]!r} in {message!r}: {text!r}")
    assert not wrong, "\n".join(wrong[:40])

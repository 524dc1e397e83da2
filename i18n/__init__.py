"""Messages people see or hear, in their language (Korean by default).

Message ids are English; catalogs live in `i18n/locale/<lang>/LC_MESSAGES/
messages.po` and are compiled to `.mo` by the install (`make i18n` extracts new
messages and updates the catalogs). Code marks text with:

- `translate(locale, "English text {name}", name=...)` where a locale is at hand;
- `N_("English text")` for text defined ahead of time and translated later;
- `translate_plural(locale, "{count} day", "{count} days", n, count=...)` where a count
  is shown: the catalog's plural rule picks the form (Korean has one, English two).

Dates, money and numbers are written by `i18n.formatting` (Babel, in the language's
locale).
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from i18n.languages import BY_CODE, LANGUAGES, language_of_tag

DEFAULT_LOCALE = "ko"
# Every language we have a catalog for, by its one code (see i18n/languages.py).
SUPPORTED_LOCALES: tuple[str, ...] = tuple(language.code for language in LANGUAGES)
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"

__all__ = [
    "BY_CODE",
    "DEFAULT_LOCALE",
    "LANGUAGES",
    "N_",
    "SUPPORTED_LOCALES",
    "catalog_folder",
    "language_of_tag",
    "locale_of",
    "negotiate_locale",
    "parse_accept_language",
    "translate",
    "translate_plural",
]


def N_(message: str) -> str:
    """Mark `message` for extraction; translate it later with `translate`."""
    return message


def parse_accept_language(header: str) -> list[str]:
    """Language tags from an Accept-Language header, best first (RFC 9110 §12.5.4)."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def locale_of(preferred: str | None) -> str:
    """The language a notice, letter or message for a person is written in: their
    preferred language (a code of the table, or a tag that means one), else Korean.

    The one rule for it: the database holds only the table's codes, so a person's
    `preferred_language` comes back as it is.
    """
    language = language_of_tag(preferred)
    return language.code if language else DEFAULT_LOCALE


def _supported(tag: str | None) -> str | None:
    language = language_of_tag(tag)
    return language.code if language else None


def negotiate_locale(
    accept_language: str | None = None,
    preferred: str | None = None,
    explicit: str | None = None,
) -> str:
    """Pick the locale: an explicit choice (e.g. `?lang=`), then Accept-Language
    (by quality; `vi-VN` → `vi`, `zh-TW` → `zh-Hans`), then the person's stored
    preference, then Korean.

    A language we have no catalog for falls through to the next source; a stored
    preference we have no catalog for gets English, likelier read than Korean.
    """
    chosen = _supported(explicit)
    if chosen:
        return chosen
    if accept_language:
        for tag in parse_accept_language(accept_language):
            if tag == "*":
                break
            chosen = _supported(tag)
            if chosen:
                return chosen
    chosen = _supported(preferred)
    if chosen:
        return chosen
    if preferred and preferred != DEFAULT_LOCALE:
        # A foreign preferred language we have no catalog for: English is
        # likelier to be read than Korean.
        return "en"
    return DEFAULT_LOCALE


def catalog_folder(locale: str) -> Path:
    """The folder of a language's catalog (named by its Babel locale)."""
    return LOCALE_DIR / BY_CODE[locale].babel / "LC_MESSAGES"


@functools.cache
def _translations(locale: str) -> Translations:
    translations = _read_catalog(locale)
    if not BY_CODE[locale].complete:
        # A draft catalog: what it does not have yet is said in English.
        translations.add_fallback(_translations("en"))
    return translations


def _read_catalog(locale: str) -> Translations:
    babel_locale = BY_CODE[locale].babel
    directory = catalog_folder(locale)
    po_path = directory / f"{DOMAIN}.po"
    mo_path = directory / f"{DOMAIN}.mo"
    if mo_path.exists() and (
        not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
    ):
        with mo_path.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    # Not compiled yet (or out of date): compile in memory from the catalog.
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=babel_locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def translate(locale: str, message: str, /, **params: object) -> str:
    """`message` (an English message id) in `locale`, with `{name}` fields filled in."""
    if locale not in SUPPORTED_LOCALES:
        locale = DEFAULT_LOCALE
    text: str = _translations(locale).gettext(message)
    return text.format(**params) if params else text


def translate_plural(
    locale: str, singular: str, plural: str, count: int, /, **params: object
) -> str:
    """The form of an English message id pair for `count`, as the language's plural rule
    (the catalog's `Plural-Forms`) chooses it, with `{name}` fields filled in."""
    if locale not in SUPPORTED_LOCALES:
        locale = DEFAULT_LOCALE
    text: str = _translations(locale).ngettext(singular, plural, count)
    return text.format(**params) if params else text

"""The one table of languages: every code a language goes by, in one row.

A language has one **code** (`Language.code`), used by the catalogs' callers, the
database (`people.preferred_language`, `notices.locale`), the API and `?lang=`.
The other names are derived here and nowhere else:

- `babel`: Babel's locale identifier, which is also the catalog's folder
  (`i18n/locale/<babel>/LC_MESSAGES/messages.po`) and what formats dates, money
  and numbers;
- `voice`: the language Twilio's `<Say language=...>` speaks it in, or None when
  Twilio has no voice for it (the phone line then says so in Korean and English and
  points to the people who answer in that language, see `helplines`);
- `tags`: the `Accept-Language` tags that mean it (lower case; a tag's region or
  script is cut off one part at a time before giving up, so `vi-VN` finds `vi`).

Korean is the authoritative text; English is the fallback for a message a draft
catalog does not have yet. The catalogs other than Korean and English are drafts
for native review (their header says so).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BY_CODE",
    "DEFAULT",
    "FALLBACK",
    "LANGUAGES",
    "TAG_PATTERN",
    "Language",
    "language_of_tag",
]


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    babel: str
    # The language's own name, as a menu lists it.
    name: str
    # Its name in Korean, for the clerk's screen.
    korean_name: str
    voice: str | None
    tags: tuple[str, ...]
    # True for the two catalogs every message must have (ko, en); the others are drafts
    # whose missing messages fall back to English.
    complete: bool = False


LANGUAGES: tuple[Language, ...] = (
    Language("ko", "ko", "한국어", "한국어", "ko-KR", ("ko", "ko-kr", "kor"), complete=True),
    Language("en", "en", "English", "영어", "en-US", ("en", "eng"), complete=True),
    Language("vi", "vi", "Tiếng Việt", "베트남어", "vi-VN", ("vi", "vie")),
    Language(
        "zh-Hans",
        "zh_Hans",
        "简体中文",
        "중국어(간체)",
        "cmn-CN",
        # No Traditional Chinese catalog yet: a Traditional reader reads Simplified
        # better than Korean or English.
        ("zh-hans", "zh", "zh-cn", "zh-sg", "zh-hant", "zh-tw", "zh-hk", "zh-mo", "cmn", "zho"),
    ),
    Language("th", "th", "ภาษาไทย", "태국어", "th-TH", ("th", "tha")),
    Language("ne", "ne", "नेपाली", "네팔어", None, ("ne", "nep", "npi")),
    Language("km", "km", "ភាសាខ្មែរ", "크메르어(캄보디아어)", None, ("km", "khm")),
    Language("id", "id", "Bahasa Indonesia", "인도네시아어", "id-ID", ("id", "in", "ind")),
    Language("uz", "uz_Latn", "Oʻzbekcha", "우즈베크어", None, ("uz", "uz-latn", "uzb")),
    Language("mn", "mn", "Монгол", "몽골어", None, ("mn", "mon", "khk")),
    Language("tl", "fil", "Filipino", "필리핀어(타갈로그어)", "fil-PH", ("tl", "fil", "tgl")),
)

BY_CODE: dict[str, Language] = {language.code: language for language in LANGUAGES}
DEFAULT = BY_CODE["ko"]
FALLBACK = BY_CODE["en"]

_BY_TAG: dict[str, Language] = {tag: language for language in LANGUAGES for tag in language.tags}
_BY_TAG.update({language.code.lower(): language for language in LANGUAGES})
_BY_TAG.update({language.babel.lower().replace("_", "-"): language for language in LANGUAGES})


def _either_case(text: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in text)


# A tag `language_of_tag` understands, as a JSON Schema pattern: a first part that is one
# of the tags (either case), then parts of letters and digits after `-` or `_`.
TAG_PATTERN = (
    "^(?:"
    + "|".join(
        _either_case(tag)
        for tag in sorted({t.split("-")[0] for t in _BY_TAG}, key=lambda t: (-len(t), t))
    )
    + ")(?:[-_][A-Za-z0-9]{1,8})*$"
)


def language_of_tag(tag: str | None) -> Language | None:
    """The language a tag (`vi-VN`, `zh_TW`, `fil`, `zh-Hans-CN`) means, or None.

    The tag is tried whole, then with its last part cut off, and so on (RFC 4647's
    lookup): `zh-hant-tw` → `zh-hant` (a Simplified reader); `vi-vn` → `vi`.
    """
    if not tag:
        return None
    parts = tag.strip().lower().replace("_", "-").split("-")
    while parts and parts[0]:
        found = _BY_TAG.get("-".join(parts))
        if found is not None:
            return found
        parts.pop()
    return None

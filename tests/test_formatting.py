"""Dates, money, numbers and plural forms as each language writes them (i18n/formatting.py,
`translate_plural`): Korean exactly as before, the others through Babel with the table's
Babel locale (which Babel needs: it does not read `zh-Hans` or `tl` itself)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from foundation.korea import KOREA
from i18n import SUPPORTED_LOCALES, translate_plural
from i18n.formatting import (
    format_date,
    format_datetime,
    format_duration,
    format_number,
    format_time,
    format_won,
)

MOMENT = datetime(2026, 11, 25, 5, 5, tzinfo=UTC)  # 14:05 in Korea


def test_korean_is_written_as_it_always_was() -> None:
    assert format_won("ko", 1_234_000) == "1,234,000원"
    assert format_number("ko", 1_234_000) == "1,234,000"
    assert format_date("ko", date(2026, 11, 25)) == "2026-11-25"
    assert format_datetime("ko", MOMENT, KOREA) == "2026-11-25 14:05"
    assert format_time("ko", MOMENT, KOREA) == "14:05"
    assert format_duration("ko", timedelta(minutes=25)) == "25분"


def test_other_languages_get_babels_patterns() -> None:
    assert format_won("en", 1_234_000) == "₩1,234,000"
    assert format_number("vi", 1_234_000) == "1.234.000"
    assert "1.234.000" in format_won("vi", 1_234_000) and "₩" in format_won("vi", 1_234_000)
    assert format_number("ne", 1_234_000) == "12,34,000"
    assert format_date("en", date(2026, 11, 25)) == "Nov 25, 2026"
    assert format_date("zh-Hans", date(2026, 11, 25)) == "2026年11月25日"
    assert format_datetime("en", MOMENT, KOREA) == "Nov 25, 2026 14:05"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_language_of_the_table_formats(locale: str) -> None:
    # Our codes are not Babel's (zh-Hans, tl, uz): each must reach its Babel locale.
    assert "".join(c for c in format_won(locale, 1_234_000) if c.isdigit()) == "1234000"
    assert "2026" in format_date(locale, date(2026, 11, 25))
    assert format_time(locale, MOMENT, KOREA) == "14:05"
    assert "25" in format_duration(locale, timedelta(minutes=25))


def test_plural_forms_follow_the_languages_rule() -> None:
    def days(locale: str, n: int) -> str:
        return translate_plural(locale, "{count} day", "{count} days", n, count=n)

    assert days("en", 1) == "1 day"
    assert days("en", 2) == "2 days"
    assert days("ko", 1) == "1일"
    assert days("ko", 2) == "2일"
    # Every language has a form for every count (a draft lacking it: English's).
    for locale in SUPPORTED_LOCALES:
        for n in (0, 1, 2, 5, 21):
            assert days(locale, n).startswith(str(n)) or str(n) in days(locale, n)
            assert "{" not in days(locale, n)

"""Dates, money and numbers as a person reads them, in their language.

Everything goes through Babel with the language's Babel locale from the table
(`BY_CODE[code].babel`: `zh_Hans`, `uz_Latn`, `fil`; Babel does not read our codes
`zh-Hans` or `tl` itself). Korean is written as it always was: dates `2026-11-25`,
money `1,234,000원`. The other languages get Babel's own patterns: `25 thg 11, 2026` and
`1.234.000 ₩` in Vietnamese, `Nov 25, 2026` and `₩1,234,000` in English; times are on
the 24-hour clock everywhere, in Korea time (the time the letter, the kiosk and the
counter go by).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from babel.dates import format_timedelta as babel_timedelta
from babel.numbers import format_currency, format_decimal

from i18n.languages import BY_CODE, DEFAULT

__all__ = [
    "babel_locale",
    "format_date",
    "format_datetime",
    "format_duration",
    "format_number",
    "format_time",
    "format_won",
]

# Korean as it has always been written in Hanchang (and as forms and letters write it).
_KOREAN_DATE = "yyyy-MM-dd"
_TIME = "HH:mm"


def babel_locale(locale: str) -> str:
    """Babel's name for one of our codes (Korean's for a code we do not have)."""
    return (BY_CODE.get(locale) or DEFAULT).babel


def _moment(value: datetime, zone: tzinfo | None) -> datetime:
    return value if zone is None else value.astimezone(zone)


def format_number(locale: str, number: int | float | Decimal, pattern: str | None = None) -> str:
    """`1,234,000` (Korean, English), `1.234.000` (Vietnamese), `12,34,000` (Nepali)."""
    return str(format_decimal(number, format=pattern, locale=babel_locale(locale)))


def format_won(locale: str, amount: int | float | Decimal) -> str:
    """An amount of Korean won: `1,234,000원` in Korean; Babel's currency pattern with the
    won's symbol in the other languages (`₩1,234,000`, `1.234.000 ₩`)."""
    if locale == DEFAULT.code:
        return f"{format_number(locale, amount)}원"
    return str(format_currency(amount, "KRW", locale=babel_locale(locale), currency_digits=True))


def format_date(locale: str, day: date) -> str:
    """`2026-11-25` in Korean; Babel's medium date in the others (`Nov 25, 2026`)."""
    if locale == DEFAULT.code:
        return str(babel_date(day, _KOREAN_DATE, locale=babel_locale(locale)))
    return str(babel_date(day, "medium", locale=babel_locale(locale)))


def format_time(locale: str, moment: datetime, zone: tzinfo | None = None) -> str:
    """`14:05`: the 24-hour clock, in `zone` (e.g. Korea time) when given."""
    return str(babel_datetime(_moment(moment, zone), _TIME, locale=babel_locale(locale)))


def format_datetime(locale: str, moment: datetime, zone: tzinfo | None = None) -> str:
    """A date and a time to the minute: `2026-11-25 14:05` in Korean, `Nov 25, 2026 14:05`."""
    shown = _moment(moment, zone)
    return f"{format_date(locale, shown.date())} {format_time(locale, shown)}"


def format_duration(locale: str, delta: timedelta) -> str:
    """`25 minutes`, `25분`: one unit, as Babel words it (threshold 1 keeps 59 minutes)."""
    return str(babel_timedelta(delta, threshold=1, locale=babel_locale(locale)))

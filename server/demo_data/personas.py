"""Hand-designed personas: one for each sign-in path and benefit worth trying."""

from __future__ import annotations

from datetime import date, timedelta

import msgspec

from server.demo_data.common import (
    _N,
    _PERSONA_BLOCK,
    _SOURCES,
    REFERENCE_DATE,
)
from server.demo_data.tables import (
    _business_number,
)

# --- Personas -------------------------------------------------------------------------------


class _Fact(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    valid_from: date | None = None
    valid_to: date | None = None
    employer: tuple[str, str] | None = None
    separation_code: str | None = None
    paid_base_days: int | None = None
    amount_krw: int | None = None
    child_birth_date: date | None = None
    income_percentile: str | None = None


class _Persona(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    birth_date: date
    sex_digit: int
    phone: str | None
    language: str
    has_smartphone: bool
    region_code: str
    try_with: str
    facts: tuple[_Fact, ...]


_HANBIT = ("(주)한빛물산", _business_number(214, 81, 3021))
_DAESUNG = ("대성정밀(주)", _business_number(608, 86, 1188))
_SEOHAE = ("서해조선(주)", _business_number(615, 81, 407))
_NARAE = ("나래푸드", _business_number(131, 23, 5520))
_GREEN = ("(주)그린로지스", _business_number(124, 87, 9033))


def _insured(
    employer: tuple[str, str],
    start: date,
    end: date | None,
    code: str | None,
    *,
    part_time: bool = False,
) -> _Fact:
    days = ((end or REFERENCE_DATE) - start).days + 1
    paid = days * (3 if part_time else 5) // 7
    return _Fact(
        kind="employment_insurance",
        valid_from=start,
        valid_to=end,
        employer=employer,
        separation_code=code,
        paid_base_days=paid,
    )


def _wages(employer: tuple[str, str], last_month: date, amount: int) -> tuple[_Fact, ...]:
    """Three months of pay ending with `last_month`."""
    facts: list[_Fact] = []
    for back in (2, 1, 0):
        year, month = divmod(last_month.year * 12 + last_month.month - 1 - back, 12)
        start = date(year, month + 1, 1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        facts.append(
            _Fact(kind="wage", valid_from=start, valid_to=end, employer=employer, amount_krw=amount)
        )
    return tuple(facts)


def _income(percentile: str) -> _Fact:
    return _Fact(kind="household_income", income_percentile=percentile)


# fmt: off
PERSONAS: tuple[_Persona, ...] = (
    _Persona(
        name="김민준", birth_date=date(1988, 4, 12), sex_digit=1, phone="+821013500001",
        language="ko", has_smartphone=True, region_code="11",
        try_with="app: SMS code sign-in; laid off (code 23) in September 2026 after 4½ years "
                 "— eligible for unemployment benefit",
        facts=(_insured(_NARAE, date(2018, 3, 5), date(2022, 2, 28), "11"),
               _insured(_HANBIT, date(2022, 3, 2), date(2026, 9, 30), "23"),
               *_wages(_HANBIT, date(2026, 9, 1), 3_450_000), _income("92.5"),
               _Fact(kind="job_seeker_registration", valid_from=date(2026, 10, 6))),
    ),
    _Persona(
        name="이서연", birth_date=date(1991, 7, 23), sex_digit=2, phone="+821013500002",
        language="ko", has_smartphone=True, region_code="41",
        try_with="app: passkey or SMS code sign-in; on parental leave since March 2026 with a "
                 "1-year-old — parental leave benefit",
        facts=(_insured(_GREEN, date(2017, 3, 2), None, None),
               *_wages(_GREEN, date(2026, 2, 1), 3_880_000),
               _Fact(kind="child", child_birth_date=date(2021, 5, 30)),
               _Fact(kind="child", child_birth_date=date(2025, 8, 14)), _income("118.0")),
    ),
    _Persona(
        name="최영호", birth_date=date(1962, 5, 18), sex_digit=1, phone="+821013500003",
        language="ko", has_smartphone=False, region_code="47",
        try_with="kiosk: access card + PIN, or an SMS code to a feature phone; no smartphone; "
                 "contract ended (code 32) in August 2026, two months' wages unpaid — eligible "
                 "for unemployment benefit and the wage-arrears substitute payment",
        facts=(_insured(_SEOHAE, date(2009, 4, 1), date(2024, 12, 31), "23"),
               _insured(_DAESUNG, date(2025, 3, 3), date(2026, 8, 31), "32"),
               *_wages(_DAESUNG, date(2026, 8, 1), 2_950_000), _income("71.0"),
               _Fact(kind="job_seeker_registration", valid_from=date(2026, 9, 8)),
               _Fact(kind="wage_arrears", valid_from=date(2026, 10, 20), employer=_DAESUNG,
                     amount_krw=5_900_000)),
    ),
    _Persona(
        name="강영숙", birth_date=date(1955, 1, 9), sex_digit=2, phone="+82213500004",
        language="ko", has_smartphone=False, region_code="11",
        try_with="phone line: registered landline + PIN; no mobile phone; aged 71",
        facts=(_insured(_NARAE, date(2005, 6, 1), date(2015, 1, 31), "31"), _income("54.0")),
    ),
    _Persona(
        name="정말순", birth_date=date(1944, 10, 30), sex_digit=2, phone=None,
        language="ko", has_smartphone=False, region_code="46",
        try_with="assisted channel: staff at a job center verify identity; no phone of record; "
                 "aged 82",
        facts=(_income("38.5"),),
    ),
    _Persona(
        name="NGUYEN VAN AN", birth_date=date(1995, 3, 15), sex_digit=5, phone="+821013500006",
        language="vi", has_smartphone=True, region_code="48",
        try_with="foreign worker, Vietnamese: app in Vietnamese, SMS code sign-in; employed (E-9)",
        facts=(_insured(_DAESUNG, date(2024, 2, 19), None, None),
               *_wages(_DAESUNG, date(2026, 10, 1), 2_410_000), _income("88.0")),
    ),
    _Persona(
        name="SANTOS MARIA CLARA", birth_date=date(1990, 11, 2), sex_digit=6,
        phone="+821013500007", language="en", has_smartphone=True, region_code="41",
        try_with="foreign worker, English: app in English, SMS code sign-in; contract ended "
                 "(code 32) in October 2026 — eligible",
        facts=(_insured(_GREEN, date(2023, 5, 8), date(2026, 10, 31), "32"),
               *_wages(_GREEN, date(2026, 10, 1), 2_380_000), _income("79.5"),
               _Fact(kind="job_seeker_registration", valid_from=date(2026, 11, 3))),
    ),
    _Persona(
        name="윤지우", birth_date=date(2001, 6, 20), sex_digit=4, phone="+821013500008",
        language="ko", has_smartphone=True, region_code="29",
        try_with="app: SMS code sign-in; low-income job seeker (household at 45% of 기준 중위소득) "
                 "— 국민취업지원제도 type I",
        facts=(_insured(_NARAE, date(2025, 7, 1), date(2025, 12, 31), "32", part_time=True),
               _income("45.0"),
               _Fact(kind="job_seeker_registration", valid_from=date(2026, 9, 14))),
    ),
    _Persona(
        name="장현우", birth_date=date(1985, 9, 9), sex_digit=1, phone="+821013500009",
        language="ko", has_smartphone=True, region_code="30",
        try_with="app: SMS code sign-in; quit voluntarily (code 11) in October 2026 "
                 "— not eligible for unemployment benefit",
        facts=(_insured(_HANBIT, date(2019, 1, 7), date(2026, 10, 31), "11"),
               *_wages(_HANBIT, date(2026, 10, 1), 4_120_000), _income("131.0")),
    ),
    # A foreign worker for each language of the table (i18n/languages.py) not above, under
    # the Employment Permit System (E-9) or the visit-and-employment visa (H-2): each one's
    # contract ended (code 32), so the first scan tells them of the unemployment benefit,
    # in their language. Names as on their alien registration card, or in their script.
    _Persona(
        name="王伟", birth_date=date(1988, 6, 2), sex_digit=5, phone="+821013500010",
        language="zh-Hans", has_smartphone=True, region_code="41",
        try_with="foreign worker, Chinese (H-2): app in Simplified Chinese; contract ended "
                 "(code 32) in October 2026 — eligible for unemployment benefit",
        facts=(_insured(_HANBIT, date(2023, 4, 3), date(2026, 10, 31), "32"),
               *_wages(_HANBIT, date(2026, 10, 1), 2_650_000), _income("82.0"),
               _Fact(kind="job_seeker_registration", valid_from=date(2026, 11, 4))),
    ),
    _Persona(
        name="สมชาย ใจดี", birth_date=date(1992, 1, 20), sex_digit=5, phone="+821013500011",
        language="th", has_smartphone=True, region_code="44",
        try_with="foreign worker, Thai (E-9): app in Thai; contract ended (code 32) in "
                 "September 2026 — eligible for unemployment benefit",
        facts=(_insured(_NARAE, date(2024, 1, 8), date(2026, 9, 30), "32"),
               *_wages(_NARAE, date(2026, 9, 1), 2_280_000), _income("76.0"),
               _Fact(kind="job_seeker_registration", valid_from=date(2026, 10, 6))),
    ),
    _Persona(
        name="राम थापा", birth_date=date(1993, 8, 14), sex_digit=5, phone="+821013500012",
        language="ne", has_smartphone=False, region_code="48",
        try_with="foreign worker, Nepali (E-9): a feature phone, no app; contract ended "
                 "(code 32) in October 2026 — eligible for unemployment benefit",
        facts=(_insured(_SEOHAE, date(2023, 9, 4), date(2026, 10, 31), "32"),
               *_wages(_SEOHAE, date(2026, 10, 1), 2_520_000), _income("70.5"),
               _Fact(kind="job_seeker_registration", valid_from=date(2026, 11, 5))),
    ),
    _Persona(
        name="សុខ ដារា", birth_date=date(1996, 4, 5), sex_digit=5, phone="+821013500013",
        language="km", has_smartphone=True, region_code="47",
        try_with="foreign worker, Khmer (E-9): app in Khmer; contract ended (code 32) in "
                 "October 2026 — eligible for unemployment benefit",
        facts=(_insured(_DAESUNG, date(2024, 3, 11), date(2026, 10, 31), "32"),
               *_wages(_DAESUNG, date(2026, 10, 1), 2_300_000), _income("74.0"),
               _Fact(kind="job_seeker_registration", valid_from=date(2026, 11, 5))),
    ),
    _Persona(
        name="BUDI SANTOSO", birth_date=date(1991, 12, 1), sex_digit=5, phone="+821013500014",
        language="id", has_smartphone=True, region_code="26",
        try_with="foreign worker, Indonesian (E-9): app in Indonesian; contract ended "
                 "(code 32) in October 2026 — eligible for unemployment benefit",
        facts=(_insured(_SEOHAE, date(2023, 11, 6), date(2026, 10, 31), "32"),
               *_wages(_SEOHAE, date(2026, 10, 1), 2_610_000), _income("80.0"),
               _Fact(kind="job_seeker_registration", valid_from=date(2026, 11, 2))),
    ),
    _Persona(
        name="Oʻtkir Gʻulomov", birth_date=date(1989, 3, 27), sex_digit=5,
        phone="+821013500015", language="uz", has_smartphone=True, region_code="43",
        try_with="foreign worker, Uzbek (E-9): app in Uzbek (Latin); contract ended (code 32) "
                 "in September 2026 — eligible for unemployment benefit",
        facts=(_insured(_GREEN, date(2024, 2, 5), date(2026, 9, 30), "32"),
               *_wages(_GREEN, date(2026, 9, 1), 2_340_000), _income("77.5"),
               _Fact(kind="job_seeker_registration", valid_from=date(2026, 10, 8))),
    ),
    _Persona(
        name="Бат-Эрдэнэ Дорж", birth_date=date(1987, 10, 10), sex_digit=5,
        phone="+821013500016", language="mn", has_smartphone=True, region_code="11",
        try_with="foreign worker, Mongolian (E-9): app in Mongolian; contract ended (code 32) "
                 "in October 2026 — eligible for unemployment benefit",
        facts=(_insured(_HANBIT, date(2023, 6, 5), date(2026, 10, 31), "32"),
               *_wages(_HANBIT, date(2026, 10, 1), 2_480_000), _income("81.0"),
               _Fact(kind="job_seeker_registration", valid_from=date(2026, 11, 3))),
    ),
    _Persona(
        name="BAUTISTA MARICEL", birth_date=date(1994, 7, 19), sex_digit=6,
        phone="+821013500017", language="tl", has_smartphone=True, region_code="41",
        try_with="foreign worker, Filipino (E-9): app in Filipino; contract ended (code 32) "
                 "in October 2026 — eligible for unemployment benefit",
        facts=(_insured(_GREEN, date(2024, 6, 3), date(2026, 10, 31), "32"),
               *_wages(_GREEN, date(2026, 10, 1), 2_300_000), _income("78.0"),
               _Fact(kind="job_seeker_registration", valid_from=date(2026, 11, 4))),
    ),
)
# fmt: on


def persona_registration_number(index: int) -> str:
    """The synthetic number behind PERSONAS[index] (block 999, which random people never use)."""
    persona = PERSONAS[index]
    return f"{persona.birth_date:%y%m%d}{persona.sex_digit}{_PERSONA_BLOCK}{index + 1:03d}"


def _persona_fact_line(fact_id: int, person_id: int, fact: _Fact, refreshed_at: str) -> str:
    def text(value: object) -> str:
        return _N if value is None else str(value)

    employer = fact.employer or (None, None)
    year = REFERENCE_DATE.year if fact.income_percentile else None
    values = (
        fact_id, person_id, fact.kind, fact.valid_from, fact.valid_to, *employer,
        fact.separation_code, fact.paid_base_days, fact.amount_krw, fact.child_birth_date,
        fact.income_percentile, year, _SOURCES[fact.kind], refreshed_at,
    )  # fmt: skip
    return "\t".join(map(text, values)) + "\n"

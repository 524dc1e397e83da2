"""A deterministic synthetic population for `make run`, demos and load tests.

`load_demo_data` writes people and their linked administrative facts (고용보험
이력, 월별 보수, 자녀, 가구 소득인정액, 구직등록) with COPY, in one
transaction. The same seed always gives the same people and facts in the same
order. Hand-designed personas come first in the first load into a database, one
for each sign-in path and benefit worth trying; `demo_people` finds them again.

Synthetic registration numbers are YYMMDD, the century-and-sex digit, a 3-digit
block taken from the seed (`seed % 999`; block 999 is the personas') and a
3-digit counter per birth date and sex digit, so seeds in different blocks never
share a number. As with real numbers, they go into the person key HMAC and are
thrown away (개인정보 보호법 제24조의2).

Speed (a million people and four million facts within a minute on two cores):
rows are COPY text built from precomputed tables, one chunk at a time, so
PostgreSQL parses a chunk while Python builds the next; ids are given, not drawn
from the sequences row by row. A large load drops the indexes and keys of the two
tables that nothing else references and rebuilds them at the end, in the same
transaction ("Populating a Database" in the PostgreSQL manual): maintaining three
random-key indexes row by row costs more than the rest of the load together.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import random
import unicodedata
from bisect import bisect
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

import asyncpg
import msgspec

from auth.people import person_key
from server.settings import PersonKeySettings, Settings

REFERENCE_DATE = date(2026, 11, 25)
"""The "today" of every load, so that a seed always means the same data."""

MAX_PEOPLE = 10_000_000
# From this many people on, a load rebuilds the secondary indexes instead of
# maintaining them row by row (unless the tables hold over four times as many).
BULK_LOAD_THRESHOLD = 50_000
_CHUNK_PEOPLE = 5_000
_PERSONA_BLOCK = "999"

_PEOPLE_COLUMNS = (
    "id", "person_key", "person_key_version", "name", "birth_date", "phone_e164",
    "region_code", "preferred_language", "has_smartphone", "deceased_on",
)  # fmt: skip
_FACT_COLUMNS = (
    "id", "person_id", "kind", "valid_from", "valid_to", "employer_name", "employer_id",
    "separation_code", "paid_base_days", "amount_krw", "child_birth_date",
    "income_percentile", "reference_year", "source_system", "refreshed_at",
)  # fmt: skip
_SOURCES = {
    "employment_insurance": "ei", "wage": "ei", "child": "family",
    "household_income": "nhis", "job_seeker_registration": "worknet",
}  # fmt: skip
_N = "\\N"  # NULL in COPY text format
_NULLS_3, _NULLS_4, _NULLS_7, _NULLS_8, _NULLS_9 = (f"\t{_N}" * n for n in (3, 4, 7, 8, 9))

_T = TypeVar("_T")


class DemoPerson(msgspec.Struct, frozen=True, kw_only=True):
    """A persona as stored, and what to try with it."""

    name: str
    birth_date: date
    phone: str | None
    language: str
    has_smartphone: bool
    person_id: int
    region_code: str
    try_with: str


# --- What the population is made of ---------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


# 시·도 code, population in 10,000s (주민등록인구 2025), landline area code without the 0.
_REGIONS = (
    ("11", 933, "2"), ("26", 325, "51"), ("27", 235, "53"), ("28", 300, "32"),
    ("29", 141, "62"), ("30", 144, "42"), ("31", 110, "52"), ("36", 39, "44"),
    ("41", 1370, "31"), ("43", 159, "43"), ("44", 213, "41"), ("46", 179, "61"),
    ("47", 253, "54"), ("48", 322, "55"), ("50", 67, "64"), ("51", 151, "33"),
    ("52", 173, "63"),
)  # fmt: skip
REGION_NAMES = {
    "11": "서울", "26": "부산", "27": "대구", "28": "인천", "29": "광주", "30": "대전",
    "31": "울산", "36": "세종", "41": "경기", "43": "충북", "44": "충남", "46": "전남",
    "47": "경북", "48": "경남", "50": "제주", "51": "강원", "52": "전북",
}  # fmt: skip

# Surnames and their share of the population in percent (인구주택총조사 2015, rounded).
_SURNAMES = _words("""
김 21.5 이 14.7 박 8.4 최 4.7 정 4.3 강 2.4 조 2.1 윤 2.1 장 2.0 임 1.7 한 1.5 오 1.5 서 1.5
신 1.5 권 1.4 황 1.4 안 1.4 송 1.3 류 1.2 전 1.1 홍 1.1 고 0.9 문 0.9 양 0.9 손 0.9 배 0.8
백 0.8 허 0.6 유 0.6 남 0.5 심 0.5 노 0.4 하 0.5 곽 0.4 성 0.4 차 0.4 주 0.4 우 0.4 구 0.4
민 0.3 나 0.3 진 0.3 지 0.3 엄 0.3 채 0.3 원 0.3 천 0.2 방 0.2 공 0.2 현 0.2 함 0.2 변 0.2
염 0.1 여 0.1 추 0.1 도 0.1 소 0.1 석 0.1 선 0.1 설 0.1 마 0.1 길 0.1 연 0.1 위 0.1 표 0.1
명 0.1 기 0.1 반 0.1 왕 0.05 금 0.05 옥 0.05 육 0.05 인 0.05 맹 0.05 제 0.05 모 0.05
남궁 0.03 탁 0.03 국 0.03 어 0.03 은 0.03 편 0.03 용 0.03 황보 0.02 제갈 0.01 선우 0.01
""")

# Popular given names by birth cohort (to 1954, 1955-64, 65-74, 75-84, 85-94, from 1995):
# men, then women.
_GIVEN_NAMES = (
    ("영수 영호 영식 정수 정호 영철 상철 성수 광수 종수 병철 용수 재호 만수 순철 기수 춘식 "
     "동수 명수 진호 종호 덕수 용호 정식",
     "영자 순자 정자 영숙 정숙 명숙 경자 옥순 순희 영희 말순 춘자 정순 영순 숙자 복순 "
     "옥자 명자 순옥 금순 화자 정희 봉순 분이"),
    ("영수 성호 영진 성수 정호 영호 상훈 성진 동욱 재성 종철 기철 영철 진호 병호 광호 "
     "상철 재훈 창호 명호 용철 승호",
     "미숙 경숙 영숙 정숙 미경 은숙 경희 순영 미영 혜숙 정희 영미 명희 영순 미자 경애 "
     "현숙 정미 선희 옥희 인숙 경란"),
    ("성호 정훈 성훈 상훈 성민 지훈 재훈 정호 동현 준호 영훈 승철 성진 상욱 진우 종훈 "
     "재영 현철 민수 기석 성욱 태호",
     "미영 은정 은영 현주 미정 은주 지영 수진 정은 선영 혜진 미경 경미 은희 현정 미라 "
     "선미 주희 정아 혜경 윤정 은경"),
    ("지훈 성민 현우 성현 준호 민수 동현 준영 재현 상현 민호 정민 지성 승훈 준혁 영민 "
     "태현 상민 진영 현석 우진 동훈",
     "지혜 지은 수진 혜진 은지 지영 민정 유진 지현 미진 선영 은영 소영 혜원 보람 지원 "
     "수정 은비 아름 나래 슬기 다은"),
    ("동현 지훈 현우 민수 준호 성민 승현 민석 준혁 도현 지성 상우 민재 건우 우진 재민 "
     "승민 태윤 진혁 한결 동욱 준수",
     "지은 수빈 민지 지혜 유진 수진 지원 혜진 은지 예진 지현 서연 다영 소연 가영 유리 "
     "보라 하나 수연 은비 다혜 미소"),
    ("민준 현우 지훈 동현 준서 민재 도윤 건우 승민 우진 성민 준영 서준 예준 시우 주원 "
     "하준 지호 준우 도현 지후 은우",
     "서연 민서 지민 수빈 서현 예은 지원 민지 윤서 채원 하은 지우 서윤 지유 수아 예린 "
     "다은 소윤 유나 하윤 서영 나연"),
)  # fmt: skip
# Other names are two common syllables (men, women): first syllables, second syllables.
_GIVEN_SYLLABLES = (
    ("민 준 지 현 성 동 재 승 상 정 영 진 태 우 경 종 석 용 인 병",
     "수 호 민 우 현 훈 준 석 철 진 식 혁 기 규 환 완 범 욱 섭 용"),
    ("지 수 민 은 서 현 혜 유 미 영 정 경 윤 소 다 예 하 선 진 주",
     "영 희 숙 정 은 연 진 아 경 미 현 원 빈 지 주 서 윤 나 인 하"),
)  # fmt: skip

# Foreign workers (고용허가제 sending countries) by preferred language: share in percent,
# surnames, men's and women's given names, written as on alien registration cards.
_FOREIGN_NAMES = {
    "vi": (26, "NGUYEN TRAN LE PHAM HOANG PHAN VU DANG BUI DO HO NGO",
           "VAN_AN VAN_BINH VAN_CUONG VAN_DUNG VAN_HAI VAN_HUNG VAN_MINH VAN_NAM DUC_THANH "
           "QUANG_HUY VAN_TUAN",
           "THI_LAN THI_MAI THI_HOA THI_HUONG THI_LINH THI_NGOC THI_PHUONG THI_TRANG THI_THU "
           "THI_HANH"),
    "zh": (16, "WANG LI ZHANG LIU CHEN YANG ZHAO HUANG ZHOU WU XU SUN",
           "WEI QIANG LEI JUN YONG JIE TAO MING HAO PENG",
           "NA JING LI MIN YAN FANG XIU YING HUI LING"),
    "th": (9, "SAETANG JAIDEE SRISUK WONGSA BOONMA KAEWMANEE SUKSAI THONGDEE",
           "SOMCHAI SOMSAK ANUWAT PRASIT WICHAI NARONG",
           "SUDARAT SOMPORN MALEE NITTAYA ARUNEE KANYA"),
    "ne": (10, "GURUNG TAMANG RAI MAGAR THAPA SHRESTHA LAMA KARKI",
           "RAM_BAHADUR BISHNU KRISHNA SURESH DIPAK RAJ_KUMAR",
           "SITA GITA SARITA PUSPA KAMALA ANITA"),
    "uz": (9, "ABDULLAEV KARIMOV RAHIMOV YUSUPOV TOSHMATOV ERGASHEV",
           "JASUR BOBUR SHERZOD AZIZ DILSHOD OTABEK",
           "DILNOZA MADINA NODIRA GULNORA SHAHNOZA ZARINA"),
    "km": (9, "SOK CHAN KEO SAM HENG LIM PICH MEAS",
           "DARA VANNAK SOPHAL RITHY VISAL SAMNANG",
           "SOPHEAP SREYMOM CHANTHA BOPHA SOKHA DAVY"),
    "id": (8, "SANTOSO SETIAWAN HIDAYAT SAPUTRA WIJAYA NUGROHO KURNIAWAN",
           "BUDI AGUS EKO RUDI HENDRA JOKO",
           "SITI DEWI RINA SRI LESTARI NUR"),
    "en": (7, "SANTOS REYES CRUZ GARCIA MENDOZA RAMOS DELA_CRUZ",
           "JOHN_PAUL MARK_ANTHONY MICHAEL JOSEPH JAYSON RYAN",
           "MARIA_CLARA JOY KRISTINE MARY_ANN JENNIFER GRACE"),
    "tl": (6, "BAUTISTA AQUINO VILLANUEVA CASTILLO FLORES TORRES",
           "JOSE ROMMEL ARNEL JUNJUN NOEL DANILO",
           "ANA LIZA MARICEL ROSALIE JOCELYN MERLY"),
}  # fmt: skip

# By age, as (highest age, value) bands. Relative cohort sizes (장래인구추계, smoothed):
_AGE_WEIGHT = ((24, 0.50), (29, 0.62), (34, 0.68), (39, 0.72), (44, 0.78), (49, 0.85),
               (54, 0.88), (59, 0.86), (64, 0.85), (69, 0.75), (74, 0.55), (79, 0.40),
               (85, 0.25))  # fmt: skip
# Share without a smartphone (rising steeply after 60): about 1 in 5 adults overall.
_NO_SMARTPHONE = ((39, 0.06), (49, 0.09), (59, 0.16), (64, 0.25), (69, 0.33), (74, 0.48),
                  (79, 0.63), (85, 0.80))  # fmt: skip
# Foreign workers (about 3.5% overall) are mostly aged 20 to 49.
_FOREIGN = ((19, 0.005), (24, 0.07), (39, 0.085), (49, 0.05), (59, 0.015), (85, 0.002))
_DECEASED = ((59, 0.0006), (69, 0.0025), (79, 0.008), (85, 0.022))
# How many insured employments a person has had: weights for 0, 1, 2, 3 and 4.
_EMPLOYMENTS = ((19, (14, 5, 1, 0, 0)), (24, (8, 8, 3, 1, 0)), (59, (3, 6, 5, 4, 2)),
                (64, (5, 6, 5, 3, 1)), (74, (10, 6, 3, 1, 0)), (85, (16, 3, 1, 0, 0)))  # fmt: skip
_CURRENTLY_EMPLOYED = ((24, 0.55), (54, 0.72), (59, 0.60), (64, 0.45), (69, 0.25), (85, 0.08))
_MONTHLY_WAGE = ((24, 2_400_000), (29, 2_900_000), (34, 3_500_000), (39, 4_000_000),
                 (44, 4_400_000), (49, 4_600_000), (54, 4_500_000), (59, 4_100_000),
                 (64, 3_000_000), (85, 2_300_000))  # fmt: skip
# Among people without a smartphone: a feature phone, else a landline, else no phone.
_FEATURE_PHONE, _LANDLINE = 0.55, 0.30
# 고용보험 상실사유 with their shares: 11 voluntary, 12 voluntary with a just cause, 22 closure,
# 23 redundancy or recommended resignation, 26 disciplinary, 31 retirement age, 32 contract end.
_SEPARATIONS = (("11", 42), ("12", 4), ("22", 5), ("23", 20), ("26", 2), ("31", 3), ("32", 24))
_SEPARATIONS_AT_60 = (("11", 18), ("22", 5), ("23", 12), ("26", 1), ("31", 44), ("32", 20))

_EMPLOYER_STEMS = _words("""
한빛 대성 삼원 동양 신성 태평양 세진 한양 우리 미래 새한 일신 금강 대한 동방 서울 부산 성우 청솔
푸른 다온 해오름 나래 한결 가람 태광 신흥 영진 보람 정우 우성 한솔 대림 삼화 제일 중앙 동아 극동
남양 백두 한라 금성 진성 덕산 광명 새롬 아름 온누리 한마음 하나 늘푸른 동서 대원 국제 유니 에이스
코리아 글로벌 그린 스마트 성진 화성 경남 호남 영남 동해 서해 남해
""")
_EMPLOYER_TRADES = _words("""
물산 정밀 산업 건설 식품 유통 전자 기계 화학 물류 테크 엔지니어링 시스템 섬유 상사 개발 디자인
에너지 소프트 금속 플라스틱 운수 산업개발 통상 인쇄 철강 기공 전기 설비 푸드 케미칼 오토텍 이엔지
로지스 모터스 메디칼 조선 중공업 반도체 바이오
""")
_WORKPLACES = _words("요양원 병원 어린이집 마트 의원 학원 식당 주유소 복지관 약국")


def _per_age(bands: Sequence[tuple[int, _T]]) -> list[_T]:
    return [next((v for top, v in bands if age <= top), bands[-1][1]) for age in range(121)]


def _expand(weighted: Sequence[tuple[_T, float]], size: int) -> list[_T]:
    """`size` items, each as often as its weight says: a weighted pick is one index."""
    total = sum(w for _, w in weighted)
    out: list[_T] = []
    acc = 0.0
    for item, weight in weighted:
        acc += weight
        out.extend([item] * (round(acc / total * size) - len(out)))
    return out


def _percent(value: float) -> str:
    return f"{min(value, 300.0):.1f}"


def _years_before(day: date, years: int) -> date:
    return date(day.year - years, day.month, min(day.day, 28 if day.month == 2 else 31))


def _business_number(office: int, kind: int, serial: int) -> str:
    """A 사업장관리번호: 사업자등록번호 (with its 국세청 check digit), then the 사업장 digit 0."""
    digits = [int(c) for c in f"{office:03d}{kind:02d}{serial:04d}"]
    total = sum(d * w for d, w in zip(digits, (1, 3, 7, 1, 3, 7, 1, 3, 5), strict=True))
    total += digits[8] * 5 // 10
    return "".join(map(str, digits)) + str((10 - total % 10) % 10) + "0"


@functools.cache
def _employers() -> list[str]:
    """Employers as COPY text ("name\\tnumber"), large ones repeated (a Zipf-like spread)."""
    r = random.Random(1350)  # noqa: S311 - synthetic data, not a secret
    pool: list[str] = []
    for rank in range(6_000):
        stem, form = r.choice(_EMPLOYER_STEMS), r.random()
        trade, kind = stem + r.choice(_EMPLOYER_TRADES), r.choice((81, 81, 85, 86, 87))
        if form < 0.12:
            name, kind = stem + r.choice(_WORKPLACES), r.randint(1, 79)
        elif form < 0.55:
            name = "(주)" + trade
        elif form < 0.75:
            name = trade + "(주)"
        elif form < 0.85:
            name = "주식회사 " + trade
        elif form < 0.90:
            name = "(유)" + trade
        else:
            name, kind = trade, r.randint(1, 79)
        number = _business_number(r.randint(101, 699), kind, r.randint(1, 9999))
        pool.extend([f"{name}\t{number}"] * max(1, 600 // (rank + 6)))
    return pool


class _Tables:
    """What a per-person step picks from, for one reference date.

    Days are numbered from 1930-01-01. `seq[bits(24) * len(seq) >> 24]` picks uniformly
    (`getrandbits` costs a fraction of `int(random() * n)`); weighted picks index lists
    in which each item appears as often as its weight says.
    """

    def __init__(self, today: date) -> None:
        r = random.Random(1350)  # noqa: S311 - synthetic data, not a secret
        day0 = date(1930, 1, 1).toordinal()
        self.today = today.toordinal() - day0
        # A month past the reference date, so that its month has a known end.
        days = [date.fromordinal(day0 + d) for d in range(self.today + 40)]
        self.iso = [d.isoformat() for d in days]
        self.month_start = [d - (day.day - 1) for d, day in enumerate(days)]
        self.month_end = list(range(len(days)))
        for d in range(len(days) - 2, -1, -1):
            if days[d + 1].day != 1:
                self.month_end[d] = self.month_end[d + 1]
        self.years = [365 * n + n // 4 for n in range(100)]

        # Birth dates: ages 18 to 85 on the reference date, weighted by cohort size.
        first = _years_before(today, 86).toordinal() + 1 - day0
        last = _years_before(today, 18).toordinal() - day0
        age_weight = _per_age(_AGE_WEIGHT)
        self.age, self.rrn6 = [0] * len(days), [""] * len(days)
        self.century, self.cohort = [0] * len(days), [0] * len(days)
        cumulative: list[float] = []
        for d in range(first, last + 1):
            born = days[d]
            self.age[d] = (
                today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            )
            self.rrn6[d] = born.strftime("%y%m%d")
            self.century[d] = 0 if born.year < 2000 else 2
            # Where the cohort's men are in `given` (its women follow).
            self.cohort[d] = 2 * min(max((born.year - 1945) // 10, 0), 5)
            cumulative.append((cumulative[-1] if cumulative else 0.0) + age_weight[self.age[d]])
        total = cumulative[-1]
        self.birth_days = [
            first + bisect(cumulative, (i + 0.5) / 2**18 * total) for i in range(2**18)
        ]

        self.surnames = _expand(
            list(zip(_SURNAMES[::2], map(float, _SURNAMES[1::2]), strict=True)), 16_384
        )
        self.given: list[list[str]] = []
        for cohort_names in _GIVEN_NAMES:
            for sex, names in enumerate(cohort_names):
                first_syllables, second_syllables = map(_words, _GIVEN_SYLLABLES[sex])
                popular = names.split()
                table = [popular[i % len(popular)] for i in range(1_600)]
                while len(table) < 4_096:
                    name = r.choice(first_syllables) + r.choice(second_syllables)
                    if name[0] != name[1]:
                        table.append(name)
                self.given.append(table)
        self.regions = _expand([(code + area, float(n)) for code, n, area in _REGIONS], 1_024)
        self.languages = _expand([(lang, float(t[0])) for lang, t in _FOREIGN_NAMES.items()], 1_024)
        self.foreign_names = {
            lang: tuple([n.replace("_", " ") for n in part.split()] for part in t[1:])
            for lang, t in _FOREIGN_NAMES.items()
        }
        self.no_smartphone = _per_age(_NO_SMARTPHONE)
        self.foreign = _per_age(_FOREIGN)
        self.deceased = _per_age(_DECEASED)
        # 010-5970 to 010-5999 are unassigned; 010-0xxx and 010-1xxx are kept for the personas.
        self.mobile_middle = [f"{n:04d}" for n in range(2000, 10_000) if not 5970 <= n <= 5999]
        self.exchange3 = [str(n) for n in range(200, 1000)]
        self.last4 = [f"{n:04d}" for n in range(10_000)]
        self.counter = [f"{n:03d}" for n in range(1000)]

        self.employments = [
            [count for count, weight in enumerate(weights) for _ in range(weight)]
            for weights in _per_age(_EMPLOYMENTS)
        ]
        self.currently_employed = _per_age(_CURRENTLY_EMPLOYED)
        self.separations = _expand(_SEPARATIONS, 128)
        self.separations_at_60 = _expand(_SEPARATIONS_AT_60, 128)
        # Lengths of employment in days: many short contracts, a long tail of careers.
        self.durations = sorted(
            int(30 + r.expovariate(1 / 700)) if r.random() < 0.8 else r.randint(2_500, 9_000)
            for _ in range(1_024)
        )
        # Days between two insured jobs: often none.
        self.gaps = [0] * 38 + [r.randint(1, 540) for _ in range(90)]
        self.monthly_wage = _per_age(_MONTHLY_WAGE)
        self.wage_factor = [round(1_000 * math.exp(r.gauss(0, 0.33))) for _ in range(256)]
        # Most months pay the same; some have overtime, a bonus or an unpaid day.
        changes = (-50_000, 20_000, 50_000, 150_000, 400_000)
        self.wage_change = [0] * 24 + [r.choice(changes) for _ in range(8)]
        self.children = [1] * 9 + [2] * 9 + [3] * 2
        # Household income (% of 기준 중위소득): lower where nobody in work is insured.
        self.income_working = [_percent(105 * math.exp(r.gauss(0, 0.40))) for _ in range(1_024)]
        self.income_idle = [_percent(62 * math.exp(r.gauss(0, 0.55))) for _ in range(1_024)]
        midnight = datetime(today.year, today.month, today.day, tzinfo=UTC)
        # Refreshed in the last 60 days, a few percent stale (over 90 days) for data checks.
        self.refreshed_at: list[str] = []
        for _ in range(4_096):
            age_days = r.uniform(91, 400) if r.random() < 0.03 else r.uniform(0, 60)
            stamp = midnight - timedelta(days=age_days)
            self.refreshed_at.append(stamp.isoformat(timespec="seconds"))
        self.persona_refreshed_at = (midnight - timedelta(days=2, hours=-9)).isoformat()


@functools.cache
def _tables(today: date) -> _Tables:
    return _Tables(today)


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
                 "contract ended (code 32) in August 2026 — eligible",
        facts=(_insured(_SEOHAE, date(2009, 4, 1), date(2024, 12, 31), "23"),
               _insured(_DAESUNG, date(2025, 3, 3), date(2026, 8, 31), "32"),
               *_wages(_DAESUNG, date(2026, 8, 1), 2_950_000), _income("71.0")),
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
               *_wages(_GREEN, date(2026, 10, 1), 2_380_000), _income("79.5")),
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


# --- The generator --------------------------------------------------------------------------


def _random_people(seed: int, today: date) -> Iterator[tuple[str, str, int]]:
    """Per random person: registration number, COPY columns after the key, what facts need.

    Every pick comes from one stream in person order, so fewer people are a prefix of more.
    """
    t = _tables(today)
    r = random.Random(seed)  # noqa: S311 - synthetic data
    rnd, bits = r.random, r.getrandbits
    block = f"{seed % 999:03d}"
    birth_days, ages, iso, rrn6, century, cohort = (
        t.birth_days, t.age, t.iso, t.rrn6, t.century, t.cohort,
    )  # fmt: skip
    surnames, given, regions = t.surnames, t.given, t.regions
    languages, foreign_names = t.languages, t.foreign_names
    no_smartphone, foreign, deceased = t.no_smartphone, t.foreign, t.deceased
    middle, exchange3, last4, counter_text = t.mobile_middle, t.exchange3, t.last4, t.counter
    n_middle = len(middle)
    counters = [0] * (len(iso) * 8)  # per birth day and sex digit
    while True:
        born = birth_days[bits(18)]
        age = ages[born]
        female = bits(1)
        region = regions[bits(10)]
        if rnd() < foreign[age]:
            language = languages[bits(10)]
            family, men, women = foreign_names[language]
            first = women if female else men
            name = f"{family[bits(24) * len(family) >> 24]} {first[bits(24) * len(first) >> 24]}"
            sex_digit = 5 + century[born] + female
            smartphone = rnd() >= 0.04
        else:
            language = "ko"
            name = surnames[bits(14)] + given[cohort[born] + female][bits(12)]
            sex_digit = 1 + century[born] + female
            smartphone = rnd() >= no_smartphone[age]
        kind = 0.0 if smartphone else rnd()
        if kind < _FEATURE_PHONE:
            phone = f"+8210{middle[bits(24) * n_middle >> 24]}{last4[bits(24) * 10_000 >> 24]}"
        elif kind < _FEATURE_PHONE + _LANDLINE:
            area = region[2:]
            exchange = (
                middle[bits(24) * n_middle >> 24]
                if area == "2"
                else exchange3[bits(24) * 800 >> 24]
            )
            phone = f"+82{area}{exchange}{last4[bits(24) * 10_000 >> 24]}"
        else:
            phone = _N
        died = iso[t.today - 1 - bits(10)] if rnd() < deceased[age] else _N
        group = born * 8 + sex_digit - 1
        count = counters[group]
        if count == 1_000:
            raise ValueError("too many people born on one day for distinct registration numbers")
        counters[group] = count + 1
        yield (
            f"{rrn6[born]}{sex_digit}{block}{counter_text[count]}",
            f"{name}\t{iso[born]}\t{phone}\t{region[:2]}\t{language}\t"
            f"{'t' if smartphone else 'f'}\t{died}\n",
            born * 4 + (0 if language == "ko" else 2) + (died != _N),
        )


class SyntheticPopulation:
    """The COPY text of one load: `people_chunks`, then `facts_chunks` (which reads what the
    first kept about each person). The personas come first when `with_personas`."""

    def __init__(
        self,
        *,
        people: int,
        seed: int,
        keys: PersonKeySettings,
        with_personas: bool,
        today: date = REFERENCE_DATE,
    ) -> None:
        if not 1 <= people <= MAX_PEOPLE:
            raise ValueError(f"people must be between 1 and {MAX_PEOPLE:,}")
        if with_personas and people < len(PERSONAS):
            raise ValueError(
                f"the first demo load needs at least {len(PERSONAS)} people (the personas)"
            )
        self.people, self.seed, self.today = people, seed, today
        self.personas = PERSONAS if with_personas else ()
        self.keys = keys
        self.facts = 0
        self._first_person_id = 0
        self._kept: list[list[int]] = []

    def first_random_registration_number(self) -> str:
        """Its key exists in a database exactly when this seed has been loaded there."""
        return next(_random_people(self.seed, self.today))[0]

    def people_chunks(self, first_person_id: int) -> Iterator[bytes]:
        """COPY text of `people` (`_PEOPLE_COLUMNS`), ids from `first_person_id` on."""
        self._first_person_id, self._kept = first_person_id, []
        version = self.keys.current_version
        person_id = first_person_id
        lines: list[str] = []
        for index, persona in enumerate(self.personas):
            key = person_key(self.keys, persona_registration_number(index)).hex()
            lines.append(
                f"{person_id}\t\\\\x{key}\t{version}\t{persona.name}\t{persona.birth_date}\t"
                f"{persona.phone or _N}\t{persona.region_code}\t{persona.language}\t"
                f"{'t' if persona.has_smartphone else 'f'}\t{_N}\n"
            )
            person_id += 1
        # HMAC-SHA256 (RFC 2104) from the two pad states, computed once: same keys as
        # auth.people.person_key, at a third of the cost per person.
        secret = self.keys.keys[version]
        secret = (hashlib.sha256(secret).digest() if len(secret) > 64 else secret).ljust(64, b"\0")
        inner = hashlib.sha256(bytes(b ^ 0x36 for b in secret)).copy
        outer = hashlib.sha256(bytes(b ^ 0x5C for b in secret)).copy
        people = _random_people(self.seed, self.today)
        remaining = self.people - len(self.personas)
        while remaining:
            kept: list[int] = []
            for number, columns, facts_need in itertools.islice(
                people, min(_CHUNK_PEOPLE, remaining)
            ):
                inner_hash, outer_hash = inner(), outer()
                inner_hash.update(number.encode())
                outer_hash.update(inner_hash.digest())
                lines.append(f"{person_id}\t\\\\x{outer_hash.hexdigest()}\t{version}\t{columns}")
                kept.append(facts_need)
                person_id += 1
            self._kept.append(kept)
            remaining -= len(kept)
            yield "".join(lines).encode()
            lines = []
        if lines:
            yield "".join(lines).encode()

    def facts_chunks(self, first_fact_id: int) -> Iterator[bytes]:
        """COPY text of `person_facts` (`_FACT_COLUMNS`) for the people `people_chunks` made,
        ids from `first_fact_id` on."""
        t = _tables(self.today)
        iso, today, years, ages = t.iso, t.today, t.years, t.age
        month_start, month_end_of = t.month_start, t.month_end
        stamps, durations, gaps, employers = t.refreshed_at, t.durations, t.gaps, _employers()
        n_employers, n, nulls_3, nulls_4 = len(employers), _N, _NULLS_3, _NULLS_4
        nulls_7, nulls_8, nulls_9 = _NULLS_7, _NULLS_8, _NULLS_9
        employments, currently_employed = t.employments, t.currently_employed
        separations_before_60, separations_at_60 = t.separations, t.separations_at_60
        monthly_wage, wage_factor, wage_change = t.monthly_wage, t.wage_factor, t.wage_change
        income_working, income_idle, children_counts = t.income_working, t.income_idle, t.children
        income_line_end = f"\t{self.today.year}\tnhis\t"
        fact_id, first_person_id = first_fact_id, self._first_person_id
        out: list[str] = []
        for person_id, persona in enumerate(self.personas, first_person_id):
            for fact in persona.facts:
                out.append(_persona_fact_line(fact_id, person_id, fact, t.persona_refreshed_at))
                fact_id += 1
        first_person_id += len(self.personas)
        r = random.Random(f"facts:{self.seed}")  # noqa: S311 - synthetic data
        rnd, bits = r.random, r.getrandbits
        for kept in self._kept:
            for person_id, facts_need in enumerate(kept, first_person_id):
                if facts_need & 1:
                    continue  # deceased: nothing current to link
                born, foreign = facts_need >> 2, facts_need & 2 == 2
                age = ages[born]
                # Each line is "{fact_id}{of_person}{kind}...": the id, then this person's id.
                of_person = f"\t{person_id}\t"

                # 고용보험 피보험자격 이력: employments, built backwards from the latest.
                periods: list[tuple[int, int, str, str]] = []  # start, end (-1: current), ...
                count = employments[age][bits(24) * 20 >> 24]
                current = False
                if count:
                    starts_work = born + years[18] + bits(11)
                    if foreign:
                        # 고용허가제: a stay of at most 4 years and 10 months.
                        starts_work = max(starts_work, today - 1_765)
                    current = rnd() < (0.9 if foreign else currently_employed[age])
                    if current:
                        end = -1
                    elif age >= 62 and rnd() < 0.6:
                        end = min(today - 1, born + years[60] + bits(10))
                    elif rnd() < 0.4:
                        end = today - 1 - (bits(24) * 365 >> 24)
                    else:
                        end = today - 366 - (bits(24) * 2_500 >> 24)
                    cursor = today if current else end
                    separations = separations_at_60 if age >= 60 else separations_before_60
                    while count and cursor > starts_work:
                        start = cursor - durations[bits(10)]
                        if start < starts_work:
                            start = starts_work
                        code = n if end == -1 else separations[bits(7)]
                        periods.append((start, end, employers[bits(24) * n_employers >> 24], code))
                        cursor = start - 1 - gaps[bits(7)]
                        end, separations, count = cursor, separations_before_60, count - 1
                if periods:
                    stamp = stamps[bits(12)]
                    for start, end, employer, code in reversed(periods):
                        days = (today if end == -1 else end) - start + 1
                        # 피보험 단위기간: paid days, about 5 in 7 (fewer for part-time work).
                        paid = days * 5 // 7 if rnd() < 0.9 else days * 3 // 7
                        out.append(
                            f"{fact_id}{of_person}employment_insurance\t{iso[start]}\t"
                            f"{n if end == -1 else iso[end]}\t{employer}\t{code}\t{paid}"
                            f"{nulls_4}\tei\t{stamp}\n"
                        )
                        fact_id += 1
                    # 월별 보수: the last three full months of the current or latest employment,
                    # if it ended within two years.
                    start, end, employer, _code = periods[0]
                    if end == -1 or end >= today - 730:
                        last = today if end == -1 else end
                        month_end = last if month_end_of[last] == last else month_start[last] - 1
                        months: list[int] = []
                        while len(months) < 3 and month_start[month_end] >= start:
                            months.append(month_end)
                            month_end = month_start[month_end] - 1
                        base = monthly_wage[age] * wage_factor[bits(8)] // 1_000_000 * 1_000
                        for month_end in reversed(months):
                            amount = base + wage_change[bits(5)]
                            out.append(
                                f"{fact_id}{of_person}wage\t{iso[month_start[month_end]]}\t"
                                f"{iso[month_end]}\t{employer}\t{n}\t{n}\t{amount}{nulls_3}"
                                f"\tei\t{stamp}\n"
                            )
                            fact_id += 1

                # 가족관계: children of parents aged 25 to 50 (the registry covers citizens).
                if not foreign and 25 <= age <= 50 and rnd() < 0.30:
                    low, high = born + years[22], min(today - 1, born + years[44])
                    stamp = stamps[bits(12)]
                    children = children_counts[bits(24) * 20 >> 24]
                    for child in sorted(
                        low + (bits(24) * (high - low) >> 24) for _ in range(children)
                    ):
                        out.append(
                            f"{fact_id}{of_person}child{nulls_7}\t{iso[child]}\t{n}\t{n}"
                            f"\tfamily\t{stamp}\n"
                        )
                        fact_id += 1

                # 가구 소득인정액 as % of 기준 중위소득 (from 건강보험료), for most people.
                if rnd() < 0.92:
                    income = (income_working if current else income_idle)[bits(10)]
                    out.append(
                        f"{fact_id}{of_person}household_income{nulls_8}\t{income}"
                        f"{income_line_end}{stamps[bits(12)]}\n"
                    )
                    fact_id += 1

                # 워크넷 구직등록: most of the recently separated, some young people without a job.
                registered = -1
                if periods and not current and periods[0][1] >= today - 365:
                    if rnd() < 0.6:
                        registered = min(today, periods[0][1] + 1 + bits(5))
                elif not periods and age < 35 and rnd() < 0.15:
                    registered = today - (bits(24) * 180 >> 24)
                if registered >= 0:
                    out.append(
                        f"{fact_id}{of_person}job_seeker_registration\t{iso[registered]}"
                        f"{nulls_9}\tworknet\t{stamps[bits(12)]}\n"
                    )
                    fact_id += 1
            first_person_id += len(kept)
            self.facts = fact_id - first_fact_id
            yield "".join(out).encode()
            out = []
        if out:
            self.facts = fact_id - first_fact_id
            yield "".join(out).encode()


# --- Loading --------------------------------------------------------------------------------


async def _stream(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    # Each chunk is built while PostgreSQL parses those already in the socket buffers.
    for chunk in chunks:
        yield chunk


async def _person_key_exists(conn: asyncpg.Connection, version: int, key: bytes) -> bool:
    exists: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM people WHERE person_key_version = $1 AND person_key = $2)",
        version,
        key,
    )
    return exists


# Under the loader's lock nobody else inserts, so ids from here on are free; supplying
# them spares PostgreSQL a nextval() per row. The identity sequence is then moved past them.
_FIRST_FREE_ID = {
    "people": """
        SELECT greatest(nextval(pg_get_serial_sequence('people', 'id')),
                        coalesce((SELECT max(id) FROM people), 0) + 1)
    """,
    "person_facts": """
        SELECT greatest(nextval(pg_get_serial_sequence('person_facts', 'id')),
                        coalesce((SELECT max(id) FROM person_facts), 0) + 1)
    """,
}


async def _first_free_id(conn: asyncpg.Connection, table: str) -> int:
    first_id: int = await conn.fetchval(_FIRST_FREE_ID[table])
    return first_id


async def _ids_used_up_to(conn: asyncpg.Connection, table: str, last_id: int) -> None:
    await conn.execute("SELECT setval(pg_get_serial_sequence($1, 'id'), $2)", table, last_id)


async def _drop_indexes_and_keys(conn: asyncpg.Connection) -> list[str]:
    """Drop the indexes and keys of the two tables that nothing else references.

    That is every secondary index, unique and foreign key, and the primary key of
    `person_facts`, but not that of `people`. Returns the statements that restore them as
    the catalog has them, foreign keys last.
    """
    rows = await conn.fetch(
        """
        SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS drop,
               format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname,
                      pg_get_constraintdef(c.oid)) AS restore,
               c.contype = 'f' AS last
        FROM pg_constraint c
        WHERE c.conrelid IN ('people'::regclass, 'person_facts'::regclass)
          AND (c.contype = 'f'
               OR (c.contype IN ('p', 'u') AND NOT EXISTS (
                   SELECT 1 FROM pg_constraint r
                   WHERE r.contype = 'f' AND r.conindid = c.conindid)))
        UNION ALL
        SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid), false
        FROM pg_index i
        WHERE i.indrelid IN ('people'::regclass, 'person_facts'::regclass)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                          WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
        ORDER BY last, restore
        """
    )
    for row in rows:
        await conn.execute(row["drop"])
    # The index builds then sort in memory rather than in temporary files.
    await conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
    return [row["restore"] for row in rows]


async def load_demo_data(
    conn: asyncpg.Connection,
    *,
    people: int,
    seed: int,
    settings: Settings,
    today: date = REFERENCE_DATE,
    rebuild_indexes: bool | None = None,
) -> str:
    """Load `people` synthetic people and their facts in one transaction; a one-line summary.

    The personas come first in the first load into a database. A seed already loaded
    raises ValueError, and so does one whose registration numbers collide; either way
    nothing is written. `rebuild_indexes` (default: for large loads) drops the tables'
    indexes and keys that nothing else references and rebuilds them at the end, which
    locks both tables meanwhile.
    """
    keys = settings.person_key
    version = keys.current_version
    async with conn.transaction():
        # One loader at a time, and no other writer between reserving ids and using them.
        await conn.execute("LOCK TABLE people, person_facts IN SHARE ROW EXCLUSIVE MODE")
        await conn.execute("SET LOCAL statement_timeout = 0")
        personas_loaded = await _person_key_exists(
            conn, version, person_key(keys, persona_registration_number(0))
        )
        population = SyntheticPopulation(
            people=people, seed=seed, keys=keys, with_personas=not personas_loaded, today=today
        )
        first_key = person_key(keys, population.first_random_registration_number())
        if await _person_key_exists(conn, version, first_key):
            raise ValueError(f"demo data with seed {seed} is already loaded; choose another seed")
        first_person_id = await _first_free_id(conn, "people")
        first_fact_id = await _first_free_id(conn, "person_facts")
        if rebuild_indexes is None:
            existing = await conn.fetchval("SELECT count(*) FROM people")
            rebuild_indexes = people >= BULK_LOAD_THRESHOLD and people * 4 >= existing
        restore = await _drop_indexes_and_keys(conn) if rebuild_indexes else []
        try:
            await conn.copy_to_table(
                "people",
                source=_stream(population.people_chunks(first_person_id)),
                columns=_PEOPLE_COLUMNS,
                format="text",
            )
            await conn.copy_to_table(
                "person_facts",
                source=_stream(population.facts_chunks(first_fact_id)),
                columns=_FACT_COLUMNS,
                format="text",
            )
            for statement in restore:
                await conn.execute(statement)
        except asyncpg.UniqueViolationError as exc:
            raise ValueError(
                f"the registration numbers of seed {seed} collide with people already loaded "
                f"(seeds equal modulo 999 share numbers); choose another seed"
            ) from exc
        await _ids_used_up_to(conn, "people", first_person_id + people - 1)
        if population.facts:
            await _ids_used_up_to(conn, "person_facts", first_fact_id + population.facts - 1)
    return f"{people} people, {population.facts} facts"


# --- The personas, found again --------------------------------------------------------------


async def demo_people(conn: asyncpg.Connection) -> list[DemoPerson]:
    """The personas as stored (by name, birth date and phone), in their fixed order."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT ON (d.ordinal) d.ordinal, p.id, p.name, p.birth_date, p.phone_e164,
               p.preferred_language, p.has_smartphone, p.region_code
        FROM unnest($1::text[], $2::date[], $3::text[]) WITH ORDINALITY
             AS d (name, birth_date, phone, ordinal)
        JOIN people p ON p.name = d.name AND p.birth_date = d.birth_date
                     AND p.phone_e164 IS NOT DISTINCT FROM d.phone
        ORDER BY d.ordinal, p.id
        """,
        [p.name for p in PERSONAS],
        [p.birth_date for p in PERSONAS],
        [p.phone for p in PERSONAS],
    )
    return [
        DemoPerson(
            name=row["name"],
            birth_date=row["birth_date"],
            phone=row["phone_e164"],
            language=row["preferred_language"],
            has_smartphone=row["has_smartphone"],
            person_id=row["id"],
            region_code=row["region_code"],
            try_with=PERSONAS[row["ordinal"] - 1].try_with,
        )
        for row in rows
    ]


def _width(text: str) -> int:
    """Columns on a terminal: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_demo_people(people: list[DemoPerson], *, as_json: bool) -> str:
    """A JSON list of objects, or a table for a terminal."""
    if as_json:
        return msgspec.json.format(msgspec.json.encode(people), indent=2).decode()
    if not people:
        return "no demo people yet: load them with `hanchang demo-data`"
    rows = [("id", "name", "born", "phone", "lang", "smartphone", "region", "try with")]
    for p in people:
        born, phone = p.birth_date.isoformat(), p.phone or "-"
        smartphone = "yes" if p.has_smartphone else "no"
        region = f"{p.region_code} {REGION_NAMES.get(p.region_code, '')}".rstrip()
        rows.append(
            (str(p.person_id), p.name, born, phone, p.language, smartphone, region, p.try_with)
        )
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "".join(
            cell + " " * (width - _width(cell) + 2)
            for cell, width in zip(row, widths, strict=False)
        )
        + row[-1]
        for row in rows
    )

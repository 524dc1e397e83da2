"""What the synthetic population is made of: names, regions, ages, employers."""

from __future__ import annotations

import functools
import math
import random
from bisect import bisect
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from server.demo_data.common import (
    _T,
)

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

# Foreign workers (고용허가제 sending countries) by preferred language (a code of the
# language table, i18n/languages.py; Filipinos split between English and Filipino): share
# in percent, surnames, men's and women's given names, written as on alien registration
# cards.
_FOREIGN_NAMES = {
    "vi": (26, "NGUYEN TRAN LE PHAM HOANG PHAN VU DANG BUI DO HO NGO",
           "VAN_AN VAN_BINH VAN_CUONG VAN_DUNG VAN_HAI VAN_HUNG VAN_MINH VAN_NAM DUC_THANH "
           "QUANG_HUY VAN_TUAN",
           "THI_LAN THI_MAI THI_HOA THI_HUONG THI_LINH THI_NGOC THI_PHUONG THI_TRANG THI_THU "
           "THI_HANH"),
    "zh-Hans": (13, "WANG LI ZHANG LIU CHEN YANG ZHAO HUANG ZHOU WU XU SUN",
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
    "mn": (3, "DORJ BAT SUKH ERDENE GANBAATAR BOLD TSEND BAYAR",
           "BAT-ERDENE GANBOLD ENKHBAYAR TEMUULEN BATBAYAR MUNKHBAT",
           "OYUNCHIMEG SARANTUYA ENKHTUYA BOLORMAA NARANTUYA ALTANTSETSEG"),
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

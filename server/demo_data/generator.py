"""The generator: people and facts as COPY text, chunk by chunk, from a seed."""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Iterator
from datetime import date

from auth import person_key
from foundation.settings import PersonKeySettings
from server.demo_data.common import (
    _CHUNK_PEOPLE,
    _N,
    _NULLS_3,
    _NULLS_4,
    _NULLS_7,
    _NULLS_8,
    _NULLS_9,
    MAX_PEOPLE,
    REFERENCE_DATE,
)
from server.demo_data.personas import (
    PERSONAS,
    _persona_fact_line,
    persona_registration_number,
)
from server.demo_data.tables import (
    _FEATURE_PHONE,
    _LANDLINE,
    _employers,
    _tables,
)

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
                # 체불임금 확인: a few of the recently separated are owed wages by the last employer.
                if periods and not current and periods[0][1] >= today - 365 and rnd() < 0.04:
                    _start, end, employer, _code = periods[0]
                    confirmed = min(today - 1, end + 14 + bits(7))
                    out.append(
                        f"{fact_id}{of_person}wage_arrears\t{iso[confirmed]}\t{n}\t{employer}"
                        f"\t{n}\t{n}\t{(1 + bits(4)) * 500_000}{nulls_3}\tlabor\t{stamps[bits(12)]}\n"
                    )
                    fact_id += 1
            first_person_id += len(kept)
            self.facts = fact_id - first_fact_id
            yield "".join(out).encode()
            out = []
        if out:
            self.facts = fact_id - first_fact_id
            yield "".join(out).encode()

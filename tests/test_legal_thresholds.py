"""Every figure of the law the rules compare with, on its edge, through the API's core.

Each case is a pair one day (or one unit) apart: the side the law lets in, and the
side it keeps out. A threshold off by one fails one side of its pair. The figures
come from the catalog (onestop/catalog); the rules read them as in force on the day
asked about, in Python and in SQL alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import asyncpg
import pytest

from onestop import programme_ids as ids
from onestop.catalog import PROGRAMMES, EarlierValue, Figure, Source
from onestop.eligibility.check import (
    EligibilityCheckRequest,
    SuppliedFact,
    check_supplied_facts,
)
from onestop.rules import RULES
from onestop.rules.expr import Expr, Lit, Scope, Threshold, add_months, evaluate, walk
from onestop.rules.expr_sql import SqlCompiler

TODAY = date(2026, 6, 15)
ADULT = date(1986, 3, 2)


def status(
    programme_id: str,
    criterion_id: str,
    *,
    facts: Sequence[SuppliedFact] = (),
    birth_date: date = ADULT,
    as_of: date = TODAY,
) -> str:
    """One criterion's answer, as `POST /v1/eligibility/check` computes it."""
    request = EligibilityCheckRequest(birth_date=birth_date, facts=list(facts), as_of=as_of)
    (answer,) = [
        answer
        for answer in check_supplied_facts(request, as_of)
        if answer.programme_id == programme_id
    ]
    found = {item.id: item.status for item in answer.explained}
    assert criterion_id in found, f"{programme_id} has no criterion {criterion_id}: {found}"
    return found[criterion_id]


def job(first: date, last: date | None, paid_days: int) -> SuppliedFact:
    return SuppliedFact(
        kind="employment_insurance",
        valid_from=first,
        valid_to=last,
        separation_code="23" if last is not None else None,
        paid_base_days=paid_days,
    )


def born_on(age: int, *, turns_next_tomorrow: bool, on: date = TODAY) -> date:
    """A birth date `age` years before `on`: aged exactly `age` with the next birthday
    tomorrow (the last day at that age), or turning `age` today (the first day)."""
    birthday = on + timedelta(days=1) if turns_next_tomorrow else on
    born = add_months(birthday, -12 * (age + (1 if turns_next_tomorrow else 0)))
    assert born.month == birthday.month and born.day == birthday.day
    return born


def figure_value(programme_id: str, figure_id: str, on: date = TODAY) -> int:
    (figure,) = [f for f in PROGRAMMES[programme_id].figures if f.id == figure_id]
    value = figure.value_on(on)
    assert isinstance(value, int)
    return value


# --- 구직급여: 180 paid days in the 18 months before leaving (고용보험법 제40조) ------------

SEPARATED = date(2026, 5, 31)
WINDOW_FIRST_DAY = add_months(SEPARATED, -18)  # 2024-11-30


def test_the_figures_are_the_law_of_2026() -> None:
    """The values these edges are built on (the catalog is their one source)."""
    assert figure_value(ids.UNEMPLOYMENT_BENEFIT, "insured-days-required") == 180
    assert figure_value(ids.UNEMPLOYMENT_BENEFIT, "insured-window") == 18
    assert figure_value(ids.UNEMPLOYMENT_BENEFIT, "claim-period") == 12
    assert figure_value(ids.NATIONAL_EMPLOYMENT_SUPPORT_1, "income-limit") == 60
    assert figure_value(ids.NATIONAL_EMPLOYMENT_SUPPORT_2, "income-limit") == 100


@pytest.mark.parametrize(("paid", "expected"), [(179, "not_met"), (180, "met")])
def test_paid_days_in_the_18_months(paid: int, expected: str) -> None:
    facts = [job(date(2025, 6, 1), SEPARATED, paid)]
    assert status(ids.UNEMPLOYMENT_BENEFIT, "paid-days-18-months", facts=facts) == expected


@pytest.mark.parametrize(
    ("one_day_job", "expected"),
    [
        (WINDOW_FIRST_DAY, "met"),  # the window's first day counts
        (WINDOW_FIRST_DAY - timedelta(days=1), "not_met"),  # the day before does not
    ],
)
def test_the_windows_first_day(one_day_job: date, expected: str) -> None:
    facts = [job(one_day_job, one_day_job, 1), job(date(2025, 6, 1), SEPARATED, 179)]
    assert status(ids.UNEMPLOYMENT_BENEFIT, "paid-days-18-months", facts=facts) == expected


@pytest.mark.parametrize(("paid_on_the_last_day", "expected"), [(1, "met"), (0, "not_met")])
def test_the_windows_last_day(paid_on_the_last_day: int, expected: str) -> None:
    """The day of leaving is the window's last day: a paid day on it counts."""
    facts = [
        job(date(2025, 6, 1), date(2025, 12, 31), 179),
        job(SEPARATED, SEPARATED, paid_on_the_last_day),
    ]
    assert status(ids.UNEMPLOYMENT_BENEFIT, "paid-days-18-months", facts=facts) == expected


@pytest.mark.parametrize(
    "programme_id",
    [
        ids.PARENTAL_LEAVE_BENEFIT,
        ids.REDUCED_HOURS_CHILDCARE_BENEFIT,
        ids.MATERNITY_LEAVE_BENEFIT,
    ],
)
@pytest.mark.parametrize(("paid", "expected"), [(179, "not_met"), (180, "met")])
def test_paid_days_before_a_leave(programme_id: str, paid: int, expected: str) -> None:
    facts = [job(date(2020, 1, 1), date(2023, 12, 31), paid - 1), job(TODAY, None, 1)]
    assert status(programme_id, "paid-days", facts=facts) == expected


# --- Claim periods: ending today (still in time) and yesterday (too late) ----------------------


@pytest.mark.parametrize(("days_late", "expected"), [(0, "met"), (1, "not_met")])
def test_the_unemployment_claim_period(days_late: int, expected: str) -> None:
    left = add_months(TODAY, -12) - timedelta(days=days_late)
    facts = [job(date(2024, 1, 2), left, 400)]
    assert status(ids.UNEMPLOYMENT_BENEFIT, "within-12-months", facts=facts) == expected


def _arrears(confirmed: date) -> SuppliedFact:
    return SuppliedFact(kind="wage_arrears", valid_from=confirmed, amount_krw=3_000_000)


@pytest.mark.parametrize(("days_late", "expected"), [(0, "met"), (1, "not_met")])
def test_the_wage_arrears_claim_periods(days_late: int, expected: str) -> None:
    six_months = [_arrears(add_months(TODAY, -6) - timedelta(days=days_late))]
    assert status(ids.WAGE_ARREARS_SUBSTITUTE, "confirmed-6-months", facts=six_months) == expected
    twelve = [_arrears(add_months(TODAY, -12) - timedelta(days=days_late))]
    assert status(ids.ARREARS_LIVING_COST_LOAN, "arrears-12-months", facts=twelve) == expected


def _child(born: date) -> SuppliedFact:
    return SuppliedFact(kind="child", child_birth_date=born)


@pytest.mark.parametrize(("days_late", "expected"), [(0, "met"), (1, "not_met")])
def test_the_birth_claim_periods(days_late: int, expected: str) -> None:
    maternity = [_child(add_months(TODAY, -12) - timedelta(days=days_late))]
    assert status(ids.MATERNITY_LEAVE_BENEFIT, "birth-12-months", facts=maternity) == expected
    spouse = [_child(TODAY - timedelta(days=120 + days_late))]
    assert status(ids.SPOUSE_MATERNITY_LEAVE_BENEFIT, "birth-120-days", facts=spouse) == expected


@pytest.mark.parametrize(("days_short", "expected"), [(0, "met"), (1, "not_met")])
def test_early_reemployment_periods(days_short: int, expected: str) -> None:
    """12 months in the new job by today; started no more than 24 months ago."""
    left = date(2024, 3, 31)
    stayed = [
        job(date(2020, 1, 1), left, 900),
        job(add_months(TODAY, -12) + timedelta(days=days_short), None, 300),
    ]
    programme = ids.EARLY_REEMPLOYMENT_ALLOWANCE
    assert status(programme, "twelve-months-in-job", facts=stayed) == expected
    started = [
        job(date(2020, 1, 1), date(2024, 1, 31), 900),
        job(add_months(TODAY, -24) - timedelta(days=days_short), None, 500),
    ]
    assert status(programme, "reemployed-recently", facts=started) == expected


# --- Ages (만 나이) at their limits ---------------------------------------------------------

AGE_LIMITS = [
    (ids.NATIONAL_EMPLOYMENT_SUPPORT_1, "age-15-69", 15, 69),
    (ids.NATIONAL_EMPLOYMENT_SUPPORT_2, "age-18-69", 18, 69),
    (ids.TOMORROW_LEARNING_CARD, "age-15-74", 15, 74),
]


@pytest.mark.parametrize(("programme_id", "criterion_id", "youngest", "oldest"), AGE_LIMITS)
def test_ages_at_their_limits(
    programme_id: str, criterion_id: str, youngest: int, oldest: int
) -> None:
    def answer(born: date) -> str:
        return status(programme_id, criterion_id, birth_date=born)

    # Turning the youngest age today: in. The day before that birthday: one year short.
    assert answer(born_on(youngest, turns_next_tomorrow=False)) == "met"
    assert answer(born_on(youngest - 1, turns_next_tomorrow=True)) == "not_met"
    # The last day at the oldest age: in. Turning one more today: out.
    assert answer(born_on(oldest, turns_next_tomorrow=True)) == "met"
    assert answer(born_on(oldest + 1, turns_next_tomorrow=False)) == "not_met"


def _income(percentile: float) -> SuppliedFact:
    return SuppliedFact(kind="household_income", income_percentile=percentile, reference_year=2026)


@pytest.mark.parametrize(("age", "expected"), [(34, "met"), (35, "not_met")])
def test_the_youth_age_limit_of_type_2(age: int, expected: str) -> None:
    """Aged 18 to 34, the income test does not apply; from 35 it does."""
    born = born_on(age, turns_next_tomorrow=age == 34)
    answer = status(
        ids.NATIONAL_EMPLOYMENT_SUPPORT_2, "income-100", birth_date=born, facts=[_income(150)]
    )
    assert answer == expected


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (born_on(17, turns_next_tomorrow=True), "not_met"),
        (born_on(18, turns_next_tomorrow=False), "met"),
        (born_on(34, turns_next_tomorrow=True), "met"),
        (born_on(35, turns_next_tomorrow=False), "not_met"),
    ],
)
def test_the_youth_ages_that_need_no_work_history(born: date, expected: str) -> None:
    answer = status(ids.NATIONAL_EMPLOYMENT_SUPPORT_1, "work-experience", birth_date=born)
    assert answer == expected


@pytest.mark.parametrize(("paid", "expected"), [(99, "not_met"), (100, "met")])
def test_days_of_work_in_the_last_2_years(paid: int, expected: str) -> None:
    facts = [job(date(2025, 1, 1), date(2025, 12, 31), paid)]
    answer = status(ids.NATIONAL_EMPLOYMENT_SUPPORT_1, "work-experience", facts=facts)
    assert answer == expected


# --- Income as a share of the median ------------------------------------------------------------


@pytest.mark.parametrize(
    ("programme_id", "criterion_id", "percentile", "expected"),
    [
        (ids.NATIONAL_EMPLOYMENT_SUPPORT_1, "income-60", 60, "met"),
        (ids.NATIONAL_EMPLOYMENT_SUPPORT_1, "income-60", 61, "not_met"),
        (ids.NATIONAL_EMPLOYMENT_SUPPORT_2, "income-100", 100, "met"),
        (ids.NATIONAL_EMPLOYMENT_SUPPORT_2, "income-100", 101, "not_met"),
    ],
)
def test_income_at_the_limit(
    programme_id: str, criterion_id: str, percentile: int, expected: str
) -> None:
    answer = status(programme_id, criterion_id, facts=[_income(percentile)])
    assert answer == expected


# --- A child's age and school year at the limit --------------------------------------------------


@pytest.mark.parametrize(
    ("programme_id", "criterion_id", "age"),
    [
        (ids.PARENTAL_LEAVE_BENEFIT, "child-8", 8),
        (ids.REDUCED_HOURS_CHILDCARE_BENEFIT, "child-12", 12),
    ],
)
def test_a_childs_age_at_the_limit(programme_id: str, criterion_id: str, age: int) -> None:
    # In June the school year does not let in a child born the year before, so age decides.
    last_day = [_child(born_on(age, turns_next_tomorrow=True))]
    assert status(programme_id, criterion_id, facts=last_day) == "met"
    too_old = [_child(born_on(age + 1, turns_next_tomorrow=False))]
    assert status(programme_id, criterion_id, facts=too_old) == "not_met"


@pytest.mark.parametrize(
    ("programme_id", "criterion_id", "grade"),
    [
        (ids.PARENTAL_LEAVE_BENEFIT, "child-8", 2),
        (ids.REDUCED_HOURS_CHILDCARE_BENEFIT, "child-12", 6),
    ],
)
def test_a_childs_school_year_at_the_limit(
    programme_id: str, criterion_id: str, grade: int
) -> None:
    """In February 2027 the school year is still 2026's: children born in 2026 - 6 - grade
    are in that grade (and older than the age limit); those born a day earlier are not."""
    february = date(2027, 2, 28)
    first_born = date(2026 - 6 - grade, 1, 1)
    in_grade = [_child(first_born)]
    assert status(programme_id, criterion_id, facts=in_grade, as_of=february) == "met"
    a_year_above = [_child(first_born - timedelta(days=1))]
    assert status(programme_id, criterion_id, facts=a_year_above, as_of=february) == "not_met"
    # On 1 March the new school year begins: the same child has moved up a grade.
    march = date(2027, 3, 1)
    assert status(programme_id, criterion_id, facts=in_grade, as_of=march) == "not_met"


# --- A figure that the law changed ---------------------------------------------------------------


def test_an_answer_for_an_earlier_day_uses_the_figure_then() -> None:
    """The reduced-hours child limit went from 8 to 12 on 2025-02-23, the spouse's
    window from 90 to 120 days: the catalog keeps both values, each with its date."""
    changed = date(2025, 2, 23)
    programme = ids.REDUCED_HOURS_CHILDCARE_BENEFIT
    assert figure_value(programme, "child-age-max", changed - timedelta(days=1)) == 8
    assert figure_value(programme, "child-age-max", changed) == 12
    ten_years_old = [_child(date(2015, 1, 10))]
    before = status(programme, "child-8", facts=ten_years_old, as_of=changed - timedelta(days=1))
    assert before == "not_met"
    assert status(programme, "child-12", facts=ten_years_old, as_of=changed) == "met"

    spouse = ids.SPOUSE_MATERNITY_LEAVE_BENEFIT
    for as_of, criterion_id, expected in [
        (date(2024, 6, 1), "birth-90-days", "not_met"),
        (date(2025, 6, 1), "birth-120-days", "met"),
    ]:
        born_100_days_ago = [_child(as_of - timedelta(days=100))]
        assert status(spouse, criterion_id, facts=born_100_days_ago, as_of=as_of) == expected


LATER = date(2027, 1, 1)
CHANGED_FIGURE = Figure(
    id="insured-days-required",
    label="Paid days of insurance needed",
    value=200,
    unit="days",
    source=Source(title="A later amendment"),
    holds_from=LATER,
    earlier=(EarlierValue(value=180, holds_from=date(2019, 10, 1)),),
)


def _paid_days_test(paid: int) -> Expr:
    return Lit(paid) >= Threshold(ids.UNEMPLOYMENT_BENEFIT, CHANGED_FIGURE)


@pytest.mark.parametrize(
    ("as_of", "paid", "expected"),
    [
        (LATER - timedelta(days=1), 180, True),  # the old figure until the change
        (LATER, 180, False),  # the new one from its first day
        (LATER, 200, True),
        (LATER, 199, False),
        (date(2019, 9, 30), 500, None),  # before any value we know: unknown, never a guess
    ],
)
async def test_a_figure_changed_later_gives_the_new_answer_after_and_the_old_before(
    owner_conn: asyncpg.Connection, as_of: date, paid: int, expected: bool | None
) -> None:
    """One edit in the catalog — a new value with its date — and both back ends follow."""
    test = _paid_days_test(paid)
    python = evaluate(test, Scope(as_of=as_of, person={}, features={}))
    params: list[object] = [as_of]
    compiler = SqlCompiler(params, lambda node: "NULL")
    # ($1, the evaluation date, is selected too so that PostgreSQL knows its type.)
    row = await owner_conn.fetchrow(f"SELECT {compiler.sql(test)} AS answer, $1::date", *params)
    assert row is not None
    sql = row["answer"]
    assert python is expected
    assert sql is expected


# --- The catalog is the one source -----------------------------------------------------------------


def test_each_criterion_says_the_figure_it_reads() -> None:
    """A criterion's text states its figures ("180 paid-base days", "aged 15 to 69"). A
    change of a figure that a text states fails here until a rule version says the new
    number (the texts are translated, so they name numbers rather than fill them in)."""
    checked = 0
    for rule in RULES.values():
        for version in rule.versions:
            for criterion in version.criteria:
                for node in walk(criterion.test):
                    if not isinstance(node, Threshold):
                        continue
                    days = (
                        {version.effective_from}
                        | {past.holds_from for past in node.figure.earlier}
                        | {node.figure.holds_from}
                    )
                    for day in days:
                        if not version.applies_on(day):
                            continue
                        value = node.figure.value_on(day)
                        said = {str(value)}
                        if node.figure.unit == "months" and value and value % 12 == 0:
                            said.add(f"{value // 12} years")
                        assert any(words in criterion.text for words in said), (
                            f"{rule.programme_id}@{version.effective_from} {criterion.id}: "
                            f"{node.figure.id} is {value} from {day}, the text says "
                            f"{criterion.text!r}"
                        )
                        checked += 1
    assert checked >= 20
